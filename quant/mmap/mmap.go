// Package mmap maps a model file read-only into memory so that tensors can be
// used in place, without copying them onto the Go heap.
//
// golang.org/x/exp/mmap only offers a copying ReaderAt, which would double the
// resident memory of a 3 GB model on a 4 GB board; this package hands out the
// mapping itself. On systems without mmap the file is read into memory.
package mmap

import (
	"errors"
	"fmt"
	"os"
)

// ErrClosed is returned by Bytes after Close.
var ErrClosed = errors.New("mmap: file is closed")

// File is a read-only view of a whole file. The bytes returned by Bytes are
// valid until Close; touching them afterwards faults, so owners must make sure
// no view outlives the File.
type File struct {
	path   string
	data   []byte
	mapped bool // data came from mmap and must be unmapped
}

// Open maps path read-only. An empty file maps to an empty slice.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("mmap: %s: not a regular file", path)
	}
	size := st.Size()
	if size == 0 {
		return &File{path: path, data: []byte{}}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("mmap: %s: %d bytes do not fit in the address space", path, size)
	}
	data, mapped, err := mapFile(f, int(size))
	if err != nil {
		return nil, fmt.Errorf("mmap: %s: %w", path, err)
	}
	return &File{path: path, data: data, mapped: mapped}, nil
}

// Path returns the file name given to Open.
func (m *File) Path() string { return m.path }

// Len returns the file size in bytes, or 0 after Close.
func (m *File) Len() int { return len(m.data) }

// Bytes returns the mapped file.
func (m *File) Bytes() ([]byte, error) {
	if m.data == nil {
		return nil, fmt.Errorf("%s: %w", m.path, ErrClosed)
	}
	return m.data, nil
}

// Close unmaps the file. It is safe to call more than once.
func (m *File) Close() error {
	if m.data == nil {
		return nil
	}
	data := m.data
	m.data = nil
	if m.mapped {
		if err := unmap(data); err != nil {
			return fmt.Errorf("mmap: %s: %w", m.path, err)
		}
	}
	return nil
}

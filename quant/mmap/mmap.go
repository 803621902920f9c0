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

// pageSize is the unit Release works in.
var pageSize = os.Getpagesize()

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

// Release tells the kernel that the bytes [off, off+n) will not be read
// soon, so that their pages leave the process's resident set. They stay in
// the page cache and the bytes stay valid: reading them again faults them
// back in (from the cache, or from disk under memory pressure). Only pages
// wholly inside the range are dropped, so a neighbouring range that shares
// an edge page keeps it. It does nothing where the file was read into
// memory instead of mapped, and for an empty range.
func (m *File) Release(off, n int) error {
	if m.data == nil {
		return fmt.Errorf("%s: %w", m.path, ErrClosed)
	}
	if off < 0 || n < 0 || off > len(m.data)-n {
		return fmt.Errorf("mmap: %s: release [%d, %d+%d) is outside the %d-byte file", m.path, off, off, n, len(m.data))
	}
	if !m.mapped || n == 0 {
		return nil
	}
	// The mapping starts on a page boundary, so offsets round like
	// addresses.
	page := pageSize
	start := (off + page - 1) / page * page
	end := (off + n) / page * page
	if end <= start {
		return nil
	}
	if err := dropPages(m.data[start:end]); err != nil {
		return fmt.Errorf("mmap: %s: release [%d, %d): %w", m.path, start, end, err)
	}
	return nil
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

//go:build !unix

package mmap

import (
	"io"
	"os"
)

// mapFile reads the file into memory where there is no mmap: correct, but it
// costs the file's size in heap.
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, false, err
	}
	return data, false, nil
}

func unmap([]byte) error { return nil }

// dropPages is never reached: Release only drops pages of a mapping.
func dropPages([]byte) error { return nil }

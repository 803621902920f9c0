//go:build unix

package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

func mapFile(f *os.File, size int) ([]byte, bool, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func unmap(data []byte) error { return unix.Munmap(data) }

// dropPages is madvise(MADV_DONTNEED): on a shared read-only file mapping it
// unmaps the pages from this process and nothing else, since the page cache
// keeps their contents.
func dropPages(b []byte) error { return unix.Madvise(b, unix.MADV_DONTNEED) }

package convert

import (
	"os"
	"syscall"
	"unsafe"
)

// dropPages tells the kernel that the mapped checkpoint bytes b will not be
// read again, so that the pages a conversion has streamed through leave the
// process's resident set instead of adding up to the whole checkpoint (they
// stay in the page cache; a later read faults them back in). Only pages
// wholly inside b are dropped: a neighbour tensor may share the edge pages.
func dropPages(b []byte) {
	if len(b) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (addr + page - 1) / page * page
	end := (addr + uintptr(len(b))) / page * page
	if end > start {
		lo, hi := start-addr, end-addr
		// Advice only: an error changes nothing for correctness.
		_ = syscall.Madvise(b[lo:hi], syscall.MADV_DONTNEED)
	}
}

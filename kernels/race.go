//go:build race

package kernels

import (
	"runtime"
	"unsafe"
)

// Assembly kernels read and write memory out of the race detector's sight.
// Under -race, the functions below declare those accesses before a kernel
// runs, so that a data race on a weight, activation or output buffer between
// pool workers (or with the caller) is still reported. Without -race they
// are empty and vanish when inlined (norace.go).

func raceReadBytes(b []byte) {
	if len(b) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(b)), len(b))
	}
}

func raceReadFloats(f []float32) {
	if len(f) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(f)), 4*len(f))
	}
}

func raceWriteFloats(f []float32) {
	if len(f) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(f)), 4*len(f))
	}
}

func raceWriteBytes(b []byte) {
	if len(b) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(b)), len(b))
	}
}

func raceReadU16(h []uint16) {
	if len(h) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(h)), 2*len(h))
	}
}

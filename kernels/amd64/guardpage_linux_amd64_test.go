//go:build !purego

package amd64

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guarded maps n bytes (a whole number of pages) of read-write memory with an
// inaccessible page on each side, so that a kernel reading or writing one
// byte before or after its arguments faults.
func guarded(t *testing.T, n int) []byte {
	t.Helper()
	ps := syscall.Getpagesize()
	n = (n + ps - 1) / ps * ps
	m, err := syscall.Mmap(-1, 0, n+2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	if err := syscall.Mprotect(m[:ps], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	if err := syscall.Mprotect(m[ps+n:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	return m[ps : ps+n : ps+n]
}

// atEnd and atStart place k bytes (k elements of T) at the end or the start
// of a guarded region.
func atEnd(b []byte, k int) []byte   { return b[len(b)-k:] }
func atStart(b []byte, k int) []byte { return b[:k:k] }

func asF32(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func asU16(b []byte) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2)
}

// TestGuardPages runs every kernel with its inputs and outputs flush against
// an inaccessible page, after and before: weights are mmapped and may end at
// the end of the mapping, so no kernel may touch a byte past its blocks.
func TestGuardPages(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(9, 9))
	wreg := guarded(t, 64<<10)
	areg := guarded(t, 16<<10)
	for _, place := range []func([]byte, int) []byte{atEnd, atStart} {
		forEachSet(t, func(t *testing.T, ks kernelSet) {
			for _, nb := range []int{0, 1, 2, 3, 5, 8, 33} {
				for _, q := range []struct {
					bb int
					x4 dotX4
					x1 dotX1
				}{{18, ks.q4x4, ks.q4x1}, {34, ks.q8x4, ks.q8x1}} {
					row := nb * q.bb
					stride := row + 5
					w := place(wreg, 3*stride+row)
					a := place(areg, nb*34)
					for i := range w {
						w[i] = byte(r.Uint32())
					}
					fillQ8(r, a, nb, modeRandom, true)
					var out [4]float32
					q.x4(&out, w, stride, a, nb)
					q.x1(place(wreg, row), a, nb)
				}
			}
		})
		for n := range 70 {
			x := asF32(place(areg, 4*n))
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			DotF16F32AVX2(asU16(place(wreg, 2*n)), x)
			DotF32AVX2(asF32(place(wreg, 4*n)), x)
			// The F32 micro-kernel: three weight rows with a stride of
			// n+1, the last ending at the guard, two activation rows.
			w := asF32(place(wreg, 4*(3*n+2)))
			a := asF32(place(areg, 4*(2*n+1)))
			var out [6]float32
			DotF32x3xMAVX2(out[:], 3, w, n+1, a, n+1, 2, n)
			// The vector math reads and writes its last 1..7 values with
			// VMASKMOVPS, which must not touch the lanes past the end.
			d := asF32(place(wreg, 4*n))
			ExpF32AVX2(d, x)
			GELUTanhF32AVX2(d, x)
			SoftmaxScaledF32AVX2(x, 0.125)
		}
		for nb := range 10 {
			x := asF32(place(areg, 128*nb))
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			QuantizeQ8_0AVX2(place(wreg, 34*nb), x)
		}
	}
}

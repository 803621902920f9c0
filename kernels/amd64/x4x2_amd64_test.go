//go:build !purego

package amd64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// dotX4x2 is the shape of the MatMul micro-kernels that take activation
// rows in pairs (gemm_avx2_amd64.s, vnni_amd64.h).
type dotX4x2 func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// x4x2Sets pairs each kernel set of kernelSets with its micro-kernels.
func x4x2Sets() map[string][2]dotX4x2 {
	return map[string][2]dotX4x2{
		"avx2":          {DotQ4_0Q8_0x4x2AVX2, DotQ8_0Q8_0x4x2AVX2},
		"avx-vnni":      {DotQ4_0Q8_0x4x2AVXVNNI, DotQ8_0Q8_0x4x2AVXVNNI},
		"avx512-vnni":   {DotQ4_0Q8_0x4x2AVX512VNNI, DotQ8_0Q8_0x4x2AVX512VNNI},
		"vnni-emulated": {dotQ4_0Q8_0x4x2VNNIEmu, dotQ8_0Q8_0x4x2VNNIEmu},
	}
}

// TestDotX4x2 checks every micro-kernel against the four-row kernel of its
// set, bit for bit, on every output: 0..3 pairs of activation rows, every
// nb in nbs, every mode (activations of −128 included: the AVX2 Q8_0 pair
// kernel applies VPSIGNB the way its x4 kernel does, so it reproduces even
// that one inexact case), misaligned inputs, weight strides longer than a
// row with junk between the rows, and an output stride with guard values
// around and between the output rows.
func TestDotX4x2(t *testing.T) {
	x4x2 := x4x2Sets()
	forEachSet(t, func(t *testing.T, ks kernelSet) {
		k := x4x2[ks.name]
		t.Run("Q4_0", func(t *testing.T) { testX4x2(t, 18, fillQ4, k[0], ks.q4x4) })
		fill := func(r *rand.Rand, dst []byte, nb int, m mode) { fillQ8(r, dst, nb, m, false) }
		t.Run("Q8_0", func(t *testing.T) { testX4x2(t, 34, fill, k[1], ks.q8x4) })
	})
}

func testX4x2(t *testing.T, blockBytes int, fillW func(*rand.Rand, []byte, int, mode), x2 dotX4x2, x4 dotX4) {
	r := rand.New(rand.NewPCG(31, uint64(blockBytes)))
	for _, m := range modes {
		for _, nb := range nbs {
			for _, pairs := range []int{0, 1, 3} {
				row := nb * blockBytes
				off := r.IntN(4)
				stride := row + []int{0, 5}[r.IntN(2)]
				wbuf := make([]byte, off+3*stride+row)
				for i := range wbuf {
					wbuf[i] = byte(r.Uint32()) // junk between rows
				}
				w := wbuf[off:]
				for rr := range 4 {
					fillW(r, w[rr*stride:], nb, m)
				}
				n := 2 * pairs
				abuf := make([]byte, off+n*nb*34)
				a := abuf[off:]
				fillQ8(r, a, n*nb, m, true)
				w0, a0 := slices.Clone(w), slices.Clone(a)
				where := fmt.Sprintf("%v nb=%d pairs=%d stride=%d", m, nb, pairs, stride)
				checkPairs(t, where, n, func(out []float32, ldo int) { x2(out, ldo, w, stride, a, pairs, nb) },
					func(i int) (want [4]float32) { x4(&want, w, stride, a[i*nb*34:], nb); return want })
				if !slices.Equal(w, w0) || !slices.Equal(a, a0) {
					t.Fatalf("%s: inputs modified", where)
				}
			}
		}
	}
}

// checkPairs runs call on an output of n activation rows with row stride
// ldo = 7, guard values around and between the rows, and checks that
// every output (i, r) has the bits of x4(i)[r] and nothing else was
// written.
func checkPairs(t *testing.T, where string, n int, call func(out []float32, ldo int), x4 func(i int) [4]float32) {
	t.Helper()
	const guard = 0x7fc0dead // a NaN that no kernel writes
	const ldo = 7
	outBuf := make([]float32, 2+n*ldo)
	for i := range outBuf {
		outBuf[i] = math.Float32frombits(guard)
	}
	call(outBuf[1:], ldo)
	for i, v := range outBuf {
		k := i - 1
		if k < 0 || k%ldo >= 4 || k/ldo >= n {
			if math.Float32bits(v) != guard {
				t.Fatalf("%s: wrote outside the outputs at %d", where, k)
			}
			continue
		}
		if want := x4(k / ldo)[k%ldo]; math.Float32bits(v) != math.Float32bits(want) {
			t.Errorf("%s: activation row %d weight row %d: got %v, want x4's %v", where, k/ldo, k%ldo, v, want)
		}
	}
}

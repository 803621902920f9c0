package kernels

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// microKernel names the MatMul micro-kernel of a blockDot under test.
func (k blockDot) xm(im Impl) func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int) {
	if k.wBytes == blockBytesQ4_0 {
		return im.DotQ4_0Q8_0x4xM
	}
	return im.DotQ8_0Q8_0x4xM
}

// TestMicroKernels runs the MatMul micro-kernels (DotQ4_0Q8_0x4xM,
// DotQ8_0Q8_0x4xM) of every Impl for m = 1..9 activation rows (odd counts and
// counts past every register block), row lengths from 0 to past the unrolls
// and long rows, all kinds of scales (subnormal, largest, ±0, ±Inf, NaN) and
// quants (int8 −128/127, nibbles 0/15), weight strides longer than a row,
// output strides longer than four, and misaligned inputs. Each output must
// equal the same Impl's four-row kernel for that activation row bit for bit
// (what makes MatMul equal MatVec), and Generic within the accuracy
// contract; no value of out outside the m×4 tile may change, and the inputs
// must not. Activation bytes include −128, which QuantizeQ8_0 writes only for
// non-finite inputs: the equality with the x4 kernel must hold for them too,
// the comparison with Generic is skipped (the AVX2 Q8_0 kernels cannot
// negate −128, see kernels/amd64).
func TestMicroKernels(t *testing.T) {
	scaleKinds := []scaleKind{scalesNormal, scalesSubnormal, scalesLarge, scalesMixed, scalesNonFinite}
	valueKinds := []valueKind{valuesRandom, valuesMax, valuesMin, valuesExtremes}
	counts := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 36}
	for _, k := range blockDots {
		t.Run(k.name, func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, im Impl) {
				xm, x4 := k.xm(im), k.x4(im)
				ref4 := k.x4(Generic)
				r := newRand(41)
				for _, nb := range counts {
					for m := 1; m <= 9; m++ {
						for _, sk := range scaleKinds {
							vk := valueKinds[r.IntN(len(valueKinds))]
							rawAct := r.IntN(4) == 0 // activation bytes may be −128
							checkMicroKernel(t, r, k, xm, x4, ref4, nb, m, sk, vk, rawAct)
						}
					}
				}
			})
		})
	}
}

func checkMicroKernel(t *testing.T, r *rand.Rand, k blockDot,
	xm func([]float32, int, []byte, int, []byte, int, int),
	x4, ref4 func(*[4]float32, []byte, int, []byte, int),
	nb, m int, sk scaleKind, vk valueKind, rawAct bool) {
	t.Helper()
	rowBytes := nb * k.wBytes
	extra := []int{0, 1, 37}[r.IntN(3)]
	stride := rowBytes + extra
	rows := make([]byte, 4*stride)
	for i := range 4 {
		copy(rows[i*stride:], k.gen(r, nb, sk, vk))
	}
	ab := nb * blockBytesQ8_0
	a := make([]byte, m*ab)
	for i := range m {
		blk := randQ8_0(r, nb, sk, vk, true)
		if rawAct {
			for b := range nb {
				for j := 2; j < blockBytesQ8_0; j++ {
					if r.IntN(3) == 0 {
						blk[b*blockBytesQ8_0+j] = byte(r.IntN(256))
					}
				}
			}
		}
		copy(a[i*ab:], blk)
	}
	ldo := 4 + []int{0, 1, 3}[r.IntN(3)]
	off := misalignments[r.IntN(len(misalignments))]
	what := fmt.Sprintf("nb=%d m=%d scales=%s values=%s raw=%v stride=+%d ldo=%d offset=%d", nb, m, sk, vk, rawAct, extra, ldo, off)
	w, as := placeBytes(rows, off), placeBytes(a, off)

	// The tile is out[i*ldo+r], i < m, r < 4, in a buffer of m*ldo values
	// (the last row only four long) with sentinel guards around it.
	n := (m-1)*ldo + 4
	out, check := guardedFloats(n, 1)
	for i := range out {
		out[i] = math.Float32frombits(sentinel)
	}
	xm(out, ldo, w, stride, as, m, nb)
	check(t, what+": out")
	for i := range m {
		act := a[i*ab : (i+1)*ab]
		var want, gen [4]float32
		x4(&want, rows, stride, act, nb)
		ref4(&gen, rows, stride, act, nb)
		for c := range ldo {
			j := i*ldo + c
			if j >= n {
				break
			}
			got := out[j]
			if c >= 4 {
				if math.Float32bits(got) != sentinel {
					t.Fatalf("%s: out[%d] between rows %d and %d written: %v", what, j, i, i+1, got)
				}
				continue
			}
			if math.Float32bits(got) != math.Float32bits(want[c]) && !(got != got && want[c] != want[c]) {
				t.Fatalf("%s: out[%d][%d] = %v (%#x), x4 kernel %v (%#x)", what, i, c, got, math.Float32bits(got), want[c], math.Float32bits(want[c]))
			}
			if rawAct {
				continue
			}
			_, abs := blockTerms(k.wt, rows[c*stride:c*stride+rowBytes], act, nb)
			if bound := blockDotBound(nb, abs); !closeBlockDot(got, gen[c], bound) {
				t.Fatalf("%s: out[%d][%d] = %v, Generic %v (bound %g)", what, i, c, got, gen[c], bound)
			}
		}
	}
	if !bytes.Equal(w, rows) || !bytes.Equal(as, a) {
		t.Fatalf("%s: inputs modified", what)
	}
}

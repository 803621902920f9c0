package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameFloat reports whether two results are the same bits, or both NaN
// (NaN payloads may differ between the x86 FMA's operand orders).
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// gemmLens are the row lengths of the F32 micro-kernel tests: every length
// through two 32-value unrolls (every tail of the 8- and 32-value loops of
// AVX2 and the 4- and 16-value loops of NEON), SigLIP's head widths and
// token counts, and long rows.
var gemmLens = func() []int {
	var n []int
	for i := range 70 {
		n = append(n, i)
	}
	return append(n, 127, 128, 129, 196, 255, 1000)
}()

// TestDotF32x3xM runs the F32 micro-kernel of every Impl for m = 1..9
// activation rows, every row length in gemmLens, row strides longer than a
// row, output strides longer than three, misaligned inputs, and values that
// include subnormals, ±Inf and NaN: each output must equal the same Impl's
// DotF32 of its two rows bit for bit (what makes MatMul equal MatVec), and
// Generic's within dotBound; no value of out outside the m×3 tile may
// change, and the inputs must not.
func TestDotF32x3xM(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(51)
		for _, k := range gemmLens {
			for m := 1; m <= 9; m++ {
				checkDotF32x3xM(t, r, im, m, k, r.IntN(6) == 0)
			}
		}
	})
}

func checkDotF32x3xM(t *testing.T, r *rand.Rand, im Impl, m, k int, specials bool) {
	t.Helper()
	ldw := k + []int{0, 1, 5}[r.IntN(3)]
	lda := k + []int{0, 3, 8}[r.IntN(3)]
	ldo := 3 + []int{0, 1, 4}[r.IntN(3)]
	off := misalignments[r.IntN(len(misalignments))]
	what := fmt.Sprintf("m=%d k=%d ldw=%d lda=%d ldo=%d offset=%d specials=%v", m, k, ldw, lda, ldo, off, specials)
	w := randFloats(r, 2*ldw+k, 1)
	a := randFloats(r, (m-1)*lda+k, 1)
	if specials {
		vals := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0x1p-149, -0x1p-130, 3e38}
		for range 3 {
			if len(a) > 0 {
				a[r.IntN(len(a))] = vals[r.IntN(len(vals))]
			}
			if len(w) > 0 {
				w[r.IntN(len(w))] = vals[r.IntN(len(vals))]
			}
		}
	}
	w0, a0 := append([]float32(nil), w...), append([]float32(nil), a...)
	ws, as := placeFloats(w, off), placeFloats(a, off)
	n := (m-1)*ldo + 3
	out, check := guardedFloats(n, 1)
	for i := range out {
		out[i] = math.Float32frombits(sentinel)
	}
	im.DotF32x3xM(out, ldo, ws, ldw, as, lda, m, k)
	check(t, what+": out")
	for i := range m {
		x := a0[i*lda : i*lda+k]
		for c := range ldo {
			j := i*ldo + c
			if j >= n {
				break
			}
			got := out[j]
			if c >= 3 {
				if math.Float32bits(got) != sentinel {
					t.Fatalf("%s: out[%d] between rows %d and %d written: %v", what, j, i, i+1, got)
				}
				continue
			}
			wr := w0[c*ldw : c*ldw+k]
			if want := im.DotF32(wr, x); !sameFloat(got, want) {
				t.Fatalf("%s: out[%d][%d] = %v (%#x), DotF32 %v (%#x)", what, i, c, got, math.Float32bits(got), want, math.Float32bits(want))
			}
			var abs float64
			for q := range wr {
				abs += math.Abs(float64(wr[q]) * float64(x[q]))
			}
			if gen := Generic.DotF32(wr, x); !specials && !closeDot(got, gen, dotBound(k, abs)) {
				t.Fatalf("%s: out[%d][%d] = %v, Generic %v", what, i, c, got, gen)
			}
		}
	}
	if !equalBits(ws, w0) || !equalBits(as, a0) {
		t.Fatalf("%s: inputs modified", what)
	}
}

// TestGemmF32 checks the exported GemmF32 against DotF32 of the active
// Impl, bit for bit, on the attention shapes of SigLIP (with row strides
// wider than k, as a head's columns are read in place) and odd ones, with
// guards around the output rows.
func TestGemmF32(t *testing.T) {
	shapes := []struct{ m, n, k, lda, ldb, ldo int }{
		{1, 1, 1, 1, 1, 1}, {5, 7, 9, 9, 9, 7}, {9, 4, 64, 768, 768, 10},
		{196, 196, 64, 768, 1536, 196}, {196, 64, 196, 196, 196, 768},
		{64, 64, 64, 768, 768, 64}, {3, 5, 0, 0, 0, 5}, {700, 3, 17, 20, 19, 3},
	}
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(52)
		for _, sh := range shapes {
			what := fmt.Sprintf("%+v", sh)
			a := randFloats(r, (sh.m-1)*sh.lda+sh.k, 1)
			b := randFloats(r, (sh.n-1)*sh.ldb+sh.k, 1)
			out, check := guardedFloats((sh.m-1)*sh.ldo+sh.n, 1)
			for i := range out {
				out[i] = math.Float32frombits(sentinel)
			}
			GemmF32(out, sh.ldo, a, sh.lda, b, sh.ldb, sh.m, sh.n, sh.k)
			check(t, what)
			for i := range sh.m {
				for j := range sh.ldo {
					if i*sh.ldo+j >= len(out) {
						break
					}
					got := out[i*sh.ldo+j]
					if j >= sh.n {
						if math.Float32bits(got) != sentinel {
							t.Fatalf("%s: out[%d][%d] past n written", what, i, j)
						}
						continue
					}
					want := im.DotF32(a[i*sh.lda:i*sh.lda+sh.k], b[j*sh.ldb:j*sh.ldb+sh.k])
					if !sameFloat(got, want) {
						t.Fatalf("%s: out[%d][%d] = %v, DotF32 %v", what, i, j, got, want)
					}
				}
			}
		}
	})
}

// TestGemmF32Panics checks that bad dimensions, strides and lengths panic
// with a message rather than reading out of bounds.
func TestGemmF32Panics(t *testing.T) {
	buf := make([]float32, 100)
	cases := []struct {
		name string
		f    func()
	}{
		{"negative m", func() { GemmF32(buf, 4, buf, 4, buf, 4, -1, 2, 4) }},
		{"lda < k", func() { GemmF32(buf, 4, buf, 3, buf, 4, 2, 2, 4) }},
		{"ldo < n", func() { GemmF32(buf, 1, buf, 4, buf, 4, 2, 2, 4) }},
		{"short a", func() { GemmF32(buf, 4, buf[:5], 4, buf, 4, 2, 2, 4) }},
		{"short b", func() { GemmF32(buf, 4, buf, 4, buf[:7], 4, 2, 2, 4) }},
		{"short out", func() { GemmF32(buf[:5], 4, buf, 4, buf, 4, 2, 2, 4) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("GemmF32 with %s did not panic", c.name)
				}
			}()
			c.f()
		})
	}
	GemmF32(nil, 0, nil, 0, nil, 0, 0, 5, 3) // m = 0: nothing to do, no panic
}

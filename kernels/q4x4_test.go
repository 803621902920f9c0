package kernels

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"lookout/quant"
)

// repackGroup returns the Q4_0_4_4 form of four Q4_0 rows of nb blocks each,
// stored one after another in rows.
func repackGroup(t *testing.T, rows []byte, nb int) []byte {
	t.Helper()
	g := make([]byte, len(rows))
	if err := quant.RepackQ4_0_4x4(g, rows, 4, nb*blockLen); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestQ4x4Kernels runs the Q4_0_4_4 kernels of every Impl
// (DotQ4_0_4x4Q8_0 and its micro-kernel DotQ4_0_4x4Q8_0xM) on row groups of
// 0 to 36 blocks (past every unroll and its tails), all kinds of scales and
// quants, m = 1..9 activation rows (some with raw bytes −128), output
// strides longer than four and misaligned inputs. Each output must have
// the bits the same Impl's DotQ4_0Q8_0x4 gives for the rows in Q4_0 form
// (both NaN counts as equal), the micro-kernel must equal the x4 kernel,
// nothing outside the tile may be written, and the inputs must not change.
// Generic's kernel must equal Generic's row-major one, which is the
// reference of every other Impl's (TestBlockDots, TestMicroKernels).
func TestQ4x4Kernels(t *testing.T) {
	scaleKinds := []scaleKind{scalesNormal, scalesSubnormal, scalesLarge, scalesMixed, scalesNonFinite}
	valueKinds := []valueKind{valuesRandom, valuesMax, valuesMin, valuesExtremes}
	counts := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 36}
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(44)
		for _, nb := range counts {
			for _, sk := range scaleKinds {
				for m := 1; m <= 9; m += 1 + r.IntN(3) {
					vk := valueKinds[r.IntN(len(valueKinds))]
					rb := nb * blockBytesQ4_0
					rows := make([]byte, 4*rb)
					for i := range 4 {
						copy(rows[i*rb:], randQ4_0(r, nb, sk, vk))
					}
					group := repackGroup(t, rows, nb)
					ab := nb * blockBytesQ8_0
					a := make([]byte, m*ab)
					for i := range m {
						blk := randQ8_0(r, nb, sk, vk, true)
						if r.IntN(4) == 0 {
							for j := range blk {
								if j%blockBytesQ8_0 >= 2 && r.IntN(3) == 0 {
									blk[j] = byte(r.IntN(256))
								}
							}
						}
						copy(a[i*ab:], blk)
					}
					ldo := 4 + []int{0, 1, 3}[r.IntN(3)]
					off := misalignments[r.IntN(len(misalignments))]
					what := fmt.Sprintf("nb=%d m=%d scales=%s values=%s ldo=%d offset=%d", nb, m, sk, vk, ldo, off)
					w, as := placeBytes(group, off), placeBytes(a, off)

					n := (m-1)*ldo + 4
					out, check := guardedFloats(n, 1)
					for i := range out {
						out[i] = math.Float32frombits(sentinel)
					}
					im.DotQ4_0_4x4Q8_0xM(out, ldo, w, as, m, nb)
					check(t, what+": xM out")
					for i := range m {
						act := as[i*ab : (i+1)*ab]
						var want, got, gen, genRows [4]float32
						im.DotQ4_0Q8_0x4(&want, rows, rb, act, nb)
						im.DotQ4_0_4x4Q8_0(&got, w, act, nb)
						for c := range 4 {
							if !sameFloat(got[c], want[c]) {
								t.Fatalf("%s: row %d of activation %d: x4 %v (%#x), row-major x4 %v (%#x)",
									what, c, i, got[c], math.Float32bits(got[c]), want[c], math.Float32bits(want[c]))
							}
							if o := out[i*ldo+c]; !sameFloat(o, want[c]) {
								t.Fatalf("%s: out[%d][%d] = %v (%#x), row-major x4 %v (%#x)",
									what, i, c, o, math.Float32bits(o), want[c], math.Float32bits(want[c]))
							}
						}
						for c := 4; c < ldo && i*ldo+c < n; c++ {
							if math.Float32bits(out[i*ldo+c]) != sentinel {
								t.Fatalf("%s: out[%d] between rows written", what, i*ldo+c)
							}
						}
						dotQ4_0_4x4Q8_0Generic(&gen, w, act, nb)
						dotQ4_0Q8_0x4Generic(&genRows, rows, rb, act, nb)
						for c := range 4 {
							if !sameFloat(gen[c], genRows[c]) {
								t.Fatalf("%s: Generic row %d: %v, row-major Generic %v", what, c, gen[c], genRows[c])
							}
						}
					}
					if !bytes.Equal(w, group) || !bytes.Equal(as, a) {
						t.Fatalf("%s: inputs modified", what)
					}
				}
			}
		}
	})
}

// TestQ4x4Matrix checks that a Q4_0_4_4 matrix gives, through MatVec and
// MatMul, exactly the bits of its Q4_0 form for every Impl, thread count
// and batch size, with matrices large enough to need several panels, and
// that DequantizeRow gives every row's Q4_0 values.
func TestQ4x4Matrix(t *testing.T) {
	withSplitting(t)
	pools := map[int]*Pool{1: NewPool(1), 2: NewPool(2), 3: NewPool(3)}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(45)
		var s Scratch
		for _, shape := range [][2]int{{4, 32}, {8, 288}, {36, 64}, {40, 1152}, {1028, 256}} {
			rows, cols := shape[0], shape[1]
			w := randMatrix(r, quant.Q4_0, rows, cols)
			data := make([]byte, len(w.Data))
			if err := quant.RepackQ4_0_4x4(data, w.Data, rows, cols); err != nil {
				t.Fatal(err)
			}
			w4, err := NewMatrix(quant.Q4_0_4_4, rows, cols, data)
			if err != nil {
				t.Fatal(err)
			}
			row, row4 := make([]float32, cols), make([]float32, cols)
			for i := range rows {
				w.DequantizeRow(row, i)
				w4.DequantizeRow(row4, i)
				if !equalBits(row, row4) {
					t.Fatalf("%d×%d: DequantizeRow(%d) differs from the Q4_0 row", rows, cols, i)
				}
			}
			for _, m := range []int{1, 2, 3, 5, 9} {
				x := randFloats(r, m*cols, 1)
				for threads := 1; threads <= 3; threads++ {
					what := fmt.Sprintf("%d×%d m=%d threads=%d", rows, cols, m, threads)
					want, got := make([]float32, m*rows), make([]float32, m*rows)
					MatMul(pools[threads], want, w, x, m, &s)
					MatMul(pools[threads], got, w4, x, m, &s)
					if !equalBits(got, want) {
						t.Fatalf("%s: MatMul of the Q4_0_4_4 matrix differs from its Q4_0 form", what)
					}
					if m == 1 {
						MatVec(pools[threads], got, w4, x, &s)
						if !equalBits(got, want) {
							t.Fatalf("%s: MatVec of the Q4_0_4_4 matrix differs from its Q4_0 form", what)
						}
					}
				}
			}
		}
	})
}

// TestQ4x4MatrixShape checks that a Q4_0_4_4 matrix must have whole groups
// of four rows and that Row refuses to cut an interleaved row.
func TestQ4x4MatrixShape(t *testing.T) {
	if _, err := NewMatrix(quant.Q4_0_4_4, 6, 32, make([]byte, 6*18)); err == nil || !strings.Contains(err.Error(), "groups of 4") {
		t.Fatalf("6-row Q4_0_4_4 matrix: err = %v, want one about groups of 4", err)
	}
	m, err := NewMatrix(quant.Q4_0_4_4, 8, 32, make([]byte, 8*18))
	if err != nil {
		t.Fatal(err)
	}
	if msg := panicMessage(func() { m.Row(1) }); !strings.Contains(msg, "interleaved") {
		t.Fatalf("Row of a Q4_0_4_4 matrix: panic %q", msg)
	}
	if msg := panicMessage(func() { m.DequantizeRow(make([]float32, 31), 1) }); msg == "" {
		t.Fatal("DequantizeRow into a short row did not panic")
	}
}

//go:build !purego

package amd64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"lookout/quant"
)

// The Q4_0_4_4 kernels (q4x4_avx2_amd64.s) must give exactly the bits of
// DotQ4_0Q8_0x4AVX2 on the same four rows in row-major Q4_0 form, for every
// input: NaN and infinite scales included, since both run the same float
// instructions on the same exact block sums.

// q4x4Group returns four rows of nb random Q4_0 blocks (row-major, rows
// one after another) and their Q4_0_4_4 form starting off bytes into a
// larger buffer.
func q4x4Group(t testing.TB, r *rand.Rand, nb, off int, m mode) (group, rows []byte) {
	rows = make([]byte, 4*nb*18)
	fillQ4(r, rows, 4*nb, m)
	buf := make([]byte, off+len(rows))
	group = buf[off:]
	if err := quant.RepackQ4_0_4x4(group, rows, 4, nb*32); err != nil {
		t.Fatal(err)
	}
	return group, rows
}

func TestDotQ4_0_4x4Q8_0(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(21, 21))
	const guard = 0x7fc0dead // a NaN that no kernel writes
	for _, m := range modes {
		for _, nb := range nbs {
			for _, off := range []int{0, 1, 3} {
				w, rows := q4x4Group(t, r, nb, off, m)
				abuf := make([]byte, off+nb*34)
				a := abuf[off:]
				fillQ8(r, a, nb, m, true)
				w0, a0 := slices.Clone(w), slices.Clone(a)

				var outBuf [6]float32
				for i := range outBuf {
					outBuf[i] = math.Float32frombits(guard)
				}
				out := (*[4]float32)(outBuf[1:5])
				DotQ4_0_4x4Q8_0AVX2(out, w, a, nb)
				where := fmt.Sprintf("%v nb=%d off=%d", m, nb, off)
				if math.Float32bits(outBuf[0]) != guard || math.Float32bits(outBuf[5]) != guard {
					t.Fatalf("%s: wrote outside out: %v", where, outBuf)
				}
				var want [4]float32
				DotQ4_0Q8_0x4AVX2(&want, rows, nb*18, a, nb)
				for rr := range 4 {
					if math.Float32bits(out[rr]) != math.Float32bits(want[rr]) {
						t.Errorf("%s row %d: got %v (%#x), want DotQ4_0Q8_0x4AVX2's %v (%#x)",
							where, rr, out[rr], math.Float32bits(out[rr]), want[rr], math.Float32bits(want[rr]))
					}
					if m != modeInf {
						row := rows[rr*nb*18 : (rr+1)*nb*18]
						if l := llamaQ4(row, a, nb); math.Float32bits(out[rr]) != math.Float32bits(l) {
							t.Errorf("%s row %d: got %v, want llama.cpp's %v", where, rr, out[rr], l)
						}
					}
				}
				if !slices.Equal(w, w0) || !slices.Equal(a, a0) {
					t.Fatalf("%s: inputs modified", where)
				}
			}
		}
	}
}

// TestDotQ4_0_4x4Q8_0ExactSums checks the integer block sums alone: with
// every scale 1.0 the result is the exact total (see
// TestBlockDotsExactSums), here for the blocks that stress the int16 lanes
// most: all nibbles 0 (q−8 = −8) or 15 against activations −128 or 127.
func TestDotQ4_0_4x4Q8_0ExactSums(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	const nb = 3
	for _, q := range []byte{0x00, 0xff, 0x0f, 0xf0} {
		for _, act := range []int8{-128, 127, -127} {
			rows := make([]byte, 4*nb*18)
			a := make([]byte, nb*34)
			for b := range 4 * nb {
				rows[b*18], rows[b*18+1] = 0x00, 0x3c // 1.0
				for j := 2; j < 18; j++ {
					rows[b*18+j] = q
				}
			}
			for b := range nb {
				a[b*34], a[b*34+1] = 0x00, 0x3c
				for j := 2; j < 34; j++ {
					a[b*34+j] = byte(act)
				}
			}
			w := make([]byte, len(rows))
			if err := quant.RepackQ4_0_4x4(w, rows, 4, nb*32); err != nil {
				t.Fatal(err)
			}
			var out [4]float32
			DotQ4_0_4x4Q8_0AVX2(&out, w, a, nb)
			for rr := range 4 {
				want, _ := refQ4(rows[rr*nb*18:], a, nb)
				if out[rr] != want {
					t.Errorf("q=%#x a=%d row %d: got %v, want %v", q, act, rr, out[rr], want)
				}
			}
		}
	}
}

// dotQ4x4xM is the shape of the Q4_0_4_4 micro-kernels that take
// activation rows in pairs.
type dotQ4x4xM func(out []float32, ldo int, w []byte, a []byte, pairs, nb int)

func TestDotQ4_0_4x4Q8_0x2(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	testPairsQ4x4(t, DotQ4_0_4x4Q8_0x2AVX2, DotQ4_0_4x4Q8_0AVX2)
}

// testPairsQ4x4 runs x2 over 0..3 pairs of activation rows, every nb in
// nbs, every mode, misaligned inputs and an output row stride with guard
// values around and between the output rows (checkPairs), and checks every
// output against x4 on its activation row, bit for bit.
func testPairsQ4x4(t *testing.T, x2 dotQ4x4xM, x4 func(out *[4]float32, w []byte, a []byte, nb int)) {
	r := rand.New(rand.NewPCG(22, 22))
	for _, m := range modes {
		for _, nb := range nbs {
			for _, pairs := range []int{0, 1, 3} {
				off := r.IntN(4)
				w, _ := q4x4Group(t, r, nb, off, m)
				n := 2 * pairs
				abuf := make([]byte, off+n*nb*34)
				a := abuf[off:]
				fillQ8(r, a, n*nb, m, true)
				w0, a0 := slices.Clone(w), slices.Clone(a)
				where := fmt.Sprintf("%v nb=%d pairs=%d", m, nb, pairs)
				checkPairs(t, where, n, func(out []float32, ldo int) { x2(out, ldo, w, a, pairs, nb) },
					func(i int) (want [4]float32) { x4(&want, w, a[i*nb*34:], nb); return want })
				if !slices.Equal(w, w0) || !slices.Equal(a, a0) {
					t.Fatalf("%s: inputs modified", where)
				}
			}
		}
	}
}

// TestDotQ4_0_4x4Q8_0VNNI checks that the AVX2 Q4_0_4_4 kernel gives the
// bits of the VNNI four-row Q4_0 kernels too (through their emulated
// twin, the same code but VPDPBUSD), NaN and infinite scales included, so
// that the VNNI Impls may use it (kernels/dispatch_amd64.go).
func TestDotQ4_0_4x4Q8_0VNNI(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(23, 23))
	for _, m := range modes {
		for _, nb := range []int{1, 2, 3, 7, 20} {
			w, rows := q4x4Group(t, r, nb, 0, m)
			a := make([]byte, nb*34)
			fillQ8(r, a, nb, m, true)
			var got, want [4]float32
			DotQ4_0_4x4Q8_0AVX2(&got, w, a, nb)
			dotQ4_0Q8_0x4VNNIEmu(&want, rows, nb*18, a, nb)
			for rr := range 4 {
				if math.Float32bits(got[rr]) != math.Float32bits(want[rr]) {
					t.Errorf("%v nb=%d row %d: got %v, want the VNNI kernel's %v", m, nb, rr, got[rr], want[rr])
				}
			}
		}
	}
}

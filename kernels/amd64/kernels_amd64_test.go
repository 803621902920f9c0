//go:build !purego

package amd64

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/cpu"

	"lookout/quant"
)

// Every kernel runs against a pure-Go reference written here (this package
// must not import lookout/kernels, which imports it); lookout/quant supplies
// the f16 conversion and the activation quantizer the assembly must match.
//
// Equality:
//   - QuantizeQ8_0: bytes equal, for every input including NaN and ±Inf.
//   - Block dots: kernels.Impl's accuracy contract (derived in
//     kernels/impl.go). A kernel may split each block's 32 integer products
//     among up to L = 32 lane partial sums s_{b,l} and accumulate every lane
//     over the blocks in float32 (the AVX2 kernels: 8 int32 lanes per row,
//     converted and FMAed with d_w·d_a into 8 float lanes, added up at the
//     end); the Q4_0 kernels keep exact block sums (L = 1). Each is within
//     (nb+L−1)·u·A of the exact value and the in-order reference within
//     (nb+1)·u·A, so
//         |got − ref| ≤ (2·nb+32)·2⁻²⁴·A,  A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a|,
//     A bounding Σ_b Σ_l |d_w·d_a·s_{b,l}| for every split. With infinite or
//     NaN scales the result must be non-finite: NaN when the reference is
//     NaN or ±Inf, or the reference's infinity (a lane of 0 times an
//     infinite scale is NaN where the block's sum would give ±Inf).
//   - DotF16F32, DotF32: |got − ref| ≤ (2·n+2)·2⁻²⁴·Σ_i |w_i·x_i| (each side
//     within (n+1)·u·Σ|w·x|: the kernels round ⌈n/32⌉+3 times per lane, 5
//     times in the reduction and up to 7 times in the scalar tail), and the
//     same exact class rule for infinities and NaN.

type dotX4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)
type dotX1 func(w, a []byte, nb int) float32

// kernelSet is one family of block-dot kernels and the CPU features it needs.
type kernelSet struct {
	name    string
	ok      bool
	missing string // the features this CPU lacks, for t.Skip
	// q8Exact128 reports whether the Q8_0·Q8_0 kernels are exact for an
	// activation of −128 (not with VPSIGNB: see decl_amd64.go).
	q8Exact128 bool
	q4x4, q8x4 dotX4
	q4x1, q8x1 dotX1
}

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

func need(feats ...string) (bool, string) {
	have := map[string]bool{
		"AVX2": cpu.X86.HasAVX2, "FMA": cpu.X86.HasFMA, "F16C": cpu.X86.HasF16C,
		"AVX-VNNI": cpu.X86.HasAVXVNNI, "AVX512F": cpu.X86.HasAVX512F,
		"AVX512VL": cpu.X86.HasAVX512VL, "AVX512BW": cpu.X86.HasAVX512BW,
		"AVX512-VNNI": cpu.X86.HasAVX512VNNI,
	}
	var lack []string
	for _, f := range feats {
		if !have[f] {
			lack = append(lack, f)
		}
	}
	return len(lack) == 0, fmt.Sprint(lack)
}

func kernelSets() []kernelSet {
	base := []string{"AVX2", "FMA", "F16C"}
	mk := func(name string, exact bool, q4x4, q8x4 dotX4, q4x1, q8x1 dotX1, feats ...string) kernelSet {
		ok, missing := need(append(slices.Clone(base), feats...)...)
		return kernelSet{name, ok, missing, exact, q4x4, q8x4, q4x1, q8x1}
	}
	return []kernelSet{
		mk("avx2", false, DotQ4_0Q8_0x4AVX2, DotQ8_0Q8_0x4AVX2, DotQ4_0Q8_0AVX2, DotQ8_0Q8_0AVX2),
		mk("avx-vnni", true, DotQ4_0Q8_0x4AVXVNNI, DotQ8_0Q8_0x4AVXVNNI, DotQ4_0Q8_0AVXVNNI, DotQ8_0Q8_0AVXVNNI, "AVX-VNNI"),
		mk("avx512-vnni", true, DotQ4_0Q8_0x4AVX512VNNI, DotQ8_0Q8_0x4AVX512VNNI, DotQ4_0Q8_0AVX512VNNI, DotQ8_0Q8_0AVX512VNNI,
			"AVX512F", "AVX512VL", "AVX512BW", "AVX512-VNNI"),
		// The VNNI bodies with VPDPBUSD emulated (dot_vnniemu_amd64.s).
		mk("vnni-emulated", true, dotQ4_0Q8_0x4VNNIEmu, dotQ8_0Q8_0x4VNNIEmu, dotQ4_0Q8_0VNNIEmu, dotQ8_0Q8_0VNNIEmu),
	}
}

func forEachSet(t *testing.T, f func(t *testing.T, ks kernelSet)) {
	for _, ks := range kernelSets() {
		t.Run(ks.name, func(t *testing.T) {
			if !ks.ok {
				t.Skipf("CPU lacks %s", ks.missing)
			}
			f(t, ks)
		})
	}
}

// ---- references ----

func f16At(b []byte) float32 { return quant.F16ToF32(binary.LittleEndian.Uint16(b)) }

func abs32(x int32) int32 { return max(x, -x) }

// refQ4 returns the in-order float32 reference of a Q4_0·Q8_0 row (as
// kernels.Generic computes it) and A = Σ_b |d_w·d_a|·Σ_j |q_w·q_a|, the
// block-dot bound's magnitude.
func refQ4(w, a []byte, nb int) (float32, float64) {
	var sum float32
	var T float64
	for b := range nb {
		wb, ab := w[b*18:], a[b*34:]
		var isum, iabs int32
		for j := range 16 {
			q := wb[2+j]
			p0 := (int32(q&15) - 8) * int32(int8(ab[2+j]))
			p1 := (int32(q>>4) - 8) * int32(int8(ab[18+j]))
			isum += p0 + p1
			iabs += abs32(p0) + abs32(p1)
		}
		d := f16At(wb) * f16At(ab)
		sum += float32(d * float32(isum))
		T += math.Abs(float64(d) * float64(iabs))
	}
	return sum, T
}

func refQ8(w, a []byte, nb int) (float32, float64) {
	var sum float32
	var T float64
	for b := range nb {
		wb, ab := w[b*34:], a[b*34:]
		var isum, iabs int32
		for j := range 32 {
			p := int32(int8(wb[2+j])) * int32(int8(ab[2+j]))
			isum += p
			iabs += abs32(p)
		}
		d := f16At(wb) * f16At(ab)
		sum += float32(d * float32(isum))
		T += math.Abs(float64(d) * float64(iabs))
	}
	return sum, T
}

// closeEnough applies the bound stated at the top of this file to a sum of
// n terms of magnitude T.
func closeEnough(got, ref float32, T float64, n int) bool {
	g, r := float64(got), float64(ref)
	if math.IsNaN(r) || math.IsInf(r, 0) || math.IsNaN(g) || math.IsInf(g, 0) {
		return math.IsNaN(g) && math.IsNaN(r) || g == r
	}
	return math.Abs(g-r) <= bound(n, T)
}

func bound(n int, T float64) float64 { return float64(2*n+2) * 0x1p-24 * T }

// blockLanes is L in the block-dot contract.
const blockLanes = 32

// closeBlock applies the block-dot contract stated at the top of this file
// to a row of nb blocks with magnitude A.
func closeBlock(got, ref float32, A float64, nb int) bool {
	g, r := float64(got), float64(ref)
	switch {
	case math.IsNaN(r):
		return math.IsNaN(g) || math.IsInf(g, 0)
	case math.IsInf(r, 0):
		return g == r || math.IsNaN(g)
	}
	return math.Abs(g-r) <= blockBound(nb, A)
}

func blockBound(nb int, A float64) float64 { return float64(2*nb+blockLanes) * 0x1p-24 * A }

// ---- inputs ----

// mode selects the values of generated blocks.
type mode int

const (
	modeRandom  mode = iota // random quants, activations in [−127, 127], normal scales
	modeExtreme             // weights only at the ends of their range (nibbles 0/15, int8 −128/−127/127), activations ±127
	modeTiny                // f16 subnormal and largest scales
	modeInf                 // a few infinite and NaN scales
	modeAct128              // activations include −128
)

var modes = []mode{modeRandom, modeExtreme, modeTiny, modeInf, modeAct128}

func (m mode) String() string {
	return [...]string{"random", "extreme", "tiny-scales", "nonfinite-scales", "act-128"}[m]
}

func randScale(r *rand.Rand, m mode) uint16 {
	switch m {
	case modeTiny:
		switch r.IntN(3) {
		case 0:
			return uint16(1 + r.IntN(0x3ff)) // subnormal
		case 1:
			return 0x7bff // 65504
		}
	case modeInf:
		switch r.IntN(16) {
		case 0, 1:
			return 0x7c00 | uint16(r.IntN(2))<<15 // ±Inf
		case 2:
			return 0x7e00 // NaN
		}
	}
	s := float32(math.Ldexp(0.5+r.Float64(), -r.IntN(14)))
	if r.IntN(2) == 0 {
		s = -s
	}
	return quant.F32ToF16(s)
}

func fillQ4(r *rand.Rand, dst []byte, nb int, m mode) {
	for b := range nb {
		blk := dst[b*18 : b*18+18]
		binary.LittleEndian.PutUint16(blk, randScale(r, m))
		for j := 2; j < 18; j++ {
			if m == modeExtreme {
				blk[j] = [...]byte{0x00, 0xff, 0x0f, 0xf0}[r.IntN(4)]
			} else {
				blk[j] = byte(r.Uint32())
			}
		}
	}
}

func fillQ8(r *rand.Rand, dst []byte, nb int, m mode, act bool) {
	for b := range nb {
		blk := dst[b*34 : b*34+34]
		binary.LittleEndian.PutUint16(blk, randScale(r, m))
		for j := 2; j < 34; j++ {
			v := int8(r.Uint32())
			switch {
			case act && m == modeAct128:
				if r.IntN(4) == 0 {
					v = -128
				}
			case act && m == modeExtreme:
				v = [...]int8{-127, 127}[r.IntN(2)]
			case act:
				if v == -128 {
					v = -127
				}
			case m == modeExtreme:
				v = [...]int8{-128, -127, 127}[r.IntN(3)]
			}
			blk[j] = byte(v)
		}
	}
}

var nbs = append(func() (s []int) {
	for nb := 0; nb <= 20; nb++ {
		s = append(s, nb)
	}
	return s
}(), 64, 144)

// ---- block dots ----

func TestDotQ4_0Q8_0(t *testing.T) {
	forEachSet(t, func(t *testing.T, ks kernelSet) {
		testBlockDots(t, 18, fillQ4, refQ4, ks.q4x4, ks.q4x1, true)
	})
}

func TestDotQ8_0Q8_0(t *testing.T) {
	forEachSet(t, func(t *testing.T, ks kernelSet) {
		fill := func(r *rand.Rand, dst []byte, nb int, m mode) { fillQ8(r, dst, nb, m, false) }
		testBlockDots(t, 34, fill, refQ8, ks.q8x4, ks.q8x1, ks.q8Exact128)
	})
}

// testBlockDots runs x4 and x1 over every nb in nbs, misaligned starts,
// strides longer than a row with junk between rows, and every mode; the
// inputs must be left unchanged and the guards around out untouched.
func testBlockDots(t *testing.T, blockBytes int,
	fillW func(*rand.Rand, []byte, int, mode),
	ref func(w, a []byte, nb int) (float32, float64),
	x4 dotX4, x1 dotX1, exact128 bool) {
	r := rand.New(rand.NewPCG(1, uint64(blockBytes)))
	const guard = 0x7fc0dead // a NaN that no kernel writes
	for _, m := range modes {
		if m == modeAct128 && !exact128 {
			continue
		}
		for _, nb := range nbs {
			row := nb * blockBytes
			for _, off := range []int{0, 1, 3} {
				for _, extra := range []int{0, 1, 3*blockBytes + 7} {
					stride := row + extra
					wbuf := make([]byte, off+3*stride+row)
					for i := range wbuf {
						wbuf[i] = byte(r.Uint32()) // junk between rows
					}
					w := wbuf[off:]
					for rr := range 4 {
						fillW(r, w[rr*stride:], nb, m)
					}
					abuf := make([]byte, off+nb*34)
					a := abuf[off:]
					fillQ8(r, a, nb, m, true)
					w0, a0 := slices.Clone(w), slices.Clone(a)

					var outBuf [6]float32
					for i := range outBuf {
						outBuf[i] = math.Float32frombits(guard)
					}
					out := (*[4]float32)(outBuf[1:5])
					x4(out, w, stride, a, nb)
					where := fmt.Sprintf("%v nb=%d off=%d stride=%d", m, nb, off, stride)
					if math.Float32bits(outBuf[0]) != guard || math.Float32bits(outBuf[5]) != guard {
						t.Fatalf("x4 %s: wrote outside out: %v", where, outBuf)
					}
					for rr := range 4 {
						want, T := ref(w[rr*stride:], a, nb)
						if !closeBlock(out[rr], want, T, nb) {
							t.Errorf("x4 %s row %d: got %v, want %v (bound %g)", where, rr, out[rr], want, blockBound(nb, T))
						}
						if extra == 0 { // the one-row kernel on each row
							got := x1(w[rr*stride:rr*stride+row], a, nb)
							if !closeBlock(got, want, T, nb) {
								t.Errorf("x1 %s row %d: got %v, want %v (bound %g)", where, rr, got, want, blockBound(nb, T))
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
}

// TestBlockDotsExactSums checks the integer sums on their own: with every
// scale 1.0 each block contributes an exact integer and the result must equal
// the exact total (the sum of the magnitudes of all products is < 2²⁴, so
// every float32 step is exact, lane partial sums included), for sums of
// blocks with extreme and random quants.
func TestBlockDotsExactSums(t *testing.T) {
	forEachSet(t, func(t *testing.T, ks kernelSet) {
		r := rand.New(rand.NewPCG(7, 7))
		for _, m := range []mode{modeRandom, modeExtreme, modeAct128} {
			for _, nb := range []int{1, 2, 3, 5, 16} {
				w4 := make([]byte, 4*nb*18)
				w8 := make([]byte, 4*nb*34)
				a := make([]byte, nb*34)
				fillQ4(r, w4, 4*nb, m)
				fillQ8(r, w8, 4*nb, m, false)
				fillQ8(r, a, nb, m, true)
				for _, blk := range [][]byte{w4, w8, a} {
					bs := 18
					if len(blk) != len(w4) {
						bs = 34
					}
					for i := 0; i < len(blk); i += bs {
						binary.LittleEndian.PutUint16(blk[i:], 0x3c00) // 1.0
					}
				}
				var out [4]float32
				ks.q4x4(&out, w4, nb*18, a, nb)
				for rr := range 4 {
					want, _ := refQ4(w4[rr*nb*18:], a, nb)
					if out[rr] != want {
						t.Errorf("q4 x4 %v nb=%d row %d: got %v, want %v", m, nb, rr, out[rr], want)
					}
					if got := ks.q4x1(w4[rr*nb*18:(rr+1)*nb*18], a, nb); got != want {
						t.Errorf("q4 x1 %v nb=%d row %d: got %v, want %v", m, nb, rr, got, want)
					}
				}
				if m == modeAct128 && !ks.q8Exact128 {
					continue
				}
				ks.q8x4(&out, w8, nb*34, a, nb)
				for rr := range 4 {
					want, _ := refQ8(w8[rr*nb*34:], a, nb)
					if out[rr] != want {
						t.Errorf("q8 x4 %v nb=%d row %d: got %v, want %v", m, nb, rr, out[rr], want)
					}
					if got := ks.q8x1(w8[rr*nb*34:(rr+1)*nb*34], a, nb); got != want {
						t.Errorf("q8 x1 %v nb=%d row %d: got %v, want %v", m, nb, rr, got, want)
					}
				}
			}
		}
	})
}

// fma32 is a float32 fused multiply-add: a·b is exact in float64 and the
// sum rounds to float64 and then to float32, which equals one rounding
// except in double-rounding cases far rarer than these tests' inputs reach.
func fma32(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }

// llamaQ8 is ggml's x86 Q8_0·Q8_0 row dot (ggml_vec_dot_q8_0_q8_0 and
// tinyBLAS_Q0_AVX): 8 float lanes, lane j FMAs d_w·d_a times the exact sum
// of products 4j..4j+3 of each block, then hsum_float_8.
func llamaQ8(w, a []byte, nb int) float32 {
	var acc [8]float32
	for b := range nb {
		wb, ab := w[b*34:], a[b*34:]
		d := f16At(wb) * f16At(ab)
		for l := range 8 {
			var s int32
			for k := range 4 {
				s += int32(int8(wb[2+4*l+k])) * int32(int8(ab[2+4*l+k]))
			}
			acc[l] = fma32(d, float32(s), acc[l])
		}
	}
	var t [4]float32
	for i := range 4 {
		t[i] = acc[i] + acc[i+4]
	}
	return (t[0] + t[2]) + (t[1] + t[3])
}

// llamaQ4 is ggml's x86 q4_0_8x8 gemv/gemm order for one row: one FMA of
// each block's exact sum with d_w·d_a.
func llamaQ4(w, a []byte, nb int) float32 {
	var acc float32
	for b := range nb {
		wb, ab := w[b*18:], a[b*34:]
		var s int32
		for j := range 16 {
			q := wb[2+j]
			s += (int32(q&15) - 8) * int32(int8(ab[2+j]))
			s += (int32(q>>4) - 8) * int32(int8(ab[18+j]))
		}
		acc = fma32(float32(s), f16At(wb)*f16At(ab), acc)
	}
	return acc
}

// TestBlockDotsLlamaOrder checks that every kernel set sums in llama.cpp's
// order (dot_avx2_amd64.s), bit for bit, in the x4 and the x1 kernels alike,
// for finite scales.
func TestBlockDotsLlamaOrder(t *testing.T) {
	forEachSet(t, func(t *testing.T, ks kernelSet) {
		r := rand.New(rand.NewPCG(11, 13))
		for _, m := range []mode{modeRandom, modeExtreme, modeTiny, modeAct128} {
			for _, nb := range nbs {
				w4 := make([]byte, 4*nb*18)
				w8 := make([]byte, 4*nb*34)
				a := make([]byte, nb*34)
				fillQ4(r, w4, 4*nb, m)
				fillQ8(r, w8, 4*nb, m, false)
				fillQ8(r, a, nb, m, true)
				var out [4]float32
				ks.q4x4(&out, w4, nb*18, a, nb)
				for rr := range 4 {
					row := w4[rr*nb*18 : (rr+1)*nb*18]
					want := llamaQ4(row, a, nb)
					if math.Float32bits(out[rr]) != math.Float32bits(want) {
						t.Errorf("q4 x4 %v nb=%d row %d: got %v, want %v", m, nb, rr, out[rr], want)
					}
					if got := ks.q4x1(row, a, nb); math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("q4 x1 %v nb=%d row %d: got %v, want %v", m, nb, rr, got, want)
					}
				}
				if m == modeAct128 && !ks.q8Exact128 {
					continue
				}
				ks.q8x4(&out, w8, nb*34, a, nb)
				for rr := range 4 {
					row := w8[rr*nb*34 : (rr+1)*nb*34]
					want := llamaQ8(row, a, nb)
					if math.Float32bits(out[rr]) != math.Float32bits(want) {
						t.Errorf("q8 x4 %v nb=%d row %d: got %v, want %v", m, nb, rr, out[rr], want)
					}
					if got := ks.q8x1(row, a, nb); math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("q8 x1 %v nb=%d row %d: got %v, want %v", m, nb, rr, got, want)
					}
				}
			}
		}
	})
}

// ---- float dots ----

func refF16(w []uint16, x []float32) (float32, float64) {
	var sum float32
	var T float64
	for i, h := range w {
		p := quant.F16ToF32(h) * x[i]
		sum += float32(p)
		T += math.Abs(float64(quant.F16ToF32(h)) * float64(x[i]))
	}
	return sum, T
}

func refF32(a, b []float32) (float32, float64) {
	var sum float32
	var T float64
	for i, v := range a {
		sum += float32(v * b[i])
		T += math.Abs(float64(v) * float64(b[i]))
	}
	return sum, T
}

var floatLens = append(func() (s []int) {
	for n := 0; n <= 70; n++ {
		s = append(s, n)
	}
	return s
}(), 95, 96, 97, 127, 128, 129, 1000, 4099)

func TestDotF16F32(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(3, 3))
	for _, special := range []bool{false, true} {
		for _, n := range floatLens {
			for _, off := range []int{0, 1, 3} {
				wbuf := make([]uint16, off+n)
				xbuf := make([]float32, off+n)
				w, x := wbuf[off:], xbuf[off:]
				for i := range w {
					w[i] = quant.F32ToF16(float32(r.NormFloat64()))
					x[i] = float32(r.NormFloat64())
					if special {
						switch r.IntN(16) {
						case 0:
							w[i] = uint16(r.IntN(0x400)) | uint16(r.IntN(2))<<15 // ±0 and subnormals
						case 1:
							w[i] = 0x7bff // 65504
						}
					}
				}
				if special && n > 0 && r.IntN(3) == 0 {
					w[r.IntN(n)] = [...]uint16{0x7c00, 0xfc00, 0x7e00}[r.IntN(3)] // +Inf, −Inf, NaN
				}
				w0, x0 := slices.Clone(w), slices.Clone(x)
				got := DotF16F32AVX2(w, x)
				want, T := refF16(w, x)
				if !closeEnough(got, want, T, n) {
					t.Errorf("special=%v n=%d off=%d: got %v, want %v (bound %g)", special, n, off, got, want, bound(n, T))
				}
				if !slices.Equal(w, w0) || !slices.Equal(x, x0) {
					t.Fatalf("n=%d: inputs modified", n)
				}
			}
		}
	}
}

func TestDotF32(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(4, 4))
	for _, special := range []bool{false, true} {
		for _, n := range floatLens {
			for _, off := range []int{0, 1, 3} {
				abuf := make([]float32, off+n)
				bbuf := make([]float32, off+n)
				a, b := abuf[off:], bbuf[off:]
				for i := range a {
					a[i] = float32(r.NormFloat64())
					b[i] = float32(r.NormFloat64() * 100)
				}
				if special && n > 0 {
					a[r.IntN(n)] = [...]float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0x1p-140}[r.IntN(4)]
				}
				a0, b0 := slices.Clone(a), slices.Clone(b)
				got := DotF32AVX2(a, b)
				want, T := refF32(a, b)
				if !closeEnough(got, want, T, n) {
					t.Errorf("special=%v n=%d off=%d: got %v, want %v (bound %g)", special, n, off, got, want, bound(n, T))
				}
				if !sameBits(a, a0) || !sameBits(b, b0) {
					t.Fatalf("n=%d: inputs modified", n)
				}
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// ---- quantizer ----

// quantBlocks returns blocks of 32 values that exercise every branch of the
// reference: random magnitudes from 2⁻¹⁴⁰ to 2¹²⁰, zeros and −0, NaN and ±Inf
// in every position, subnormal maxima (127/amax overflows), the largest
// floats, and exact halfway products (amax = 127 makes id = 1).
func quantBlocks(r *rand.Rand) [][]float32 {
	var blocks [][]float32
	blk := func(f func(j int) float32) {
		b := make([]float32, 32)
		for j := range b {
			b[j] = f(j)
		}
		blocks = append(blocks, b)
	}
	for range 200 {
		e := r.IntN(260) - 140
		blk(func(int) float32 { return float32(math.Ldexp(r.NormFloat64(), e)) })
	}
	blk(func(int) float32 { return 0 })
	blk(func(int) float32 { return float32(math.Copysign(0, -1)) })
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0xffc12345), math.Float32frombits(0x7f812345)} // negative quiet NaN with payload, signalling NaN
	for _, s := range specials {
		for pos := range 32 {
			blk(func(j int) float32 {
				if j == pos {
					return s
				}
				return float32(r.NormFloat64())
			})
		}
	}
	blk(func(int) float32 { return math.Float32frombits(1) }) // all the smallest subnormal
	blk(func(j int) float32 { return math.Float32frombits(uint32(1 + j*1000)) })
	blk(func(j int) float32 { return float32(j-16) * 0x1p-130 })
	blk(func(j int) float32 {
		if j%2 == 0 {
			return math.MaxFloat32
		}
		return -math.MaxFloat32 / float32(j)
	})
	blk(func(j int) float32 {
		if j == 5 {
			return 127
		}
		return float32(j-16) + 0.5 // ties: rounded to even
	})
	blk(func(j int) float32 {
		if j == 31 {
			return -127
		}
		return float32(-j) - 0.5
	})
	return blocks
}

func TestQuantizeQ8_0(t *testing.T) {
	if !hasAVX2 {
		t.Skip("CPU lacks AVX2, FMA or F16C")
	}
	r := rand.New(rand.NewPCG(5, 5))
	blocks := quantBlocks(r)
	var all []float32
	for _, b := range blocks {
		all = append(all, b...)
	}
	check := func(x []float32, off int, what string) {
		nb := len(x) / 32
		dstBuf := make([]byte, off+nb*34+8)
		for i := range dstBuf {
			dstBuf[i] = 0xa5
		}
		dst := dstBuf[off : off+nb*34]
		x0 := slices.Clone(x)
		QuantizeQ8_0AVX2(dst, x)
		want := make([]byte, nb*34)
		quant.QuantizeQ8_0Act(want, x)
		for b := range nb {
			if g, w := dst[b*34:b*34+34], want[b*34:b*34+34]; !slices.Equal(g, w) {
				t.Errorf("%s block %d: got % x, want % x (input %v)", what, b, g, w, x[b*32:b*32+32])
			}
		}
		for i, c := range dstBuf {
			if (i < off || i >= off+nb*34) && c != 0xa5 {
				t.Fatalf("%s: wrote outside dst at %d", what, i-off)
			}
		}
		if !sameBits(x, x0) {
			t.Fatalf("%s: input modified", what)
		}
	}
	check(all, 0, "all blocks")
	for nb := 0; nb <= 20; nb++ {
		for _, off := range []int{0, 1, 3} {
			start := r.IntN(len(blocks)-nb+1) * 32
			xbuf := make([]float32, off+nb*32)
			copy(xbuf[off:], all[start:start+nb*32])
			check(xbuf[off:], off, fmt.Sprintf("nb=%d off=%d", nb, off))
		}
	}
	// Random activations at many magnitudes, the shape real rows have.
	x := make([]float32, 144*32)
	for i := range x {
		x[i] = float32(r.NormFloat64() * math.Exp(r.NormFloat64()*3))
	}
	check(x, 3, "random row")
}

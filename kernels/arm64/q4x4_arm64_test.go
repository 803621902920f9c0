//go:build !purego

package arm64

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"lookout/quant"
)

// The Q4_0_4_4 kernels must give the bits of the row-major four-row kernel
// of their path on the same rows de-interleaved (quant.UnpackQ4_0_4x4), for
// every input, infinite scales included; they are also held to the local
// reference (refDot) as the row-major kernels are.

const q4x4Bytes = 72 // one block of a row group: four f16 scales, 64 quant bytes

// q4x4Kernel is one Q4_0_4_4 MatVec kernel, its MatMul micro-kernel (rows
// activation rows per group) and the row-major kernel whose bits they give.
type q4x4Kernel struct {
	name    string
	dotprod bool
	x4      func(out *[4]float32, w []byte, a []byte, nb int)
	xm      func(out []float32, ldo int, w []byte, a []byte, groups, nb int)
	rows    int
	ref     qkernel
}

var q4x4Kernels = []q4x4Kernel{
	{"DotProd", true, DotQ4_0_4x4Q8_0DotProd, DotQ4_0_4x4Q8_0x4x4DotProd, 4, qkernels[0]},
	{"NEON", false, DotQ4_0_4x4Q8_0NEON, DotQ4_0_4x4Q8_0x4x2NEON, 2, qkernels[1]},
}

// randGroup returns four row-major Q4_0 rows of nb blocks (one after the
// other) and their Q4_0_4_4 form.
func randGroup(t testing.TB, r *rand.Rand, nb, sk, vk int) (rows, group []byte) {
	rows = randBlocks(r, 4*nb, true, true, sk, vk)
	group = make([]byte, len(rows))
	if err := quant.RepackQ4_0_4x4(group, rows, 4, nb*32); err != nil {
		t.Fatal(err)
	}
	return rows, group
}

func sameBits(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestQ4x4Dots checks the MatVec kernels against the row-major kernels, bit
// for bit, and against the reference, for every block count through 20 and
// long rows, every scale and value kind, misaligned inputs and guarded
// outputs.
func TestQ4x4Dots(t *testing.T) {
	for _, k := range q4x4Kernels {
		eachCase(t, k.name, k.dotprod, 11, func(t *testing.T, r *rand.Rand, nb, sk, vk int) {
			checkQ4x4Dot(t, r, k, nb, sk, vk)
		})
	}
}

func checkQ4x4Dot(t *testing.T, r *rand.Rand, k q4x4Kernel, nb, sk, vk int) {
	t.Helper()
	rows, group := randGroup(t, r, nb, sk, vk)
	a := randBlocks(r, nb, false, false, sk, vk)
	rb := nb * q4Bytes
	var want [4]float32
	k.ref.x4(&want, rows, rb, a, nb)
	for _, off := range []int{0, 1, 3} {
		what := fmt.Sprintf("nb=%d scales=%s values=%s offset=%d", nb, scaleNames[sk], valNames[vk], off)
		w, as := place(group, off), place(a, off)
		out, check := guardedOut()
		k.x4(out, w, as, nb)
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for i := range 4 {
			if !sameBits(out[i], want[i]) {
				t.Fatalf("%s: row %d = %v (%#x), row-major %s %v (%#x)", what, i,
					out[i], math.Float32bits(out[i]), k.ref.name, want[i], math.Float32bits(want[i]))
			}
			exact, abs, absQ := refDot(true, rows[i*rb:], a, nb)
			if !closeToQ(out[i], exact, absQ, nb) {
				t.Fatalf("%s: row %d = %v, exact %v", what, i, out[i], exact)
			}
			if sk == scaleExact && abs < exactLimit && float64(out[i]) != exact {
				t.Fatalf("%s: row %d = %v, want exactly %v", what, i, out[i], exact)
			}
		}
		if !bytes.Equal(w, group) || !bytes.Equal(as, a) {
			t.Fatalf("%s: inputs modified", what)
		}
	}
}

// TestQ4x4WorstCase puts the largest |block sum| through the kernels: every
// nibble 0 (q−8 = −8) or 15 against activations −128 (which the quantizer
// emits for NaN inputs), −127 and 127; |isum| reaches 32768, past int16.
func TestQ4x4WorstCase(t *testing.T) {
	for _, k := range q4x4Kernels {
		t.Run(k.name, func(t *testing.T) {
			if k.dotprod {
				needDotProd(t)
			}
			const nb = 9
			for _, av := range []int8{-128, -127, 127} {
				for _, wv := range []byte{0x00, 0xff, 0x80, 0x0f} {
					rows := make([]byte, 4*nb*q4Bytes)
					for b := 0; b < len(rows); b += q4Bytes {
						binary.LittleEndian.PutUint16(rows[b:], 0x3c00)
						for j := 2; j < q4Bytes; j++ {
							rows[b+j] = wv
						}
					}
					group := make([]byte, len(rows))
					if err := quant.RepackQ4_0_4x4(group, rows, 4, nb*32); err != nil {
						t.Fatal(err)
					}
					a := make([]byte, nb*q8Bytes)
					for b := 0; b < len(a); b += q8Bytes {
						binary.LittleEndian.PutUint16(a[b:], 0x3c00)
						for j := 2; j < q8Bytes; j++ {
							a[b+j] = byte(av)
						}
					}
					exact, _, _ := refDot(true, rows, a, nb)
					var out [4]float32
					k.x4(&out, group, a, nb)
					for i := range 4 {
						if float64(out[i]) != exact {
							t.Errorf("w=%#x a=%d: row %d = %v, want %v", wv, av, i, out[i], exact)
						}
					}
					xm := make([]float32, 4*k.rows)
					am := bytes.Repeat(a, k.rows)
					k.xm(xm, 4, group, am, 1, nb)
					for i, v := range xm {
						if float64(v) != exact {
							t.Errorf("w=%#x a=%d: micro-kernel out[%d] = %v, want %v", wv, av, i, v, exact)
						}
					}
				}
			}
		})
	}
}

// TestQ4x4Gemm checks the micro-kernels against their MatVec kernel, bit for
// bit, for 1..3 groups of activation rows, every block count through 20 and
// long rows, every scale and value kind, misaligned inputs and an output
// stride past four, with sentinels around and between the output rows.
func TestQ4x4Gemm(t *testing.T) {
	for _, k := range q4x4Kernels {
		eachCase(t, k.name, k.dotprod, 12, func(t *testing.T, r *rand.Rand, nb, sk, vk int) {
			checkQ4x4Gemm(t, r, k, nb, 1+r.IntN(3), sk, vk)
		})
	}
}

func checkQ4x4Gemm(t *testing.T, r *rand.Rand, k q4x4Kernel, nb, groups, sk, vk int) {
	t.Helper()
	_, group := randGroup(t, r, nb, sk, vk)
	m := k.rows * groups
	ab := nb * q8Bytes
	a := make([]byte, m*ab)
	for i := range m {
		copy(a[i*ab:], randBlocks(r, nb, false, false, sk, vk))
	}
	ldo := 4 + r.IntN(3)
	off := r.IntN(4)
	what := fmt.Sprintf("nb=%d groups=%d scales=%s values=%s ldo=%d offset=%d",
		nb, groups, scaleNames[sk], valNames[vk], ldo, off)
	w, as := place(group, off), place(a, off)
	const sentinel = 0x7fa5a5a5
	buf := make([]float32, m*ldo+8)
	for i := range buf {
		buf[i] = math.Float32frombits(sentinel)
	}
	out := buf[2 : 2+m*ldo]
	k.xm(out, ldo, w, as, groups, nb)
	for i := range m {
		var want [4]float32
		k.x4(&want, group, a[i*ab:], nb)
		for c := range 4 {
			if got := out[i*ldo+c]; !sameBits(got, want[c]) {
				t.Fatalf("%s: out[%d][%d] = %v (%#x), MatVec kernel %v (%#x)", what, i, c, got, math.Float32bits(got), want[c], math.Float32bits(want[c]))
			}
			out[i*ldo+c] = math.Float32frombits(sentinel)
		}
	}
	for i, v := range buf {
		if math.Float32bits(v) != sentinel {
			t.Fatalf("%s: buf[%d] (outside the output tile) = %v", what, i, v)
		}
	}
	if !bytes.Equal(w, group) || !bytes.Equal(as, a) {
		t.Fatalf("%s: inputs modified", what)
	}
}

// benchQ4x4 runs a MatVec kernel on one row group of benchBlocks blocks, or
// (gemm) its micro-kernel on one group of k.rows activation rows; the
// instruction counts in asmgen's q4x4Notes come from these with
// -test.benchtime=100x (divide by 100 calls × 128 blocks × 4 weight rows,
// and × k.rows activation rows for the micro-kernels).
func benchQ4x4(b *testing.B, k q4x4Kernel, gemm bool) {
	if k.dotprod {
		needDotProd(b)
	}
	r := rand.New(rand.NewPCG(13, 0))
	_, w := randGroup(b, r, benchBlocks, scaleNormal, valRandom)
	n := 1
	if gemm {
		n = k.rows
	}
	a := randBlocks(r, n*benchBlocks, false, false, scaleNormal, valRandom)
	out := make([]float32, 4*n)
	b.SetBytes(int64(len(w)))
	for b.Loop() {
		if gemm {
			k.xm(out, 4, w, a, 1, benchBlocks)
		} else {
			k.x4((*[4]float32)(out), w, a, benchBlocks)
		}
	}
}

func BenchmarkDotQ4_0_4x4Q8_0DotProd(b *testing.B)     { benchQ4x4(b, q4x4Kernels[0], false) }
func BenchmarkDotQ4_0_4x4Q8_0NEON(b *testing.B)        { benchQ4x4(b, q4x4Kernels[1], false) }
func BenchmarkDotQ4_0_4x4Q8_0x4x4DotProd(b *testing.B) { benchQ4x4(b, q4x4Kernels[0], true) }
func BenchmarkDotQ4_0_4x4Q8_0x4x2NEON(b *testing.B)    { benchQ4x4(b, q4x4Kernels[1], true) }

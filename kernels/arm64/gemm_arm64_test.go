//go:build !purego

package arm64

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmKernel is one MatMul micro-kernel and the four-row kernel whose bits
// it must reproduce.
type gemmKernel struct {
	qkernel
	x4x2 func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
}

var gemmKernels = []gemmKernel{
	{qkernels[0], DotQ4_0Q8_0x4x2DotProd},
	{qkernels[1], DotQ4_0Q8_0x4x2NEON},
	{qkernels[2], DotQ8_0Q8_0x4x2DotProd},
	{qkernels[3], DotQ8_0Q8_0x4x2NEON},
}

// TestGemmKernels checks every x4x2 micro-kernel against its four-row kernel,
// bit for bit, for 1..3 pairs of activation rows, every block count through
// 20 and long rows, every scale and value kind, padded strides, misaligned
// inputs and an output stride past four, with sentinels around and between
// the output rows.
func TestGemmKernels(t *testing.T) {
	for _, k := range gemmKernels {
		eachCase(t, k.name, k.dotprod, 3, func(t *testing.T, r *rand.Rand, nb, sk, vk int) {
			checkGemm(t, r, k, nb, 1+r.IntN(3), sk, vk)
		})
	}
}

func checkGemm(t *testing.T, r *rand.Rand, k gemmKernel, nb, pairs, sk, vk int) {
	t.Helper()
	rowBytes := nb * k.wBytes()
	extra := []int{0, 1, 37}[r.IntN(3)]
	stride := rowBytes + extra
	rows := make([]byte, 3*stride+rowBytes)
	for i := range 4 {
		copy(rows[i*stride:], randBlocks(r, nb, k.q4, true, sk, vk))
	}
	m := 2 * pairs
	ab := nb * q8Bytes
	a := make([]byte, m*ab)
	for i := range m {
		copy(a[i*ab:], randBlocks(r, nb, false, false, sk, vk))
	}
	ldo := 4 + r.IntN(3)
	off := r.IntN(4)
	what := fmt.Sprintf("nb=%d pairs=%d scales=%s values=%s stride=row+%d ldo=%d offset=%d",
		nb, pairs, scaleNames[sk], valNames[vk], extra, ldo, off)
	w, as := place(rows, off), place(a, off)
	const sentinel = 0x7fa5a5a5
	buf := make([]float32, m*ldo+8)
	for i := range buf {
		buf[i] = math.Float32frombits(sentinel)
	}
	out := buf[2 : 2+m*ldo]
	k.x4x2(out, ldo, w, stride, as, pairs, nb)
	for i := range m {
		var want [4]float32
		k.x4(&want, rows, stride, a[i*ab:], nb)
		for c := range 4 {
			if got := out[i*ldo+c]; math.Float32bits(got) != math.Float32bits(want[c]) {
				t.Fatalf("%s: out[%d][%d] = %v (%#x), x4 %v (%#x)", what, i, c, got, math.Float32bits(got), want[c], math.Float32bits(want[c]))
			}
			out[i*ldo+c] = math.Float32frombits(sentinel)
		}
	}
	for i, v := range buf {
		if math.Float32bits(v) != sentinel {
			t.Fatalf("%s: buf[%d] (outside the output tile) = %v", what, i, v)
		}
	}
	if !bytes.Equal(w, rows) || !bytes.Equal(as, a) {
		t.Fatalf("%s: inputs modified", what)
	}
}

// benchGemm runs one x4x2 micro-kernel on one pair of activation rows of
// benchBlocks blocks (the instruction counts in asmgen's gemmNotes come from
// these with -test.benchtime=100x: divide by 100 calls × 128 blocks × 8
// row pairs).
func benchGemm(b *testing.B, k gemmKernel) {
	if k.dotprod {
		needDotProd(b)
	}
	r := rand.New(rand.NewPCG(7, 0))
	w := randBlocks(r, 4*benchBlocks, k.q4, true, scaleNormal, valRandom)
	a := randBlocks(r, 2*benchBlocks, false, false, scaleNormal, valRandom)
	stride := benchBlocks * k.wBytes()
	out := make([]float32, 8)
	b.SetBytes(int64(4 * stride))
	for b.Loop() {
		k.x4x2(out, 4, w, stride, a, 1, benchBlocks)
	}
}

func BenchmarkDotQ4_0Q8_0x4x2DotProd(b *testing.B) { benchGemm(b, gemmKernels[0]) }
func BenchmarkDotQ4_0Q8_0x4x2NEON(b *testing.B)    { benchGemm(b, gemmKernels[1]) }
func BenchmarkDotQ8_0Q8_0x4x2DotProd(b *testing.B) { benchGemm(b, gemmKernels[2]) }
func BenchmarkDotQ8_0Q8_0x4x2NEON(b *testing.B)    { benchGemm(b, gemmKernels[3]) }

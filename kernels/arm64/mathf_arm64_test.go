//go:build !purego

package arm64

import (
	"math"
	"testing"
)

// The F32 micro-kernel and the vector math are tested through package
// kernels (against DotF32NEON bit for bit, and against float64 math within
// the bounds kernels.Impl states); these benchmarks are what the
// instruction counts above their loops (internal/asmgen) were measured on:
// one call over 4096 values (the micro-kernel: one activation row against
// three weight rows of 4096).

const mathBenchN = 4096

func mathBenchInput() []float32 {
	x := make([]float32, mathBenchN)
	for i := range x {
		x[i] = float32(i%509)/64 - 4
	}
	return x
}

func BenchmarkDotF32x3xMNEON(b *testing.B) {
	w := mathBenchInput()
	w = append(append(w, w...), w...)
	a := mathBenchInput()
	out := make([]float32, 3)
	for b.Loop() {
		DotF32x3xMNEON(out, 3, w, mathBenchN, a, mathBenchN, 1, mathBenchN)
	}
}

func BenchmarkExpF32NEON(b *testing.B) {
	x, y := mathBenchInput(), make([]float32, mathBenchN)
	for b.Loop() {
		ExpF32NEON(y, x)
	}
}

func BenchmarkGELUTanhF32NEON(b *testing.B) {
	x, y := mathBenchInput(), make([]float32, mathBenchN)
	for b.Loop() {
		GELUTanhF32NEON(y, x)
	}
}

func BenchmarkScaleMaxF32NEON(b *testing.B) {
	x := mathBenchInput()
	for b.Loop() {
		ScaleMaxF32NEON(x, 1)
	}
}

func BenchmarkExpSumF32NEON(b *testing.B) {
	x, y := mathBenchInput(), make([]float32, mathBenchN)
	for b.Loop() {
		copy(y, x)
		ExpSumF32NEON(y, 4)
	}
}

// TestMathNEONSmoke checks one value of each kernel against math, so that
// a broken build of this package fails here too (the full tests are in
// package kernels).
func TestMathNEONSmoke(t *testing.T) {
	x := []float32{0, 1, -1, 2, 0.5, -3, 10, -10}
	y := make([]float32, 8)
	ExpF32NEON(y, x)
	for i, v := range x {
		if want := math.Exp(float64(v)); math.Abs(float64(y[i])-want) > 3e-7*want {
			t.Errorf("ExpF32NEON(%v) = %v, want %v", v, y[i], want)
		}
	}
	z := append([]float32(nil), x...)
	if mx := ScaleMaxF32NEON(z, 2); mx != 20 || z[3] != 4 {
		t.Errorf("ScaleMaxF32NEON: max %v, z %v", mx, z)
	}
	var w [3]float32
	DotF32x3xMNEON(w[:], 3, append(append(append([]float32(nil), x...), x...), x...), 8, x, 8, 1, 8)
	if w[0] != DotF32NEON(x, x) || w[2] != w[0] {
		t.Errorf("DotF32x3xMNEON = %v, DotF32NEON %v", w, DotF32NEON(x, x))
	}
}

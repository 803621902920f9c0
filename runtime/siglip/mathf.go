package siglip

import "lookout/kernels"

// Element-wise float32 functions for the hot loops. The towers evaluate
// about 7 million GELUs and 5 million exponentials per 224-px image; Go's
// float64 math.Tanh and math.Exp cost 5–30 ns each, as much as the matmuls
// of a layer, so these run the vector kernels of package kernels
// (kernels.GELUTanh, kernels.SoftmaxScaled: AVX2 or NEON polynomial exp,
// within a few float32 ulp of float64 math, well inside the f32-vs-float64
// differences the goldens allow).

// softmaxScaled replaces s by softmax(s·scale), in float32 as PyTorch's
// softmax(attn_weights, dtype=float32) after the scaled matmul.
func softmaxScaled(s []float32, scale float32) { kernels.SoftmaxScaled(s, scale) }

// geluBias replaces x[i] by gelu_tanh(x[i] + b[i mod len(b)]) for rows of
// len(b) values: fc1's bias (added in float32, as PyTorch's linear does
// before the activation), then PyTorch's gelu(approximate="tanh"),
// evaluated as x/(1+e^(−2u)), u = √(2/π)(x+0.044715x³) (kernels.GELUTanh),
// row by row while the row is in cache.
func geluBias(x, b []float32) {
	n := len(b)
	for r := 0; r+n <= len(x); r += n {
		row := x[r : r+n : r+n]
		for i, v := range b {
			row[i] += v
		}
		kernels.GELUTanh(row, row)
	}
}

package kernels

import (
	"fmt"
	"math"
	"sync"

	"lookout/quant"
)

// The row operations of the transformer blocks. Each follows the float32
// steps of the ggml CPU operator it replaces (the file and function are
// named in its comment), so that GGUF models match llama.cpp; where ggml's
// SIMD and scalar paths differ, these follow the scalar path. As in
// generic.go, explicit float32() conversions pin every rounding so that the
// Go compiler cannot fuse a product into a following add (FMA) on some
// architectures and not others. They run in pure Go: they are a small share
// of a forward pass next to the matrix products.
//
// dst may be the same slice as an input (in-place) everywhere; any other
// overlap is not allowed.

// sqrtf is C's sqrtf: the float64 square root of a float32, rounded once
// more to float32, is the correctly rounded float32 root.
func sqrtf(v float32) float32 { return float32(math.Sqrt(float64(v))) }

// expf, tanhf, cosf, sinf and powf round the float64 result to float32. The
// C library's float versions (glibc) are within an ulp of the true value and
// almost always correctly rounded, which this is too, so the two agree but
// for rare last-bit differences. Package math's float64 functions are not
// bit-identical across GOARCHes (math.Exp, which Pow also uses, is assembly
// on amd64 and arm64), so in the same rare cases — a float64 result within
// about 2⁻⁵² of the midpoint between two float32 values — these differ by an
// ulp between architectures; everything else in this file is bit-identical
// everywhere.
func expf(v float32) float32    { return float32(math.Exp(float64(v))) }
func tanhf(v float32) float32   { return float32(math.Tanh(float64(v))) }
func cosf(v float32) float32    { return float32(math.Cos(float64(v))) }
func sinf(v float32) float32    { return float32(math.Sin(float64(v))) }
func powf(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }

// checkLen panics unless a slice has the length the operation needs.
func checkLen(op, name string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("kernels: %s: len(%s) = %d, want %d", op, name, got, want))
	}
}

// RMSNorm sets dst to x·scale·w with scale = 1/sqrt(mean(x²)+eps), as ggml's
// rms_norm followed by mul does (ops.cpp ggml_compute_forward_rms_norm_f32):
// the squares are rounded to float32 and summed in float64, the mean is
// rounded to float32, scale = 1.0f/sqrtf(mean+eps), and y = (x·scale)·w with
// both products rounded. w may be nil (no weight). Gemma's "1 + w" is
// already folded into GGUF weights; pass them as they are. It panics if the
// lengths differ.
func RMSNorm(dst, x, w []float32, eps float32) {
	checkLen("RMSNorm", "dst", len(dst), len(x))
	if w != nil {
		checkLen("RMSNorm", "w", len(w), len(x))
	}
	if len(x) == 0 {
		return
	}
	var sum float64
	for _, v := range x {
		sum += float64(float32(v * v))
	}
	mean := float32(sum / float64(len(x)))
	scale := 1 / sqrtf(mean+eps)
	if w == nil {
		for i, v := range x {
			dst[i] = v * scale
		}
		return
	}
	w = w[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = float32(v*scale) * w[i]
	}
}

// LayerNorm sets dst to (x−mean)/sqrt(var+eps)·w + b, following ggml's norm,
// mul and add (ops.cpp ggml_compute_forward_norm_f32 with vec.h
// ggml_vec_sum_f32 and vec.cpp ggml_vec_cvar_f32): the sum of x is taken in
// float64 and rounded to float32, mean = sum/n in float32; each x−mean is
// rounded to float32, squared in float32 and summed in float64; var is that
// sum/n rounded to float32; scale = 1.0f/sqrtf(var+eps); y = (x−mean)·scale,
// then y·w, then +b, each rounded. (ggml's SIMD builds add the squares four
// or eight at a time in float32 first, so they may differ in the last bits.)
// w and b may be nil (no weight, no bias). It panics if the lengths differ.
func LayerNorm(dst, x, w, b []float32, eps float32) {
	checkLen("LayerNorm", "dst", len(dst), len(x))
	if w != nil {
		checkLen("LayerNorm", "w", len(w), len(x))
	}
	if b != nil {
		checkLen("LayerNorm", "b", len(b), len(x))
	}
	if len(x) == 0 {
		return
	}
	n := len(x)
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	mean := float32(sum) / float32(n)
	var sq float64
	for _, v := range x {
		d := v - mean
		sq += float64(float32(d * d))
	}
	variance := float32(sq / float64(n))
	scale := 1 / sqrtf(variance+eps)
	dst = dst[:n]
	for i, v := range x {
		y := float32(v-mean) * scale
		if w != nil {
			y = float32(y * w[i])
		}
		if b != nil {
			y += b[i]
		}
		dst[i] = y
	}
}

// Softmax sets dst to exp(x−max)/Σexp(x−max), as ggml's soft_max does
// (ops.cpp ggml_compute_forward_soft_max_f32, vec.cpp ggml_vec_soft_max_f32
// and vec.h ggml_vec_max_f32): max is the float32 maximum, each
// exp(x_i−max) is a float32 expf, the exponentials are summed in float64,
// and every value is multiplied by float32(1.0/sum). Scaling and masking
// (soft_max_ext's scale and mask) are done by the caller with Scale and Add
// first, which rounds the same way. A row of all −Inf gives NaNs, as in ggml.
// It panics if the lengths differ.
func Softmax(dst, x []float32) {
	checkLen("Softmax", "dst", len(dst), len(x))
	if len(x) == 0 {
		return
	}
	mx := float32(math.Inf(-1))
	for _, v := range x {
		// ggml's MAX(max, x[i]) is "max > x[i] ? max : x[i]": a NaN is
		// taken, and dropped again by the next number, just as in C.
		if !(mx > v) {
			mx = v
		}
	}
	dst = dst[:len(x)]
	var sum float64
	for i, v := range x {
		e := expf(v - mx)
		dst[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range dst {
		dst[i] *= inv
	}
}

// The constants of ggml's tanh GELU (vec.h GELU_COEF_A, SQRT_2_OVER_PI),
// rounded to float32 as C rounds the float literals.
const (
	geluCoefA   float32 = 0.044715
	sqrt2OverPi float32 = 0.79788456080286535587989211986876
)

// geluF32 is ggml's ggml_gelu_f32 (vec.h), float32 step by step in C's
// order: ((0.5·x) · (1 + tanhf((√(2/π)·x) · (1 + (a·x)·x)))).
func geluF32(x float32) float32 {
	inner := float32(sqrt2OverPi*x) * float32(1+float32(float32(geluCoefA*x)*x))
	return float32(0.5*x) * (1 + tanhf(inner))
}

// GELU sets dst to the tanh approximation of GELU computed in float32,
// 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²))), step for step ggml's
// ggml_gelu_f32 (and what PyTorch's gelu(approximate="tanh") computes in
// float32, up to the last bit of tanh). For GGUF models use GELUF16Table,
// which is what llama.cpp runs. It panics if the lengths differ.
func GELU(dst, x []float32) {
	checkLen("GELU", "dst", len(dst), len(x))
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = geluF32(v)
	}
}

// geluTable holds f16(geluF32(v)) for every f16 bit pattern v, as ggml's
// ggml_table_gelu_f16 (filled in ggml-cpu.c ggml_cpu_init). It is built on
// first use (128 KiB, about a millisecond).
var geluTable = sync.OnceValue(func() *[1 << 16]uint16 {
	var t [1 << 16]uint16
	for i := range t {
		t[i] = quant.F32ToF16(geluF32(quant.F16ToF32(uint16(i))))
	}
	return &t
})

// GELUF16Table sets dst to GELU as llama.cpp computes it by default
// (vec.h ggml_vec_gelu_f32 under GGML_GELU_FP16): x ≤ −10 gives 0, x ≥ 10
// gives x, and any other x is rounded to f16 and looked up in a table of
// f16-rounded geluF32 values. The result therefore carries f16 precision
// (about 3 decimal digits); that is what GGUF models were checked against.
// It panics if the lengths differ.
func GELUF16Table(dst, x []float32) {
	checkLen("GELUF16Table", "dst", len(dst), len(x))
	t := geluTable()
	dst = dst[:len(x)]
	for i, v := range x {
		switch {
		case v <= -10:
			dst[i] = 0
		case v >= 10:
			dst[i] = v
		default:
			dst[i] = f16ToF32(t[quant.F32ToF16(v)])
		}
	}
}

// maxRoPEPairs is the largest headDim/2 RoPENeoX keeps its cos/sin cache
// for on the stack (Gemma 3 heads are 256 wide: 128 pairs).
const maxRoPEPairs = 256

// RoPENeoX rotates, in place, the nHeads vectors of headDim values in x
// (head h is x[h·headDim:(h+1)·headDim]) by the rotary embedding of position
// pos in NeoX style: element i pairs with element i+headDim/2, for i <
// headDim/2, and the pair turns by the angle θ_i = freqScale·pos·base^(−2i/headDim).
//
// The angles follow ggml's float32 steps (ops.cpp ggml_rope_cache_init and
// rope_yarn with ext_factor 0, attn_factor 1, no freq_factors, and
// theta_scale from ggml_compute_forward_rope_flt): theta_scale =
// powf(base, −2.0f/headDim); θ starts at float(pos) and is multiplied by
// theta_scale after each pair, in float32 (a running product, not a fresh
// power); the angle used is freqScale·θ; cos and sin are cosf and sinf of
// it. The rotation is ggml's rotate_pairs: x0' = x0·cos − x1·sin, x1' =
// x0·sin + x1·cos, each product rounded. freqScale is 1/factor for linear
// RoPE scaling (Gemma 3's global layers), 1 otherwise.
//
// It panics unless headDim is positive and even, nHeads ≥ 0 and len(x) ==
// headDim·nHeads.
func RoPENeoX(x []float32, headDim, nHeads, pos int, base, freqScale float32) {
	if headDim <= 0 || headDim%2 != 0 {
		panic(fmt.Sprintf("kernels: RoPENeoX: headDim = %d must be positive and even", headDim))
	}
	if nHeads < 0 {
		panic(fmt.Sprintf("kernels: RoPENeoX: nHeads = %d is negative", nHeads))
	}
	checkLen("RoPENeoX", "x", len(x), headDim*nHeads)
	half := headDim / 2
	var buf [2 * maxRoPEPairs]float32
	var cs []float32 // cos, sin interleaved, as ggml's cache
	if half <= maxRoPEPairs {
		cs = buf[:2*half]
	} else {
		cs = make([]float32, 2*half)
	}
	thetaScale := powf(base, -2/float32(headDim))
	theta := float32(pos)
	for i := range half {
		angle := freqScale * theta
		cs[2*i], cs[2*i+1] = cosf(angle), sinf(angle)
		theta *= thetaScale
	}
	for h := range nHeads {
		v := x[h*headDim : (h+1)*headDim]
		lo, hi := v[:half], v[half:]
		for i := range half {
			c, s := cs[2*i], cs[2*i+1]
			x0, x1 := lo[i], hi[i]
			lo[i] = float32(x0*c) - float32(x1*s)
			hi[i] = float32(x0*s) + float32(x1*c)
		}
	}
}

// Add sets dst[i] = a[i] + b[i]. It panics if the lengths differ.
func Add(dst, a, b []float32) {
	checkLen("Add", "a", len(a), len(dst))
	checkLen("Add", "b", len(b), len(dst))
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Mul sets dst[i] = a[i]·b[i]. It panics if the lengths differ.
func Mul(dst, a, b []float32) {
	checkLen("Mul", "a", len(a), len(dst))
	checkLen("Mul", "b", len(b), len(dst))
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Scale sets dst[i] = x[i]·s. It panics if the lengths differ.
func Scale(dst, x []float32, s float32) {
	checkLen("Scale", "x", len(x), len(dst))
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

// AddScaled adds s·x to dst: dst[i] += s·x[i], the product rounded before
// the add (not fused), on every architecture. It panics if the lengths
// differ.
func AddScaled(dst, x []float32, s float32) {
	checkLen("AddScaled", "x", len(x), len(dst))
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += float32(s * x[i])
	}
}

// F16ToF32Row converts the f16 bit patterns in src to float32 in dst
// (quant.F16ToF32Row). It panics if the lengths differ.
func F16ToF32Row(dst []float32, src []uint16) { quant.F16ToF32Row(dst, src) }

// F32ToF16Row converts src to f16 bit patterns in dst, rounding to nearest
// even (quant.F32ToF16Row). It panics if the lengths differ.
func F32ToF16Row(dst []uint16, src []float32) { quant.F32ToF16Row(dst, src) }

package quant

import (
	"fmt"
	"math"
)

// IEEE binary16 (f16): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
// bfloat16 (bf16): the top half of a float32 (8 exponent bits, 7 mantissa bits).
//
// These scalar conversions are the references the SIMD kernels are checked
// against, so each one pins down what ggml's conversion does, including the
// cases (NaN payloads, subnormals) where C leaves room.

// F16ToF32 returns the float32 value of the f16 bit pattern h. Every finite f16
// (subnormals included) and ±Inf is exactly representable as float32. A NaN
// keeps its sign and payload and comes back quiet, as x86 F16C (VCVTPH2PS) and
// ggml's software conversion both produce it.
func F16ToF32(h uint16) float32 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 {
		// Normal: rebias the exponent from 15 to 127 in place. This fast path
		// is small enough to inline into row loops.
		return math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + (127-15)<<23))
	}
	return f16ToF32Special(h)
}

// f16ToF32Special converts the f16 zeros, subnormals, infinities and NaNs.
func f16ToF32Special(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	mant := uint32(h & 0x3ff)
	if h&0x7c00 == 0 {
		// Zero or subnormal: mant × 2⁻²⁴, exact in float32.
		v := float32(mant) * 0x1p-24
		return math.Float32frombits(sign | math.Float32bits(v))
	}
	if mant != 0 {
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	}
	return math.Float32frombits(sign | 0x7f800000)
}

// F32ToF16 returns the f16 bit pattern nearest to f, bit for bit what ggml's
// GGML_FP32_TO_FP16 gives on x86 with F16C (_cvtss_sh(f, 0)): round to nearest,
// ties to even; results below the smallest normal become subnormals (never
// flushed); magnitudes that round past 65504 become ±Inf. A NaN stays NaN with
// its sign, is made quiet, and keeps the top 10 bits of its payload (F16C's
// rule; ggml's portable software conversion instead returns 0x7e00|sign, so
// the two differ only in NaN payload bits).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	if a := b & 0x7fffffff; a >= 0x38800000 && a < 0x47800000 {
		// |f| in [2⁻¹⁴, 2¹⁶): a normal f16 after rounding, or Inf when it
		// rounds past 65504. Rebias the exponent in place, then round off the
		// 13 extra mantissa bits to nearest even as F32ToBF16 does: add just
		// under half plus the lsb that survives. A carry out of the mantissa
		// increments the exponent, and one out of exponent 30 gives 0x7c00,
		// which is Inf: both are the right encodings.
		v := a - (127-15)<<23
		v += 0xfff + (v>>13)&1
		return uint16(b>>16)&0x8000 | uint16(v>>13)
	}
	return f32ToF16Special(b)
}

// f32ToF16Special converts the float32 bit patterns b outside the normal f16
// range: NaN, overflow to Inf, and results that are f16 subnormals or zero.
func f32ToF16Special(b uint32) uint16 {
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff && mant != 0:
		return sign | 0x7e00 | uint16(mant>>13)
	case exp >= 127+16: // |f| ≥ 2¹⁶, Inf included
		return sign | 0x7c00
	}
	// |f| < 2⁻¹⁴: a subnormal result, in units of 2⁻²⁴. The 24-bit
	// significand m (implicit bit included) is worth m × 2^(exp-150), so the
	// result is m >> (126 - exp) before rounding.
	shift := uint32(126 - exp)
	if shift > 24 {
		// Below 2⁻²⁵ (f32 zeros and subnormals included): rounds to ±0.
		return sign
	}
	m := mant | 0x800000
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || rem == half && q&1 != 0 {
		q++ // may carry into 0x400, the smallest normal: still correct
	}
	return sign | uint16(q)
}

// BF16ToF32 returns the float32 value of the bf16 bit pattern h. The bits are
// shifted into the top half unchanged (ggml_compute_bf16_to_fp32), so NaN
// payloads, signalling ones included, pass through as they are.
func BF16ToF32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// F32ToBF16 returns the bf16 bit pattern of f rounded to nearest, ties to
// even, bit for bit ggml's ggml_compute_fp32_to_bf16: subnormals are kept (not
// flushed), values that round past the largest bf16 become ±Inf, and a NaN
// keeps its sign and top payload bits with the quiet bit (0x40) forced on.
// Rounding is also PyTorch's (c10::BFloat16); PyTorch differs only for NaN,
// which it turns into the canonical 0x7fc0.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	// Adding 0x7fff rounds up everything above the halfway point; the extra
	// lsb makes an exact halfway case round up only when that gives an even
	// result. Non-NaN inputs are at most 0xff800000, so the sum cannot wrap.
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// F16ToF32Row converts every f16 in src into dst with F16ToF32. The slices
// must have the same length.
func F16ToF32Row(dst []float32, src []uint16) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("quant: F16ToF32Row: dst has %d values, src %d", len(dst), len(src)))
	}
	for i, h := range src {
		dst[i] = F16ToF32(h)
	}
}

// F32ToF16Row converts every float32 in src into dst with F32ToF16. The slices
// must have the same length.
func F32ToF16Row(dst []uint16, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("quant: F32ToF16Row: dst has %d values, src %d", len(dst), len(src)))
	}
	for i, f := range src {
		dst[i] = F32ToF16(f)
	}
}

package quant

import "math"

// The quantizers must reproduce llama.cpp's bytes, and those come from C
// float-to-integer conversions compiled for x86-64. For ordinary inputs the C
// code never leaves the integer range, but blocks holding Inf or NaN, or
// values so small that the inverse scale overflows, do. C calls that
// undefined; gcc on x86-64 emits CVTTSS2SI (or its packed form), which returns
// the "integer indefinite" 0x80000000 for NaN and out-of-range inputs. Go's
// own conversion is implementation-specific there (arm64 saturates), so these
// helpers pin down x86's answer on every GOARCH.

// x86TruncInt32 converts f to int32 like CVTTSS2SI: truncation toward zero,
// and math.MinInt32 for NaN and for values outside the int32 range.
func x86TruncInt32(f float32) int32 {
	if f >= -0x1p31 && f < 0x1p31 { // false for NaN
		return int32(f)
	}
	return math.MinInt32
}

// roundAwayInt32 is C's roundf (nearest, halfway cases away from zero)
// followed by x86's conversion to int32. Rounding the exact float64 copy of f
// gives the same integer as rounding f itself.
func roundAwayInt32(f float32) int32 {
	if f >= -0x1p31 && f < 0x1p31 { // false for NaN and ±Inf
		return int32(math.Round(float64(f)))
	}
	return math.MinInt32
}

// roundEvenSatInt8 rounds f to nearest, ties to even, and narrows the result
// to int8 the way ggml's AVX activation quantizer does: _mm256_round_ps with
// _MM_ROUND_NEAREST, _mm256_cvtps_epi32 (0x80000000 for NaN and out-of-range
// values), then the saturating packs _mm256_packs_epi32 and
// _mm256_packs_epi16. NaN and ±Inf therefore give -128.
func roundEvenSatInt8(f float32) int8 {
	i := int32(math.MinInt32)
	if f >= -0x1p31 && f < 0x1p31 { // false for NaN and ±Inf
		i = int32(math.RoundToEven(float64(f)))
	}
	return int8(min(max(i, math.MinInt8), math.MaxInt8))
}

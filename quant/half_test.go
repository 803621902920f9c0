package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The references below work on values in float64 (where every float32 and
// every rounding step used here is exact), not on bit patterns, so they are
// independent of the bit manipulation under test.

// roundRef rounds x ≥ 0 to the nearest number with mbits fraction bits and a
// smallest normal exponent emin (below it, the spacing stays 2^(emin-mbits):
// gradual underflow), ties to even. Results above maxFinite are +Inf, which
// is IEEE overflow under round-to-nearest.
func roundRef(x float64, mbits, emin int, maxFinite float64) float64 {
	if x == 0 || math.IsInf(x, 0) {
		return x
	}
	_, e := math.Frexp(x) // x = frac·2^e, frac in [0.5, 1)
	e--
	e = max(e, emin)
	ulp := math.Ldexp(1, e-mbits)
	r := math.RoundToEven(x/ulp) * ulp
	if r > maxFinite {
		return math.Inf(1)
	}
	return r
}

const (
	f16Max  = 65504
	bf16Max = (1<<8 - 1) << 120 // (2 - 2⁻⁷)·2¹²⁷
)

func f16Ref(x float32) float64 {
	v := roundRef(math.Abs(float64(x)), 10, -14, f16Max)
	return math.Copysign(v, float64(x))
}

func bf16Ref(x float32) float64 {
	v := roundRef(math.Abs(float64(x)), 7, -126, bf16Max)
	return math.Copysign(v, float64(x))
}

// f16Value decodes a non-NaN f16 from its fields.
func f16Value(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return s * math.Ldexp(m, -24)
	case 0x1f:
		return s * math.Inf(1)
	}
	return s * math.Ldexp(1024+m, e-25)
}

func isNaN16(h uint16) bool       { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }
func isNaNbf(h uint16) bool       { return h&0x7f80 == 0x7f80 && h&0x7f != 0 }
func sameValue(a, b float64) bool { return a == b && math.Signbit(a) == math.Signbit(b) }

func TestF16ToF32Exhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		got := F16ToF32(h)
		if isNaN16(h) {
			// NaN: sign and payload kept, quiet bit set.
			want := uint32(h&0x8000)<<16 | 0x7fc00000 | uint32(h&0x3ff)<<13
			if math.Float32bits(got) != want {
				t.Errorf("F16ToF32(%#04x) = %#08x, want %#08x", h, math.Float32bits(got), want)
			}
			continue
		}
		if want := f16Value(h); !sameValue(float64(got), want) {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", h, got, want)
		}
	}
}

func TestF16RoundTripExhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		got := F32ToF16(F16ToF32(h))
		want := h
		if isNaN16(h) {
			want = h | 0x200 // comes back quiet, same sign and payload
		}
		if got != want {
			t.Errorf("F32ToF16(F16ToF32(%#04x)) = %#04x, want %#04x", h, got, want)
		}
	}
}

func TestF32ToF16Cases(t *testing.T) {
	f := math.Float32frombits
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"1+2⁻¹¹ ties to even (down)", 1 + 0x1p-11, 0x3c00},
		{"1+3·2⁻¹¹ ties to even (up)", 1 + 3*0x1p-11, 0x3c02},
		{"largest finite", 65504, 0x7bff},
		{"just below the overflow threshold", 65519.996, 0x7bff},
		{"overflow threshold 65520 ties to Inf", 65520, 0x7c00},
		{"65536", 65536, 0x7c00},
		{"large", 1e30, 0x7c00},
		{"-large", -1e30, 0xfc00},
		{"+Inf", float32(math.Inf(1)), 0x7c00},
		{"-Inf", float32(math.Inf(-1)), 0xfc00},
		{"smallest normal", 0x1p-14, 0x0400},
		{"halfway below the smallest normal ties up to even", 0x1p-14 - 0x1p-25, 0x0400},
		{"largest subnormal", 0x1p-14 - 0x1p-24, 0x03ff},
		{"smallest subnormal 2⁻²⁴", 0x1p-24, 0x0001},
		{"-2⁻²⁴", -0x1p-24, 0x8001},
		{"2⁻²⁵ ties to even zero", 0x1p-25, 0x0000},
		{"-2⁻²⁵ ties to even -zero", -0x1p-25, 0x8000},
		{"just above 2⁻²⁵", math.Nextafter32(0x1p-25, 1), 0x0001},
		{"1.5·2⁻²⁴ ties to even", 3 * 0x1p-25, 0x0002},
		{"2.5·2⁻²⁴ ties to even", 5 * 0x1p-25, 0x0002},
		{"f32 subnormal", f(1), 0x0000},
		{"-f32 subnormal", f(0x80000001), 0x8000},
		{"quiet NaN", f(0x7fc00000), 0x7e00},
		{"-quiet NaN", f(0xffc00000), 0xfe00},
		{"signalling NaN, low payload only", f(0x7f800001), 0x7e00},
		{"signalling NaN, high payload", f(0x7fa00000), 0x7f00},
		{"NaN all ones", f(0xffffffff), 0xffff},
	}
	for _, tt := range tests {
		if got := F32ToF16(tt.in); got != tt.want {
			t.Errorf("%s: F32ToF16(%g = %#08x) = %#04x, want %#04x", tt.name, tt.in, math.Float32bits(tt.in), got, tt.want)
		}
	}
}

// checkF32ToF16 compares F32ToF16(x) with the float64 reference.
func checkF32ToF16(t *testing.T, x float32) bool {
	t.Helper()
	h := F32ToF16(x)
	if math.IsNaN(float64(x)) {
		if !isNaN16(h) || h&0x8000 != uint16(math.Float32bits(x)>>16)&0x8000 {
			t.Errorf("F32ToF16(NaN %#08x) = %#04x", math.Float32bits(x), h)
			return false
		}
		return true
	}
	if isNaN16(h) {
		t.Errorf("F32ToF16(%g) = NaN %#04x", x, h)
		return false
	}
	if got, want := f16Value(h), f16Ref(x); !sameValue(got, want) {
		t.Errorf("F32ToF16(%g = %#08x) = %#04x (%g), want %g", x, math.Float32bits(x), h, got, want)
		return false
	}
	return true
}

// TestF32ToF16Boundaries checks every f16 value and every midpoint between
// neighbours, each also one float32 ulp either side, in both signs: every
// rounding decision boundary of the format, subnormals and the overflow
// threshold (the midpoint of 65504 and 65536) included.
func TestF32ToF16Boundaries(t *testing.T) {
	for h := uint16(0); h < 0x7c00; h++ {
		lo, hi := f16Value(h), 65536.0
		if h+1 < 0x7c00 {
			hi = f16Value(h + 1)
		}
		for _, c := range []float32{float32(lo), float32((lo + hi) / 2)} {
			for _, x := range []float32{c, math.Nextafter32(c, 0), math.Nextafter32(c, 1e9)} {
				if !checkF32ToF16(t, x) || !checkF32ToF16(t, -x) {
					return
				}
			}
		}
	}
}

// TestF32ToF16Sweep covers all values of the float32 sign, exponent and top
// 11 mantissa bits (which hold the rounding bit for every normal f16 result)
// with the lower 12 "sticky" bits zero, one, half or all set, plus random
// bit patterns.
func TestF32ToF16Sweep(t *testing.T) {
	sticky := []uint32{0, 1, 0x800, 0xfff}
	if testing.Short() {
		sticky = sticky[:2]
	}
	for top := uint32(0); top < 1<<20; top++ {
		for _, s := range sticky {
			if !checkF32ToF16(t, math.Float32frombits(top<<12|s)) {
				return
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1 << 20 {
		if !checkF32ToF16(t, math.Float32frombits(r.Uint32())) {
			return
		}
	}
}

func TestBF16RoundTripExhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := BF16ToF32(h)
		if got := math.Float32bits(f); got != uint32(h)<<16 {
			t.Fatalf("BF16ToF32(%#04x) bits = %#08x, want %#08x", h, got, uint32(h)<<16)
		}
		want := h
		if isNaNbf(h) {
			want = h | 0x40
		}
		if got := F32ToBF16(f); got != want {
			t.Errorf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want %#04x", h, got, want)
		}
	}
}

func TestF32ToBF16Cases(t *testing.T) {
	f := math.Float32frombits
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3f80},
		{"1+2⁻⁸ ties to even (down)", 1 + 0x1p-8, 0x3f80},
		{"1+3·2⁻⁸ ties to even (up)", 1 + 3*0x1p-8, 0x3f82},
		{"just above a tie", f(0x3f808001), 0x3f81},
		{"largest float32 rounds to Inf", f(0x7f7fffff), 0x7f80},
		{"below the overflow threshold", f(0x7f7f7fff), 0x7f7f},
		{"overflow threshold ties to Inf", f(0x7f7f8000), 0x7f80},
		{"-overflow", f(0xff7f8000), 0xff80},
		{"+Inf", float32(math.Inf(1)), 0x7f80},
		{"-Inf", float32(math.Inf(-1)), 0xff80},
		{"smallest f32 subnormal to zero", f(0x00000001), 0x0000},
		{"half the smallest bf16 subnormal ties to zero", f(0x00008000), 0x0000},
		{"above half the smallest bf16 subnormal (not flushed)", f(0x00008001), 0x0001},
		{"1.5 bf16 subnormal ulps ties to even", f(0x00018000), 0x0002},
		{"largest subnormal rounds up to the smallest normal", f(0x007fffff), 0x0080},
		{"-subnormal", f(0x80012345), 0x8001},
		{"quiet NaN", f(0x7fc00000), 0x7fc0},
		{"-quiet NaN", f(0xffc00000), 0xffc0},
		{"signalling NaN, low payload only", f(0x7f800001), 0x7fc0},
		{"signalling NaN, high payload", f(0x7fa00000), 0x7fe0},
		{"NaN whose rounding would carry", f(0x7fffffff), 0x7fff},
	}
	for _, tt := range tests {
		if got := F32ToBF16(tt.in); got != tt.want {
			t.Errorf("%s: F32ToBF16(%#08x) = %#04x, want %#04x", tt.name, math.Float32bits(tt.in), got, tt.want)
		}
	}
}

// TestF32ToBF16Sweep covers every bf16 prefix with the 16 dropped bits at
// each rounding boundary, and random patterns, against the float64 reference.
func TestF32ToBF16Sweep(t *testing.T) {
	check := func(x float32) bool {
		h := F32ToBF16(x)
		if math.IsNaN(float64(x)) {
			if !isNaNbf(h) || h>>15 != uint16(math.Float32bits(x)>>31) {
				t.Errorf("F32ToBF16(NaN %#08x) = %#04x", math.Float32bits(x), h)
				return false
			}
			return true
		}
		if got, want := float64(BF16ToF32(h)), bf16Ref(x); isNaNbf(h) || !sameValue(got, want) {
			t.Errorf("F32ToBF16(%g = %#08x) = %#04x (%g), want %g", x, math.Float32bits(x), h, got, want)
			return false
		}
		return true
	}
	for top := uint32(0); top < 1<<16; top++ {
		for _, s := range []uint32{0, 1, 0x7fff, 0x8000, 0x8001, 0xffff} {
			if !check(math.Float32frombits(top<<16 | s)) {
				return
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 1 << 20 {
		if !check(math.Float32frombits(r.Uint32())) {
			return
		}
	}
}

func TestRowConversions(t *testing.T) {
	src := []float32{0, 1, -2.5, 65520, 0x1p-25, 3 * 0x1p-25}
	h := make([]uint16, len(src))
	F32ToF16Row(h, src)
	want := []uint16{0x0000, 0x3c00, 0xc100, 0x7c00, 0x0000, 0x0002}
	for i := range want {
		if h[i] != want[i] {
			t.Errorf("F32ToF16Row[%d] = %#04x, want %#04x", i, h[i], want[i])
		}
	}
	back := make([]float32, len(h))
	F16ToF32Row(back, h)
	for i := range h {
		if back[i] != F16ToF32(h[i]) {
			t.Errorf("F16ToF32Row[%d] = %g, want %g", i, back[i], F16ToF32(h[i]))
		}
	}
}

package kernels

import (
	"math"
	"sync"

	"lookout/quant"
)

// F16 accumulators held as float32. ggml's flash attention keeps the V
// accumulator of an F16 cache in f16 and rounds it after every step
// (ggml_vec_mad_f16, ggml_vec_scale_f16 leftover loops); runtime/gemma3
// holds those f16 values widened to float32, which is exact, and rounds
// each result back to the nearest f16 in place. MadF16 and ScaleF16 are
// those two steps and WidenF16 is the widening of a cached f16 row. Every
// Impl gives the generic twins' bits exactly, f16 subnormals, overflow to
// ±Inf and NaNs included (a NaN keeps the payload bits f16 can hold; when
// two operands are NaN, which of them propagates follows the hardware).

// MadF16 sets acc[i] = f16(fmaf(v[i], s, acc[i])) for every i: one fused
// multiply-add rounded to float32, then rounded to the nearest f16 (ties to
// even) and widened back. It panics unless len(v) == len(acc).
func MadF16(acc, v []float32, s float32) {
	checkSameLen("MadF16", "acc", len(acc), "v", len(v))
	raceWriteFloats(acc)
	raceReadFloats(v)
	cur.MadF16(acc, v, s)
}

// ScaleF16 sets acc[i] = f16(acc[i]·s): the product rounded to float32,
// then to the nearest f16 (ties to even) and widened back.
func ScaleF16(acc []float32, s float32) {
	raceWriteFloats(acc)
	cur.ScaleF16(acc, s)
}

// WidenF16 sets dst[i] to the f16 value with bits src[i], exactly
// (quant.F16ToF32Row). It panics unless len(dst) == len(src).
func WidenF16(dst []float32, src []uint16) {
	checkSameLen("WidenF16", "dst", len(dst), "src", len(src))
	raceWriteFloats(dst)
	raceReadU16(src)
	cur.WidenF16(dst, src)
}

// madF16Generic is Impl.MadF16. The float64 sum hi = v·s + a is off the
// exact sum by at most half a float64 ulp (the product is exact), so
// rounding it to float32 is fmaf's correct rounding unless hi is a float32
// halfway point or not a normal float32; a result that rounds to a normal
// f16 is a normal float32, so one test (f16Normal) covers the second case.
// The rest takes FMAF and quant's conversions.
func madF16Generic(acc, v []float32, s float32) {
	v = v[:len(acc)]
	s64 := float64(s)
	for i, a := range acc {
		hi := float64(v[i])*s64 + float64(a)
		b := math.Float32bits(float32(hi))
		if math.Float64bits(hi)&(1<<29-1) != 1<<28 && f16Normal(b) {
			acc[i] = math.Float32frombits(f16RoundBits(b))
		} else {
			acc[i] = f16RoundSlow(FMAF(v[i], s, a))
		}
	}
}

// scaleF16Generic is Impl.ScaleF16.
func scaleF16Generic(acc []float32, s float32) {
	for i, a := range acc {
		p := float32(a * s)
		if b := math.Float32bits(p); f16Normal(b) {
			acc[i] = math.Float32frombits(f16RoundBits(b))
		} else {
			acc[i] = f16RoundSlow(p)
		}
	}
}

// widenF16Generic is Impl.WidenF16, quant.F16ToF32 through a table of
// all 65536 values (256 KiB, built on first use): without F16 conversion
// instructions a load is about half the cost of converting the bits.
func widenF16Generic(dst []float32, src []uint16) {
	t := f16Table()
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = t[h]
	}
}

// f16Table holds quant.F16ToF32 of every f16 bit pattern.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = quant.F16ToF32(uint16(i))
	}
	return t
})

// f16Normal reports whether the float32 with bits b rounds to a normal
// f16: |v| in [2⁻¹⁴, 65520).
func f16Normal(b uint32) bool {
	return b&0x7fffffff-0x38800000 < 0x477ff000-0x38800000 // one unsigned compare
}

// f16RoundBits drops the 13 mantissa bits f16 lacks from b, to nearest
// even (a carry into the exponent is the right result), for f16Normal b.
func f16RoundBits(b uint32) uint32 { return (b + 0xfff + (b>>13)&1) &^ 0x1fff }

// f16RoundSlow rounds v to f16 and back through quant's conversions.
func f16RoundSlow(v float32) float32 { return quant.F16ToF32(quant.F32ToF16(v)) }

// FMAF is C's fmaf (x·y + z rounded once to float32) for every input, in
// portable Go: the product of two float32 values is exact in float64, and
// twoSum keeps the float64 sum's rounding error, which settles the one case
// where rounding the float64 sum to float32 would round twice (a float32
// halfway point). It is the slow path of the kernels that must round like
// a C compiler's contracted multiply-add (runtime/gemma3's attention keeps
// an inlined fast path and calls this for the rare hard cases).
func FMAF(x, y, z float32) float32 {
	a, b := float64(x)*float64(y), float64(z)
	hi := a + b
	bb := hi - a
	lo := (a - (hi - bb)) + (b - bb)
	r := float32(hi)
	if lo == 0 || float64(r) == hi {
		return r
	}
	// hi is not a float32; it is a halfway point only if both neighbours
	// are equally far. Then lo breaks the tie.
	d := float64(r) - hi
	var o float32
	if d > 0 {
		o = math.Nextafter32(r, float32(math.Inf(-1)))
	} else {
		o = math.Nextafter32(r, float32(math.Inf(1)))
	}
	if float64(o)-hi != -d {
		return r
	}
	if (lo > 0) == (float64(o) > hi) {
		return o
	}
	return r
}

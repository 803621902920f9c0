package gemma3

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"lookout/kernels"
)

// exactFmaf is x·y + z rounded once to float32, through math/big.
func exactFmaf(x, y, z float32) float32 {
	if r := float64(x)*float64(y) + float64(z); math.IsInf(r, 0) || math.IsNaN(r) {
		return float32(r) // an infinite or NaN operand: float64 gets it right
	}
	p := new(big.Float).SetPrec(200).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetFloat64(float64(y)))
	p.Add(p, new(big.Float).SetFloat64(float64(z)))
	f, _ := p.Float32()
	if f == 0 && math.Signbit(float64(x*y)) && math.Signbit(float64(z)) {
		return float32(math.Copysign(0, -1)) // −0 + −0; big.Float has +0 only from Add
	}
	return f
}

// TestFmaf checks fmaf, its fast path as madF16/madF32 spell it, and
// kernels.FMAF against an exact reference: random operands of mixed scales,
// sums that land exactly on a float32 halfway point, sums whose float64
// rounding lands on one (where rounding twice goes wrong), and results in
// the float32 subnormal range.
func TestFmaf(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rnd := func() float32 {
		return float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-30)))
	}
	type triple struct{ x, y, z float32 }
	var cases []triple
	for range 200000 {
		cases = append(cases, triple{rnd(), rnd(), rnd()})
	}
	for range 20000 {
		z := rnd()
		if z == 0 {
			continue
		}
		ulp := math.Nextafter32(z, float32(math.Inf(1))) - z
		// x·y = ulp/2 exactly: a halfway point, settled to even.
		cases = append(cases, triple{ulp / 2, 1, z})
		// x·y = ulp/2·(1 − 2⁻⁴⁶): just below a halfway point, but the
		// float64 sum rounds onto it.
		e := math.Float32frombits(0x3f800001) // 1 + 2⁻²³
		f := math.Float32frombits(0x3f7ffffe) // 1 − 2⁻²³
		cases = append(cases, triple{e * (ulp / 2), f, z}, triple{-e * (ulp / 2), f, z}, triple{e * (ulp / 2), -f, -z})
		// Subnormal results, where the halfway points are odd multiples
		// of 2⁻¹⁵⁰: random ones, and just below one.
		sub := math.Float32frombits(rng.Uint32()&0x7ffffe | 1)
		cases = append(cases, triple{0x1p-70, rnd() * 0x1p-60, rnd() * 0x1p-130},
			triple{e * 0x1p-75, f * 0x1p-75, sub}, triple{-e * 0x1p-75, f * 0x1p-75, -sub})
	}
	cases = append(cases, triple{0, 0, 0}, triple{-0.0, 1, float32(math.Copysign(0, -1))},
		triple{float32(math.Inf(1)), 1, 1}, triple{3e38, 10, 0}, triple{1, 1, float32(math.NaN())})
	for _, c := range cases {
		want := exactFmaf(c.x, c.y, c.z)
		acc := []float32{c.z}
		madF32(acc, []float32{c.x}, c.y)
		for _, got := range []float32{fmaf(c.x, c.y, c.z), kernels.FMAF(c.x, c.y, c.z), acc[0]} {
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				t.Fatalf("fmaf(%g, %g, %g) = %g (%#x), want %g (%#x)", c.x, c.y, c.z, got, math.Float32bits(got), want, math.Float32bits(want))
			}
		}
		acc[0] = f16RoundSlow(c.z)
		x := f16RoundSlow(c.x)
		want = f16RoundSlow(exactFmaf(x, c.y, acc[0]))
		madF16(acc, []float32{x}, c.y)
		if math.Float32bits(acc[0]) != math.Float32bits(want) && !(want != want && acc[0] != acc[0]) {
			t.Fatalf("madF16: f16(fmaf(%g, %g, %g)) = %g, want %g", x, c.y, f16RoundSlow(c.z), acc[0], want)
		}
	}
}

// TestF16Round checks f16Round and scaleF16 (the in-place rounding of
// normal results) against the round trip through quant's conversions for
// every float32 whose low 16 bits are one of the patterns around the f16
// rounding point (and a few random ones).
func TestF16Round(t *testing.T) {
	lows := []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x2001, 0x3000, 0x7fff, 0x8000, 0xefff, 0xf000, 0xf001, 0xffff}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		lows = append(lows, rng.Uint32()&0xffff)
	}
	acc := make([]float32, 1)
	for hi := range uint32(1 << 16) {
		for _, lo := range lows {
			v := math.Float32frombits(hi<<16 | lo)
			want := f16RoundSlow(v)
			acc[0] = v
			scaleF16(acc, 1)
			for _, got := range []float32{f16Round(v), acc[0]} {
				if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
					t.Fatalf("f16Round(%g = %#x) = %#x, want %#x", v, math.Float32bits(v), math.Float32bits(got), math.Float32bits(want))
				}
			}
		}
	}
}

// TestDotF64x4 checks that the four-at-a-time dot gives dotF64's bits.
func TestDotF64x4(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	v := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = f16RoundSlow(float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10))))
		}
		return x
	}
	for _, n := range []int{0, 1, 16, 33, 256} {
		var a, b [4][]float32
		for i := range 4 {
			a[i], b[i] = v(n), v(n)
		}
		s0, s1, s2, s3 := dotF64x4(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
		for i, got := range []float32{s0, s1, s2, s3} {
			if want := dotF64(a[i], b[i]); math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("n=%d: dotF64x4 sum %d = %g, dotF64 %g", n, i, got, want)
			}
		}
	}
}

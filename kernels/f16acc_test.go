package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"lookout/quant"
)

// f16Ulp is the spacing of f16 values near |x| (normal range), in float32.
func f16Ulp(x float32) float32 {
	e := math.Float32bits(x)>>23&0xff - 127
	if int(e) < -14 {
		return 0x1p-24
	}
	return float32(math.Ldexp(1, int(e)-10))
}

// f16AccCase is one input of MadF16/ScaleF16: the accumulator, the V row
// and the scale.
type f16AccCase struct {
	name   string
	acc, v []float32
	s      float32
}

// randF16 returns a random f16 value widened to float32, drawn from every
// bit pattern (subnormals, infinities and NaNs included) when any is true,
// else from the finite ones.
func randF16(r *rand.Rand, any bool) float32 {
	for {
		h := uint16(r.Uint32())
		if any || h&0x7c00 != 0x7c00 {
			return quant.F16ToF32(h)
		}
	}
}

// adversarialF32 draws a float32 from the places where the rounding steps
// can go wrong, relative to a.
func adversarialF32(r *rand.Rand, a float32) float32 {
	sign := float32(1)
	if r.IntN(2) == 0 {
		sign = -1
	}
	switch r.IntN(10) {
	case 0: // an f16 halfway point next to a, exactly or just off
		h := a + sign*f16Ulp(a)/2
		switch r.IntN(3) {
		case 0:
			return math.Nextafter32(h, 0)
		case 1:
			return math.Nextafter32(h, float32(math.Inf(1)))
		}
		return h
	case 1: // f16 subnormal range and the normal boundary
		return sign * float32(math.Ldexp(r.Float64()*2, -15-r.IntN(12)))
	case 2: // around the f16 overflow threshold 65520
		return sign * (65504 + float32(r.IntN(32)) - 8 + float32(r.Float64()))
	case 3: // float32 subnormals and tiny products
		return sign * math.Float32frombits(uint32(r.IntN(1<<23)))
	case 4: // ±Inf, NaNs with payloads
		switch r.IntN(3) {
		case 0:
			return sign * float32(math.Inf(1))
		case 1:
			return math.Float32frombits(0x7fc00000 | uint32(r.IntN(1<<22)))
		}
		return math.Float32frombits(0xff800000 | 1 + uint32(r.IntN(1<<22-1))) // signalling
	case 5:
		return 0
	}
	return randF16(r, false)
}

// f16AccCases returns random and adversarial inputs of every length 0..40
// and a few longer ones.
func f16AccCases() []f16AccCase {
	r := newRand(4)
	var cs []f16AccCase
	lens := []int{}
	for n := 0; n <= 40; n++ {
		lens = append(lens, n)
	}
	lens = append(lens, 63, 64, 65, 255, 256, 257)
	for _, n := range lens {
		for k := range 7 {
			c := f16AccCase{acc: make([]float32, n), v: make([]float32, n)}
			switch k {
			case 0: // decode-like: f16 accumulator and V, scale in [0, 1]
				c.name = "random"
				c.s = float32(r.Float64())
				for i := range n {
					c.acc[i], c.v[i] = randF16(r, false), randF16(r, false)
				}
			case 1: // arbitrary float32 accumulators and V values
				c.name = "float32"
				c.s = float32(r.NormFloat64())
				for i := range n {
					c.acc[i] = float32(r.NormFloat64() * 100)
					c.v[i] = float32(r.NormFloat64())
				}
			case 2: // halfway points and ties: s = 1, small v
				c.name = "halfway"
				c.s = 1
				for i := range n {
					a := randF16(r, false)
					c.acc[i] = a + f16Ulp(a)/2
					switch r.IntN(3) {
					case 0:
						c.v[i] = 0
					case 1:
						c.v[i] = float32(math.Ldexp(r.Float64()-0.5, -40))
					default:
						c.v[i] = adversarialF32(r, a)
					}
				}
			case 3, 4: // every adversarial kind in both operands
				c.name = "adversarial"
				c.s = []float32{1, 0, 0.5, 0x1p-20, float32(r.Float64()), float32(math.Inf(1)), float32(math.NaN()), 3e38}[r.IntN(8)]
				if k == 4 {
					c.s = float32(r.Float64())
				}
				for i := range n {
					a := randF16(r, true)
					c.acc[i] = adversarialF32(r, a)
					c.v[i] = adversarialF32(r, c.acc[i])
				}
			case 6: // exact sums within a float32 ulp of an f16 halfway
				// point, with products that are not float32 values: the
				// single rounding of the FMA decides the f16 rounding.
				c.name = "fused"
				c.s = float32(0.5 + r.Float64()/2)
				for i := range n {
					a := randF16(r, false)
					h := float64(a + f16Ulp(a)/2)
					c.v[i] = float32(h * math.Ldexp(0.5+r.Float64()/2, -1-r.IntN(8)) / float64(c.s))
					c.acc[i] = float32(h - float64(c.v[i])*float64(c.s))
				}
			case 5: // everything in the f16 subnormal range
				c.name = "subnormal"
				c.s = float32(r.Float64())
				for i := range n {
					c.acc[i] = float32(math.Ldexp(float64(r.IntN(2048)-1024), -24))
					c.v[i] = float32(math.Ldexp(r.NormFloat64(), -14-r.IntN(8)))
				}
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// sameF16Acc reports whether got matches want for the FMA (or product)
// v·s + acc: the same bits, except that where two NaNs meet (two NaN
// operands, or a NaN operand and the default NaN of ∞·0) either may
// propagate.
func sameF16Acc(got, want, acc, v, s float32) bool {
	if math.Float32bits(got) == math.Float32bits(want) {
		return true
	}
	nans := 0
	for _, x := range []float32{acc, v, s} {
		if x != x {
			nans++
		}
	}
	if inf := func(x float32) bool { return math.IsInf(float64(x), 0) }; inf(v) && s == 0 || v == 0 && inf(s) {
		nans++
	}
	return nans >= 2 && got != got && want != want
}

// TestMadF16 checks every Impl's MadF16 and ScaleF16 against Generic, bit
// for bit, on the inputs of f16AccCases.
func TestMadF16(t *testing.T) {
	cases := f16AccCases()
	forEachImpl(t, func(t *testing.T, im Impl) {
		for ci, c := range cases {
			for _, off := range misalignments {
				want := append([]float32(nil), c.acc...)
				Generic.MadF16(want, c.v, c.s)
				got, check := guardedFloats(len(c.acc), off)
				copy(got, c.acc)
				MadF16(got, placeFloats(c.v, off), c.s)
				check(t, "MadF16")
				for i := range got {
					if !sameF16Acc(got[i], want[i], c.acc[i], c.v[i], c.s) {
						t.Fatalf("case %d %s n=%d off=%d: MadF16 acc[%d]: f16(fmaf(%g [%#x], %g [%#x], %g [%#x])) = %g [%#x], Generic %g [%#x]",
							ci, c.name, len(got), off, i, c.v[i], math.Float32bits(c.v[i]), c.s, math.Float32bits(c.s), c.acc[i], math.Float32bits(c.acc[i]),
							got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}

				want = append(want[:0], c.v...)
				Generic.ScaleF16(want, c.s)
				got, check = guardedFloats(len(c.v), off)
				copy(got, c.v)
				ScaleF16(got, c.s)
				check(t, "ScaleF16")
				for i := range got {
					if !sameF16Acc(got[i], want[i], c.v[i], c.s, 0) {
						t.Fatalf("case %d %s n=%d off=%d: ScaleF16 acc[%d]: f16(%g·%g) = %g [%#x], Generic %g [%#x]",
							ci, c.name, len(got), off, i, c.v[i], c.s, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	})
}

// TestMadF16Generic checks the generic twins against exact arithmetic
// (math/big) on the finite inputs of f16AccCases.
func TestMadF16Generic(t *testing.T) {
	exact := func(x, y, z float32) float32 {
		p := new(big.Float).SetPrec(400).SetFloat64(float64(x))
		p.Mul(p, new(big.Float).SetPrec(400).SetFloat64(float64(y)))
		p.Add(p, new(big.Float).SetPrec(400).SetFloat64(float64(z)))
		f, _ := p.Float32()
		return quant.F16ToF32(quant.F32ToF16(f))
	}
	finite := func(xs ...float32) bool {
		for _, x := range xs {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return false
			}
		}
		return true
	}
	n := 0
	for ci, c := range f16AccCases() {
		got := append([]float32(nil), c.acc...)
		Generic.MadF16(got, c.v, c.s)
		for i := range got {
			if !finite(c.acc[i], c.v[i], c.s) || got[i] == 0 {
				continue // big.Float has no NaN or Inf; zero signs are checked against the hardware in TestMadF16
			}
			n++
			if want := exact(c.v[i], c.s, c.acc[i]); math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("case %d %s: f16(fmaf(%g, %g, %g)) = %g, exact %g", ci, c.name, c.v[i], c.s, c.acc[i], got[i], want)
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d finite cases", n)
	}
}

// TestWidenF16 checks every Impl's WidenF16 on all 65536 f16 bit patterns
// (quant.F16ToF32 is the reference) and on every length 0..40.
func TestWidenF16(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	forEachImpl(t, func(t *testing.T, im Impl) {
		for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 1 << 16} {
			for _, off := range misalignments {
				src := placeU16(all[len(all)-n:], off)
				got, check := guardedFloats(n, off)
				WidenF16(got, src)
				check(t, "WidenF16")
				for i, h := range src {
					if want := quant.F16ToF32(h); math.Float32bits(got[i]) != math.Float32bits(want) {
						t.Fatalf("n=%d off=%d: WidenF16(%#04x) = %#x, want %#x", n, off, h, math.Float32bits(got[i]), math.Float32bits(want))
					}
				}
			}
		}
		for n := range 41 {
			src := all[1000 : 1000+n]
			got := make([]float32, n)
			WidenF16(got, src)
			for i, h := range src {
				if want := quant.F16ToF32(h); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatal(fmt.Sprintf("n=%d: WidenF16(%#04x) wrong", n, h))
				}
			}
		}
	})
}

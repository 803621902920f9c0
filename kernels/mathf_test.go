package kernels

import (
	"fmt"
	"math"
	"testing"
)

// ulp32 is the spacing of float32 values at |v| (the subnormal step below
// the normals).
func ulp32(v float64) float64 {
	f := float32(math.Abs(v))
	if math.IsInf(float64(f), 0) {
		f = math.MaxFloat32
	}
	return float64(math.Nextafter32(f, float32(math.Inf(1)))) - float64(f)
}

// mathInputs returns a dense grid over [lo, hi) with step, then the
// values every vector function must get right: signed zeros, subnormals,
// the smallest normals, huge magnitudes, infinities and NaN.
func mathInputs(lo, hi, step float64) []float32 {
	var x []float32
	for v := lo; v < hi; v += step {
		x = append(x, float32(v))
	}
	return append(x, 0, float32(math.Copysign(0, -1)), 0x1p-149, -0x1p-149, 0x1p-127, -0x1p-127,
		0x1p-126, -0x1p-126, 1e-30, -1e-30, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		-87.33655, -87.3366, -103.97, -103.98, -104, -200, 88.7228, 88.72284, 88.7229, 89, 100)
}

// runVector runs f over x as one row and also at every length 0..19 from
// a misaligned start (every tail of the 8- and 4-lane loops) and in place,
// failing if the results differ from the one-row run or a guard changed.
func runVector(t *testing.T, name string, f func(dst, x []float32), x []float32) []float32 {
	t.Helper()
	got := make([]float32, len(x))
	f(got, x)
	for n := range 20 {
		for _, off := range misalignments {
			src := placeFloats(x[:n], off)
			dst, check := guardedFloats(n, off)
			f(dst, src)
			check(t, fmt.Sprintf("%s n=%d offset=%d", name, n, off))
			for i := range dst {
				if !sameFloat(dst[i], got[i]) {
					t.Fatalf("%s(%v) = %v in a row of %d, %v in the whole row", name, x[i], dst[i], n, got[i])
				}
			}
			f(src, src) // in place
			if !equalBits(src[:n], dst) && n > 0 {
				for i := range src {
					if !sameFloat(src[i], dst[i]) {
						t.Fatalf("%s in place: %v, not %v", name, src[i], dst[i])
					}
				}
			}
		}
	}
	return got
}

// TestExpF32 checks every Impl's ExpF32 against math.Exp (float64) over a
// dense grid of [−110, 95) and the special inputs: within expULP ulp where
// e^x is a normal float32, within one subnormal step (2⁻¹⁴⁹) below, +Inf
// where e^x overflows float32, NaN for NaN.
func TestExpF32(t *testing.T) {
	x := mathInputs(-110, 95, 0.000731)
	forEachImpl(t, func(t *testing.T, im Impl) {
		got := runVector(t, "ExpF32", im.ExpF32, x)
		var worst float64
		for i, v := range x {
			g := got[i]
			want := math.Exp(float64(v))
			switch {
			case v != v:
				if g == g {
					t.Fatalf("e^NaN = %v", g)
				}
				continue
			case want > math.MaxFloat32:
				if !math.IsInf(float64(g), 1) && math.Abs(float64(g)-want) > expULP*ulp32(math.MaxFloat32) {
					t.Fatalf("e^%v = %v, want +Inf", v, g)
				}
				continue
			case want < 0x1p-126:
				if math.Abs(float64(g)-want) > 0x1p-149 {
					t.Fatalf("e^%v = %v (%#x), want %v within 2⁻¹⁴⁹", v, g, math.Float32bits(g), want)
				}
				continue
			}
			e := math.Abs(float64(g)-want) / ulp32(want)
			worst = max(worst, e)
			if e > expULP {
				t.Fatalf("e^%v = %v, want %v (%.2f ulp)", v, g, want, e)
			}
		}
		t.Logf("%s: max error %.2f ulp", im.Name, worst)
		dst := make([]float32, len(x))
		ExpF32(dst, x)
		if !equalBits(dst, got) {
			t.Fatal("exported ExpF32 differs from the active Impl")
		}
	})
}

// TestGELUTanhF32 checks every Impl's GELUTanhF32 against gelu_tanh in
// float64 (written x/(1+e^(−2u)), the same function as ½x(1+tanh u)) over
// a dense grid of [−20, 20) and the special inputs, within the bound of
// Impl.GELUTanhF32: 4 ulp, plus 2⁻²²·|t·want| for the rounding of the
// float32 argument t = −2u that e^t magnifies, plus 2⁻¹²⁴ (results under
// 3·10⁻³⁸ in magnitude, x < −10, may come out as −0: e^t overflows first).
func TestGELUTanhF32(t *testing.T) {
	x := mathInputs(-20, 20, 0.000377)
	forEachImpl(t, func(t *testing.T, im Impl) {
		got := runVector(t, "GELUTanhF32", im.GELUTanhF32, x)
		var worst float64
		for i, v := range x {
			g := got[i]
			d := float64(v)
			switch {
			case v != v || math.IsInf(d, -1):
				if g == g {
					t.Fatalf("gelu(%v) = %v, want NaN", v, g)
				}
				continue
			case math.IsInf(d, 1):
				if !math.IsInf(float64(g), 1) {
					t.Fatalf("gelu(+Inf) = %v", g)
				}
				continue
			case v == 0:
				if math.Float32bits(g) != math.Float32bits(v) {
					t.Fatalf("gelu(%v) = %v, want the same zero", v, g)
				}
				continue
			}
			tt := -2 * math.Sqrt(2/math.Pi) * (d + 0.044715*d*d*d)
			want := d / (1 + math.Exp(tt))
			if math.IsInf(tt, 0) || math.IsNaN(want) {
				want = 0 // x³ overflows float64 only for |x| > 1e102
				if d > 0 {
					want = d
				}
			}
			e := math.Abs(float64(g) - want)
			bound := geluULP*ulp32(want) + 0x1p-22*math.Abs(tt*want) + 0x1p-124
			if !(e <= bound) {
				t.Fatalf("gelu(%v) = %v, want %v (error %.3g > bound %.3g)", v, g, want, e, bound)
			}
			if v >= -4 && want != 0 {
				worst = max(worst, e/ulp32(want))
			}
		}
		t.Logf("%s: max error %.2f ulp for x ≥ −4", im.Name, worst)
		dst := make([]float32, len(x))
		GELUTanh(dst, x)
		if !equalBits(dst, got) {
			t.Fatal("exported GELUTanh differs from the active Impl")
		}
	})
}

// TestSoftmaxScaledF32 checks every Impl's SoftmaxScaledF32 against a
// float64 softmax of the float32 scaled values v_i = x_i·scale, on rows of
// every length through 40 and 196, with scales and offsets that make the
// rows all negative or all positive: relative error at most
// (8 + n + |v_i − max|)·2⁻²³ (ExpF32's 2 ulp, the rounding of v_i − max
// magnified by e^, the float32 sum of n terms, 1/sum and the product),
// plus 2⁻¹⁴⁹. Then rows with a NaN, with +Inf, and of −Inf only, which give
// NaNs, and a row where one value dominates.
func TestSoftmaxScaledF32(t *testing.T) {
	var lens []int
	for n := range 41 {
		lens = append(lens, n)
	}
	lens = append(lens, 196)
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(61)
		for _, n := range lens {
			for _, c := range []struct{ scale, offset, spread float32 }{
				{0.125, 0, 8}, {1, -100, 3}, {-0.5, 50, 20}, {1, 1e4, 1e3},
			} {
				x := randFloats(r, n, float64(c.spread))
				for i := range x {
					x[i] += c.offset
				}
				what := fmt.Sprintf("n=%d scale=%g offset=%g", n, c.scale, c.offset)
				got := placeFloats(x, r.IntN(3))
				_, check := guardedFloats(0, 0)
				im.SoftmaxScaledF32(got, c.scale)
				check(t, what)
				mx := math.Inf(-1)
				for _, v := range x {
					mx = max(mx, float64(v*c.scale))
				}
				var sum float64
				for _, v := range x {
					sum += math.Exp(float64(v*c.scale) - mx)
				}
				var total float64
				for i, v := range x {
					d := float64(v*c.scale) - mx
					want := math.Exp(d) / sum
					bound := (8+float64(n)+math.Abs(d))*0x1p-23*want + 0x1p-149
					if e := math.Abs(float64(got[i]) - want); !(e <= bound) {
						t.Fatalf("%s: [%d] = %v, want %v (error %.3g > %.3g)", what, i, got[i], want, e, bound)
					}
					total += float64(got[i])
				}
				if n > 0 && math.Abs(total-1) > float64(n+8)*0x1p-23 {
					t.Fatalf("%s: sums to %v", what, total)
				}
				exp := append([]float32(nil), x...)
				SoftmaxScaled(exp, c.scale)
				if !equalBits(exp, got) {
					t.Fatalf("%s: exported SoftmaxScaled differs from the active Impl", what)
				}
			}
		}
		nan, inf, ninf := float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
		for _, row := range [][]float32{
			{1, 2, nan, 3}, {1, 2, 3, 4, 5, 6, 7, 8, nan}, {1, inf, 2}, {ninf, ninf, ninf}, {ninf},
		} {
			x := append([]float32(nil), row...)
			im.SoftmaxScaledF32(x, 1)
			for i, v := range x {
				if v == v {
					t.Errorf("softmax(%v)[%d] = %v, want NaN", row, i, v)
				}
			}
		}
		x := []float32{0, 1000, 0, -5, 0, 0, 0, 0, 0, 0}
		im.SoftmaxScaledF32(x, 1)
		for i, v := range x {
			if want := float32(0); i == 1 && v != 1 || i != 1 && v != want {
				t.Errorf("softmax with one dominant value: [%d] = %v", i, v)
			}
		}
	})
}

// TestMathConstants ties the constants the assembly spells as bits to the
// Go ones.
func TestMathConstants(t *testing.T) {
	for _, c := range []struct {
		name string
		v    float32
		bits uint32
	}{
		{"expLo", expLo, 0xc2d00000}, {"expHi", expHi, 0x42b20000}, {"expLog2e", expLog2e, 0x3fb8aa3b},
		{"expC1", expC1, 0x3f318000}, {"expC2", expC2, 0xb95e8083}, {"expP0", expP0, 0x39506967},
		{"expP1", expP1, 0x3ab743ce}, {"expP2", expP2, 0x3c088908}, {"expP3", expP3, 0x3d2aa9c1},
		{"expP4", expP4, 0x3e2aaaaa}, {"expP5", expP5, 0x3f000000}, {"geluK1", geluK1, 0xbfcc422a},
		{"geluK2", geluK2, 0xbd922279},
	} {
		if got := math.Float32bits(c.v); got != c.bits {
			t.Errorf("%s = %#x, the assembly has %#x", c.name, got, c.bits)
		}
	}
}

// TestVec8Softmax8 runs the wrappers that complete the arm64 kernels
// (vec8, softmax8) on every platform, over Go stand-ins that, like the
// assembly, take whole groups of 8 values only: the results must be the
// stand-ins' values for every length (tails through the buffer), and the
// softmax within TestSoftmaxScaledF32's bound of Generic.
func TestVec8Softmax8(t *testing.T) {
	groups := func(f func(dst, x []float32)) func(dst, x []float32) {
		return func(dst, x []float32) {
			if len(dst)%8 != 0 {
				t.Fatalf("kernel called with %d values", len(dst))
			}
			f(dst, x)
		}
	}
	exp := vec8(groups(expF32Generic))
	scaleMax := func(x []float32, s float32) float32 {
		mx := float32(math.Inf(-1))
		for i := range x {
			x[i] *= s
			if !(mx >= x[i]) { // FMAX: a NaN wins
				mx = x[i]
			}
		}
		return mx
	}
	expSum := func(x []float32, shift float32) float32 {
		if len(x)%8 != 0 {
			t.Fatalf("expSum called with %d values", len(x))
		}
		var sum float32
		for i, v := range x {
			x[i] = expF32(v - shift)
			sum += x[i]
		}
		return sum
	}
	softmax := softmax8(scaleMax, expSum)
	r := newRand(81)
	for n := range 40 {
		x := randFloats(r, n, 4)
		got := make([]float32, n)
		exp(got, x)
		for i, v := range x {
			if want := expF32(v); !sameFloat(got[i], want) {
				t.Fatalf("vec8 n=%d: e^%v = %v, want %v", n, v, got[i], want)
			}
		}
		s, ref := append([]float32(nil), x...), append([]float32(nil), x...)
		softmax(s, 0.5)
		softmaxScaledF32Generic(ref, 0.5)
		for i := range s {
			if e := math.Abs(float64(s[i] - ref[i])); e > float64(n+8)*0x1p-23*float64(ref[i])+0x1p-149 {
				t.Fatalf("softmax8 n=%d: [%d] = %v, Generic %v", n, i, s[i], ref[i])
			}
		}
	}
	x := []float32{1, 2, float32(math.NaN()), 3, 4, 5, 6, 7, 8, 9}
	softmax(x, 1)
	for i, v := range x {
		if v == v {
			t.Errorf("softmax8 of a row with NaN: [%d] = %v", i, v)
		}
	}
}

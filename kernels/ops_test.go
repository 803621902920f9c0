package kernels

import (
	"fmt"
	"math"
	"testing"

	"lookout/quant"
)

// The row operations are compared with float64 evaluations of their
// formulas. Each tolerance counts the float32 roundings on the way (u =
// 2⁻²⁴ each) with some slack, and says so.

var opLens = []int{1, 2, 3, 7, 64, 257, 1152}

func TestRMSNorm(t *testing.T) {
	r := newRand(51)
	for _, n := range opLens {
		for _, eps := range []float32{1e-6, 0} {
			x := randFloats(r, n, 3)
			w := randFloats(r, n, 1)
			got, check := guardedFloats(n, 1)
			RMSNorm(got, x, w, eps)
			check(t, "RMSNorm")
			var ss float64
			for _, v := range x {
				ss += float64(v) * float64(v)
			}
			scale := 1 / math.Sqrt(ss/float64(n)+float64(eps))
			for i := range x {
				// Squares, mean, +eps, sqrt, divide, ×scale, ×w: about 7 roundings.
				want := float64(x[i]) * scale * float64(w[i])
				if math.Abs(float64(got[i])-want) > 8*u*math.Abs(want) {
					t.Fatalf("n=%d eps=%g: y[%d] = %v, want %v", n, eps, i, got[i], want)
				}
			}
			// In place, and without a weight.
			inPlace := append([]float32(nil), x...)
			RMSNorm(inPlace, inPlace, w, eps)
			if !equalBits(inPlace, got) {
				t.Fatalf("n=%d: in-place RMSNorm differs", n)
			}
			RMSNorm(got, x, nil, eps)
			for i := range x {
				want := float64(x[i]) * scale
				if math.Abs(float64(got[i])-want) > 8*u*math.Abs(want) {
					t.Fatalf("n=%d eps=%g (no weight): y[%d] = %v, want %v", n, eps, i, got[i], want)
				}
			}
		}
	}
	// A constant vector normalizes to ±1 (within the roundings of the mean,
	// the root and the two products).
	for _, c := range []float32{2.5, -1e-3, 7e15} {
		x := []float32{c, c, c, c, c, c, c}
		y := make([]float32, len(x))
		RMSNorm(y, x, nil, 0)
		for _, v := range y {
			if want := math.Copysign(1, float64(c)); math.Abs(float64(v)-want) > 4*u {
				t.Fatalf("RMSNorm of constant %g: %v, want %v", c, y, want)
			}
		}
	}
}

func TestLayerNorm(t *testing.T) {
	r := newRand(53)
	for _, n := range opLens[1:] {
		for _, offset := range []float64{0, 3} { // mean 0, and a mean as large as the spread
			x := randFloats(r, n, 1)
			for i := range x {
				x[i] += float32(offset)
			}
			w, b := randFloats(r, n, 1), randFloats(r, n, 1)
			const eps = 1e-6
			got, check := guardedFloats(n, 3)
			LayerNorm(got, x, w, b, eps)
			check(t, "LayerNorm")
			var sum, ss float64
			for _, v := range x {
				sum += float64(v)
			}
			mean := sum / float64(n)
			for _, v := range x {
				ss += (float64(v) - mean) * (float64(v) - mean)
			}
			sd := math.Sqrt(ss/float64(n) + eps)
			for i := range x {
				y := (float64(x[i]) - mean) / sd
				want := y*float64(w[i]) + float64(b[i])
				// The float32 mean is off by up to ~2u·|mean|, which moves
				// every y by that over sd; the rest is a handful of
				// roundings relative to |y·w| and one to |want|.
				tol := 8*u*(math.Abs(y)+math.Abs(mean)/sd)*math.Abs(float64(w[i])) + 2*u*math.Abs(want)
				if math.Abs(float64(got[i])-want) > tol {
					t.Fatalf("n=%d offset=%g: y[%d] = %v, want %v (tol %g)", n, offset, i, got[i], want, tol)
				}
			}
			// Without weight and bias, it is the plain normalization.
			LayerNorm(got, x, nil, nil, eps)
			for i := range x {
				want := (float64(x[i]) - mean) / sd
				if tol := 8 * u * (math.Abs(want) + math.Abs(mean)/sd); math.Abs(float64(got[i])-want) > tol {
					t.Fatalf("n=%d offset=%g (no affine): y[%d] = %v, want %v", n, offset, i, got[i], want)
				}
			}
		}
	}
}

func TestSoftmax(t *testing.T) {
	r := newRand(57)
	for _, n := range opLens {
		for _, scale := range []float64{1, 30} {
			x := randFloats(r, n, scale)
			got, check := guardedFloats(n, 1)
			Softmax(got, x)
			check(t, "Softmax")
			mx := math.Inf(-1)
			for _, v := range x {
				mx = math.Max(mx, float64(v))
			}
			var sum, gotSum float64
			for _, v := range x {
				sum += math.Exp(float64(v) - mx)
			}
			for i, v := range x {
				want := math.Exp(float64(v)-mx) / sum
				// x−max is rounded (an error of u·|x−max| in the exponent,
				// hence relative in the result), then expf, 1/sum and the
				// product: a few more u; and where the result is a float32
				// subnormal, an absolute error of a few 2⁻¹⁵⁰.
				tol := want*(4*u+u*math.Abs(float64(v)-mx)) + 0x1p-148
				if math.Abs(float64(got[i])-want) > tol {
					t.Fatalf("n=%d scale=%g: p[%d] = %v, want %v", n, scale, i, got[i], want)
				}
				gotSum += float64(got[i])
			}
			if math.Abs(gotSum-1) > float64(n+4)*u {
				t.Fatalf("n=%d scale=%g: probabilities sum to %v", n, scale, gotSum)
			}
		}
	}
	// The largest element decides the shift: huge inputs do not overflow.
	x := []float32{1e30, 1e30, -1e30}
	y := make([]float32, 3)
	Softmax(y, x)
	if y[0] != 0.5 || y[1] != 0.5 || y[2] != 0 {
		t.Fatalf("Softmax(%v) = %v, want [0.5 0.5 0]", x, y)
	}
	// A masked (−Inf) entry gets exactly 0.
	Softmax(y, []float32{1, float32(math.Inf(-1)), 1})
	if y[1] != 0 || y[0] != 0.5 {
		t.Fatalf("Softmax with a −Inf entry = %v", y)
	}
}

// gelu64 is the tanh GELU in float64.
func gelu64(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*x*(1+0.044715*x*x)))
}

func TestGELU(t *testing.T) {
	r := newRand(59)
	x := randFloats(r, 2000, 4)
	x = append(x, 0, -0.0, 1e-30, -1e-30, 9.99, -9.99, 10, -10, 30, -30)
	got, check := guardedFloats(len(x), 2)
	GELU(got, x)
	check(t, "GELU")
	for i, v := range x {
		want := gelu64(float64(v))
		// About ten roundings, relative to the result, plus the
		// cancellation in 1+tanh for negative x, relative to |x|.
		tol := 8 * u * (math.Abs(want) + math.Abs(float64(v)))
		if math.Abs(float64(got[i])-want) > tol {
			t.Fatalf("GELU(%v) = %v, want %v", v, got[i], want)
		}
	}
}

func TestGELUF16Table(t *testing.T) {
	r := newRand(61)
	x := randFloats(r, 4000, 4)
	for _, v := range []float32{-10, 10, -9.999, 9.999, -10.001, 10.001, 1e6, -1e6, 0, 1e-8, 65504, 70000} {
		x = append(x, v, math.Nextafter32(v, 0), math.Nextafter32(v, float32(math.Inf(1))))
	}
	got, check := guardedFloats(len(x), 1)
	GELUF16Table(got, x)
	check(t, "GELUF16Table")
	for i, v := range x {
		var want float32
		switch {
		case v <= -10:
			want = 0
		case v >= 10:
			want = v
		default:
			// The definition: round x to f16, GELU in float32, round to f16.
			want = quant.F16ToF32(quant.F32ToF16(geluF32(quant.F16ToF32(quant.F32ToF16(v)))))
		}
		if math.Float32bits(got[i]) != math.Float32bits(want) {
			t.Fatalf("GELUF16Table(%v) = %v, want %v", v, got[i], want)
		}
		// And it is GELU to f16 precision: the input and the output are
		// each rounded to 11 significant bits (2⁻¹¹ relative; subnormal
		// outputs below 2⁻¹⁴ are absolute 2⁻²⁵), and GELU's slope is at
		// most about 1.13.
		if v > -10 && v < 10 {
			ref := gelu64(float64(v))
			tol := 0x1p-11*math.Abs(ref) + 1.13*0x1p-11*math.Abs(float64(v)) + 0x1p-24
			if math.Abs(float64(got[i])-ref) > tol {
				t.Fatalf("GELUF16Table(%v) = %v, float64 GELU %v", v, got[i], ref)
			}
		}
	}
	nan := []float32{float32(math.NaN())}
	GELUF16Table(nan, nan)
	if !math.IsNaN(float64(nan[0])) {
		t.Fatalf("GELUF16Table(NaN) = %v", nan[0])
	}
}

// ropeAngles returns ggml's float32 angles (the running product of
// theta_scale) for the tight test.
func ropeAngles(headDim, pos int, base, freqScale float32) []float64 {
	a := make([]float64, headDim/2)
	ts := powf(base, -2/float32(headDim))
	theta := float32(pos)
	for i := range a {
		a[i] = float64(freqScale * theta)
		theta *= ts
	}
	return a
}

func TestRoPENeoX(t *testing.T) {
	r := newRand(67)
	for _, c := range []struct {
		headDim, nHeads, pos int
		base, freqScale      float32
	}{
		{2, 1, 5, 10000, 1},
		{8, 3, 1, 10000, 1},
		{64, 2, 17, 10000, 1},
		{256, 4, 1000, 1e6, 0.125},  // Gemma 3 global layers: linear scaling 8
		{256, 1, 32767, 10000, 1},   // Gemma 3 local layers, far position
		{1024, 1, 3, 10000, 1},      // more pairs than the stack cache holds
		{128, 2, 123456, 500000, 1}, // large angles
		{16, 2, -7, 10000, 1},       // ggml allows negative positions
		{32, 1, 100, 10000, 0.25},
	} {
		what := fmt.Sprintf("%+v", c)
		x := randFloats(r, c.headDim*c.nHeads, 1)
		got := append([]float32(nil), x...)
		RoPENeoX(got, c.headDim, c.nHeads, c.pos, c.base, c.freqScale)
		angles := ropeAngles(c.headDim, c.pos, c.base, c.freqScale)
		half := c.headDim / 2
		for h := range c.nHeads {
			for i := range half {
				x0, x1 := float64(x[h*c.headDim+i]), float64(x[h*c.headDim+i+half])
				g0, g1 := float64(got[h*c.headDim+i]), float64(got[h*c.headDim+i+half])
				// Tight: ggml's float32 angles, rotated in float64. cosf,
				// sinf, two products and a sum: a few u of |x0|+|x1|.
				cs, sn := math.Cos(angles[i]), math.Sin(angles[i])
				want0, want1 := x0*cs-x1*sn, x0*sn+x1*cs
				tol := 4 * u * (math.Abs(x0) + math.Abs(x1))
				if math.Abs(g0-want0) > tol || math.Abs(g1-want1) > tol {
					t.Fatalf("%s: head %d pair %d = (%v, %v), want (%v, %v)", what, h, i, g0, g1, want0, want1)
				}
				// Loose: the exact angle. The running float32 product
				// gains about one rounding per step, so the angle is off
				// by up to about (i+3)·u·|angle| radians.
				exact := float64(c.freqScale) * float64(c.pos) * math.Pow(float64(c.base), -2*float64(i)/float64(c.headDim))
				tolA := (float64(i+3)*u*math.Abs(exact) + 4*u) * (math.Abs(x0) + math.Abs(x1))
				e0 := x0*math.Cos(exact) - x1*math.Sin(exact)
				e1 := x0*math.Sin(exact) + x1*math.Cos(exact)
				if math.Abs(g0-e0) > tolA || math.Abs(g1-e1) > tolA {
					t.Fatalf("%s: head %d pair %d = (%v, %v), exact rotation (%v, %v)", what, h, i, g0, g1, e0, e1)
				}
			}
		}
	}
	// Position 0 is the identity, bit for bit.
	x := randFloats(r, 4*64, 1)
	y := append([]float32(nil), x...)
	RoPENeoX(y, 64, 4, 0, 10000, 1)
	if !equalBits(x, y) {
		t.Fatal("RoPENeoX at position 0 changed x")
	}
	// Zero heads: nothing to do.
	RoPENeoX(nil, 64, 0, 5, 10000, 1)
}

func TestRowOps(t *testing.T) {
	r := newRand(71)
	for _, n := range opLens {
		a, b := randFloats(r, n, 1), randFloats(r, n, 1)
		const s = float32(0.37)
		got := make([]float32, n)
		for _, c := range []struct {
			name string
			run  func()
			want func(i int) float32
		}{
			{"Add", func() { Add(got, a, b) }, func(i int) float32 { return a[i] + b[i] }},
			{"Mul", func() { Mul(got, a, b) }, func(i int) float32 { return a[i] * b[i] }},
			{"Scale", func() { Scale(got, a, s) }, func(i int) float32 { return a[i] * s }},
			{"AddScaled", func() { copy(got, b); AddScaled(got, a, s) }, func(i int) float32 { return b[i] + float32(s*a[i]) }},
		} {
			c.run()
			for i := range got {
				if w := c.want(i); math.Float32bits(got[i]) != math.Float32bits(w) {
					t.Fatalf("%s n=%d: [%d] = %v, want %v", c.name, n, i, got[i], w)
				}
			}
		}
	}
	// AddScaled rounds the product before the add: (1+2⁻¹²)² = 1+2⁻¹¹+2⁻²⁴
	// rounds (a tie, to even) to 1+2⁻¹¹, so −1 + it is 2⁻¹¹; a fused
	// multiply-add would keep the 2⁻²⁴.
	dst := []float32{-1}
	AddScaled(dst, []float32{1 + 0x1p-12}, 1+0x1p-12)
	if dst[0] != 0x1p-11 {
		t.Fatalf("AddScaled fused its product: %v, want 2⁻¹¹", dst[0])
	}
}

func TestF16Rows(t *testing.T) {
	r := newRand(73)
	x := randFloats(r, 100, 10)
	h := make([]uint16, len(x))
	F32ToF16Row(h, x)
	back := make([]float32, len(x))
	F16ToF32Row(back, h)
	for i, v := range x {
		if h[i] != quant.F32ToF16(v) || back[i] != quant.F16ToF32(h[i]) {
			t.Fatalf("f16 rows differ from quant at %d", i)
		}
	}
}

package kernels

import "math"

// Vectorisable float32 exp, GELU-tanh and softmax for the float towers
// (SigLIP's attention and MLP). Unlike the ggml-exact row operations in
// ops.go, which evaluate math's float64 functions one value at a time,
// these are polynomial approximations every Impl can run in SIMD lanes,
// with an error bound per function instead of bit-exactness (Impl states
// the bounds, mathf_test.go checks them against float64 math for every
// Impl).

// The exp algorithm, shared by the generic code and the assembly (Cephes
// expf with a wider range): x is clamped to [expLo, expHi] (a NaN passes
// through); n = round(x·log2 e); r = x − n·ln2 with ln2 split in two so
// that n·expC1 is exact; e^r = 1 + r + r²·P(r) with Cephes's degree-5 P;
// then e^x = (e^r·2^n1)·2^n2 with n1 = ⌊n/2⌋, n2 = n − n1, two normal
// powers of two even where 2^n is not, so that results down in the
// subnormals are rounded once (the first product is exact) and results
// past the largest float overflow to +Inf in the second product. The clamp
// bounds are where e^x is below half the smallest subnormal (−103.98) and
// above the largest float (88.73), so clamping changes no result.
const (
	expLo    float32 = -104
	expHi    float32 = 89
	expLog2e float32 = 1.44269504088896341
	expC1    float32 = 0.693359375 // 355/512: n·expC1 is exact for |n| < 2¹⁵
	expC2    float32 = -2.12194440e-4
	expP0    float32 = 1.9875691500e-4
	expP1    float32 = 1.3981999507e-3
	expP2    float32 = 8.3334519073e-3
	expP3    float32 = 4.1665795894e-2
	expP4    float32 = 1.6666665459e-1
	expP5    float32 = 5.0000001201e-1
	// roundMagic (1.5·2²³) rounds a float32 below 2²² in magnitude to an
	// integer, ties to even, when added and subtracted.
	roundMagic float32 = 12582912

	// GELU-tanh as x/(1+e^t), t = x·(geluK1 + geluK2·x²):
	// geluK1 = −2·√(2/π), geluK2 = −2·√(2/π)·0.044715.
	geluK1 float32 = -2 * 0.79788456080286535587989211986876
	geluK2 float32 = -2 * 0.79788456080286535587989211986876 * 0.044715
)

// The accuracy contract of ExpF32 and GELUTanhF32 (see Impl), in ulp.
const (
	expULP  = 2
	geluULP = 4
)

// expF32 is e^x by the algorithm above with every rounding explicit
// (float32 conversions keep the compiler from fusing products into adds),
// so it gives the same bits on every architecture.
func expF32(x float32) float32 {
	if x < expLo {
		x = expLo
	}
	if x > expHi {
		x = expHi
	}
	n := float32(float32(float32(x*expLog2e)+roundMagic) - roundMagic)
	r := x - float32(n*expC1) // exact
	r -= float32(n * expC2)
	p := float32(float32(expP0*r) + expP1)
	p = float32(float32(p*r) + expP2)
	p = float32(float32(p*r) + expP3)
	p = float32(float32(p*r) + expP4)
	p = float32(float32(p*r) + expP5)
	e := float32(float32(p*float32(r*r))+r) + 1
	ni := int32(n) // NaN: whatever the conversion gives; e is NaN anyway
	n1 := ni >> 1
	n2 := ni - n1
	e = float32(e * math.Float32frombits(uint32(n1+127)<<23))
	return e * math.Float32frombits(uint32(n2+127)<<23)
}

// expF32Generic is the reference for Impl.ExpF32.
func expF32Generic(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = expF32(v)
	}
}

// geluTanhF32 is GELU-tanh as x/(1+e^t) (see Impl.GELUTanhF32).
func geluTanhF32(x float32) float32 {
	t := float32(x * float32(geluK1+float32(geluK2*float32(x*x))))
	return x / (1 + expF32(t))
}

// geluTanhF32Generic is the reference for Impl.GELUTanhF32.
func geluTanhF32Generic(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = geluTanhF32(v)
	}
}

// softmaxScaledF32Generic is the reference for Impl.SoftmaxScaledF32: the
// exponentials summed in index order.
func softmaxScaledF32Generic(x []float32, scale float32) {
	if len(x) == 0 {
		return
	}
	mx := float32(math.Inf(-1))
	for i, v := range x {
		v *= scale
		x[i] = v
		if v > mx {
			mx = v
		}
	}
	var sum float32
	for i, v := range x {
		e := expF32(v - mx)
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}

// ExpF32 sets dst[i] = e^x[i] within 2 ulp for normal results (see
// Impl.ExpF32 for the whole contract). dst may be x. It panics if the
// lengths differ.
func ExpF32(dst, x []float32) {
	checkLen("ExpF32", "x", len(x), len(dst))
	raceReadFloats(x)
	raceWriteFloats(dst)
	cur.ExpF32(dst, x)
}

// GELUTanh sets dst to PyTorch's gelu(x, approximate="tanh") in float32
// within a few ulp (see Impl.GELUTanhF32 for the bound). It is what the
// SigLIP towers run; GELU is ggml's step-for-step version, and
// GELUF16Table llama.cpp's default. dst may be x. It panics if the lengths
// differ.
func GELUTanh(dst, x []float32) {
	checkLen("GELUTanh", "x", len(x), len(dst))
	raceReadFloats(x)
	raceWriteFloats(dst)
	cur.GELUTanhF32(dst, x)
}

// SoftmaxScaled replaces x by softmax(scale·x), in float32 as PyTorch's
// softmax(scores·scale, dtype=float32): the max, the exponentials (ExpF32)
// and their sum in one call, then every value times 1/sum. It is the
// attention softmax of the SigLIP towers; Softmax is ggml's.
func SoftmaxScaled(x []float32, scale float32) {
	raceReadFloats(x)
	raceWriteFloats(x)
	cur.SoftmaxScaledF32(x, scale)
}

// vec8 returns the Impl.ExpF32 (or GELUTanhF32) of an assembly kernel f
// that maps whole groups of 8 values only (the arm64 ones): f on the
// groups, then the last 1..7 values through a buffer of 8, so that every
// value is computed by the same code whatever its row's length.
func vec8(f func(dst, x []float32)) func(dst, x []float32) {
	return func(dst, x []float32) {
		x = x[:len(dst)]
		n := len(dst) &^ 7
		if n > 0 {
			f(dst[:n], x[:n])
		}
		if len(dst) > n {
			var buf [8]float32
			copy(buf[:], x[n:])
			f(buf[:], buf[:])
			copy(dst[n:], buf[:])
		}
	}
}

// softmax8 returns the Impl.SoftmaxScaledF32 built from the two passes of
// an assembly set (the arm64 one): scaleMax multiplies a row by a factor in
// place and returns its maximum; expSum replaces whole groups of 8 values v
// by e^(v−shift) and returns their sum. The last 1..7 values go through a
// buffer of 8 padded with −Inf, whose exponentials are 0. The row is then
// scaled by 1/sum with scaleMax.
func softmax8(scaleMax func(x []float32, s float32) float32, expSum func(x []float32, shift float32) float32) func(x []float32, scale float32) {
	return func(x []float32, scale float32) {
		if len(x) == 0 {
			return
		}
		mx := scaleMax(x, scale)
		n := len(x) &^ 7
		var sum float32
		if n > 0 {
			sum = expSum(x[:n], mx)
		}
		if len(x) > n {
			ninf := float32(math.Inf(-1))
			buf := [8]float32{ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf}
			copy(buf[:], x[n:])
			sum += expSum(buf[:], mx)
			copy(x[n:], buf[:])
		}
		scaleMax(x, 1/sum)
	}
}

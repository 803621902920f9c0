package siglip

import "math"

// Element-wise float32 functions for the hot loops. The towers evaluate
// about 7 million GELUs and 5 million exponentials per 224-px image; Go's
// float64 math.Tanh and math.Exp cost 5–30 ns each on the development
// machine (a shared 2-vCPU Zen 3), as much as the matmuls of a layer, so
// these are float32 versions with an error of a few ulp, well inside the
// f32-vs-float64 differences the goldens allow.

// e^t in float32, about 1 ulp (Cephes expf: t = n·ln2 + r with
// |r| ≤ ln2/2, a degree-7 polynomial in r, 2^n by building the exponent
// bits), written out in the hot loops (softmaxScaled, geluBias) as
//
//	t = min(max(t, −87), 88)
//	n := float32(float32(float32(t*log2e)+roundMagic) − roundMagic)
//	e := expPoly(t, n) · 2^n (exponent bits int32(n)+127)
//
// The clamp keeps e^t a normal float32, which changes nothing the loops can
// see (softmax weights
// below e^−87 ≈ 1.6e−38, and GELU's x/(1+e^88), are zero to float32
// precision), and a NaN passes through the clamp (Go's min/max) as NaN. A
// call to expf would not be inlined (it is over the inlining budget), and
// these are the towers' most frequent scalar operations.

const (
	log2e      = 1.44269504088896341
	roundMagic = 12582912 // 1.5·2^23: adding and subtracting it rounds to an integer
	// The explicit float32 conversions around the rounding keep the
	// compiler from fusing it into an FMA on arm64.
)

// expPoly returns e^(x − n·ln2) for an integer n with |x − n·ln2| ≤ ln2/2
// (the Cephes polynomial).
func expPoly(x, n float32) float32 {
	const (
		c1 = 0.693359375 // ln2 split in two so that n·c1 is exact
		c2 = -2.12194440e-4
	)
	r := x - n*c1
	r -= n * c2
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	return p*r*r + r + 1
}

// softmaxScaled replaces s by softmax(s·scale), in float32 as PyTorch's
// softmax(attn_weights, dtype=float32) after the scaled matmul.
func softmaxScaled(s []float32, scale float32) {
	mx := float32(math.Inf(-1))
	for i, v := range s {
		v *= scale
		s[i] = v
		if v > mx {
			mx = v
		}
	}
	var sum float32
	for i, v := range s {
		// e^(v−mx) ≤ 1, inline (see above).
		t := max(v-mx, -87)
		n := float32(float32(float32(t*log2e)+roundMagic) - roundMagic)
		e := expPoly(t, n) * math.Float32frombits(uint32(int32(n)+127)<<23)
		s[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range s {
		s[i] *= inv
	}
}

// Constants of PyTorch's gelu(approximate="tanh").
const (
	geluA        = 0.044715
	geluSqrt2OPi = 0.79788456080286535587989211986876
)

// geluBias replaces x[i] by gelu_tanh(x[i] + b[i mod len(b)]) for rows of
// len(b) values: the bias of fc1 and the activation in one pass.
// gelu_tanh(x) = ½x(1+tanh(u)) with u = √(2/π)(x+0.044715x³), computed as
// x/(1+e^(−2u)), the same function without the cancellation of 1+tanh(u)
// for negative u.
func geluBias(x, b []float32) {
	n := len(b)
	for r := 0; r+n <= len(x); r += n {
		row := x[r : r+n : r+n]
		for i, v := range row {
			v += b[i]
			// e^t for t = −2u, inline (see above).
			t := min(max(-2*geluSqrt2OPi*(v+geluA*v*v*v), -87), 88)
			n := float32(float32(float32(t*log2e)+roundMagic) - roundMagic)
			e := expPoly(t, n) * math.Float32frombits(uint32(int32(n)+127)<<23)
			row[i] = v / (1 + e)
		}
	}
}

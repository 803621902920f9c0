package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// block32 returns 32 values: vals followed by zeros.
func block32(vals ...float32) []float32 {
	x := make([]float32, 32)
	copy(x, vals)
	return x
}

// q8Bytes returns an encoded Q8_0 block: the scale's two bytes, then qs
// followed by zeros.
func q8Bytes(d uint16, qs ...byte) []byte {
	b := make([]byte, blockBytesQ8_0)
	b[0], b[1] = byte(d), byte(d>>8)
	copy(b[2:], qs)
	return b
}

// Hand-worked Q8_0 blocks. With amax = 127 the scale is d = 1 and id = 1
// (1/d and 127/amax agree), with amax = 63.5 it is d = 0.5 and id = 2, so
// x·id is exact and the expected quants follow from the rounding rule alone:
// the weight quantizer (roundf) takes halfway cases away from zero, the
// activation quantizer to even.
func TestQ8_0HandVectors(t *testing.T) {
	tests := []struct {
		name    string
		x       []float32
		weights []byte // quantizeQ8_0 (llama-quantize)
		acts    []byte // QuantizeQ8_0Act (ggml-cpu x86 activations)
	}{
		{
			name: "d=1, ties",
			// x·id:  127   .5   1.5  2.5  -.5   -1.5  -2.5  -126.5  just below .5  3.4999998  100.5  -100.5
			x: block32(127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -126.5, 0.49999997, 3.4999998, 100.5, -100.5),
			// roundf: 127   1    2    3    -1    -2    -3    -127    0              3          101    -101
			weights: q8Bytes(0x3c00, 0x7f, 0x01, 0x02, 0x03, 0xff, 0xfe, 0xfd, 0x81, 0x00, 0x03, 0x65, 0x9b),
			// even:   127   0    2    2    0     -2    -2    -126    0              3          100    -100
			acts: q8Bytes(0x3c00, 0x7f, 0x00, 0x02, 0x02, 0x00, 0xfe, 0xfe, 0x82, 0x00, 0x03, 0x64, 0x9c),
		},
		{
			name: "d=0.5, ties",
			// x·id = 127, .5, -.5, 1.5, 20.5, -127
			x:       block32(63.5, 0.25, -0.25, 0.75, 10.25, -63.5),
			weights: q8Bytes(0x3800, 0x7f, 0x01, 0xff, 0x02, 0x15, 0x81),
			acts:    q8Bytes(0x3800, 0x7f, 0x00, 0x00, 0x02, 0x14, 0x81),
		},
		{
			name:    "all zero",
			x:       block32(),
			weights: q8Bytes(0),
			acts:    q8Bytes(0),
		},
		{
			name: "negative zeros",
			x:    block32(float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))),
			// fabsf makes amax +0, so d = +0 and every quant is 0.
			weights: q8Bytes(0),
			acts:    q8Bytes(0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, blockBytesQ8_0)
			quantizeQ8_0(got, tt.x)
			if string(got) != string(tt.weights) {
				t.Errorf("weight quantizer:\n got % x\nwant % x", got, tt.weights)
			}
			QuantizeQ8_0Act(got, tt.x)
			if string(got) != string(tt.acts) {
				t.Errorf("activation quantizer:\n got % x\nwant % x", got, tt.acts)
			}
		})
	}
}

func TestQ8_0Dequantize(t *testing.T) {
	// d = f16 0x3555 = 0.33325195; q = 3, -128, 127, 0.
	src := q8Bytes(0x3555, 0x03, 0x80, 0x7f, 0x00)
	got := make([]float32, 32)
	dequantizeQ8_0(got, src)
	d := float32(0.333251953125)
	want := block32(3*d, -128*d, 127*d)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %g, want %g", i, got[i], want[i])
		}
	}
	var b BlockQ8_0
	b.Decode(src)
	if b.D != 0x3555 || b.Qs[1] != -128 || b.Qs[2] != 127 {
		t.Errorf("Decode = %+v", b)
	}
	enc := make([]byte, blockBytesQ8_0)
	b.Encode(enc)
	if string(enc) != string(src) {
		t.Errorf("Encode(Decode(b)) = % x, want % x", enc, src)
	}
}

// TestQ8_0ErrorBound quantizes random blocks over a wide range of scales and
// checks each value against the bound of the format. With d = amax/127 and
// q = round(x/d), |x − d·q| ≤ d/2; the stored scale is D = fp16(d), adding
// |q|·|D − d| ≤ 127·|D − d| (≤ 127·d·2⁻¹¹ ≈ 0.062·d while D is a normal
// f16); f32 rounding of 1/d, x·id and D·q adds at most amax·2⁻²⁰. The
// activation quantizer has the same bound.
func TestQ8_0ErrorBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 32)
	buf := make([]byte, blockBytesQ8_0)
	got := make([]float32, 32)
	for n := range 20000 {
		scale := math.Ldexp(1, r.IntN(40)-30) // 2⁻³⁰ .. 2⁹, fp16 subnormal scales included
		var amax float64
		for i := range x {
			x[i] = float32(r.NormFloat64() * scale)
			amax = max(amax, math.Abs(float64(x[i])))
		}
		for _, q := range []struct {
			name string
			f    func([]byte, []float32)
		}{{"weights", quantizeQ8_0}, {"activations", QuantizeQ8_0Act}} {
			q.f(buf, x)
			dequantizeQ8_0(got, buf)
			d := amax / 127
			dErr := math.Abs(float64(F16ToF32(uint16(buf[0])|uint16(buf[1])<<8)) - d)
			bound := d/2 + 127*dErr + amax*0x1p-20
			for i := range x {
				if e := math.Abs(float64(x[i]) - float64(got[i])); e > bound {
					t.Fatalf("%s, block %d: %g came back as %g, error %g > bound %g (d %g)", q.name, n, x[i], got[i], e, bound, d)
				}
			}
		}
	}
}

// TestQ8_0Rounding checks both quantizers against expectations computed with
// the standard library's float64 rounding instead of the package's helpers.
func TestQ8_0Rounding(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, 32)
	var b BlockQ8_0
	for range 20000 {
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if r.IntN(4) == 0 {
				x[i] = float32(r.IntN(255)-127) / 2 // exact halves
			}
		}
		var amax float32
		for _, v := range x {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		idW := 1 / (amax / 127)
		idA := 127 / amax

		b.quantizeRef(x)
		for i, v := range x {
			if want := int8(math.Round(float64(float32(v * idW)))); b.Qs[i] != want {
				t.Fatalf("weights: x = %g: q = %d, want %d", v, b.Qs[i], want)
			}
		}
		if b.D != F32ToF16(amax/127) {
			t.Fatalf("weights: D = %#04x, want %#04x", b.D, F32ToF16(amax/127))
		}
		b.quantizeAct(x)
		for i, v := range x {
			if want := int8(math.RoundToEven(float64(float32(v * idA)))); b.Qs[i] != want {
				t.Fatalf("activations: x = %g: q = %d, want %d", v, b.Qs[i], want)
			}
		}
		if b.D != F32ToF16(amax/127) {
			t.Fatalf("activations: D = %#04x, want %#04x", b.D, F32ToF16(amax/127))
		}
	}
}

func TestQ8_0Extremes(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	huge := block32(0.25, -0.5, 30000)
	tiny := make([]float32, 32)
	for i := range tiny {
		tiny[i] = float32(i) * 1e-39 // amax/127 is so small that 1/d is +Inf
	}
	nanFirst := block32(nan, 0.5, 127)
	nanMid := block32(0, 0, 100, nan, 0.5, 1) // the NaN resets the running maximum
	tests := []struct {
		name    string
		x       []float32
		weights []byte
		acts    []byte
	}{
		{
			// d = 30000/127 = 236.22 → f16 0x5b62 (236.25); 0.25 and -0.5 round to 0.
			name:    "single huge value",
			x:       huge,
			weights: q8Bytes(0x5b62, 0, 0, 0x7f),
			acts:    q8Bytes(0x5b62, 0, 0, 0x7f),
		},
		{
			// d = +Inf, id = 0: finite values give 0, Inf·0 = NaN gives x86's
			// 0x80000000, whose low byte 0 is stored (weights) or which
			// saturates to -128 (activations).
			name:    "+Inf",
			x:       block32(1, 2, 3, inf),
			weights: q8Bytes(0x7c00),
			acts:    q8Bytes(0x7c00, 0, 0, 0, 0x80),
		},
		{
			// ggml's scalar MAX(amax, NaN) takes the NaN and the next element
			// replaces it, so amax = 127. The SIMD maximum drops a NaN in lane 0 too.
			name:    "NaN first",
			x:       nanFirst,
			weights: q8Bytes(0x3c00, 0x00, 0x01, 0x7f),
			acts:    q8Bytes(0x3c00, 0x80, 0x00, 0x7f),
		},
		{
			// Scalar: amax = 1 (the maximum before the NaN is forgotten), so
			// 100·127 = 12700 = 0x319c is out of int8 range and x86 keeps its
			// low byte 0x9c; 0.5·127 = 63.5 → 64. SIMD: amax = 100, id = 1.27.
			name:    "NaN mid-block",
			x:       nanMid,
			weights: q8Bytes(F32ToF16(float32(1)/127), 0, 0, 0x9c, 0, 0x40, 0x7f),
			acts:    q8Bytes(F32ToF16(float32(100)/127), 0, 0, 0x7f, 0x80, 0x01, 0x01),
		},
		{
			// Scale underflows f16 to 0; the quants are x86's answer for
			// x·Inf (Inf, or NaN for x = 0) and dequantize to zeros either way.
			name:    "1/d overflows",
			x:       tiny,
			weights: q8Bytes(0),
			acts:    q8Bytes(0, bytesOf(32, 0x80)...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, blockBytesQ8_0)
			quantizeQ8_0(got, tt.x)
			if string(got) != string(tt.weights) {
				t.Errorf("weight quantizer:\n got % x\nwant % x", got, tt.weights)
			}
			QuantizeQ8_0Act(got, tt.x)
			if string(got) != string(tt.acts) {
				t.Errorf("activation quantizer:\n got % x\nwant % x", got, tt.acts)
			}
			out := make([]float32, 32)
			dequantizeQ8_0(out, got) // must not panic, whatever the scale
		})
	}
}

// TestQ8_0ActNaNInLastLane: the AVX reduction keeps a NaN only where MAXPS
// returns its second operand all the way down: value 27 (last vector, lane 3).
func TestQ8_0ActNaNInLastLane(t *testing.T) {
	x := block32(1, 2, 3)
	x[27] = float32(math.NaN())
	got := make([]byte, blockBytesQ8_0)
	QuantizeQ8_0Act(got, x)
	want := make([]byte, blockBytesQ8_0)
	want[0], want[1] = 0x00, 0x7e // f16 NaN scale
	for i := range 32 {
		want[2+i] = 0x80 // x·NaN → -128
	}
	if string(got) != string(want) {
		t.Errorf("got  % x\nwant % x", got, want)
	}
}

// bytesOf returns n copies of c.
func bytesOf(n int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// halfwayProducts returns values x for which float32(x*id) is exactly a
// half-integer h in [lo, hi] although the exact product x·id is not: the
// inputs on which a fused multiply-add (or a multiply fused into the
// subtraction inside a rounding helper) can decide differently from C, which
// rounds the product first. The exact product is float64(x)*float64(id).
func halfwayProducts(id float32, lo, hi float64) []float32 {
	var xs []float32
	for h := lo; h <= hi; h++ {
		c := float32(h / float64(id))
		for range 32 {
			c = math.Nextafter32(c, float32(math.Inf(-1)))
		}
		for range 64 {
			p := float64(c) * float64(id) // exact: 24+24 bits
			if float64(float32(p)) == h && p != h {
				xs = append(xs, c)
			}
			c = math.Nextafter32(c, float32(math.Inf(1)))
		}
	}
	return xs
}

// TestQ8_0NoFusedMultiply checks that x·id is rounded to float32 before roundf
// looks at it. Where the exact product is nearer zero than the half-integer it
// rounds to, a rounding helper that computes the fraction as x·id − trunc,
// fused into one FMA, would round toward zero instead of away. Run it as
// arm64 and with GOAMD64=v3 too, where Go fuses multiply-adds.
func TestQ8_0NoFusedMultiply(t *testing.T) {
	const amax = 100
	id := 1 / (float32(amax) / 127)
	var xs []float32
	for _, v := range halfwayProducts(id, -126.5, 126.5) {
		if p := float64(v) * float64(id); math.Abs(p) < math.Abs(float64(float32(p))) {
			xs = append(xs, v)
		}
	}
	if len(xs) < 10 {
		t.Fatalf("found only %d halfway products; widen the search", len(xs))
	}
	var b BlockQ8_0
	for _, v := range xs {
		b.quantizeRef(block32(amax, v))
		want := int8(math.Round(float64(float32(v * id))))
		if b.Qs[1] != want {
			t.Errorf("x = %g (x·id = %.9g exactly): q = %d, want %d", v, float64(v)*float64(id), b.Qs[1], want)
		}
	}
}

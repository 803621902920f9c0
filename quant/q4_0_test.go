package quant

import (
	"math"
	"math/rand/v2"
	"testing"
)

// q4Bytes returns an encoded Q4_0 block: the scale's two bytes, then qs,
// padded with 0x88 (both nibbles 8, i.e. value 0).
func q4Bytes(d uint16, qs ...byte) []byte {
	b := bytesOf(blockBytesQ4_0, 0x88)
	b[0], b[1] = byte(d), byte(d>>8)
	copy(b[2:], qs)
	return b
}

// Hand-worked Q4_0 blocks. The quant of x is trunc(x·id + 8.5) capped at 15,
// i.e. x·id + 8 rounded half up (toward +∞ in the quant domain), where the
// element of largest magnitude maps to x·id = -8 (quant 0).
func TestQ4_0HandVectors(t *testing.T) {
	tests := []struct {
		name string
		x    []float32
		want []byte
	}{
		{
			// max = -8 (it comes first; +8 at index 16 has the same
			// magnitude and does not replace it): d = 1, id = 1.
			name: "d=1",
			x: append(
				//  x:       -8  -7.5  -7.51  -.5  0  .49  .5  6.49  6.5  7   7.4  7.5  -1  1  2.5  -2.5
				[]float32{-8, -7.5, -7.51, -0.5, 0, 0.49, 0.5, 6.49, 6.5, 7, 7.4, 7.5, -1, 1, 2.5, -2.5},
				// +8 → 16.5 → 16 → capped to 15; the rest are 0 → 8.
				block32(8)[:16]...),
			// low nibbles: 0 1 0 8 8 8 9 14 15 15 15 15 7 9 11 6; high nibble of byte 0 is 15.
			want: q4Bytes(0x3c00, 0xf0, 0x81, 0x80, 0x88, 0x88, 0x88, 0x89, 0x8e, 0x8f, 0x8f, 0x8f, 0x8f, 0x87, 0x89, 0x8b, 0x86),
		},
		{
			// Same magnitudes, +8 first: max = +8, d = -1, id = -1, so
			// 8 → quant 0 and -8 → 16.5 → 15.
			name: "d=-1",
			x:    append(block32(8)[:16], block32(-8)[:16]...),
			want: q4Bytes(0xbc00, 0xf0),
		},
		{
			// max = -2 → d = 0.25, id = 4: x·id = -8, 3.5, -0.5 and
			// 1.5 − 2⁻²³ for the float32 just below 0.375.
			name: "d=0.25",
			x:    block32(-2, 0.875, -0.125, math.Nextafter32(0.375, 0)),
			// quants: 0; 12 (11.5 rounds up); 8 (7.5 up); and 10, not 9:
			// x·id + 8.5 = 10 − 2⁻²³ rounds to 10 in float32 before the
			// truncation, as in C.
			want: q4Bytes(0x3400, 0x80, 0x8c, 0x88, 0x8a),
		},
		{
			name: "all zero",
			x:    block32(),
			// max = 0, so d = 0/-8 = -0: llama.cpp stores the f16 -0
			// (0x8000). id = 0, and every value lands on 0·0 + 8.5 → 8.
			want: q4Bytes(0x8000),
		},
		{
			// A single huge value: max = 30000 → d = -3750 (f16 0xeb53),
			// everything else rounds to quant 8.
			name: "single huge value",
			x:    block32(0, 0, 0, 30000, 1, -1, 10000),
			// ±1 → 8.5 ∓ 0.00027 → 8; 10000·id = -2.667 → 5.833 → 5.
			want: q4Bytes(0xeb53, 0x88, 0x88, 0x88, 0x80, 0x88, 0x88, 0x85),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, blockBytesQ4_0)
			quantizeQ4_0(got, tt.x)
			if string(got) != string(tt.want) {
				t.Errorf("\n got % x\nwant % x", got, tt.want)
			}
		})
	}
}

func TestQ4_0Dequantize(t *testing.T) {
	// d = -0.5 (f16 0xb800); byte j holds quants j (low) and j+16 (high).
	src := q4Bytes(0xb800, 0xf0, 0x0f, 0x7a)
	got := make([]float32, 32)
	dequantizeQ4_0(got, src)
	want := make([]float32, 32)
	want[0], want[16] = 4, -3.5 // q 0 → -8·-0.5, q 15 → 7·-0.5
	want[1], want[17] = -3.5, 4
	want[2], want[18] = -1, 0.5 // q 10, q 7
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %g, want %g", i, got[i], want[i])
		}
	}
	var b BlockQ4_0
	b.Decode(src)
	enc := make([]byte, blockBytesQ4_0)
	b.Encode(enc)
	if string(enc) != string(src) {
		t.Errorf("Encode(Decode(b)) = % x, want % x", enc, src)
	}
}

// TestQ4_0ErrorBound checks random blocks against the format's bound. With
// d = max/-8, y = x/d lies in [-8, 8] and the quant is y + 8 rounded half up,
// so |x − d·(q−8)| ≤ |d|/2, except at the clipped end: y > 7.5 (values of
// the opposite sign to max and more than 15/16 of its magnitude) gives q = 15
// and an error up to |d| (exactly |d| for y = 8). The f16 scale adds
// |q−8|·|D−d| ≤ 8·|D−d|, and f32 rounding at most amax·2⁻²⁰.
func TestQ4_0ErrorBound(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := make([]float32, 32)
	buf := make([]byte, blockBytesQ4_0)
	got := make([]float32, 32)
	clipped := 0
	for n := range 20000 {
		scale := math.Ldexp(1, r.IntN(40)-30)
		var amax, signedMax float64
		for i := range x {
			x[i] = float32(r.NormFloat64() * scale)
			if a := math.Abs(float64(x[i])); a > amax {
				amax, signedMax = a, float64(x[i])
			}
		}
		if n%3 == 0 {
			// Put the opposite extreme in, to exercise the clipped quant
			// 15. If it lands first it becomes the maximum (ties go to the
			// first), so find the maximum again.
			x[r.IntN(32)] = float32(-signedMax)
			amax = 0
			for _, v := range x {
				if a := math.Abs(float64(v)); a > amax {
					amax, signedMax = a, float64(v)
				}
			}
		}
		quantizeQ4_0(buf, x)
		dequantizeQ4_0(got, buf)
		d := signedMax / -8
		slack := 8*math.Abs(float64(F16ToF32(uint16(buf[0])|uint16(buf[1])<<8))-d) + amax*0x1p-20
		for i := range x {
			e := math.Abs(float64(x[i]) - float64(got[i]))
			bound := math.Abs(d)/2 + slack
			if y := float64(x[i]) / d; y > 7.5 {
				bound = math.Abs(d) + slack
				clipped++
			}
			if e > bound {
				t.Fatalf("block %d: %g came back as %g, error %g > bound %g (d %g)", n, x[i], got[i], e, bound, d)
			}
		}
	}
	if clipped == 0 {
		t.Error("no value reached the clipped end; the test lost its coverage")
	}
}

// TestQ4_0Extremes: quant values 0 and 15 sit at the ends; Inf and NaN must
// not panic and give what llama.cpp's x86 build gives.
func TestQ4_0Extremes(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name string
		x    []float32
		want []byte
	}{
		{
			// max = +Inf: d = -Inf, id = -0, so finite values give 8 and
			// Inf·-0 = NaN gives x86's 0x80000000, low byte 0.
			name: "+Inf",
			x:    block32(1, 2, inf),
			want: q4Bytes(0xfc00, 0x88, 0x88, 0x80),
		},
		{
			// A NaN never becomes the maximum (amax < NaN is false); its
			// own quant is NaN + 8.5 → 0.
			name: "NaN",
			x:    block32(nan, -8, 8),
			want: q4Bytes(0x3c00, 0x80, 0x80, 0x8f),
		},
		{
			// Both nibbles at their extremes in one byte: x[0] = max → 0,
			// x[16] = -max → 15.
			name: "nibbles 0 and 15",
			x:    append(block32(-3)[:16], block32(3)[:16]...),
			want: q4Bytes(F32ToF16(-3/float32(-8)), 0xf0),
		},
		{
			// 1/d overflows to Inf: x·id is ±Inf (or NaN for 0), all giving
			// quant 0; the f16 scale is 0.
			name: "1/d overflows",
			x:    block32(1e-39, -2e-39, 0),
			want: q4Bytes(0x0000, bytesOf(16, 0x00)...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, blockBytesQ4_0)
			quantizeQ4_0(got, tt.x)
			if string(got) != string(tt.want) {
				t.Errorf("\n got % x\nwant % x", got, tt.want)
			}
			dequantizeQ4_0(make([]float32, 32), got)
		})
	}
}

// TestQ4_0NoFusedMultiplyAdd guards the float32 conversion in nibbleQ4_0:
// for these inputs x·id rounds to a half-integer h, so C's x·id + 8.5 is the
// integer h + 8.5, while a fused multiply-add rounds the exact sum, which is
// just below that integer, and truncates one lower. Run it as arm64 and
// with GOAMD64=v3 too, where Go fuses multiply-adds.
func TestQ4_0NoFusedMultiplyAdd(t *testing.T) {
	var b BlockQ4_0
	discriminating := 0
	for _, signedMax := range []float32{-7, 5.3, -3.1, 6.7, -1.9, 7.7} { // inexact inverses
		d := signedMax / -8
		id := 1 / d
		for _, v := range halfwayProducts(id, -7.5, 6.5) {
			b.quantizeRef(block32(signedMax, v))
			h := float64(float32(v * id))
			want := uint8(h + 8.5)
			if got := b.Qs[1] & 0x0f; got != want {
				t.Errorf("max %g, x = %g (x·id = %.9g exactly): quant %d, want %d", signedMax, v, float64(v)*float64(id), got, want)
			}
			// What one fused multiply-add would give: the exact sum (exact
			// in float64 here) rounded once to float32.
			if fused := uint8(float32(float64(v)*float64(id) + 8.5)); fused != want {
				discriminating++
			}
		}
	}
	if discriminating < 3 {
		t.Fatalf("only %d inputs tell fused from separate rounding; widen the search", discriminating)
	}
	t.Logf("%d inputs would change under a fused multiply-add", discriminating)
}

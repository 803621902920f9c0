package siglip

import (
	"math"
	"testing"
)

// TestGELU compares geluBias with gelu_tanh in float64, written as
// x/(1+e^(−2u)) (the same function as ½x(1+tanh u) without its
// cancellation for negative x): within 4 float32 ulp, plus the error of
// the float32 argument u, which e^(−2u) magnifies by |2u| (at most about
// 1e-7·|2u| relative), plus 1e-30 absolute for results that underflow. PyTorch's float32 ½x(1+tanh u) itself is 0
// below x ≈ −5.5, an absolute difference under 1e-8.
func TestGELU(t *testing.T) {
	x := make([]float32, 0, 40000)
	for v := float32(-20); v < 20; v += 0.001 {
		x = append(x, v)
	}
	got := append([]float32(nil), x...)
	geluBias(got, make([]float32, len(got)))
	var worst float64
	for i, v := range x {
		d := float64(v)
		want := d / (1 + math.Exp(-2*math.Sqrt(2/math.Pi)*(d+0.044715*d*d*d)))
		ulp := math.Abs(float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want)))
		e := math.Abs(float64(got[i]) - want)
		u := math.Sqrt(2/math.Pi) * (d + 0.044715*d*d*d)
		if e > 4*ulp+2.4e-7*math.Abs(2*u*want)+1e-30 {
			t.Fatalf("gelu(%g) = %g, want %g", v, got[i], want)
		}
		if v >= -4 && ulp > 0 {
			worst = max(worst, e/ulp)
		}
	}
	t.Logf("max error %.2f ulp for x ≥ −4 (|2u| ≤ 11 there magnifies the rounding of u)", worst)
}

func BenchmarkGELU(b *testing.B) {
	x := make([]float32, 3072)
	bias := make([]float32, 3072)
	b.ResetTimer()
	for range b.N {
		for i := range x {
			x[i] = float32(i%61)/10 - 3
		}
		geluBias(x, bias)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/gelu")
}

var sinkF float32

// TestSoftmax compares softmaxScaled with a float64 softmax: within 1e-6
// absolute (probabilities in [0, 1]), including rows with very negative
// scores whose weights underflow.
func TestSoftmax(t *testing.T) {
	for _, row := range [][]float32{
		{1, 2, 3, 4},
		{0.5, -0.25, 8, 7.9, -100, 3},
		{-1000, 0, 1000},
		{5},
	} {
		for _, scale := range []float32{1, 0.125} {
			got := append([]float32(nil), row...)
			softmaxScaled(got, scale)
			mx := math.Inf(-1)
			for _, v := range row {
				mx = math.Max(mx, float64(v*scale))
			}
			var sum float64
			for _, v := range row {
				sum += math.Exp(float64(v*scale) - mx)
			}
			for i, v := range row {
				want := math.Exp(float64(v*scale)-mx) / sum
				if d := math.Abs(float64(got[i]) - want); d > 1e-6 {
					t.Errorf("softmax(%v·%g)[%d] = %g, want %g", row, scale, i, got[i], want)
				}
			}
		}
	}
	nan := []float32{1, float32(math.NaN()), 2}
	softmaxScaled(nan, 1)
	if nan[0] == nan[0] && nan[1] == nan[1] {
		t.Errorf("softmax of a row with NaN gives %v, want NaN to show", nan)
	}
}

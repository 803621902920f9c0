package frame_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/device/frame"
)

func TestPreprocessErrors(t *testing.T) {
	img := frame.NewRGB(4, 4)
	for _, tc := range []struct {
		name string
		edit func(*frame.Preprocess)
		img  *frame.RGB
		want string
	}{
		{"zero width", func(p *frame.Preprocess) { p.Width = 0 }, img, "Preprocess.Width"},
		{"negative height", func(p *frame.Preprocess) { p.Height = -3 }, img, "Preprocess.Width×Height = 224×-3"},
		{"std zero", func(p *frame.Preprocess) { p.Std[1] = 0 }, img, "Preprocess.Std[1] = 0"},
		{"rescale zero", func(p *frame.Preprocess) { p.RescaleFactor = 0 }, img, "Preprocess.RescaleFactor"},
		{"bad filter", func(p *frame.Preprocess) { p.Resample = 7 }, img, "Preprocess.Resample = Filter(7)"},
		{"nil image", func(*frame.Preprocess) {}, nil, "nil image"},
		{"short image", func(*frame.Preprocess) {}, &frame.RGB{W: 4, H: 4, Pix: make([]uint8, 47)}, "has 47 bytes"},
		{"no resize, wrong size", func(p *frame.Preprocess) { p.DoResize = false }, img, "DoResize is false but the image is 4×4"},
	} {
		p := frame.SigLIP2(224)
		tc.edit(&p)
		if _, err := p.Pixels(tc.img); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Std is not used, so not checked, without normalisation.
	p := frame.SigLIP2(4)
	p.DoNormalize, p.Std = false, [3]float32{}
	if _, err := p.Pixels(img); err != nil {
		t.Errorf("DoNormalize=false with zero Std: %v", err)
	}
	if err := frame.SigLIP2(4).PixelsInto(make([]float32, 47), img); err == nil || !strings.Contains(err.Error(), "dst holds 47 values, want 3×4×4 = 48") {
		t.Errorf("short dst: %v", err)
	}
}

// TestPreprocessArithmetic checks the per-value arithmetic and CHW layout on
// a 2×1 image without resizing, against values worked out by hand.
func TestPreprocessArithmetic(t *testing.T) {
	img := &frame.RGB{W: 2, H: 1, Pix: []uint8{0, 51, 255, 128, 10, 20}}
	for _, tc := range []struct {
		name string
		p    frame.Preprocess
		want []float32
	}{
		{"SigLIP 2", frame.Preprocess{Width: 2, Height: 1, DoRescale: true, DoNormalize: true, RescaleFactor: 1.0 / 255,
			Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.5, 0.5, 0.5}},
			// R plane (0, 128), G plane (51, 10), B plane (255, 20): (v/255 − 0.5)/0.5.
			[]float32{-1, float32(float32(128.0/255)-0.5) / 0.5, float32(float32(51.0/255)-0.5) / 0.5, float32(float32(10.0/255)-0.5) / 0.5, 1, float32(float32(20.0/255)-0.5) / 0.5}},
		{"rescale only", frame.Preprocess{Width: 2, Height: 1, DoRescale: true, RescaleFactor: 0.5},
			[]float32{0, 64, 25.5, 5, 127.5, 10}},
		{"normalize only", frame.Preprocess{Width: 2, Height: 1, DoNormalize: true, Mean: [3]float32{1, 2, 3}, Std: [3]float32{2, 4, -1}},
			[]float32{-0.5, 63.5, 12.25, 2, -252, -17}},
	} {
		got, err := tc.p.Pixels(img)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range tc.want {
			if got[i] != tc.want[i] {
				t.Errorf("%s: value %d = %v, want %v (all %v)", tc.name, i, got[i], tc.want[i], got)
				break
			}
		}
	}
}

func BenchmarkPixels(b *testing.B) {
	img := randomRGB(rand.New(rand.NewPCG(11, 12)), 640, 480)
	p := frame.SigLIP2(224)
	dst := make([]float32, p.Len())
	b.ReportAllocs()
	for b.Loop() {
		if err := p.PixelsInto(dst, img); err != nil {
			b.Fatal(err)
		}
	}
}

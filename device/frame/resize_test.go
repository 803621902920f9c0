package frame_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/device/frame"
)

// refKernel evaluates a Pillow resampling filter at x, in the same double
// arithmetic as src/libImaging/Resample.c, and returns its support.
func refKernel(f frame.Filter, x float64) (w, support float64) {
	ax := math.Abs(x)
	switch f {
	case frame.Box:
		if -0.5 < x && x <= 0.5 {
			w = 1
		}
		return w, 0.5
	case frame.Bilinear:
		if ax < 1 {
			w = 1 - ax
		}
		return w, 1
	case frame.Bicubic:
		const a = -0.5
		switch {
		case ax < 1:
			p := float64((a+2)*ax) - (a + 3)
			w = float64(float64(p*ax)*ax) + 1
		case ax < 2:
			p := float64((ax-5)*ax) + 8
			w = (float64(p*ax) - 4) * a
		}
		return w, 2
	case frame.Hamming:
		switch {
		case ax == 0:
			w = 1
		case ax < 1:
			px := ax * math.Pi
			w = float64(math.Sin(px)/px) * (float64(float32(0.54)) + float64(float64(float32(0.46))*math.Cos(px)))
		}
		return w, 1
	case frame.Lanczos:
		sinc := func(v float64) float64 {
			if v == 0 {
				return 1
			}
			v *= math.Pi
			return math.Sin(v) / v
		}
		if x >= -3 && x < 3 {
			w = sinc(x) * sinc(x/3)
		}
		return w, 3
	}
	panic("refKernel: no kernel for " + f.String())
}

// refTaps returns, for output index o of an in→out resampling, the first
// source index and the 22-bit fixed-point weights, computed on its own for
// this one output.
func refTaps(in, out, o int, f frame.Filter) (int, []int64) {
	scale := float64(in) / float64(out)
	stretch := math.Max(scale, 1)
	_, support := refKernel(f, 0)
	support *= stretch
	center := scale * (float64(o) + 0.5)
	first := int(math.Trunc(center - support + 0.5))
	if first < 0 {
		first = 0
	}
	last := int(math.Trunc(center + support + 0.5)) // exclusive
	if last > in {
		last = in
	}
	var ws []float64
	total := 0.0
	for s := first; s < last; s++ {
		w, _ := refKernel(f, float64(float64(s)-center+0.5)*(1/stretch))
		ws = append(ws, w)
		total += w
	}
	fixed := make([]int64, len(ws))
	for i, w := range ws {
		if total != 0 {
			w /= total
		}
		fixed[i] = int64(math.Trunc(w*(1<<22) + math.Copysign(0.5, w)))
	}
	return first, fixed
}

// refResize is a slow, straightforward Pillow resize: the horizontal pass
// over every source row, one output sample at a time, then the vertical
// pass, each rounded to uint8.
func refResize(src *frame.RGB, w, h int, f frame.Filter) *frame.RGB {
	if w == src.W && h == src.H {
		return &frame.RGB{W: w, H: h, Pix: bytes.Clone(src.Pix)}
	}
	if f == frame.Nearest {
		return refNearest(src, w, h)
	}
	round := func(s int64) uint8 {
		v := (s + 1<<21) >> 22
		return uint8(min(max(v, 0), 255))
	}
	cur := src
	if w != src.W {
		next := frame.NewRGB(w, src.H)
		for y := 0; y < src.H; y++ {
			for x := 0; x < w; x++ {
				first, k := refTaps(src.W, w, x, f)
				for c := 0; c < 3; c++ {
					var s int64
					for i, kv := range k {
						s += int64(cur.Pix[(y*cur.W+first+i)*3+c]) * kv
					}
					next.Pix[(y*w+x)*3+c] = round(s)
				}
			}
		}
		cur = next
	}
	if h != src.H {
		next := frame.NewRGB(w, h)
		for y := 0; y < h; y++ {
			first, k := refTaps(src.H, h, y, f)
			for x := 0; x < w; x++ {
				for c := 0; c < 3; c++ {
					var s int64
					for i, kv := range k {
						s += int64(cur.Pix[((first+i)*w+x)*3+c]) * kv
					}
					next.Pix[(y*w+x)*3+c] = round(s)
				}
			}
		}
		cur = next
	}
	return cur
}

// refNearest is PIL's NEAREST resize: source coordinate scale/2 advanced by
// repeated addition of scale, truncated.
func refNearest(src *frame.RGB, w, h int) *frame.RGB {
	index := func(in, out int) []int {
		scale := float64(in) / float64(out)
		var idx []int
		for o, pos := 0, scale/2; o < out; o, pos = o+1, pos+scale {
			idx = append(idx, int(pos))
		}
		return idx
	}
	xs, ys := index(src.W, w), index(src.H, h)
	dst := frame.NewRGB(w, h)
	for y, sy := range ys {
		for x, sx := range xs {
			copy(dst.Pix[(y*w+x)*3:][:3], src.Pix[(sy*src.W+sx)*3:][:3])
		}
	}
	return dst
}

func randomRGB(rng *rand.Rand, w, h int) *frame.RGB {
	m := frame.NewRGB(w, h)
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	return m
}

var allFilters = []frame.Filter{frame.Nearest, frame.Lanczos, frame.Bilinear, frame.Bicubic, frame.Box, frame.Hamming}

// TestResizeMatchesReference compares Resize with refResize on random images
// over up-, down- and mixed scaling, every filter.
func TestResizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][4]int{ // inW, inH, outW, outH
		{1, 1, 1, 1}, {1, 1, 5, 3}, {1, 1, 224, 224}, // single pixel up
		{7, 5, 1, 1}, {100, 80, 1, 1}, // to a single pixel
		{1, 50, 4, 9}, {50, 1, 9, 4}, {1, 37, 1, 5}, // one pixel wide or high
		{640, 2, 3, 7}, {2, 640, 7, 3}, {1000, 1, 3, 3}, // extreme aspect ratios
		{16, 16, 16, 8}, {16, 16, 8, 16}, // one pass skipped
		{64, 48, 224, 224}, {31, 17, 32, 32}, // upscale
		{451, 300, 32, 32}, {600, 400, 224, 224}, {640, 480, 224, 224}, // downscale
		{300, 200, 301, 199}, {97, 89, 13, 211}, // near-unity, mixed
	}
	for _, sz := range sizes {
		src := randomRGB(rng, sz[0], sz[1])
		for _, f := range allFilters {
			name := fmt.Sprintf("%dx%d_to_%dx%d_%v", sz[0], sz[1], sz[2], sz[3], f)
			got, err := frame.Resize(src, sz[2], sz[3], f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := refResize(src, sz[2], sz[3], f)
			if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("%s: %s", name, firstDiff(got, want))
			}
		}
	}
}

func firstDiff(got, want *frame.RGB) string {
	if got.W != want.W || got.H != want.H {
		return fmt.Sprintf("size %dx%d, want %dx%d", got.W, got.H, want.W, want.H)
	}
	n := 0
	first := -1
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			n++
			if first < 0 {
				first = i
			}
		}
	}
	p := first / 3
	return fmt.Sprintf("%d bytes differ; first at (%d,%d) channel %d: got %d want %d", n, p%want.W, p/want.W, first%3, got.Pix[first], want.Pix[first])
}

// TestResizeEdgeCases checks properties that hold for every filter: a
// constant image stays constant, the same size is an unaliased copy, and a
// Resizer reused across frames gives Resize's result.
func TestResizeEdgeCases(t *testing.T) {
	for _, f := range allFilters {
		for _, sz := range [][4]int{{1, 1, 224, 224}, {1, 1, 1, 1}, {5, 1, 1, 7}, {640, 480, 224, 224}, {3, 2, 600, 1}} {
			src := frame.NewRGB(sz[0], sz[1])
			for i := range src.Pix {
				src.Pix[i] = []uint8{17, 128, 254}[i%3]
			}
			got, err := frame.Resize(src, sz[2], sz[3], f)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got.Pix {
				if want := []uint8{17, 128, 254}[i%3]; v != want {
					t.Fatalf("%v %v: constant image changed at byte %d: %d, want %d", f, sz, i, v, want)
				}
			}
		}
	}
	src := randomRGB(rand.New(rand.NewPCG(3, 4)), 13, 9)
	same, err := frame.Resize(src, 13, 9, frame.Bicubic)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(same.Pix, src.Pix) || &same.Pix[0] == &src.Pix[0] {
		t.Error("same-size resize is not an unaliased copy")
	}

	r, err := frame.NewResizer(13, 9, 5, 4, frame.Bilinear)
	if err != nil {
		t.Fatal(err)
	}
	dst := &frame.RGB{}
	for range 3 {
		if err := r.Resize(dst, src); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := frame.Resize(src, 5, 4, frame.Bilinear)
	if !bytes.Equal(dst.Pix, want.Pix) {
		t.Error("reused Resizer differs from Resize")
	}
}

// TestResizeErrors checks that bad arguments give errors naming the problem.
func TestResizeErrors(t *testing.T) {
	good := frame.NewRGB(4, 4)
	for _, tc := range []struct {
		name string
		src  *frame.RGB
		w, h int
		f    frame.Filter
		want string
	}{
		{"nil source", nil, 2, 2, frame.Bilinear, "nil image"},
		{"empty source", &frame.RGB{}, 2, 2, frame.Bilinear, "empty image"},
		{"short pixels", &frame.RGB{W: 4, H: 4, Pix: make([]uint8, 10)}, 2, 2, frame.Bilinear, "has 10 bytes"},
		{"zero width", good, 0, 2, frame.Bilinear, "target"},
		{"negative height", good, 2, -1, frame.Bilinear, "target"},
		{"huge", good, 1 << 20, 1 << 20, frame.Bilinear, "exceeds"},
		{"bad filter", good, 2, 2, frame.Filter(9), "unsupported filter Filter(9)"},
	} {
		_, err := frame.Resize(tc.src, tc.w, tc.h, tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	r, _ := frame.NewResizer(4, 4, 2, 2, frame.Bilinear)
	if err := r.Resize(&frame.RGB{}, frame.NewRGB(5, 4)); err == nil || !strings.Contains(err.Error(), "resizer was made for 4×4") {
		t.Errorf("wrong-size source: %v", err)
	}
}

func BenchmarkResize(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][2]int{{640, 480}, {1920, 1080}} {
		src := randomRGB(rng, sz[0], sz[1])
		b.Run(fmt.Sprintf("%dx%d_to_224_bilinear", sz[0], sz[1]), func(b *testing.B) {
			r, err := frame.NewResizer(sz[0], sz[1], 224, 224, frame.Bilinear)
			if err != nil {
				b.Fatal(err)
			}
			dst := &frame.RGB{}
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Resize(dst, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

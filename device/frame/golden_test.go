package frame_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"lookout/device/frame"
	"lookout/internal/golden"
)

// goldenImages are the inputs in goldens.json's image_order.
var goldenImages = []string{"astronaut", "chelsea", "coffee"}

// loadGoldenImages decodes the three PNGs and checks that their order is
// the one testdata/siglip2-tiny/goldens.json records.
func loadGoldenImages(t *testing.T) []*frame.RGB {
	t.Helper()
	raw, err := os.ReadFile(golden.Project(t, "siglip2-tiny/goldens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		ImageOrder []string `json:"image_order"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatalf("siglip2-tiny/goldens.json: %v", err)
	}
	if fmt.Sprint(meta.ImageOrder) != fmt.Sprint(goldenImages) {
		t.Fatalf("siglip2-tiny/goldens.json image_order = %v, test assumes %v", meta.ImageOrder, goldenImages)
	}
	var out []*frame.RGB
	for _, name := range goldenImages {
		m, err := frame.Load(golden.Project(t, "siglip2-tiny/"+name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestResizeGolden checks Resize against PIL's BILINEAR resize stored in
// testdata/siglip2-tiny/resized_u8_{32,224}.u8 ([image][H][W][3]).
func TestResizeGolden(t *testing.T) {
	imgs := loadGoldenImages(t)
	for _, tc := range []struct {
		file string
		size int
	}{
		{"siglip2-tiny/resized_u8_32.u8", 32},
		{"siglip2-tiny/resized_u8_224.u8", 224},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want, err := os.ReadFile(golden.Project(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			per := tc.size * tc.size * 3
			if len(want) != per*len(imgs) {
				t.Fatalf("%s: %d bytes, want %d", tc.file, len(want), per*len(imgs))
			}
			for i, img := range imgs {
				got, err := frame.Resize(img, tc.size, tc.size, frame.Bilinear)
				if err != nil {
					t.Fatal(err)
				}
				w := want[i*per : (i+1)*per]
				diff, first := 0, -1
				for j := range w {
					if got.Pix[j] != w[j] {
						diff++
						if first < 0 {
							first = j
						}
					}
				}
				if diff > 0 {
					p := first / 3
					t.Errorf("%s image %d (%s): %d of %d bytes differ; first at pixel (%d,%d) channel %d: got %d want %d",
						tc.file, i, goldenImages[i], diff, per, p%tc.size, p/tc.size, first%3, got.Pix[first], w[first])
				}
			}
		})
	}
}

// TestPixelsGolden checks Preprocess against HF's pixel_values in
// testdata/siglip2-tiny/pixel_values_{32,224}.f32 ([image][3][H][W]), using
// the settings of preprocessor_config.json (32) and of the real checkpoint's
// real-siglip2-base-patch16-224.preprocessor_config.json (224).
func TestPixelsGolden(t *testing.T) {
	imgs := loadGoldenImages(t)
	for _, tc := range []struct {
		file, config string
	}{
		{"siglip2-tiny/pixel_values_32.f32", "siglip2-tiny/preprocessor_config.json"},
		{"siglip2-tiny/pixel_values_224.f32", "siglip2-tiny/real-siglip2-base-patch16-224.preprocessor_config.json"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := readPreprocessorConfig(t, tc.config)
			raw, err := os.ReadFile(golden.Project(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			per := p.Len()
			if len(raw) != 4*per*len(imgs) {
				t.Fatalf("%s: %d bytes, want %d", tc.file, len(raw), 4*per*len(imgs))
			}
			dst := make([]float32, per)
			for i, img := range imgs {
				if err := p.PixelsInto(dst, img); err != nil {
					t.Fatal(err)
				}
				maxDiff, ndiff := 0.0, 0
				for j, got := range dst {
					want := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(i*per+j):]))
					if got != want {
						ndiff++
						maxDiff = max(maxDiff, math.Abs(float64(got-want)))
					}
				}
				// Bit-exact is expected; the brief's bound is 1e-6.
				if maxDiff > 1e-6 || ndiff > 0 {
					t.Errorf("%s image %d (%s): %d values differ, max |diff| %g", tc.file, i, goldenImages[i], ndiff, maxDiff)
				}
			}
		})
	}
}

// readPreprocessorConfig maps an HF preprocessor_config.json to Preprocess.
func readPreprocessorConfig(t *testing.T, rel string) frame.Preprocess {
	t.Helper()
	raw, err := os.ReadFile(golden.Project(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		DoNormalize   bool       `json:"do_normalize"`
		DoRescale     bool       `json:"do_rescale"`
		DoResize      bool       `json:"do_resize"`
		ImageMean     [3]float32 `json:"image_mean"`
		ImageStd      [3]float32 `json:"image_std"`
		Resample      int        `json:"resample"`
		RescaleFactor float64    `json:"rescale_factor"`
		Size          struct {
			Height, Width int
		} `json:"size"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return frame.Preprocess{
		Width: c.Size.Width, Height: c.Size.Height, Resample: frame.Filter(c.Resample),
		DoResize: c.DoResize, DoRescale: c.DoRescale, DoNormalize: c.DoNormalize,
		RescaleFactor: c.RescaleFactor, Mean: c.ImageMean, Std: c.ImageStd,
	}
}

// TestSigLIP2Preset checks that SigLIP2(224) equals the real checkpoint's
// preprocessor_config.json.
func TestSigLIP2Preset(t *testing.T) {
	want := readPreprocessorConfig(t, "siglip2-tiny/real-siglip2-base-patch16-224.preprocessor_config.json")
	if got := frame.SigLIP2(224); got != want {
		t.Errorf("SigLIP2(224) = %+v\nreal-siglip2-base-patch16-224.preprocessor_config.json = %+v", got, want)
	}
}

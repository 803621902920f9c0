package siglip

import (
	"image/png"
	"os"
	"testing"

	"lookout/device/frame"
	"lookout/internal/golden"
	"lookout/kernels"
	"lookout/quant"
)

// TestImagePipeline decodes the three golden PNGs (testdata/siglip2-tiny/
// astronaut.png, chelsea.png, coffee.png), preprocesses them as the file's
// clip.vision.* keys say and checks the pixels against pixel_values_32.f32
// (bit-exact: same u8 and the same float arithmetic as HF) and the pooled
// embeddings against image_embeds_pooled.f32 (abs 1e-4, as TestGoldenF32).
func TestImagePipeline(t *testing.T) {
	m, err := New(convertTiny(t, quant.F32))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	wantPix := readF32(t, "pixel_values_32.f32")
	wantEmb := readF32(t, "image_embeds_pooled.f32")
	s := m.NewSession(nil)
	n := len(wantPix) / nImages
	for i, key := range readGoldens(t).ImageOrder {
		r, err := os.Open(golden.Project(t, "siglip2-tiny/"+key+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", key, err)
		}
		pix, err := m.Pixels(frame.FromImage(img))
		if err != nil {
			t.Fatalf("%s.png: %v", key, err)
		}
		if d := maxAbs(pix, wantPix[i*n:(i+1)*n]); d != 0 {
			t.Errorf("%s.png: pixels differ from pixel_values_32.f32 by up to %g", key, d)
		}
		e, err := s.EncodeImage(pix)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbs(e, wantEmb[i*tinyD:(i+1)*tinyD]); !(d <= 1e-4) {
			t.Errorf("%s.png: embedding differs from image_embeds_pooled.f32 by %.3g > 1e-4", key, d)
		}
	}
}

// TestPitfalls checks that the goldens tell the documented mistakes apart
// from the right computation, so that TestGoldenF32 would catch them (the
// README's pitfall_demos, measured on this runtime):
//   - pooling the text at the first EOS instead of the last position;
//   - padding with EOS instead of PAD.
//
// Each wrong variant must land well outside the golden tolerance.
func TestPitfalls(t *testing.T) {
	m, err := New(convertTiny(t, quant.F32))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	g := readGoldens(t)
	want := readF32(t, "text_embeds_normalized.f32")
	s := m.NewSession(nil)
	var last []float32 // final-LayerNorm output of the current prompt, [T][D]
	s.Trace = func(tower string, stage int, x []float32) {
		if tower == "text" && stage == m.Config.Text.Layers+1 {
			last = append(last[:0], x...)
		}
	}
	const eos, pad = 1, 0
	for i, ids := range g.InputIDs {
		wantN := want[i*tinyD : (i+1)*tinyD]
		if _, err := s.EncodeTokens(ids); err != nil {
			t.Fatal(err)
		}
		first := -1
		for p, id := range ids {
			if id == eos {
				first = p
				break
			}
		}
		if first == len(ids)-1 {
			continue // row 2 is full: its EOS is the last position
		}
		// Pooling at the first EOS: head(LN(x)[first]).
		atEOS := make([]float32, m.Config.Text.Projection)
		head := m.Weights.Text.Head
		for r := range atEOS {
			atEOS[r] = dot(dequantRow(head, r), last[first*tinyD:(first+1)*tinyD]) + m.Weights.Text.HeadB[r]
		}
		c := cosine(Normalize(atEOS), wantN)
		t.Logf("text %d: pooled at the first EOS: cosine %.4f", i, c)
		if c > 0.99 {
			t.Errorf("text %d: pooling at the first EOS (position %d) gives cosine %.4f to text_embeds_normalized.f32: the goldens cannot tell it from the last position", i, first, c)
		}
		// Padding with EOS instead of PAD.
		bad := append([]int32(nil), ids...)
		for p := first + 1; p < len(bad); p++ {
			if bad[p] == pad {
				bad[p] = eos
			}
		}
		e, err := s.EncodeTokens(bad)
		if err != nil {
			t.Fatal(err)
		}
		c = cosine(Normalize(e), wantN)
		t.Logf("text %d: padded with EOS: cosine %.4f", i, c)
		if c > 0.99 {
			t.Errorf("text %d: padding with EOS gives cosine %.4f to text_embeds_normalized.f32: the pad id would not matter", i, c)
		}
	}
}

// dequantRow returns row r of a weight matrix as float32.
func dequantRow(w kernels.Matrix, r int) []float32 {
	out := make([]float32, w.Cols)
	quant.Formats[w.Type].Dequantize(out, w.Row(r))
	return out
}

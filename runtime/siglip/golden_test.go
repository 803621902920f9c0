package siglip

import (
	"path/filepath"
	"slices"
	"testing"

	"lookout/kernels"
	"lookout/quant"
)

// The tiny model's goldens (testdata/siglip2-tiny/, README there): float64
// PyTorch outputs stored as f32. Shapes: 3 images of 3×32×32 (4 patches),
// 4 texts of 16 ids, width 32, 2 layers per tower.
const (
	nImages, nTexts = 3, 4
	tinyD           = 32
	tinyP, tinyT    = 4, 16
	tinyLayers      = 2
)

// towerResult is what one model gives for the golden inputs.
type towerResult struct {
	visionStages [][]float32 // [stage 0..Layers+1] → [image][patch][D]
	textStages   [][]float32 // [stage] → [text][pos][D]
	image, text  [][]float32 // pooled embeddings
}

// runGoldenInputs runs both towers on pixel_values_32.f32 and goldens.json
// input_ids, recording every traced stage.
func runGoldenInputs(t *testing.T, m *Model, pool *kernels.Pool) towerResult {
	t.Helper()
	pix := readF32(t, "pixel_values_32.f32") // [3][3][32][32] NCHW
	g := readGoldens(t)
	s := m.NewSession(pool)
	var r towerResult
	stages := m.Config.Vision.Layers + 2
	r.visionStages = make([][]float32, stages)
	r.textStages = make([][]float32, m.Config.Text.Layers+2)
	s.Trace = func(tower string, stage int, x []float32) {
		if tower == "vision" {
			r.visionStages[stage] = append(r.visionStages[stage], x...)
		} else {
			r.textStages[stage] = append(r.textStages[stage], x...)
		}
	}
	n := len(pix) / nImages
	for i := range nImages {
		e, err := s.EncodeImage(pix[i*n : (i+1)*n])
		if err != nil {
			t.Fatal(err)
		}
		r.image = append(r.image, e)
	}
	for _, ids := range g.InputIDs {
		e, err := s.EncodeTokens(ids)
		if err != nil {
			t.Fatal(err)
		}
		r.text = append(r.text, e)
	}
	return r
}

func flat(v [][]float32) []float32 { return slices.Concat(v...) }

func normalizeAll(v [][]float32) (out [][]float32) {
	for _, e := range v {
		out = append(out, Normalize(e))
	}
	return out
}

// logitsOf returns [image][text] logits and sigmoid scores.
func logitsOf(m *Model, r towerResult) (logits, probs []float32) {
	for _, im := range r.image {
		for _, tx := range r.text {
			l := m.Logit(im, tx)
			logits = append(logits, l)
			probs = append(probs, Sigmoid(l))
		}
	}
	return logits, probs
}

// TestGoldenF32 compares every stage of both towers with the float64
// goldens, for the HF folder loaded in memory and for the same converted to
// an F32 GGUF file (mapped). Tolerance: abs 1e-4 (the README's suggestion;
// a float32 PyTorch run differs from these goldens by ≤ 4.3e-6, values are
// O(1–15)). The measured maximum is logged.
func TestGoldenF32(t *testing.T) {
	gguf := filepath.Join(t.TempDir(), "tiny-f32.gguf")
	w := convertWriter(t, quant.F32)
	if err := w.WriteFile(gguf); err != nil {
		t.Fatal(err)
	}
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, tc := range []struct {
		name string
		path string
		pool *kernels.Pool
	}{
		{"hf-folder", tinyDir(t), nil},
		{"f32-gguf", gguf, nil},
		{"f32-gguf-2-threads", gguf, pool},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			r := runGoldenInputs(t, m, tc.pool)
			vh := readF32(t, "vision_hidden_states.f32") // [stage 0..2][image][patch][D]
			th := readF32(t, "text_hidden_states.f32")   // [stage 0..2][text][pos][D]
			vs, ts := nImages*tinyP*tinyD, nTexts*tinyT*tinyD
			logits, probs := logitsOf(m, r)
			checks := []struct {
				golden   string
				got, exp []float32
			}{
				{"vision_hidden_states.f32 stage 0 (patch conv + position)", r.visionStages[0], vh[0*vs : 1*vs]},
				{"vision_hidden_states.f32 stage 1 (layer 0)", r.visionStages[1], vh[1*vs : 2*vs]},
				{"vision_hidden_states.f32 stage 2 (layer 1)", r.visionStages[2], vh[2*vs : 3*vs]},
				{"vision_last_hidden_state.f32", r.visionStages[3], readF32(t, "vision_last_hidden_state.f32")},
				{"image_embeds_pooled.f32", flat(r.image), readF32(t, "image_embeds_pooled.f32")},
				{"image_embeds_normalized.f32", flat(normalizeAll(r.image)), readF32(t, "image_embeds_normalized.f32")},
				{"text_hidden_states.f32 stage 0 (token + position)", r.textStages[0], th[0*ts : 1*ts]},
				{"text_hidden_states.f32 stage 1 (layer 0)", r.textStages[1], th[1*ts : 2*ts]},
				{"text_hidden_states.f32 stage 2 (layer 1)", r.textStages[2], th[2*ts : 3*ts]},
				{"text_last_hidden_state.f32", r.textStages[3], readF32(t, "text_last_hidden_state.f32")},
				{"text_embeds_pooled.f32", flat(r.text), readF32(t, "text_embeds_pooled.f32")},
				{"text_embeds_normalized.f32", flat(normalizeAll(r.text)), readF32(t, "text_embeds_normalized.f32")},
				{"logits_per_image.f32", logits, readF32(t, "logits_per_image.f32")},
				{"probs_per_image.f32", probs, readF32(t, "probs_per_image.f32")},
			}
			const tol = 1e-4
			var worst float64
			for _, c := range checks {
				d := maxAbs(c.got, c.exp)
				worst = max(worst, d)
				if !(d <= tol) {
					t.Errorf("%s: max abs error %.3g > %g (%d values, want %d)", c.golden, d, tol, len(c.got), len(c.exp))
				}
			}
			t.Logf("max abs error over all goldens: %.3g", worst)
		})
	}
}

// TestGoldenQuantized runs the tiny model converted to F16, Q8_0 and Q4_0
// against the float64 goldens. Quantized matmuls quantize activations to
// Q8_0 (F16 rounds them to f16), so results differ from f32 math by a
// bounded amount; the tiny model is the worst case for this (width 32 = one
// Q8_0 block per row, so one scale covers a whole row). Bounds, with the
// values measured when they were set in the comments:
//   - F16 and Q8_0: cosine ≥ 0.999 to the golden normalised embeddings, the
//     same label ranking per image as the golden logits, logits within 0.05
//     (the README's suggestion for a quantized runtime);
//   - Q4_0 (4-bit weights on a width-32 model): cosine ≥ 0.98, logits
//     within 0.5, ranking not required.
func TestGoldenQuantized(t *testing.T) {
	wantImg := readF32(t, "image_embeds_normalized.f32")
	wantTxt := readF32(t, "text_embeds_normalized.f32")
	wantLogits := readF32(t, "logits_per_image.f32")
	for _, tc := range []struct {
		typ      quant.Type
		minCos   float64
		logitTol float64
		ranking  bool
	}{
		{quant.F16, 0.999, 0.05, true},
		{quant.Q8_0, 0.999, 0.1, true},
		{quant.Q4_0, 0.9, 2, false},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			m, err := New(convertTiny(t, tc.typ))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			r := runGoldenInputs(t, m, nil)
			minImg, minTxt := 1.0, 1.0
			for i, e := range normalizeAll(r.image) {
				c := cosine(e, wantImg[i*tinyD:(i+1)*tinyD])
				minImg = min(minImg, c)
				if !(c >= tc.minCos) {
					t.Errorf("image %d: cosine %.6f to image_embeds_normalized.f32, want ≥ %g", i, c, tc.minCos)
				}
			}
			for i, e := range normalizeAll(r.text) {
				c := cosine(e, wantTxt[i*tinyD:(i+1)*tinyD])
				minTxt = min(minTxt, c)
				if !(c >= tc.minCos) {
					t.Errorf("text %d: cosine %.6f to text_embeds_normalized.f32, want ≥ %g", i, c, tc.minCos)
				}
			}
			logits, _ := logitsOf(m, r)
			d := maxAbs(logits, wantLogits)
			if !(d <= tc.logitTol) {
				t.Errorf("logits_per_image.f32: max abs error %.3g > %g", d, tc.logitTol)
			}
			if tc.ranking {
				const margin = 0.05
				for i := range nImages {
					got, want := logits[i*nTexts:(i+1)*nTexts], wantLogits[i*nTexts:(i+1)*nTexts]
					for a := range nTexts {
						for b := range nTexts {
							if want[a] > want[b]+margin && !(got[a] > got[b]) {
								t.Errorf("image %d: text %d (logit %.4f) not above text %d (%.4f); logits_per_image.f32 has %.4f > %.4f",
									i, a, got[a], b, got[b], want[a], want[b])
							}
						}
					}
				}
			}
			t.Logf("%s: min cosine image %.6f text %.6f, max logit error %.4f", tc.typ, minImg, minTxt, d)
		})
	}
}

// TestThreadsAgree checks that splitting the work over a pool changes no
// bit of the result (matmul rows and attention heads are computed the same
// way whichever thread runs them), on the tiny model in Q8_0 and F32.
func TestThreadsAgree(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, typ := range []quant.Type{quant.F32, quant.Q8_0} {
		m, err := New(convertTiny(t, typ))
		if err != nil {
			t.Fatal(err)
		}
		one, two := runGoldenInputs(t, m, nil), runGoldenInputs(t, m, pool)
		if !slices.Equal(flat(one.image), flat(two.image)) || !slices.Equal(flat(one.text), flat(two.text)) {
			t.Errorf("%s: 1 and 2 threads give different embeddings", typ)
		}
		m.Close()
	}
}

// TestQ4_0_4x4SameAsQ4_0 converts the tiny model to q4_0 and to q4_0_4x4
// (the same Q4_0 blocks with rows interleaved in fours for the ARM kernels)
// and checks that both give the same embeddings bit for bit, on this CPU's
// kernels (under qemu: NEON and SDOT).
func TestQ4_0_4x4SameAsQ4_0(t *testing.T) {
	var res [2]towerResult
	for i, typ := range []quant.Type{quant.Q4_0, quant.Q4_0_4_4} {
		f := convertTiny(t, typ)
		if typ == quant.Q4_0_4_4 {
			if ti, _ := f.Tensor("v.blk.0.ffn_up.weight"); ti.Type != quant.Q4_0_4_4 {
				t.Fatalf("v.blk.0.ffn_up.weight is %s, want q4_0_4x4", ti.Type)
			}
		}
		m, err := New(f)
		if err != nil {
			t.Fatal(err)
		}
		res[i] = runGoldenInputs(t, m, nil)
		m.Close()
	}
	if !slices.Equal(flat(res[0].image), flat(res[1].image)) || !slices.Equal(flat(res[0].text), flat(res[1].text)) {
		t.Error("q4_0_4x4 embeddings differ from q4_0's")
	}
}

package siglip

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"lookout/quant"
)

// tinyTokenizerJSON is a small tokenizer.json in the SigLIP 2 (Gemma) layout
// whose ids fit the tiny model's 1024-row vocabulary: characters, a few
// merges, <pad>=0, <eos>=1, no BOS template.
const tinyTokenizerJSON = `{
  "added_tokens": [
    {"id": 0, "content": "<pad>", "special": true},
    {"id": 1, "content": "<eos>", "special": true},
    {"id": 2, "content": "<bos>", "special": true},
    {"id": 3, "content": "<unk>", "special": true}
  ],
  "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
  "pre_tokenizer": null,
  "post_processor": null,
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
  "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true,
    "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "▁": 4, "a": 5, "c": 6, "t": 7, "d": 8, "o": 9, "g": 10,
      "A": 11, "C": 12, "T": 13, "p": 14, "h": 15, "f": 16, "at": 17, "ca": 18, "▁cat": 19, "▁dog": 20, "og": 21, "▁d": 22,
      "▁ca": 23, "▁a": 24, "▁c": 25},
    "merges": [["a", "t"], ["o", "g"], ["▁", "d"], ["▁", "c"], ["▁c", "at"], ["▁d", "og"], ["▁", "a"]]}
}`

// tinyWithTokenizer returns an HF folder holding the tiny model
// (testdata/siglip2-tiny: config.json, preprocessor_config.json,
// model.safetensors) and tinyTokenizerJSON.
func tinyWithTokenizer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		if err := os.Symlink(filepath.Join(tinyDir(t), name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(tinyTokenizerJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEncodeText loads an HF folder with a tokenizer.json and checks that
// EncodeText lowercases, pads to the context with PAD after EOS, and equals
// EncodeTokens on those ids.
func TestEncodeText(t *testing.T) {
	m, err := Load(tinyWithTokenizer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Tokenizer == nil {
		t.Fatal("tokenizer.json was not loaded")
	}
	if m.Config.PadID != 0 || m.Config.EOSID != 1 {
		t.Errorf("PadID, EOSID = %d, %d, want 0, 1 from the tokenizer", m.Config.PadID, m.Config.EOSID)
	}
	ids, err := m.Tokenize(" A CAT")
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{24, 19, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // "▁a", "▁cat", <eos>, <pad>…
	if !slices.Equal(ids, want) {
		t.Errorf("Tokenize(%q) = %v, want %v", " A CAT", ids, want)
	}
	s := m.NewSession(nil)
	got, err := s.EncodeText(" A CAT")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := s.EncodeTokens(want)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, ref) {
		t.Errorf("EncodeText differs from EncodeTokens of the same ids")
	}
	m.Config.Lowercase = false
	raw, err := m.Tokenize(" A CAT")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(raw, ids) {
		t.Errorf("with Lowercase off, Tokenize still gives %v", raw)
	}
}

// TestClassify checks the label cache and the scores: EncodeLabels fills
// the template and stores normalised embeddings, and Classify gives
// sigmoid(Logit) per label sorted by score. Then it rebuilds the golden
// scores: a LabelSet of the 4 golden texts (goldens.json input_ids) scored
// against the 3 golden images must give probs_per_image.f32 (abs 1e-4).
func TestClassify(t *testing.T) {
	m, err := Load(tinyWithTokenizer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(nil)
	ls, err := s.EncodeLabels([]string{"cat", "dog", "a cat"}, "a {label}")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a cat", "a dog", "a a cat"}; !slices.Equal(ls.Prompts, want) {
		t.Errorf("prompts %q, want %q", ls.Prompts, want)
	}
	pix := readF32(t, "pixel_values_32.f32")
	img, err := s.EncodeImage(pix[:3*32*32])
	if err != nil {
		t.Fatal(err)
	}
	scores := m.Classify(ls, img)
	if len(scores) != 3 {
		t.Fatalf("%d scores, want 3", len(scores))
	}
	for i, sc := range scores {
		j := slices.Index(ls.Labels, sc.Label)
		e, err := s.EncodeText(ls.Prompts[j])
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(sc.Logit - m.Logit(img, e))); d > 1e-5 {
			t.Errorf("%s: logit %g, Logit gives %g", sc.Label, sc.Logit, m.Logit(img, e))
		}
		if sc.Score != Sigmoid(sc.Logit) {
			t.Errorf("%s: score %g is not sigmoid(%g)", sc.Label, sc.Score, sc.Logit)
		}
		if i > 0 && scores[i-1].Score < sc.Score {
			t.Errorf("scores not sorted: %v", scores)
		}
	}

	// The golden scores through Classify.
	g := readGoldens(t)
	golden := &LabelSet{}
	for i, ids := range g.InputIDs {
		e, err := s.EncodeTokens(ids)
		if err != nil {
			t.Fatal(err)
		}
		golden.Labels = append(golden.Labels, string(rune('A'+i)))
		golden.Embeds = append(golden.Embeds, Normalize(e))
	}
	probs := readF32(t, "probs_per_image.f32")
	for i := range nImages {
		img, err := s.EncodeImage(pix[i*3*32*32 : (i+1)*3*32*32])
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range m.Classify(golden, img) {
			j := int(sc.Label[0] - 'A')
			if d := math.Abs(float64(sc.Score - probs[i*nTexts+j])); d > 1e-4 {
				t.Errorf("image %d text %d: score %g, probs_per_image.f32 has %g", i, j, sc.Score, probs[i*nTexts+j])
			}
		}
	}
}

// TestNormalize checks Normalize and Sigmoid on simple values.
func TestNormalize(t *testing.T) {
	v := []float32{3, 4}
	n := Normalize(v)
	if n[0] != 0.6 || n[1] != 0.8 || v[0] != 3 {
		t.Errorf("Normalize(3,4) = %v (input now %v)", n, v)
	}
	if z := Normalize(make([]float32, 3)); !slices.Equal(z, make([]float32, 3)) {
		t.Errorf("Normalize(0) = %v, want zeros", z)
	}
	if Sigmoid(0) != 0.5 || Sigmoid(100) != 1 || Sigmoid(-200) != 0 {
		t.Errorf("Sigmoid: %g %g %g", Sigmoid(0), Sigmoid(100), Sigmoid(-200))
	}
}

// TestAllocs checks that a warm session allocates only the returned
// embedding per call (the tiny model, testdata/siglip2-tiny).
func TestAllocs(t *testing.T) {
	m, err := New(convertTiny(t, quant.F32))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(nil)
	pix := readF32(t, "pixel_values_32.f32")[:3*32*32]
	ids := readGoldens(t).InputIDs[0]
	if n := testing.AllocsPerRun(5, func() { s.EncodeImage(pix) }); n > 1 {
		t.Errorf("EncodeImage: %.0f allocations per call, want 1 (the result)", n)
	}
	if n := testing.AllocsPerRun(5, func() { s.EncodeTokens(ids) }); n > 1 {
		t.Errorf("EncodeTokens: %.0f allocations per call, want 1 (the result)", n)
	}
}

// TestTokenizerInGGUF stores the tokenizer in the GGUF (as `lookout convert`
// does, through tokenizer.AddToGGUF) and checks that the mapped file
// tokenizes as the HF folder does.
func TestTokenizerInGGUF(t *testing.T) {
	dir := tinyWithTokenizer(t)
	hf, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	w := convertWriter(t, quant.Q8_0)
	if err := hf.Tokenizer.AddToGGUF(w); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny-q8_0.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Tokenizer == nil {
		t.Fatal("no tokenizer read from the GGUF")
	}
	for _, text := range []string{"a cat", " A DOG ", "", "zzz"} {
		a, errA := hf.Tokenize(text)
		b, errB := m.Tokenize(text)
		if errA != nil || errB != nil || !slices.Equal(a, b) {
			t.Errorf("%q: HF folder %v (%v), GGUF %v (%v)", text, a, errA, b, errB)
		}
	}
	if m.Config.PadID != 0 || m.Config.EOSID != 1 {
		t.Errorf("PadID, EOSID = %d, %d, want 0, 1", m.Config.PadID, m.Config.EOSID)
	}
}

package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/convert"
)

// readGoldenRow reads row i of an [n][dim] float32 golden file from
// testdata/siglip2-tiny.
func readGoldenRow(t *testing.T, name string, i, dim int) []float32 {
	t.Helper()
	b, err := os.ReadFile(golden.Project(t, "siglip2-tiny/"+name))
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float32, dim)
	for j := range row {
		row[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*(i*dim+j):]))
	}
	return row
}

// TestEmbedCLI runs `lookout embed` on the tiny HF folder (testdata/
// siglip2-tiny, loaded in memory as F32) and compares with the PyTorch
// goldens image_embeds_pooled.f32 (astronaut.png through the whole
// preprocessing) and text_embeds_pooled.f32 (input_ids row 0, given as
// unpadded ids and padded by the command), within the F32 tolerance 1e-4.
func TestEmbedCLI(t *testing.T) {
	dir := filepath.Dir(golden.Project(t, "siglip2-tiny/config.json"))
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
		row    int
	}{
		{"image", []string{"--image", filepath.Join(dir, "astronaut.png")}, "image_embeds_pooled.f32", 0},
		{"image chelsea", []string{"--image", filepath.Join(dir, "chelsea.png")}, "image_embeds_pooled.f32", 1},
		{"tokens", []string{"--tokens", "7,300,41,1000,1"}, "text_embeds_pooled.f32", 0},
		{"tokens full", []string{"--tokens", "12,34,56,78,90,123,234,345,456,567,678,789,890,901,1012,1"}, "text_embeds_pooled.f32", 2},
	} {
		args := append([]string{"embed", "--model", dir, "--json", "--threads", "1"}, tc.args...)
		rc, out, stderr := runCLI(args...)
		if rc != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, rc, stderr)
		}
		var r embedResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v in %q", tc.name, err, out)
		}
		want := readGoldenRow(t, tc.golden, tc.row, 32)
		if r.Dim != 32 || len(r.Embedding) != 32 || len(r.Normalized) != 32 {
			t.Fatalf("%s: dim %d, %d values", tc.name, r.Dim, len(r.Embedding))
		}
		for j, w := range want {
			if d := math.Abs(float64(r.Embedding[j] - w)); d > 1e-4 {
				t.Errorf("%s: embedding[%d] = %g, golden %g", tc.name, j, r.Embedding[j], w)
				break
			}
		}
	}
	// Plain output: one line of 32 numbers.
	rc, out, stderr := runCLI("embed", "--model", dir, "--tokens", "999,1", "--normalize")
	if rc != 0 {
		t.Fatalf("plain: exit %d: %s", rc, stderr)
	}
	if f := strings.Fields(out); len(f) != 32 || !strings.HasSuffix(out, "\n") {
		t.Errorf("plain output has %d fields: %q", len(f), out)
	}
}

func TestClassifyEmbedErrors(t *testing.T) {
	dir := filepath.Dir(golden.Project(t, "siglip2-tiny/config.json"))
	img := filepath.Join(dir, "astronaut.png")
	for _, tc := range []struct {
		name string
		args []string
		rc   int
		want string
	}{
		{"no model", []string{"classify", "--labels", "a,b", img}, 2, "--model is required"},
		{"no labels", []string{"classify", "--model", dir, img}, 2, "--labels or --labels-file is required"},
		{"empty label", []string{"classify", "--model", dir, "--labels", "a,,b", img}, 2, "label 2 is empty"},
		{"no image", []string{"classify", "--model", dir, "--labels", "a"}, 2, "at least one IMAGE"},
		{"template", []string{"classify", "--model", dir, "--labels", "a", "--template", "a photo", img}, 2, "has no {label}"},
		{"no tokenizer", []string{"classify", "--model", dir, "--labels", "a cat", img}, 1, "tokenizer"},
		{"missing model", []string{"classify", "--model", filepath.Join(dir, "nope.gguf"), "--labels", "a", img}, 1, "nope.gguf"},
		{"bad image", []string{"embed", "--model", dir, "--image", filepath.Join(dir, "config.json")}, 1, "config.json"},
		{"missing image", []string{"embed", "--model", dir, "--image", filepath.Join(dir, "none.png")}, 1, "none.png"},
		{"two inputs", []string{"embed", "--model", dir, "--image", img, "--tokens", "1"}, 2, "exactly one of"},
		{"bad id", []string{"embed", "--model", dir, "--tokens", "7,x"}, 2, `"x" is not a token id`},
		{"id too big", []string{"embed", "--model", dir, "--tokens", "1024"}, 2, "out of range"},
		{"too many ids", []string{"embed", "--model", dir, "--tokens", strings.TrimSuffix(strings.Repeat("5,", 17), ",")}, 2, "at most 16"},
		{"text without tokenizer", []string{"embed", "--model", dir, "--text", "a cat"}, 1, "tokenizer"},
	} {
		rc, _, stderr := runCLI(tc.args...)
		if rc != tc.rc || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", tc.name, rc, stderr, tc.rc, tc.want)
		}
	}
}

// TestClassifyCLI runs classify end to end on a random-weight model with the
// tiny shapes but the real 256k vocabulary and its tokenizer (the tiny HF
// folder has 1024 random ids and no tokenizer): scores are sorted, each is
// sigmoid(logit), and each logit equals exp(logit_scale)·cos + logit_bias of
// the embeddings `embed --text` (with the template applied) and
// `embed --image` print, so the label cache and the one-shot path agree.
func TestClassifyCLI(t *testing.T) {
	vocab := golden.Shared(t, "tokenizers/gemma-256k.tokenizer.json.gz")
	c := convert.SigLIPPresets["tiny"]
	c.Text.Vocab = 256000
	convert.SigLIPPresets["tiny-256k"] = c
	defer delete(convert.SigLIPPresets, "tiny-256k")
	model := filepath.Join(t.TempDir(), "siglip-tiny-256k.gguf")
	if rc, _, stderr := runCLI("gen-random", "--arch", "siglip", "--preset", "tiny-256k", "--type", "q8_0", "--vocab-json", vocab, model); rc != 0 {
		t.Fatalf("gen-random: exit %d: %s", rc, stderr)
	}
	dir := filepath.Dir(golden.Project(t, "siglip2-tiny/config.json"))
	img := filepath.Join(dir, "coffee.png")
	labels := []string{"a cup of Coffee", "a cat", "an astronaut"}
	rc, out, stderr := runCLI("classify", "--model", model, "--labels", strings.Join(labels, ","), "--template", "a photo of {label}", img)
	if rc != 0 {
		t.Fatalf("classify: exit %d: %s", rc, stderr)
	}
	var scores []struct {
		Label        string
		Score, Logit float64
	}
	if err := json.Unmarshal([]byte(out), &scores); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if len(scores) != len(labels) {
		t.Fatalf("%d scores for %d labels: %s", len(scores), len(labels), out)
	}
	embed := func(args ...string) embedResult {
		t.Helper()
		rc, out, stderr := runCLI(append([]string{"embed", "--model", model, "--json"}, args...)...)
		if rc != 0 {
			t.Fatalf("embed %v: exit %d: %s", args, rc, stderr)
		}
		var r embedResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	imgEmb := embed("--image", img).Normalized
	const scale, bias = 10, -1 // RandomSigLIP: logit_scale ln 10, logit_bias −1
	for i, s := range scores {
		if i > 0 && s.Score > scores[i-1].Score {
			t.Errorf("scores not sorted: %v", scores)
		}
		if want := 1 / (1 + math.Exp(-s.Logit)); math.Abs(s.Score-want) > 1e-6 {
			t.Errorf("%q: score %g, sigmoid(logit %g) = %g", s.Label, s.Score, s.Logit, want)
		}
		txt := embed("--text", "a photo of "+s.Label).Normalized
		var cos float64
		for j := range txt {
			cos += float64(txt[j]) * float64(imgEmb[j])
		}
		if want := scale*cos + bias; math.Abs(s.Logit-want) > 1e-4 {
			t.Errorf("%q: logit %g, embed gives %g", s.Label, s.Logit, want)
		}
	}
	// Several images: one JSON object per line.
	rc, out, stderr = runCLI("classify", "--model", model, "--labels", "a cat,a dog", img, filepath.Join(dir, "chelsea.png"))
	if rc != 0 {
		t.Fatalf("classify 2 images: exit %d: %s", rc, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("2 images gave %d lines: %q", len(lines), out)
	}
	for i, l := range lines {
		var r classifyResult
		if err := json.Unmarshal([]byte(l), &r); err != nil || len(r.Scores) != 2 || !strings.HasSuffix(r.Image, []string{"coffee.png", "chelsea.png"}[i]) {
			t.Errorf("line %d: %q (%v)", i, l, err)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
	"lookout/runtime/model"
)

// TestGenRandomTiny writes the tiny preset in each type, loads it with
// model.Load and runs a forward pass through logits.
func TestGenRandomTiny(t *testing.T) {
	vocab := golden.Project(t, q4Model)
	dir := t.TempDir()
	for _, typ := range []string{"q4_0", "q8_0", "f16", "f32"} {
		path := filepath.Join(dir, "tiny-"+typ+".gguf")
		rc, _, stderr := runCLI("gen-random", "--arch", "gemma3", "--preset", "tiny", "--type", typ, "--vocab", vocab, "--seed", "3", path)
		if rc != 0 {
			t.Fatalf("%s: exit %d: %s", typ, rc, stderr)
		}
		m, err := model.Load(path, gemma3.Options{Threads: 1, ContextLength: 16})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := m.Weights.Layers[0].Q.Type.String(); got != typ {
			t.Errorf("%s: attn_q type %s", typ, got)
		}
		if _, err := m.NewSession().Forward([]int32{2, 100, 200}, false); err != nil {
			t.Errorf("%s: forward: %v", typ, err)
		}
		m.Close()
		rc, out, stderr := runCLI("logits", "--model", path, "--tokens", "2,651", "--top", "3")
		if rc != 0 || out == "" {
			t.Errorf("%s: logits: exit %d: %s", typ, rc, stderr)
		}
	}
	// Without --vocab the tiny test model is found from the package folder.
	path := filepath.Join(dir, "default-vocab.gguf")
	if rc, _, stderr := runCLI("gen-random", "--preset", "tiny", "--type", "q8_0", path); rc != 0 {
		t.Fatalf("default vocab: exit %d: %s", rc, stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

func TestGenRandomUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, args := range [][]string{
		{"gen-random", "--preset", "tiny", "--type", "q4_0"},
		{"gen-random", "--preset", "tiny", "--type", "q4_0", out, out},
		{"gen-random", "--arch", "llama", "--preset", "tiny", out},
		{"gen-random", "--preset", "7b", out},
		{"gen-random", "--preset", "tiny", "--type", "q4_k", out},
		{"gen-random", "--preset", "tiny", "--type", "nope", out},
		{"gen-random", "--bogus", out},
	} {
		if rc, _, _ := runCLI(args...); rc != 2 {
			t.Errorf("%q: exit %d, want 2", args, rc)
		}
	}
	if rc, _, _ := runCLI("gen-random", "--preset", "tiny", "--vocab", "/nonexistent.gguf", out); rc != 1 {
		t.Errorf("missing vocab file: exit %d, want 1", rc)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command wrote the file")
	}
}

// TestGenRandomSigLIP writes the siglip tiny preset in each type: its
// layout (names, types, shapes, keys) is that of testdata/siglip2-tiny
// converted with lookout convert, and the same seed writes the same file.
func TestGenRandomSigLIP(t *testing.T) {
	dir := t.TempDir()
	for _, typ := range []string{"f32", "f16", "q8_0", "q4_0"} {
		path := filepath.Join(dir, "siglip-"+typ+".gguf")
		rc, _, stderr := runCLI("gen-random", "--arch", "siglip", "--preset", "tiny", "--type", typ, "--seed", "3", path)
		if rc != 0 {
			t.Fatalf("%s: exit %d: %s", typ, rc, stderr)
		}
		if !strings.Contains(stderr, "no tokenizer stored") {
			t.Errorf("%s: no warning about the missing tokenizer: %s", typ, stderr)
		}
		conv := filepath.Join(dir, "conv-"+typ+".gguf")
		if rc, _, stderr := runCLI("convert", golden.Project(t, "siglip2-tiny"), conv, "--type", typ); rc != 0 {
			t.Fatalf("%s: convert: exit %d: %s", typ, rc, stderr)
		}
		r, err := gguf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := gguf.Open(conv)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Tensors) != len(c.Tensors) || len(r.KV) != len(c.KV) {
			t.Errorf("%s: %d tensors %d keys, converted %d %d", typ, len(r.Tensors), len(r.KV), len(c.Tensors), len(c.KV))
		}
		for i := range min(len(r.Tensors), len(c.Tensors)) {
			a, b := r.Tensors[i], c.Tensors[i]
			if a.Name != b.Name || a.Type != b.Type || !slices.Equal(a.Dims, b.Dims) {
				t.Errorf("%s: tensor %d: %s %s %v, converted %s %s %v", typ, i, a.Name, a.Type, a.Dims, b.Name, b.Type, b.Dims)
			}
		}
		r.Close()
		c.Close()
	}
	again := filepath.Join(dir, "again.gguf")
	if rc, _, stderr := runCLI("gen-random", "--arch", "siglip", "--preset", "tiny", "--type", "q4_0", "--seed", "3", again); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	a, _ := os.ReadFile(again)
	b, _ := os.ReadFile(filepath.Join(dir, "siglip-q4_0.gguf"))
	if !bytes.Equal(a, b) {
		t.Error("the same seed wrote a different file")
	}
}

func TestGenRandomSigLIPUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, args := range [][]string{
		{"gen-random", "--arch", "siglip", "--preset", "1b", out},
		{"gen-random", "--arch", "siglip", "--preset", "tiny", "--type", "q4_k", out},
		{"gen-random", "--arch", "siglip", "--preset", "tiny", "--vocab", "x.gguf", out},
		{"gen-random", "--arch", "gemma3", "--preset", "tiny", "--vocab-json", "x.json", out},
	} {
		if rc, _, _ := runCLI(args...); rc != 2 {
			t.Errorf("%q: exit %d, want 2", args, rc)
		}
	}
	if rc, _, _ := runCLI("gen-random", "--arch", "siglip", "--preset", "tiny", "--vocab-json", "/nonexistent.json", out); rc != 1 {
		t.Errorf("missing --vocab-json file: exit %d, want 1", rc)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command wrote the file")
	}
}

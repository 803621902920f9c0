package main

import (
	"os"
	"path/filepath"
	"testing"

	"lookout/internal/golden"
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

package main

import (
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

func TestGenerateCLI(t *testing.T) {
	model := golden.Project(t, q4Model)
	g := p1Golden(t)
	rc, out, stderr := runCLI("generate", "--model", model, "--prompt", g.PromptText, "-n", "16", "--temp", "0")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	f, err := gguf.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := tok.Decode(g.GreedyIDs) + "\n"; out != want {
		t.Errorf("greedy output %q, want llama.cpp's %q", out, want)
	}
	// Sampling is deterministic per seed.
	args := []string{"generate", "--model", model, "--prompt", "Hello", "-n", "8", "--temp", "1", "--seed", "7", "--chat"}
	_, a, _ := runCLI(args...)
	_, b, _ := runCLI(args...)
	if a != b || a == "" {
		t.Errorf("same seed gave %q and %q", a, b)
	}
}

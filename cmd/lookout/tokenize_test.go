package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
)

func TestTokenize(t *testing.T) {
	model := golden.Project(t, q4Model)
	g := p1Golden(t)
	rc, out, stderr := runCLI("tokenize", "--model", model, g.PromptText)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	var ids []int32
	if err := json.Unmarshal([]byte(out), &ids); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if !slices.Equal(ids, g.PromptIDs) {
		t.Errorf("ids %v, want %v", ids, g.PromptIDs)
	}
	// Flags after the text, no BOS, special tokens parsed.
	rc, out, _ = runCLI("tokenize", "<start_of_turn>user", "--model", model, "--no-bos")
	if rc != 0 || strings.TrimSpace(out) != "[105,2364]" {
		t.Errorf("--no-bos <start_of_turn>user: exit %d, %q, want [105,2364]", rc, out)
	}
}

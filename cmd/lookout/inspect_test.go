package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lookout/internal/golden"
)

// runCLI runs the command in-process and returns its exit status and output.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := run(args, &out, &errb)
	return rc, out.String(), errb.String()
}

// TestInspectGGUF reads testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf
// (values from ../shared/testdata/gemma3-tiny/README.md).
func TestInspectGGUF(t *testing.T) {
	path := golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf")
	rc, out, stderr := runCLI("inspect", path)
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	for _, want := range []string{
		"GGUF v3",
		`general.architecture`, `"gemma3"`,
		`tokenizer.ggml.tokens`, `(262144) ["<pad>","<eos>","<bos>"`, // shortened vocabulary
		"gemma3.attention.layer_norm_rms_epsilon", "1e-06",
		"tensors (80;",
		"token_embd.weight", "[64, 262144]", "9437184",
		"total: 80 tensors",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "<unused100>") {
		t.Error("vocabulary not shortened")
	}

	rc, out, stderr = runCLI("inspect", "--json", path)
	if rc != 0 {
		t.Fatalf("--json exit %d: %s", rc, stderr)
	}
	var in inspection
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatalf("--json output is not JSON: %v", err)
	}
	if in.Format != "gguf" || in.Version != 3 || in.Totals.Tensors != 80 || len(in.Tensors) != 80 {
		t.Errorf("JSON header %+v", in.Totals)
	}
	var sum int64
	for _, tr := range in.Tensors {
		sum += tr.Bytes
	}
	if sum != in.Totals.Bytes {
		t.Errorf("tensor bytes add to %d, totals say %d", sum, in.Totals.Bytes)
	}
	for _, m := range in.Metadata {
		if m.Key == "tokenizer.ggml.tokens" && (m.Len != 262144 || !m.Truncated || len(m.Value.([]any)) != shortElems) {
			t.Errorf("tokens entry: len %d truncated %v", m.Len, m.Truncated)
		}
	}
}

// TestInspectBadFiles: a truncated or corrupted model gives one error line
// naming the file and exit status 1; bad usage gives 2.
func TestInspectBadFiles(t *testing.T) {
	src, err := os.ReadFile(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	corrupt := append([]byte(nil), src...)
	copy(corrupt[24:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}) // first key length
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated.gguf", src[:len(src)/2], `tensor "token_embd.weight"`},
		{"header-only.gguf", src[:100], "tensor count"},
		{"corrupt.gguf", corrupt, "metadata key #0"},
		{"empty.bin", nil, "not a GGUF file"},
		{"bad.safetensors", []byte("\xff\xff\xff\xff\xff\xff\xff\xff{}"), "bad.safetensors"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"inspect", p}, {"inspect", "--json", p}} {
			rc, out, stderr := runCLI(args...)
			if rc != 1 || out != "" {
				t.Errorf("%v: exit %d, stdout %q", args, rc, out)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, p) || !strings.Contains(stderr, c.want) {
				t.Errorf("%v: stderr %q, want one line naming the file and %q", args, stderr, c.want)
			}
		}
	}
	if rc, _, _ := runCLI("inspect"); rc != 2 {
		t.Errorf("inspect without MODEL: exit %d, want 2", rc)
	}
	if rc, _, _ := runCLI("inspect", "--bogus", "x"); rc != 2 {
		t.Errorf("unknown flag: exit %d, want 2", rc)
	}
	if rc, _, _ := runCLI("frobnicate"); rc != 2 {
		t.Errorf("unknown command: exit %d, want 2", rc)
	}
	if rc, _, stderr := runCLI("inspect", filepath.Join(dir, "missing.gguf")); rc != 1 || !strings.Contains(stderr, "missing.gguf") {
		t.Errorf("missing file: exit %d %q", rc, stderr)
	}
}

// TestInspectSafetensors reads testdata/siglip2-tiny/model.safetensors.
func TestInspectSafetensors(t *testing.T) {
	path := golden.Project(t, "siglip2-tiny/model.safetensors")
	for _, p := range []string{path, filepath.Dir(path)} {
		rc, out, stderr := runCLI("inspect", "--json", p)
		if rc != 0 {
			t.Fatalf("%s: exit %d: %s", p, rc, stderr)
		}
		var in inspection
		if err := json.Unmarshal([]byte(out), &in); err != nil {
			t.Fatal(err)
		}
		if in.Format != "safetensors" || in.ShapeOrder != "pytorch" || in.Totals.Tensors == 0 {
			t.Errorf("%s: %+v", p, in.Totals)
		}
		found := false
		for _, tr := range in.Tensors {
			if strings.Contains(tr.Name, "patch_embedding") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no patch embedding tensor listed", p)
		}
	}
}

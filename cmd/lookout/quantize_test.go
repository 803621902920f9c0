package main

import (
	"path/filepath"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
)

// TestQuantizeRepack repacks the tiny Q4_0 model into q4_0_4x4 with the CLI
// and checks that `lookout logits` prints the same JSON for both files.
func TestQuantizeRepack(t *testing.T) {
	in := golden.Project(t, q4Model)
	out := filepath.Join(t.TempDir(), "tiny-q4_0_4x4.gguf")
	rc, _, stderr := runCLI("quantize", in, out, "--type", "q4_0_4x4")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	if !strings.Contains(stderr, "43 q4_0_4x4") {
		t.Errorf("summary: %s", stderr)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := f.Tensor("blk.1.ffn_gate.weight")
	f.Close()
	if ti.Type != quant.Q4_0_4_4 {
		t.Fatalf("ffn_gate is %s", ti.Type)
	}
	var outputs []string
	for _, m := range []string{in, out} {
		rc, stdout, stderr := runCLI("logits", "--model", m, "--prompt", "The lighthouse keeper", "--top", "5")
		if rc != 0 {
			t.Fatalf("logits %s: exit %d: %s", m, rc, stderr)
		}
		outputs = append(outputs, stdout)
	}
	if outputs[0] != outputs[1] {
		t.Errorf("logits differ:\nq4_0:     %s\nq4_0_4x4: %s", outputs[0], outputs[1])
	}
}

// TestQuantizeUsage: each bad command line exits 2 with a message naming
// the problem, and the input is never overwritten.
func TestQuantizeUsage(t *testing.T) {
	in := golden.Project(t, q4Model)
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"quantize", in, out}, "--type is required"},
		{[]string{"quantize", in, "--type", "q4_0_4x4"}, "want IN.gguf and OUT.gguf"},
		{[]string{"quantize", in, out, "--type", "q4_K"}, "not supported"},
		{[]string{"quantize", in, in, "--type", "q4_0_4x4"}, "is the input file"},
	} {
		rc, _, stderr := runCLI(c.args...)
		if rc != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, rc, stderr, c.want)
		}
	}
	rc, _, stderr := runCLI("quantize", in, out, "--type", "q8_0")
	if rc != 1 || !strings.Contains(stderr, "--allow-requantize") {
		t.Errorf("q4_0 → q8_0: exit %d, %q", rc, stderr)
	}
}

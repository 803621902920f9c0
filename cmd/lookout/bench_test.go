package main

import (
	"encoding/json"
	"strings"
	"testing"

	"lookout/internal/golden"
)

// TestBenchJSON runs bench on the tiny model with small sizes and checks
// that the JSON object has every field and positive numbers.
func TestBenchJSON(t *testing.T) {
	model := golden.Project(t, q4Model)
	rc, out, stderr := runCLI("bench", "--model", model, "--json", "--threads", "2",
		"--prompt-lengths", "4,16", "--decode", "8", "--bandwidth-mb", "8")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	for _, k := range []string{"model", "arch", "layers", "embedding", "vocab", "weight_type", "embedding_type",
		"kernels", "threads", "goarch", "context", "kv_bytes", "load_ms", "first_token_ms", "prefill", "decode",
		"peak_rss_bytes", "read_bandwidth_bytes_per_s", "bandwidth_buffer_bytes", "bytes_per_token", "roofline_fraction"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Threads != 2 || r.Kernels == "" || r.Layers != 6 || r.WeightType != "q4_0" {
		t.Errorf("header fields: %+v", r)
	}
	if len(r.Prefill) != 2 || r.Prefill[0].Tokens != 4 || r.Prefill[1].Tokens != 16 {
		t.Fatalf("prefill %+v", r.Prefill)
	}
	pos := map[string]float64{
		"load_ms": r.LoadMS, "first_token_ms": r.FirstTokenMS, "decode tok/s": r.Decode.TokS, "decode ms": r.Decode.MS,
		"peak RSS": float64(r.PeakRSSBytes), "bandwidth": r.ReadBandwidth, "bytes/token": float64(r.BytesPerToken),
		"roofline": r.Roofline, "kv": float64(r.KVBytes),
	}
	for _, p := range r.Prefill {
		pos["prefill tok/s"], pos["prefill GOP/s"], pos["prefill ms"] = p.TokS, p.GOPS, p.MS
	}
	for k, v := range pos {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", k, v)
		}
	}
	// Bytes per token: the tiny Q4_0 model's token_embd alone is 9 MiB.
	if r.BytesPerToken < 9437184 || r.BytesPerToken > 10<<20 {
		t.Errorf("bytes per token %d", r.BytesPerToken)
	}

	// The table has the same rows.
	rc, out, stderr = runCLI("bench", "--model", model, "--threads", "1", "--prompt-lengths", "4", "--decode", "2", "--bandwidth-mb", "4")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	for _, row := range []string{"load", "prefill 4", "decode 2", "peak RSS", "bytes/token", "read bandwidth", "decode roofline"} {
		if !strings.Contains(out, row) {
			t.Errorf("table lacks %q:\n%s", row, out)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "--model", "x.gguf", "--prompt-lengths", "0"},
		{"bench", "--model", "x.gguf", "--prompt-lengths", "a,b"},
		{"bench", "--model", "x.gguf", "--decode", "0"},
		{"bench", "--model", "x.gguf", "--ctx", "8", "--prompt-lengths", "64"},
		{"bench", "--model", "x.gguf", "stray"},
	} {
		if rc, _, _ := runCLI(args...); rc != 2 {
			t.Errorf("%q: exit %d, want 2", args, rc)
		}
	}
}

// TestBenchSigLIP runs bench on the tiny SigLIP HF folder (testdata/
// siglip2-tiny, converted in memory): runs at 1 and 2 threads, the
// classification run (label-sized id sequences: the folder has no
// tokenizer), and the operation counts of the tiny shapes.
func TestBenchSigLIP(t *testing.T) {
	dir := strings.TrimSuffix(golden.Project(t, "siglip2-tiny/config.json"), "/config.json")
	rc, out, stderr := runCLI("bench", "--model", dir, "--json", "--threads", "2", "--runs", "2", "--labels", "3")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	var r siglipBench
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if r.Arch != "siglip" || r.Patches != 4 || r.ImageSize != 32 || r.Context != 16 || r.WeightType != "f32" || r.Kernels == "" {
		t.Errorf("header fields: %+v", r)
	}
	// Image: 4 patches of 768 values → 32, 2 layers of 4·(4·32² + 2·32·64)
	// + 2·4²·32, the head 2·32² + 2·4·32² + 2·4·32 + 2·32·64; ×2 for GOP.
	wantImage := 2 * float64(4*768*32+2*(4*(4*32*32+2*32*64)+2*16*32)+(2*32*32+2*4*32*32+2*4*32+2*32*64)) / 1e9
	if d := r.ImageGOP - wantImage; d > 1e-12 || d < -1e-12 {
		t.Errorf("image GOP %g, want %g", r.ImageGOP, wantImage)
	}
	if len(r.Runs) != 2 || r.Runs[0].Threads != 1 || r.Runs[1].Threads != 2 {
		t.Fatalf("runs %+v", r.Runs)
	}
	for _, run := range r.Runs {
		if !(run.ImageMS > 0 && run.TextMS > 0 && run.ImageGOPS > 0 && run.TextGOPS > 0 && run.ImageRuns == 2) {
			t.Errorf("run %+v", run)
		}
	}
	if r.Classify == nil || r.Classify.Labels != 3 || !(r.Classify.EncodeMS > 0 && r.Classify.FrameMS > 0) || !(r.PeakRSSBytes > 0) {
		t.Errorf("classify %+v, peak RSS %d", r.Classify, r.PeakRSSBytes)
	}
	rc, out, stderr = runCLI("bench", "--model", dir, "--threads", "1", "--runs", "1", "--labels", "0")
	if rc != 0 || !strings.Contains(out, "image, 1 threads") || strings.Contains(out, "classify") {
		t.Errorf("table: exit %d, %q, %s", rc, out, stderr)
	}
	if rc, _, stderr := runCLI("bench", "--model", dir, "--runs", "0"); rc != 2 || !strings.Contains(stderr, "--runs") {
		t.Errorf("--runs 0: exit %d, %s", rc, stderr)
	}
}

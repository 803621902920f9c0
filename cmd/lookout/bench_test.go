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

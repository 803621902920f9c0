package gemma3_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
)

// TestQ4_0_4x4SameLogits repacks the tiny Q4_0 golden model
// (gemma3-tiny/models/gemma3-tiny-q4_0.gguf) into q4_0_4x4, every matrix
// and the tied embedding included, and checks that it computes the Q4_0
// model's logits bit for bit: a prompt of 40 tokens in one batch, then 30
// greedy decode steps, with the kernels of this CPU (under qemu: the NEON
// and SDOT ones). The Q4_0 model itself is held to llama.cpp's goldens by
// TestGolden.
func TestQ4_0_4x4SameLogits(t *testing.T) {
	opts := gemma3.Options{Threads: 2, ContextLength: 128}
	q4 := loadVariant(t, "q4_0", opts)
	in, err := gguf.Open(goldenPath(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	w, notes, err := convert.Requantize(in, convert.RequantizeOptions{Type: quant.Q4_0_4_4})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) > 0 {
		t.Fatalf("notes: %v", notes)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("gemma3-tiny-q4_0_4x4.gguf (in memory)", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, err := gemma3.New(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Weights.TokenEmbd.Type; got != quant.Q4_0_4_4 {
		t.Fatalf("token_embd is %s, want q4_0_4x4", got)
	}
	if got := m.Weights.Layers[0].Down.Type; got != quant.Q4_0_4_4 {
		t.Fatalf("ffn_down is %s, want q4_0_4x4", got)
	}
	ids := make([]int32, 40)
	for i := range ids {
		ids[i] = int32(2 + i*7919%50000)
	}
	h4, hx := sha256.New(), sha256.New()
	hashDecode(t, h4, q4, ids, 30)
	hashDecode(t, hx, m, ids, 30)
	if !bytes.Equal(h4.Sum(nil), hx.Sum(nil)) {
		t.Fatal("q4_0_4x4 logits differ from the q4_0 model's")
	}
}

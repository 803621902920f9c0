package gemma3

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// TestKVQ8_0 runs a random-weight model with the tiny preset's shape but
// head dims of 32 (a Q8_0 cache row is whole blocks per head; the golden
// tiny model has 16) and the tiny model's first 1024 tokens, with F32, F16
// (llama.cpp's default) and Q8_0 KV caches, over a prompt longer than the
// sliding window, token by token (decode) and as one batch (prefill).
//
// There is no llama.cpp golden for a Q8_0 cache, so the F32 cache is the
// reference and the F16 cache the yardstick. Q8_0 rounds each cached value
// to within half a step of amax/127 of its 32-value block (about 0.4 % of
// its largest value, where F16 keeps 0.05 %, but F16 decode also rounds
// the flash-attention accumulator to F16); measured on this model, the
// Q8_0 logits differ from F32 by about 1.5× what F16's do (max 0.029 over
// a logit spread of 1.2, centred cosine 0.9989). The bound, 4× F16's max
// difference and a cosine above 0.998, fails at once for a cache that returns the wrong head
// or position (cosine near 0). Greedy picks are not compared: random
// weights leave many near-ties.
func TestKVQ8_0(t *testing.T) {
	vocab, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer vocab.Close()
	c := smallTiny()
	c.HeadDimK, c.HeadDimV = 32, 32
	w, err := RandomWriter("kv-q8_0-test", c, quant.Q8_0, smallVocab(t, vocab, c.NVocab), 7)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	load := func(kv KVType) *Model {
		f, err := gguf.Parse("kv-q8_0-test.gguf", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(f, Options{Threads: 1, ContextLength: 64, KV: kv})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	ref, f16, q8 := load(KVF32), load(KVF16), load(KVQ8_0)
	if got, want := q8.KVBytes(), f16.KVBytes()*34/64; got != want {
		t.Errorf("KVBytes q8_0 = %d, want 34/64 of f16's %d = %d", got, f16.KVBytes(), want)
	}
	prompt := ref.Tokenizer.Encode("The quick brown fox jumps over the lazy dog, then runs far away into the forest.", tokenizer.EncodeOptions{AddSpecial: true})
	if len(prompt) <= ref.Config.Window {
		t.Fatalf("prompt of %d tokens does not pass the window %d", len(prompt), ref.Config.Window)
	}
	for _, batch := range []bool{false, true} {
		a, b, q := ref.NewSession(), f16.NewSession(), q8.NewSession()
		if q.KV.Bytes() != q8.KVBytes() {
			t.Errorf("session cache %d bytes, model says %d", q.KV.Bytes(), q8.KVBytes())
		}
		var errF16, errQ8 float64
		minCos := 1.0
		step := 1
		if batch {
			step = len(prompt)
		}
		for i := 0; i < len(prompt); i += step {
			var logits [3][]float32
			for k, s := range []*Session{a, b, q} {
				l, err := s.Forward(prompt[i:i+step], false)
				if err != nil {
					t.Fatal(err)
				}
				logits[k] = append([]float32(nil), l...)
			}
			for j, x := range logits[0] {
				errF16 = max(errF16, math.Abs(float64(logits[1][j]-x)))
				errQ8 = max(errQ8, math.Abs(float64(logits[2][j]-x)))
			}
			minCos = min(minCos, centredCos(logits[0], logits[2]))
		}
		t.Logf("batch %v: max |logit diff| to the F32 cache: f16 %.3g, q8_0 %.3g; q8_0 min centred cosine %.6f", batch, errF16, errQ8, minCos)
		if errQ8 > 4*errF16 || minCos < 0.998 {
			t.Errorf("batch %v: q8_0 cache moves logits by %.3g (f16: %.3g, bound 4×), cosine %.6f (bound 0.998)", batch, errQ8, errF16, minCos)
		}
	}
}

// centredCos is the cosine of a and b after subtracting each one's mean.
func centredCos(a, b []float32) float64 {
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i])-ma, float64(b[i])-mb
		ab += x * y
		aa += x * x
		bb += y * y
	}
	return ab / math.Sqrt(aa*bb)
}

func TestKVQ8_0Errors(t *testing.T) {
	path := golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf")
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = New(f, Options{KV: KVQ8_0, NoFlashAttention: true})
	if err == nil || !strings.Contains(err.Error(), "needs flash attention") {
		t.Errorf("q8_0 cache without flash attention: error %v", err)
	}
	if _, err := ParseKVType("q4_0"); err == nil || !strings.Contains(err.Error(), "q8_0") {
		t.Errorf("ParseKVType(q4_0): error %v", err)
	}
}

package gemma3_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"lookout/runtime/gemma3"
	"lookout/runtime/model"
	"lookout/runtime/tokenizer"
)

// TestDecodeHash prints a SHA-256 of every logit of the golden prompts
// (gemma3-tiny/text/<variant>/default/<prompt>.json, F16 KV cache and flash
// attention) followed by 60 greedy decode steps, per variant, and of the
// model named by LOOKOUT_BENCH_GEMMA3 when set. It checks nothing itself:
// run it with LOOKOUT_DECODE_HASH=1 on two trees (say HEAD and a change
// that must not move a bit) and compare the lines.
func TestDecodeHash(t *testing.T) {
	if os.Getenv("LOOKOUT_DECODE_HASH") == "" {
		t.Skip("set LOOKOUT_DECODE_HASH=1 to print the decode hashes")
	}
	opts := gemma3.Options{Threads: 2, ContextLength: 512}
	prompts := []string{"p1_short", "p2_paragraph", "p3_chat", "p4_multilingual"}
	for _, variant := range []string{"f32", "f16", "q8_0", "q4_0"} {
		m := loadVariant(t, variant, opts)
		h := sha256.New()
		for _, p := range prompts {
			raw, err := os.ReadFile(goldenPath(t, fmt.Sprintf("gemma3-tiny/text/%s/default/%s.json", variant, p)))
			if err != nil {
				t.Fatal(err)
			}
			var g goldenRun
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			ids := m.Tokenizer.Encode(g.PromptText, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
			hashDecode(t, h, m, ids, 60)
		}
		t.Logf("decode hash %s: %x", variant, h.Sum(nil))
	}
	if path := os.Getenv("LOOKOUT_BENCH_GEMMA3"); path != "" {
		m, err := model.Load(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ids := make([]int32, 40)
		for i := range ids {
			ids[i] = int32(2 + i*37%1000)
		}
		h := sha256.New()
		hashDecode(t, h, m, ids, 60)
		t.Logf("decode hash %s: %x", path, h.Sum(nil))
	}
}

// hashDecode feeds ids to a new session of m, then n greedy tokens one at
// a time, writing every logit's bits to h.
func hashDecode(t *testing.T, h interface{ Write([]byte) (int, error) }, m *gemma3.Model, ids []int32, n int) {
	t.Helper()
	s := m.NewSession()
	logits, err := s.Forward(ids, true)
	if err != nil {
		t.Fatal(err)
	}
	V := m.Config.NVocab
	put := func(l []float32) {
		b := make([]byte, 4*len(l))
		for i, x := range l {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		h.Write(b)
	}
	put(logits)
	next := argmax(logits[len(logits)-V:])
	for range n {
		l, err := s.Forward([]int32{next}, false)
		if err != nil {
			t.Fatal(err)
		}
		put(l)
		next = argmax(l)
	}
}

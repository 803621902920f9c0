package gemma3_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"lookout/runtime/gemma3"
	"lookout/runtime/model"
)

// BenchmarkDecodeAt times decode steps after a prompt, on a real-sized
// model, which lookout bench cannot do (its decode starts at position 1):
// the model file is $LOOKOUT_BENCH_GEMMA3 (skipped when unset, e.g. one
// from lookout gen-random --arch gemma3 --preset 1b), the prompt
// $LOOKOUT_BENCH_PROMPT random tokens (default 1000), the thread count
// $LOOKOUT_BENCH_THREADS (default 1). The prompt is evaluated once (as one
// batch, timed and logged) and the steps continue the same session, whose
// context has room for 256 of them beyond the prompt:
//
//	LOOKOUT_BENCH_GEMMA3=/tmp/g3-1b-q4_0.gguf go test -run XXX -bench DecodeAt -benchtime 64x ./runtime/gemma3/
func BenchmarkDecodeAt(b *testing.B) {
	path := os.Getenv("LOOKOUT_BENCH_GEMMA3")
	if path == "" {
		b.Skip("set LOOKOUT_BENCH_GEMMA3 to a Gemma 3 GGUF file")
	}
	if benchSession == nil {
		env := func(key string, def int) int {
			v, err := strconv.Atoi(os.Getenv(key))
			if err != nil {
				return def
			}
			return v
		}
		prompt, threads := env("LOOKOUT_BENCH_PROMPT", 1000), env("LOOKOUT_BENCH_THREADS", 1)
		m, err := model.Load(path, gemma3.Options{Threads: threads, ContextLength: prompt + 256})
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		ids := make([]int32, prompt)
		for i := range ids {
			ids[i] = int32(rng.IntN(m.Tokenizer.NumTokens()))
		}
		benchSession = m.NewSession()
		t0 := time.Now()
		l, err := benchSession.Forward(ids, false)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		b.Logf("prefill %d tokens at %d threads: %v, %.2f tok/s", prompt, threads, d.Round(time.Millisecond), float64(prompt)/d.Seconds())
		benchLogits = slices.Clone(l)
	}
	s := benchSession
	if s.Pos()+b.N > s.KV.NCtx {
		b.Fatalf("%d steps from position %d do not fit in the context of %d", b.N, s.Pos(), s.KV.NCtx)
	}
	b.ResetTimer()
	for range b.N {
		l, err := s.Forward([]int32{argmax(benchLogits)}, false)
		if err != nil {
			b.Fatal(err)
		}
		copy(benchLogits, l)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
}

// The session BenchmarkDecodeAt's runs continue (the prompt is evaluated
// once) and its last logits.
var (
	benchSession *gemma3.Session
	benchLogits  []float32
)

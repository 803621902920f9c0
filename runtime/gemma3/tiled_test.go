package gemma3

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
)

// TestTiledMatchesChunk checks the tiled flash attention of batches of
// faTileQ tokens or more (attendTiled, which no golden covers) against
// the one-chunk path that the goldens cover, token by token. The model is
// the tiny preset (sliding window 8, so windows cross inside every tile)
// with F32 weights and random tokens, whose vocabulary comes from
// testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf; head dims 32 for the
// Q8_0 cache. Each case runs a 100-token prompt as one batch, and a
// 30-token batch (one chunk) followed by a 70-token one (tiled, over a
// ring buffer that the 30 tokens have already wrapped) and 5 decode steps
// over what the tiled batch stored, and compares the logits of every
// position with those of 100 single-token steps; with the default tile
// sizes and with tiny ones (so that tiles see keys in several runs and
// the online softmax rescales across runs).
//
// The paths differ in rounding only, which the F16 GELU table and the
// norms of this random model amplify now and then (a GELU input that rounds
// to the other F16 neighbour): logits lie in about [−0.7, 0.65], and with
// an F32 cache they differ by up to 1.1e-4 (as much as the tiled path
// before it used GEMMs); with an F16 cache the one-chunk path also rounds
// Q and its accumulator to F16 (1.1e-3); with a Q8_0 cache it quantizes Q
// to Q8_0 for the scores (1.2e-2). The bounds are about 3× those. A
// sliding window one key wider moves the logits by far more
// (TestTiledMaskMatters).
func TestTiledMatchesChunk(t *testing.T) {
	for _, tc := range []struct {
		kv   KVType
		dim  int
		tol  float64
		tile [2]int // tileQ, tileKeys; 0 = default
	}{
		{KVF32, 16, 4e-4, [2]int{}},
		{KVF32, 16, 4e-4, [2]int{8, 24}},
		{KVF16, 16, 4e-3, [2]int{}},
		{KVF16, 16, 4e-3, [2]int{8, 24}},
		{KVQ8_0, 32, 4e-2, [2]int{}},
		{KVQ8_0, 32, 4e-2, [2]int{8, 24}},
	} {
		t.Run(fmt.Sprintf("%v/dim%d/tiles%v", tc.kv, tc.dim, tc.tile), func(t *testing.T) {
			if tc.tile[0] > 0 {
				defer func(q, k int) { tileQ, tileKeys = q, k }(tileQ, tileKeys)
				tileQ, tileKeys = tc.tile[0], tc.tile[1]
			}
			m := tiledTestModel(t, tc.dim, tc.kv)
			prompt := randomTokens(100, m.Config.NVocab)
			ref := stepLogits(t, m, prompt)
			s := m.NewSession()
			got, err := s.Forward(prompt, true)
			if err != nil {
				t.Fatal(err)
			}
			d := maxDiff(got, ref)
			s2 := m.NewSession()
			var got2 []float32
			for _, part := range [][]int32{prompt[:30], prompt[30:]} {
				l, err := s2.Forward(part, true)
				if err != nil {
					t.Fatal(err)
				}
				got2 = append(got2, l...)
			}
			d2 := maxDiff(got2, ref)
			// Decode steps over the cache the tiled batch wrote.
			ref3 := stepLogits(t, m, append(prompt[:100:100], 7, 8, 9, 10, 11))[100*m.Config.NVocab:]
			var got3 []float32
			for _, id := range []int32{7, 8, 9, 10, 11} {
				l, err := s2.Forward([]int32{id}, false)
				if err != nil {
					t.Fatal(err)
				}
				got3 = append(got3, l...)
			}
			d3 := maxDiff(got3, ref3)
			t.Logf("max |Δlogit| against one token at a time: 100-token batch %.2e, 30+70 %.2e, decode after %.2e (bound %g)", d, d2, d3, tc.tol)
			if d > tc.tol || d2 > tc.tol || d3 > tc.tol {
				t.Errorf("tiled attention differs from the one-chunk path by %.3g / %.3g / %.3g > %g", d, d2, d3, tc.tol)
			}
		})
	}
}

// TestTiledMaskMatters makes sure TestTiledMatchesChunk's bounds would
// catch a sliding-window mask off by one key: the logits of a window of 9
// differ from those of the model's 8 by far more than the largest bound.
func TestTiledMaskMatters(t *testing.T) {
	m := tiledTestModel(t, 16, KVF32)
	prompt := randomTokens(100, m.Config.NVocab)
	ref := stepLogits(t, m, prompt)
	m.Config.Window++
	s := m.NewSession()
	got, err := s.Forward(prompt, true)
	if err != nil {
		t.Fatal(err)
	}
	d := maxDiff(got, ref)
	t.Logf("a window one key wider moves the logits by %.3g", d)
	if d < 0.1 {
		t.Errorf("a window one key wider moves the logits by only %.3g", d)
	}
}

// TestDecodeThreads checks that decoding gives the same bits on 1, 2 and 3
// threads, which split a token's heads between them (attendToken), for the
// tiny model's two KV heads of two query heads each and for one KV head of
// four (as in Gemma 3 1B), whose group is then split.
func TestDecodeThreads(t *testing.T) {
	for _, hkv := range []int{2, 1} {
		c := smallTiny()
		c.NHeadKV = hkv
		var ref []float32
		for _, threads := range []int{1, 2, 3} {
			m := testModel(t, c, KVF16, threads)
			got := stepLogits(t, m, randomTokens(40, m.Config.NVocab))
			if threads == 1 {
				ref = got
				continue
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("%d KV heads, %d threads: logit %d (position %d) is %g, on one thread %g", hkv, threads, i, i/c.NVocab, got[i], ref[i])
				}
			}
		}
	}
}

// tiledTestModel returns the tiny preset with F32 weights, head dims dim,
// a 1024-token vocabulary and a 128-position cache of type kv.
func tiledTestModel(t *testing.T, dim int, kv KVType) *Model {
	c := smallTiny()
	c.HeadDimK, c.HeadDimV = dim, dim
	return testModel(t, c, kv, 2)
}

// testModel returns a model of shape c with random F32 weights (the
// vocabulary of the tiny test model) and a 128-position cache of type kv,
// on threads threads.
func testModel(t *testing.T, c Config, kv KVType, threads int) *Model {
	t.Helper()
	vocab, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer vocab.Close()
	w, err := RandomWriter("tiled-test", c, quant.F32, smallVocab(t, vocab, c.NVocab), 11)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("tiled-test.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(f, Options{Threads: threads, ContextLength: 128, KV: kv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func randomTokens(n, vocab int) []int32 {
	rng := rand.New(rand.NewPCG(3, 4))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(vocab))
	}
	return ids
}

// stepLogits evaluates ids one token at a time (the one-chunk path) in a
// new session and returns every position's logits.
func stepLogits(t *testing.T, m *Model, ids []int32) []float32 {
	t.Helper()
	s := m.NewSession()
	var all []float32
	for _, id := range ids {
		l, err := s.Forward([]int32{id}, false)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, l...)
	}
	return all
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

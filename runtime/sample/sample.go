// Package sample picks the next token from a row of logits: greedy
// (argmax), or temperature sampling filtered by top-k, top-p and min-p,
// after a repetition penalty, with a seeded generator so that a given seed
// always gives the same tokens. The order of the steps is llama.cpp's
// default sampler chain (common/sampling.cpp): penalties, top-k, top-p,
// min-p, temperature, then a draw from the softmax.
package sample

import (
	"cmp"
	"container/heap"
	"math"
	"math/rand/v2"
	"slices"
)

// Options configure a Sampler. The zero value is greedy decoding.
type Options struct {
	// Temperature divides the logits before the draw; ≤ 0 means greedy
	// (argmax, first index on ties).
	Temperature float32
	// TopK keeps the k most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose
	// probabilities sum to at least p; 0 or ≥ 1 keeps all.
	TopP float32
	// MinP drops tokens less likely than MinP times the most likely one;
	// 0 keeps all.
	MinP float32
	// RepeatPenalty penalizes tokens seen among the last RepeatLastN
	// accepted ones, as llama.cpp's penalties sampler: a positive logit is
	// divided by it, a negative one multiplied. 0 or 1 turns it off.
	RepeatPenalty float32
	// RepeatLastN is how many recent tokens the penalty looks at; 0 means
	// 64 (llama.cpp's default).
	RepeatLastN int
	// Seed seeds the PCG generator (math/rand/v2).
	Seed uint64
}

// Sampler draws tokens. It is not safe for concurrent use.
type Sampler struct {
	opts   Options
	rng    *rand.Rand
	recent []int32
	cands  []cand
}

type cand struct {
	id    int32
	logit float32
	p     float64
}

// New returns a Sampler with its generator seeded by opts.Seed.
func New(opts Options) *Sampler {
	if opts.RepeatLastN <= 0 {
		opts.RepeatLastN = 64
	}
	return &Sampler{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
}

// Greedy returns the index of the largest logit, the first one on ties
// (llama.cpp's greedy sampler).
func Greedy(logits []float32) int32 {
	best := 0
	for i, x := range logits {
		if x > logits[best] {
			best = i
		}
	}
	return int32(best)
}

// Accept records a token chosen for the sequence (including prompt
// tokens, if they should count for the repetition penalty).
func (s *Sampler) Accept(id int32) {
	s.recent = append(s.recent, id)
	if n := s.opts.RepeatLastN; len(s.recent) > 2*n {
		s.recent = append(s.recent[:0], s.recent[len(s.recent)-n:]...)
	}
}

// Sample returns the next token for logits. It does not modify logits
// and does not Accept the token.
func (s *Sampler) Sample(logits []float32) int32 {
	o := s.opts
	penal := o.RepeatPenalty != 0 && o.RepeatPenalty != 1 && len(s.recent) > 0
	if o.Temperature <= 0 && !penal {
		return Greedy(logits)
	}
	c := s.candidates(logits, penal)
	if o.Temperature <= 0 {
		best := 0
		for i := range c {
			if c[i].logit > c[best].logit || (c[i].logit == c[best].logit && c[i].id < c[best].id) {
				best = i
			}
		}
		return c[best].id
	}
	// Top-k: keep the k largest (sorted descending, ties by id).
	desc := func(a, b cand) int {
		if r := cmp.Compare(b.logit, a.logit); r != 0 {
			return r
		}
		return cmp.Compare(a.id, b.id)
	}
	if o.TopK > 0 && o.TopK < len(c) {
		c = topK(c, o.TopK, desc)
	} else {
		slices.SortFunc(c, desc)
	}
	// Probabilities of the kept tokens at temperature 1, for top-p and min-p.
	softmax(c, 1)
	if o.TopP > 0 && o.TopP < 1 {
		var cum float64
		for i := range c {
			cum += c[i].p
			if cum >= float64(o.TopP) {
				c = c[:i+1]
				break
			}
		}
	}
	if o.MinP > 0 {
		limit := float64(o.MinP) * c[0].p
		n := 1
		for n < len(c) && c[n].p >= limit {
			n++
		}
		c = c[:n]
	}
	softmax(c, o.Temperature)
	r := s.rng.Float64()
	var cum float64
	for _, x := range c {
		cum += x.p
		if r < cum {
			return x.id
		}
	}
	return c[len(c)-1].id
}

// candidates copies logits into s.cands, applying the repetition penalty.
func (s *Sampler) candidates(logits []float32, penal bool) []cand {
	if cap(s.cands) < len(logits) {
		s.cands = make([]cand, len(logits))
	}
	c := s.cands[:len(logits)]
	for i, x := range logits {
		c[i] = cand{id: int32(i), logit: x}
	}
	if penal {
		recent := s.recent[max(0, len(s.recent)-s.opts.RepeatLastN):]
		seen := make(map[int32]bool, len(recent))
		for _, id := range recent {
			if id < 0 || int(id) >= len(c) || seen[id] {
				continue
			}
			seen[id] = true
			if c[id].logit <= 0 {
				c[id].logit *= s.opts.RepeatPenalty
			} else {
				c[id].logit /= s.opts.RepeatPenalty
			}
		}
	}
	return c
}

// softmax sets p of each candidate to its probability at temperature t.
func softmax(c []cand, t float32) {
	mx := float32(math.Inf(-1))
	for _, x := range c {
		mx = max(mx, x.logit)
	}
	var sum float64
	for i := range c {
		c[i].p = math.Exp(float64(c[i].logit-mx) / float64(t))
		sum += c[i].p
	}
	for i := range c {
		c[i].p /= sum
	}
}

// topK returns the k best candidates sorted by less, using a bounded heap
// (a full sort of a 262k vocabulary per token would dominate decoding).
func topK(c []cand, k int, less func(a, b cand) int) []cand {
	h := &candHeap{less: less, c: make([]cand, 0, k)}
	for _, x := range c {
		if len(h.c) < k {
			heap.Push(h, x)
		} else if less(x, h.c[0]) < 0 {
			h.c[0] = x
			heap.Fix(h, 0)
		}
	}
	out := h.c
	slices.SortFunc(out, less)
	return out
}

// candHeap keeps the worst kept candidate at the root.
type candHeap struct {
	less func(a, b cand) int
	c    []cand
}

func (h *candHeap) Len() int           { return len(h.c) }
func (h *candHeap) Less(i, j int) bool { return h.less(h.c[i], h.c[j]) > 0 }
func (h *candHeap) Swap(i, j int)      { h.c[i], h.c[j] = h.c[j], h.c[i] }
func (h *candHeap) Push(x any)         { h.c = append(h.c, x.(cand)) }
func (h *candHeap) Pop() any {
	x := h.c[len(h.c)-1]
	h.c = h.c[:len(h.c)-1]
	return x
}

package sample

import (
	"testing"
)

func TestGreedy(t *testing.T) {
	for _, tc := range []struct {
		logits []float32
		want   int32
	}{
		{[]float32{1, 3, 2}, 1},
		{[]float32{5, 5, 1}, 0}, // first index on ties
		{[]float32{-1, -2, -0.5}, 2},
		{[]float32{7}, 0},
	} {
		if got := Greedy(tc.logits); got != tc.want {
			t.Errorf("Greedy(%v) = %d, want %d", tc.logits, got, tc.want)
		}
		if got := New(Options{}).Sample(tc.logits); got != tc.want {
			t.Errorf("zero Options: Sample(%v) = %d, want %d", tc.logits, got, tc.want)
		}
	}
}

func TestFilters(t *testing.T) {
	logits := []float32{0, 1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name    string
		opts    Options
		allowed map[int32]bool
	}{
		{"top-k 1", Options{Temperature: 1, TopK: 1}, map[int32]bool{7: true}},
		{"top-k 3", Options{Temperature: 5, TopK: 3}, map[int32]bool{7: true, 6: true, 5: true}},
		// p(7) ≈ 0.63, p(6) ≈ 0.23: 0.8 needs both.
		{"top-p 0.8", Options{Temperature: 5, TopP: 0.8}, map[int32]bool{7: true, 6: true}},
		// p(6)/p(7) = e^-1 ≈ 0.37, p(5)/p(7) ≈ 0.14.
		{"min-p 0.3", Options{Temperature: 5, MinP: 0.3}, map[int32]bool{7: true, 6: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.opts)
			seen := map[int32]bool{}
			for range 2000 {
				id := s.Sample(logits)
				if !tc.allowed[id] {
					t.Fatalf("sampled %d, allowed %v", id, tc.allowed)
				}
				seen[id] = true
			}
			if len(seen) != len(tc.allowed) {
				t.Errorf("sampled %v, want all of %v", seen, tc.allowed)
			}
		})
	}
}

func TestSeedDeterministic(t *testing.T) {
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32(i%37) / 10
	}
	draw := func(seed uint64) []int32 {
		s := New(Options{Temperature: 1, TopK: 40, TopP: 0.95, MinP: 0.01, Seed: seed})
		var ids []int32
		for range 50 {
			ids = append(ids, s.Sample(logits))
		}
		return ids
	}
	a, b, c := draw(1), draw(1), draw(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different draws at %d: %v vs %v", i, a, b)
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Errorf("seeds 1 and 2 gave the same 50 tokens")
	}
}

func TestRepeatPenalty(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logits []float32
		recent []int32
		want   int32
	}{
		{"positive divided", []float32{2, 1.5}, []int32{0}, 1},      // 2/2 = 1 < 1.5
		{"negative multiplied", []float32{-1, -1.5}, []int32{0}, 1}, // -2 < -1.5
		{"counted once", []float32{4, 1.5}, []int32{0, 0, 0}, 0},    // 4/2 = 2 > 1.5
		{"unseen unchanged", []float32{2, 1.5}, []int32{1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{RepeatPenalty: 2})
			for _, id := range tc.recent {
				s.Accept(id)
			}
			if got := s.Sample(tc.logits); got != tc.want {
				t.Errorf("Sample = %d, want %d", got, tc.want)
			}
		})
	}
}

package tokenizer

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// mergeTable holds the BPE merges of a tokenizer.json vocabulary (580,604 for
// the Gemma 256k one), grouped by left token as a compressed sparse row
// table: the merges whose left token is a are keys[first[a]:first[a+1]],
// each right<<32 | rank, sorted. A lookup is one load from first and a
// binary search in one group (most groups hold a few merges; the largest,
// "▁" on the left, 52k, so 16 steps), and the table costs 12 bytes a merge
// plus 4 a token, about half of what a map[uint64] of the merges takes, and
// it is filled by a counting sort instead of 580k map insertions.
type mergeTable struct {
	first []int32  // left id -> index of its first merge; len(tokens)+1 entries
	keys  []uint64 // right<<32 | rank, sorted within each group
	ids   []int32  // the token each merge makes, parallel to keys
}

// lookup returns the rank and the resulting token of the merge of a and b.
func (m *mergeTable) lookup(a, b int32) (rank, id int32, ok bool) {
	lo, hi := int(m.first[a]), int(m.first[a+1])
	want := uint64(uint32(b)) << 32
	// Binary search for the first key >= want, then a check that it is
	// the pair's.
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m.keys[mid] < want {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == int(m.first[a+1]) || m.keys[lo]>>32 != uint64(uint32(b)) {
		return 0, 0, false
	}
	return int32(uint32(m.keys[lo])), m.ids[lo], true
}

// len returns the number of distinct merges.
func (m *mergeTable) len() int { return len(m.keys) }

// mergeRule is one merge as mergeLines and derivedScores walk them.
type mergeRule struct {
	rank int32
	a, b int32 // the pair
	id   int32 // the token it makes
}

// rules returns every merge, in rank order.
func (m *mergeTable) rules() []mergeRule {
	out := make([]mergeRule, 0, len(m.keys))
	for a := range len(m.first) - 1 {
		for i := m.first[a]; i < m.first[a+1]; i++ {
			k := m.keys[i]
			out = append(out, mergeRule{rank: int32(uint32(k)), a: int32(a), b: int32(k >> 32), id: m.ids[i]})
		}
	}
	slices.SortFunc(out, func(x, y mergeRule) int { return int(x.rank) - int(y.rank) })
	return out
}

// mergePairs is a list of merges in priority order, as the file spells it:
// pair(i) returns the texts of merge i, or ok=false when it is malformed.
// pair is called from several goroutines at once.
type mergePairs struct {
	n    int
	pair func(i int) (a, b string, ok bool)
	// malformed words the error for a merge that pair refuses.
	malformed func(i int) string
}

// why words the error for merge i, which pair refused.
func (p mergePairs) why(i int) string {
	if p.malformed == nil {
		return "malformed merge"
	}
	return p.malformed(i)
}

// resolveBatch is how many merges resolveMerges looks up at once; see
// vocabIndex.findBatch.
const resolveBatch = 64

// resolveMerges returns the ids of a, b and a+b for every merge a b of p,
// three per merge, -1 where a text is not in the vocabulary, or the index of
// the first merge that p.pair refuses.
//
// Looking up 1.7 million texts (a, b and a+b of each of the 580k merges of
// the Gemma 256k vocabulary) is what building the table costs: each
// lookup misses the cache two or three times. Two things cut that. The
// lookups go to findBatch a batch at a time, so that their misses overlap.
// And the merged token is first guessed: merges converted from a
// SentencePiece model (all the Gemma ones) come in the order of the tokens
// they make, so a+b is almost always the token the previous merge made or
// the next one, and checking that reads tokens in order, where a lookup
// jumps about. The guess is only taken when it spells a+b exactly and no
// text has two ids, so it gives what the lookup would.
func (t *Tokenizer) resolveMerges(p mergePairs) (ids []int32, bad int) {
	ids = make([]int32, 3*p.n)
	// The lookups only read the index, so the list is split between the
	// CPUs (the boards have four); below a few batches a chunk is not
	// worth a goroutine.
	workers := min(runtime.GOMAXPROCS(0), maxResolveWorkers, (p.n+16*resolveBatch-1)/(16*resolveBatch))
	if workers <= 1 {
		return ids, t.resolveRange(p, 0, p.n, ids)
	}
	bads := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := p.n*w/workers, p.n*(w+1)/workers
		wg.Go(func() { bads[w] = t.resolveRange(p, lo, hi, ids) })
	}
	wg.Wait()
	for _, b := range bads {
		if b >= 0 {
			return nil, b // chunks are in order: the first is the earliest
		}
	}
	return ids, -1
}

// maxResolveWorkers bounds the goroutines of resolveMerges.
const maxResolveWorkers = 8

// resolveRange fills ids for merges [from, to) and returns the first merge
// p.pair refuses, or -1.
func (t *Tokenizer) resolveRange(p mergePairs, from, to int, ids []int32) int {
	guess := !t.index.shadowed
	last := int32(0) // the token the previous merge made
	var (
		qs   [3 * resolveBatch]string
		dst  [3 * resolveBatch]int
		got  [3 * resolveBatch]int32
		cats [resolveBatch]int // queries that are concatenations
		buf  strings.Builder
	)
	for lo := from; lo < to; lo += resolveBatch {
		hi := min(lo+resolveBatch, to)
		buf.Reset()
		nq, nc := 0, 0
		for i := lo; i < hi; i++ {
			a, b, ok := p.pair(i)
			if !ok {
				return i
			}
			qs[nq], dst[nq] = a, 3*i
			qs[nq+1], dst[nq+1] = b, 3*i+1
			nq += 2
			if guess {
				if t.spells(last, a, b) {
					ids[3*i+2] = last
					continue
				}
				if int(last)+1 < len(t.tokens) && t.spells(last+1, a, b) {
					last++
					ids[3*i+2] = last
					continue
				}
			}
			buf.WriteString(a)
			buf.WriteString(b)
			qs[nq], dst[nq] = "", 3*i+2
			cats[nc] = nq
			nq++
			nc++
		}
		// One string holds the batch's concatenations.
		ab, off := buf.String(), 0
		for _, q := range cats[:nc] {
			l := len(qs[q-2]) + len(qs[q-1])
			qs[q] = ab[off : off+l]
			off += l
		}
		t.index.findBatch(t.tokens, qs[:nq], got[:nq])
		for j := range nq {
			ids[dst[j]] = got[j]
		}
		if c := ids[3*(hi-1)+2]; c >= 0 {
			last = c
		}
	}
	return -1
}

// spells reports whether token id is the text a+b.
func (t *Tokenizer) spells(id int32, a, b string) bool {
	s := t.tokens[id]
	return len(s) == len(a)+len(b) && s[:len(a)] == a && s[len(a):] == b
}

// setMerges builds the merge table from p; errf words errors about
// field[i]. A pair is valid when both tokens and their concatenation are in
// the vocabulary; a repeated pair keeps its last rank, as HF's map
// collection does.
func (t *Tokenizer) setMerges(p mergePairs, field string, errf func(field, format string, args ...any) error) error {
	if p.n >= 1<<31-1 {
		return errf(field, "%d merges is too many", p.n)
	}
	n := len(t.tokens)
	ids, bad := t.resolveMerges(p)
	if bad >= 0 {
		return errf(fmt.Sprintf("%s[%d]", field, bad), "%s", p.why(bad))
	}
	count := make([]int32, n+1)
	for i := 0; i < p.n; i++ {
		a, b, c := ids[3*i], ids[3*i+1], ids[3*i+2]
		if a < 0 || b < 0 || c < 0 {
			ta, tb, _ := p.pair(i)
			f := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case a < 0:
				return errf(f, "token %q is not in the vocabulary", ta)
			case b < 0:
				return errf(f, "token %q is not in the vocabulary", tb)
			}
			return errf(f, "merged token %q is not in the vocabulary", ta+tb)
		}
		count[a+1]++
	}
	m := &mergeTable{first: make([]int32, n+1), keys: make([]uint64, p.n), ids: make([]int32, p.n)}
	for a := 1; a <= n; a++ {
		m.first[a] = m.first[a-1] + count[a]
	}
	fill := count[:n] // reused as the write position of each group
	copy(fill, m.first[:n])
	for i := 0; i < p.n; i++ {
		a := ids[3*i]
		m.keys[fill[a]] = uint64(uint32(ids[3*i+1]))<<32 | uint64(i)
		fill[a]++
	}
	// Sort each group and drop repeated pairs (equal right ids, now
	// adjacent in rank order), keeping the last rank. Compacting shifts the
	// groups left, so first is rewritten as it goes.
	w := int32(0)
	for a := 0; a < n; a++ {
		g := m.keys[m.first[a]:m.first[a+1]]
		slices.Sort(g)
		m.first[a] = w
		for j, k := range g {
			if j+1 < len(g) && g[j+1]>>32 == k>>32 {
				continue
			}
			m.keys[w] = k
			m.ids[w] = ids[3*int(uint32(k))+2]
			w++
		}
	}
	m.first[n] = w
	m.keys = slices.Clip(m.keys[:w])
	m.ids = slices.Clip(m.ids[:w])
	t.merges = m
	return nil
}

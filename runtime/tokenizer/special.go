package tokenizer

import (
	"cmp"
	"slices"
	"strings"
)

// specialSet finds special and user-defined tokens in raw text. It is a byte
// trie: the root's edges are an array because almost every text position
// fails on its first byte; every other node keeps its edges sorted in one
// shared slice (most nodes have a single child, as in the "\n" and space
// runs, so a step is one comparison).
type specialSet struct {
	root  [256]int32 // first byte -> node (0: none)
	first []int32    // node -> index of its first edge in edges
	edges []edge     // grouped by node, sorted by byte within a node
	term  []int32    // node -> token id ending there, or -1
	// rank orders the candidates as llama.cpp's cache_special_tokens does:
	// longer text first. std::sort leaves equal lengths in an unspecified
	// order; we break ties by id so the result is at least deterministic.
	rank   []int32 // node -> rank of term
	byRank []int32 // rank -> token id
}

type edge struct {
	c    byte
	node int32
}

// candidate reports whether a token of type typ takes part in special-token
// matching at all: llama.cpp caches CONTROL, USER_DEFINED and UNKNOWN tokens.
func candidate(typ TokenType) bool {
	return typ == TypeControl || typ == TypeUserDefined || typ == TypeUnknown
}

// eligible reports whether a candidate is matched under parseSpecial: control
// and unknown tokens only when asked, user-defined ones always.
func eligible(typ TokenType, parseSpecial bool) bool {
	return parseSpecial || typ == TypeUserDefined
}

func buildSpecials(t *Tokenizer) *specialSet {
	var cand []int32
	for id, typ := range t.types {
		if candidate(typ) && t.tokens[id] != "" {
			cand = append(cand, int32(id))
		}
	}
	slices.SortFunc(cand, func(a, b int32) int {
		if c := cmp.Compare(len(t.tokens[b]), len(t.tokens[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	// Build with a map, then compact the edges.
	s := &specialSet{term: []int32{-1}, rank: []int32{-1}, byRank: cand}
	children := map[uint64]int32{}
	for r, id := range cand {
		text := t.tokens[id]
		node := int32(0)
		for i := 0; i < len(text); i++ {
			key := uint64(node)<<8 | uint64(text[i])
			next, ok := children[key]
			if !ok {
				next = int32(len(s.term))
				s.term = append(s.term, -1)
				s.rank = append(s.rank, -1)
				children[key] = next
				if node == 0 {
					s.root[text[i]] = next
				}
			}
			node = next
		}
		if s.term[node] < 0 { // same text twice: the first (best-ranked) wins
			s.term[node] = id
			s.rank[node] = int32(r)
		}
	}
	count := make([]int32, len(s.term)+1)
	for key := range children {
		if parent := key >> 8; parent != 0 {
			count[parent+1]++
		}
	}
	s.first = make([]int32, len(s.term)+1)
	for i := 1; i < len(count); i++ {
		s.first[i] = s.first[i-1] + count[i]
	}
	s.edges = make([]edge, s.first[len(s.term)])
	fill := slices.Clone(s.first)
	for key, child := range children {
		if parent := key >> 8; parent != 0 {
			s.edges[fill[parent]] = edge{byte(key), child}
			fill[parent]++
		}
	}
	for n := 1; n < len(s.term); n++ {
		e := s.edges[s.first[n]:s.first[n+1]]
		slices.SortFunc(e, func(a, b edge) int { return cmp.Compare(a.c, b.c) })
	}
	return s
}

// step follows the edge for byte c from a node other than the root.
func (s *specialSet) step(node int32, c byte) int32 {
	e := s.edges[s.first[node]:s.first[node+1]]
	if len(e) > 8 {
		i, ok := slices.BinarySearchFunc(e, c, func(x edge, c byte) int { return cmp.Compare(x.c, c) })
		if !ok {
			return 0
		}
		return e[i].node
	}
	for _, x := range e {
		if x.c == c {
			return x.node
		}
	}
	return 0
}

// fragment is a piece of the input: raw text [start, end) when id < 0, or a
// special token matched there.
type fragment struct {
	start, end int
	id         int32
}

// match is a special token taken at text[pos:pos+n].
type match struct {
	pos, n int
	id     int32
}

// partitionLlama splits text the way llama.cpp's tokenizer_st_partition
// does: candidates are tried in rank order (longest text first), and each
// carves all its non-overlapping occurrences, leftmost first, out of the
// text no earlier candidate took.
//
// llama.cpp searches the text once per candidate, 6,000+ times for Gemma.
// Here one trie walk per position first finds which candidates occur at
// all; only those are then searched for, in rank order. A hit that overlaps
// an earlier match resumes the search after that match: every start before
// its end would overlap it too, since all occurrences of one candidate have
// the same length. So a long whitespace run, where ~30 run tokens occur at
// every position, costs a few passes over the matches instead of sorting
// hundreds of thousands of occurrences, and memory grows with the number
// of matches, not with the length of the text.
func (t *Tokenizer) partitionLlama(text string, parseSpecial bool, frags []fragment) []fragment {
	if text == "" {
		return frags
	}
	s := t.specials
	var ranks []int32
	var seen []bool
	for p := 0; p < len(text); p++ {
		node := s.root[text[p]]
		for q := p + 1; node != 0; q++ {
			if r := s.rank[node]; r >= 0 && (seen == nil || !seen[r]) && eligible(t.types[s.term[node]], parseSpecial) {
				if seen == nil {
					seen = make([]bool, len(s.byRank))
				}
				seen[r] = true
				ranks = append(ranks, r)
			}
			if q == len(text) {
				break
			}
			node = s.step(node, text[q])
		}
	}
	if len(ranks) == 0 {
		return append(frags, fragment{0, len(text), -1})
	}
	slices.Sort(ranks)
	var taken, found, merged []match // taken: sorted by position, disjoint
	for _, r := range ranks {
		id := s.byRank[r]
		tok := t.tokens[id]
		found = found[:0]
		cur := 0 // first taken match that ends after the search position
		for pos := 0; pos+len(tok) <= len(text); {
			i := strings.Index(text[pos:], tok)
			if i < 0 {
				break
			}
			q := pos + i
			for cur < len(taken) && taken[cur].pos+taken[cur].n <= q {
				cur++
			}
			if cur < len(taken) && taken[cur].pos < q+len(tok) {
				pos = taken[cur].pos + taken[cur].n // overlaps: resume after it
				continue
			}
			// Matches of this candidate are left of pos, so they need no
			// check; they join taken once the candidate is done.
			found = append(found, match{q, len(tok), id})
			pos = q + len(tok)
		}
		if len(found) == 0 {
			continue
		}
		merged = merged[:0]
		i, j := 0, 0
		for i < len(taken) || j < len(found) {
			if j == len(found) || (i < len(taken) && taken[i].pos < found[j].pos) {
				merged = append(merged, taken[i])
				i++
			} else {
				merged = append(merged, found[j])
				j++
			}
		}
		taken, merged = merged, taken
	}
	last := 0
	for _, m := range taken {
		if m.pos > last {
			frags = append(frags, fragment{last, m.pos, -1})
		}
		frags = append(frags, fragment{m.pos, m.pos + m.n, m.id})
		last = m.pos + m.n
	}
	if last < len(text) {
		frags = append(frags, fragment{last, len(text), -1})
	}
	return frags
}

// partitionLongest splits text the way Hugging Face tokenizers match added
// tokens: scanning left to right, the longest eligible token starting at
// the current position wins (leftmost-longest).
func (t *Tokenizer) partitionLongest(text string, parseSpecial bool, frags []fragment) []fragment {
	s := t.specials
	last := 0
	for p := 0; p < len(text); {
		best, bestLen := int32(-1), 0
		node := s.root[text[p]]
		for q := p + 1; node != 0; q++ {
			if id := s.term[node]; id >= 0 && eligible(t.types[id], parseSpecial) {
				best, bestLen = id, q-p
			}
			if q == len(text) {
				break
			}
			node = s.step(node, text[q])
		}
		if best < 0 {
			p++
			continue
		}
		if p > last {
			frags = append(frags, fragment{last, p, -1})
		}
		frags = append(frags, fragment{p, p + bestLen, best})
		p += bestLen
		last = p
	}
	if last < len(text) {
		frags = append(frags, fragment{last, len(text), -1})
	}
	return frags
}

package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// spaceEscape is SentencePiece's visible space, U+2581 "▁".
const spaceEscape = "\u2581"

// Encode returns the token ids of text.
//
// For a GGUF vocabulary the result equals llama.cpp's
// llama_tokenize(text, add_special, parse_special); see the package
// documentation for the steps.
func (t *Tokenizer) Encode(text string, opts EncodeOptions) []int32 {
	out := make([]int32, 0, len(text)/3+len(t.prefix)+len(t.suffix)+1)
	if opts.AddSpecial {
		out = append(out, t.prefix...)
	}
	out = t.encodeText(out, text, opts.ParseSpecial)
	if opts.AddSpecial {
		out = append(out, t.suffix...)
	}
	return out
}

// EncodeFixed encodes text the way SigLIP 2's text tower expects it: the
// ids of text with special tokens parsed but no BOS, cut to length-1 ids,
// then EOS, then PAD up to exactly length ids (64 for SigLIP 2). It fails
// when the vocabulary lacks EOS or PAD, or length < 1.
func (t *Tokenizer) EncodeFixed(text string, length int) ([]int32, error) {
	if length < 1 {
		return nil, fmt.Errorf("tokenizer: EncodeFixed: length %d < 1", length)
	}
	if t.eos < 0 || t.pad < 0 {
		return nil, fmt.Errorf("tokenizer: %s: EncodeFixed needs EOS and PAD tokens (eos %d, pad %d)", t.source, t.eos, t.pad)
	}
	ids := t.encodeText(make([]int32, 0, length), text, true)
	ids = append(ids[:min(len(ids), length-1)], t.eos)
	for len(ids) < length {
		ids = append(ids, t.pad)
	}
	return ids, nil
}

// encodeText appends the ids of text, without BOS/EOS.
func (t *Tokenizer) encodeText(out []int32, text string, parseSpecial bool) []int32 {
	if text == "" {
		return out
	}
	var frags []fragment
	if t.hf != nil {
		frags = t.partitionLongest(text, parseSpecial, nil)
	} else {
		frags = t.partitionLlama(text, parseSpecial, nil)
	}
	var m merger
	prevSpecial := true // llama.cpp: the first piece counts as following a special token
	for _, f := range frags {
		if f.id >= 0 {
			out = append(out, f.id)
			prevSpecial = true
			continue
		}
		piece := text[f.start:f.end]
		if t.hf != nil {
			out = t.hf.encodePiece(t, &m, out, piece)
			continue
		}
		if t.addSpacePrefix && prevSpecial {
			piece = " " + piece
		}
		out = m.encode(t, out, strings.ReplaceAll(piece, " ", spaceEscape))
		prevSpecial = false
	}
	return out
}

// symbol is a run of input bytes [start, end) in the merge list. Merged-away
// symbols have start == end.
type symbol struct {
	start, end int32
	prev, next int32 // neighbours in the list, -1 at the ends
	id         int32 // token spelled by the symbol, -1 if none
}

// bigram is a candidate merge of two adjacent symbols. size is the byte
// length of the merged text when the candidate was made: if either symbol
// changed since, the lengths no longer add up and the entry is stale (the
// check llama.cpp's SPM session makes).
type bigram struct {
	prio        float64 // higher merges first: the score, or -rank for BPE
	left, right int32
	size        int32
	id          int32
}

// before orders the queue: higher priority first, then the leftmost pair,
// as llm_bigram_spm::comparator (and HF's BPE merge queue) do.
func (a *bigram) before(b *bigram) bool {
	return a.prio > b.prio || (a.prio == b.prio && a.left < b.left)
}

// merger holds the scratch buffers of one Encode call, reused across the
// pieces of the text.
type merger struct {
	syms []symbol
	heap []bigram
}

// maxPiece bounds the text merged at once so that positions fit the int32
// fields that keep the merge queue compact. Only a single run of more than
// 1 GiB without a special token is cut (at a character boundary), which
// could change its tokens at the cut; no real input comes near.
const maxPiece = 1 << 30

// encode merges one piece (already normalised: spaces escaped) and appends
// its ids.
func (m *merger) encode(t *Tokenizer, out []int32, s string) []int32 {
	for len(s) > maxPiece {
		cut := maxPiece
		for cut > maxPiece-4 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		out = m.encodePiece(t, out, s[:cut])
		s = s[cut:]
	}
	return m.encodePiece(t, out, s)
}

func (m *merger) encodePiece(t *Tokenizer, out []int32, s string) []int32 {
	if s == "" {
		return out
	}
	m.syms = m.syms[:0]
	m.heap = m.heap[:0]
	// Split into UTF-8 characters, taking the length from the lead byte
	// only (unicode_len_utf8): a stray continuation byte is a symbol of its
	// own and a truncated sequence takes what is left.
	for off := 0; off < len(s); {
		n := utf8Len(s[off])
		if off+n > len(s) {
			n = len(s) - off
		}
		i := int32(len(m.syms))
		sym := symbol{start: int32(off), end: int32(off + n), prev: i - 1, next: i + 1, id: -1}
		if id, ok := t.lookup(s[off : off+n]); ok {
			sym.id = id
		}
		m.syms = append(m.syms, sym)
		off += n
	}
	m.syms[len(m.syms)-1].next = -1

	for i := int32(1); i < int32(len(m.syms)); i++ {
		m.tryPair(t, s, i-1, i)
	}
	for len(m.heap) > 0 {
		b := m.pop()
		l, r := &m.syms[b.left], &m.syms[b.right]
		if l.start == l.end || r.start == r.end || (l.end-l.start)+(r.end-r.start) != b.size {
			continue // stale: one side was merged into something else
		}
		// Merge the right symbol into the left one and unlink it.
		l.end = r.end
		l.id = b.id
		l.next = r.next
		r.start = r.end
		if l.next >= 0 {
			m.syms[l.next].prev = b.left
		}
		m.tryPair(t, s, l.prev, b.left)
		m.tryPair(t, s, b.left, l.next)
	}

	for i := int32(0); i >= 0; i = m.syms[i].next {
		sym := &m.syms[i]
		if sym.id >= 0 {
			out = append(out, sym.id)
			continue
		}
		out = t.fallback(out, s[sym.start:sym.end])
	}
	return out
}

// fallback appends the tokens for a symbol that is not in the vocabulary:
// one byte token per byte, or <unk> for a tokenizer.json model without byte
// fallback (fused with a preceding <unk> when fuse_unk is set).
func (t *Tokenizer) fallback(out []int32, text string) []int32 {
	if t.byteFallback {
		for i := 0; i < len(text); i++ {
			out = append(out, t.byteTokens[text[i]])
		}
		return out
	}
	if t.hf != nil && t.hf.fuseUnk && len(out) > 0 && out[len(out)-1] == t.unk {
		return out
	}
	return append(out, t.unk)
}

// tryPair queues the merge of symbols left and right if there is one.
func (m *merger) tryPair(t *Tokenizer, s string, left, right int32) {
	if left < 0 || right < 0 {
		return
	}
	l, r := &m.syms[left], &m.syms[right]
	var b bigram
	if t.merges != nil {
		if l.id < 0 || r.id < 0 {
			return
		}
		rank, id, ok := t.merges.lookup(l.id, r.id)
		if !ok {
			return
		}
		b = bigram{prio: -float64(rank), id: id}
	} else {
		id, ok := t.lookup(s[l.start:r.end])
		if !ok {
			return
		}
		b = bigram{prio: float64(t.scores[id]), id: id}
	}
	b.left, b.right, b.size = left, right, r.end-l.start
	m.push(b)
}

// push and pop keep m.heap a binary heap under bigram.before. Written out
// rather than through container/heap to avoid an interface call per
// comparison in the innermost loop; elements move into a hole instead of
// being swapped.
func (m *merger) push(b bigram) {
	h := append(m.heap, b)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !b.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = b
	m.heap = h
}

func (m *merger) pop() bigram {
	h := m.heap
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	if n > 0 {
		i := 0
		for {
			c := 2*i + 1
			if c >= n {
				break
			}
			if r := c + 1; r < n && h[r].before(&h[c]) {
				c = r
			}
			if !h[c].before(&last) {
				break
			}
			h[i] = h[c]
			i = c
		}
		h[i] = last
	}
	m.heap = h
	return top
}

// utf8Len is llama.cpp's unicode_len_utf8: the sequence length announced by
// a lead byte, 1 for ASCII and for bytes that cannot start a sequence.
func utf8Len(b byte) int { return utf8Lens[b>>4] }

var utf8Lens = [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}

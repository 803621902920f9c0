package tokenizer

import (
	"hash/maphash"
	"math/bits"
)

// vocabIndex maps token text to id. Merging looks up a candidate pair's text
// for almost every character of the input, mostly without success, and with
// a 262k-entry Go map each probe missed the cache several times (control
// word, slot, key). This open-addressing table keeps one 8-byte slot per
// entry (32 hash bits and the id), half full, so a miss usually costs one
// cache line and a hit one more to compare the text. It is also 3× smaller
// than the map and quicker to build.
type vocabIndex struct {
	seed  maphash.Seed
	slots []uint64 // hash<<32 | id+1; 0 is empty
	mask  uint64
	// shadowed is set once a text was inserted for a second id: that id
	// is then never found (tokenizer.json lets an added token repeat a
	// vocabulary entry).
	shadowed bool
	sink     byte // keeps insertAll's slot loads from being optimised away
}

func newVocabIndex(n int) *vocabIndex {
	size := 1 << bits.Len(uint(2*n+1)) // at most half full
	return &vocabIndex{seed: maphash.MakeSeed(), slots: make([]uint64, size), mask: uint64(size - 1)}
}

// find returns the id of s, where tokens holds every id's text.
func (x *vocabIndex) find(tokens []string, s string) (int32, bool) {
	return x.findHash(tokens, s, maphash.String(x.seed, s))
}

// findHash is find with the hash of s already computed.
func (x *vocabIndex) findHash(tokens []string, s string, h uint64) (int32, bool) {
	tag := h >> 32
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		slot := x.slots[i]
		if slot == 0 {
			return -1, false
		}
		if slot>>32 == tag {
			if id := int32(uint32(slot) - 1); tokens[id] == s {
				return id, true
			}
		}
	}
}

// insert adds tokens[id] unless that text is already present, in which case
// it returns the id that has it.
func (x *vocabIndex) insert(tokens []string, id int32) (int32, bool) {
	return x.insertHash(tokens, id, maphash.String(x.seed, tokens[id]))
}

// insertAll inserts every token in id order, as insert would one at a time,
// and returns the first id whose text an earlier id already has (-1 if
// none) and that earlier id. As in findBatch, the slots of a batch are
// loaded before any is written, so that their cache misses overlap.
func (x *vocabIndex) insertAll(tokens []string) (dup, prev int32) {
	const stage = 64
	var hs [stage]uint64
	dup, prev = -1, -1
	for lo := 0; lo < len(tokens); lo += stage {
		hi := min(lo+stage, len(tokens))
		var touch uint64
		for j, s := range tokens[lo:hi] {
			h := maphash.String(x.seed, s)
			hs[j] = h
			touch += x.slots[h&x.mask]
		}
		x.sink = byte(touch)
		for j := range hi - lo {
			id := int32(lo + j)
			if p, ok := x.insertHash(tokens, id, hs[j]); ok && p != id && dup < 0 {
				dup, prev = id, p
			}
		}
	}
	return dup, prev
}

// insertHash is insert with the hash of tokens[id] already computed.
func (x *vocabIndex) insertHash(tokens []string, id int32, h uint64) (int32, bool) {
	s := tokens[id]
	tag := h >> 32
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		slot := x.slots[i]
		if slot == 0 {
			x.slots[i] = tag<<32 | uint64(uint32(id)+1)
			return id, false
		}
		if slot>>32 == tag {
			if prev := int32(uint32(slot) - 1); tokens[prev] == s {
				if prev != id {
					x.shadowed = true
				}
				return prev, true
			}
		}
	}
}

// findBatch sets out[j] to the id of qs[j], or -1 when it is absent. A
// lookup is a chain of cache misses (slot, token header, token text), each
// waiting for the one before, and building a merge table does over a
// million of them. findBatch runs the lookups of a batch in stages: hash
// every string and load its first slot; walk each probe sequence to the
// first slot with the right tag (the neighbours of a loaded slot are
// usually in the same cache line); load each candidate's token header;
// compare lengths and first bytes (which brings each text into the cache);
// compare the texts. Within a stage the loads are independent, so their
// misses overlap instead of queueing. Only a tag that matches a different
// text (a 32-bit hash collision) takes the ordinary probe. It only reads the
// index, so goroutines may share it.
func (x *vocabIndex) findBatch(tokens []string, qs []string, out []int32) {
	const stage = 64
	var (
		hs    [stage]uint64
		slots [stage]uint64
		texts [stage]string
		head  [stage]bool // length and first byte agree
	)
	for len(qs) > 0 {
		n := min(len(qs), stage)
		q, o := qs[:n], out[:n]
		for j, s := range q {
			h := maphash.String(x.seed, s)
			hs[j] = h
			slots[j] = x.slots[h&x.mask]
		}
		for j := range q {
			tag := hs[j] >> 32
			i, s := hs[j]&x.mask, slots[j]
			for s != 0 && s>>32 != tag {
				i = (i + 1) & x.mask
				s = x.slots[i]
			}
			slots[j] = s
		}
		for j := range q {
			texts[j] = ""
			if s := slots[j]; s != 0 {
				texts[j] = tokens[int32(uint32(s)-1)]
			}
		}
		for j, s := range q {
			t := texts[j]
			head[j] = len(t) == len(s) && (len(s) == 0 || t[0] == s[0])
		}
		for j, s := range q {
			switch slot := slots[j]; {
			case slot == 0:
				o[j] = -1
			case head[j] && texts[j] == s:
				o[j] = int32(uint32(slot) - 1)
			default:
				id, ok := x.findHash(tokens, s, hs[j])
				if !ok {
					id = -1
				}
				o[j] = id
			}
		}
		qs, out = qs[n:], out[n:]
	}
}

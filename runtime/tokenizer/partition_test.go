package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refPartition is llama.cpp's tokenizer_st_partition written the direct way:
// for each candidate in rank order, search every remaining raw fragment
// from left to right and split it around each occurrence. partitionLlama
// must agree with it exactly.
func refPartition(t *Tokenizer, text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{0, len(text), -1}}
	for _, id := range t.specials.byRank {
		if !eligible(t.types[id], parseSpecial) {
			continue
		}
		tok := t.tokens[id]
		var next []fragment
		for _, f := range frags {
			if f.id >= 0 {
				next = append(next, f)
				continue
			}
			start := f.start
			for {
				i := strings.Index(text[start:f.end], tok)
				if i < 0 {
					break
				}
				if i > 0 {
					next = append(next, fragment{start, start + i, -1})
				}
				next = append(next, fragment{start + i, start + i + len(tok), id})
				start += i + len(tok)
			}
			if start < f.end {
				next = append(next, fragment{start, f.end, -1})
			}
		}
		frags = next
	}
	return frags
}

// overlapVocab has user-defined and control tokens that overlap each other
// in every way: prefixes, suffixes, equal lengths, repeats.
func overlapVocab() []vocabEntry {
	v := smallVocab()
	for _, s := range []string{"aba", "bab", "ba", "abab", "cc", "ccc", "c\n", "\nc", "  ", "   "} {
		v = append(v, vocabEntry{s, -1000, TypeUserDefined})
	}
	for _, s := range []string{"<x>", "<x><x>", "x>", "<xy"} {
		v = append(v, vocabEntry{s, -1000, TypeControl})
	}
	return v
}

// randomText draws n pieces from alphabet.
func randomText(r *rand.Rand, alphabet []string, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

// TestPartitionMatchesReference compares the fast partition with the direct
// transcription of llama.cpp on random texts, for the handmade overlapping
// vocabulary and for the real Gemma 3 one.
func TestPartitionMatchesReference(t *testing.T) {
	small, err := FromGGUF(writeVocab(t, overlapVocab(), nil))
	if err != nil {
		t.Fatal(err)
	}
	gemma := gemmaGGUF(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name     string
		tok      *Tokenizer
		alphabet []string
		trials   int
	}{
		{"overlapping", small, []string{"a", "b", "c", "d", "\n", " ", "<", "x", ">", "y", "é"}, 3000},
		{"gemma", gemma, []string{"\n", " ", "\t", "<", ">", "table", "<unused1", "<start_of_turn>", "<eos>", "[multimodal]", "a", "</", "td>", "▁"}, 300},
	} {
		for i := range c.trials {
			text := randomText(r, c.alphabet, 1+r.IntN(40))
			for _, parse := range []bool{false, true} {
				got := c.tok.partitionLlama(text, parse, nil)
				want := refPartition(c.tok, text, parse)
				if !slices.Equal(got, want) {
					t.Fatalf("%s #%d parse_special=%v %q:\n got %v\nwant %v", c.name, i, parse, text, got, want)
				}
			}
		}
	}
}

// FuzzPartition checks the fast partition against the reference on the
// overlapping vocabulary.
func FuzzPartition(f *testing.F) {
	tok, err := FromGGUF(writeVocab(f, overlapVocab(), nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("ababab\n\nccc c\n<x><x>x>", true)
	f.Fuzz(func(t *testing.T, text string, parse bool) {
		got := tok.partitionLlama(text, parse, nil)
		want := refPartition(tok, text, parse)
		if !slices.Equal(got, want) {
			t.Fatalf("%q parse_special=%v:\n got %v\nwant %v", text, parse, got, want)
		}
	})
}

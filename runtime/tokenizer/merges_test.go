package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

// mergesHF is a tokenizer.json whose merges repeat a pair (a b at ranks 0
// and 3), make their tokens out of id order, and include an added token
// that repeats a vocabulary text ("cd", ids 9 and 11: lookups give the
// added id 11, so the merge c d makes 11).
const mergesHF = `{
  "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 11, "content": "cd", "special": false}],
  "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
  "decoder": {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
  "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": false,
    "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "d": 4, "ab": 5, "abc": 6, "bc": 7, "abcd": 8, "cd": 9, "ba": 10},
    "merges": ["a b", "ab c", "b c", "a b", "abc d", "c d", "b a"]}
}`

// TestMergeTable checks lookups in the merge table built from mergesHF:
// the repeated pair keeps its last rank, pairs that are not merges (also
// with the first and the last token on the left) are absent, and rules()
// lists each distinct merge once, in rank order.
func TestMergeTable(t *testing.T) {
	tok, err := ParseHF("merges.json", []byte(mergesHF))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a, b     int32
		rank, id int32 // rank -1: no merge
	}{
		{1, 2, 3, 5},  // a b: the later of ranks 0 and 3
		{5, 3, 1, 6},  // ab c
		{2, 3, 2, 7},  // b c
		{6, 4, 4, 8},  // abc d
		{3, 4, 5, 11}, // c d makes the added "cd", which lookups find
		{2, 1, 6, 10}, // b a
		{1, 1, -1, 0}, {2, 4, -1, 0}, {0, 1, -1, 0}, {11, 1, -1, 0}, {10, 10, -1, 0},
	} {
		rank, id, ok := tok.merges.lookup(c.a, c.b)
		if ok != (c.rank >= 0) || ok && (rank != c.rank || id != c.id) {
			t.Errorf("lookup(%d, %d) = %d, %d, %v; want rank %d id %d", c.a, c.b, rank, id, ok, c.rank, c.id)
		}
	}
	var got []string
	for _, r := range tok.merges.rules() {
		got = append(got, tok.Token(r.a)+" "+tok.Token(r.b))
	}
	if want := []string{"ab c", "b c", "a b", "abc d", "c d", "b a"}; !slices.Equal(got, want) {
		t.Errorf("rules() = %q, want %q", got, want)
	}
	// a b ranks 3, after b c (2): "abc" is a + bc; with rank 0 it would
	// be ab + c, then abc.
	if ids := tok.Encode("abc", EncodeOptions{}); !slices.Equal(ids, []int32{1, 7}) {
		t.Errorf("Encode(abc) = %v, want [1 7]", ids)
	}
}

// TestMergesGGUFOrder round-trips a tokenizer.json whose merges make their
// tokens in id order, out of it, and backwards, through AddToGGUF and
// FromGGUF (which guesses the token a merge makes from the one before) and
// checks that the merge tables agree.
func TestMergesGGUFOrder(t *testing.T) {
	for _, merges := range []string{
		`"a b", "b c", "ab c", "c d", "abc d", "b a"`, // made ids 5, 7, 6, 9, 8, 10
		`"b a", "abc d", "c d", "ab c", "b c", "a b"`,
		`"a b", "ab c", "abc d", "b c", "c d", "b a"`,
	} {
		src := strings.Replace(mergesHF, `"merges": ["a b", "ab c", "b c", "a b", "abc d", "c d", "b a"]`, `"merges": [`+merges+`]`, 1)
		src = strings.Replace(src, `, {"id": 11, "content": "cd", "special": false}`, "", 1)
		src = strings.Replace(src, `"byte_fallback": false`, `"byte_fallback": true`, 1)
		hf, err := ParseHF("order.json", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		back, _ := roundTrip(t, hf)
		if a, b := hf.merges.rules(), back.merges.rules(); !slices.Equal(a, b) {
			t.Errorf("merges %s:\n tokenizer.json %v\n GGUF           %v", merges, a, b)
		}
	}
}

// TestFindBatch checks findBatch against find on the Gemma 3 vocabulary
// (testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf): tokens, texts that
// are not tokens, and batch lengths around the stage size.
func TestFindBatch(t *testing.T) {
	tok := gemmaGGUF(t)
	var qs []string
	for id := 0; id < tok.NumTokens(); id += 97 {
		s := tok.Token(int32(id))
		qs = append(qs, s, s+"\x00", strings.ToUpper(s)+"zq")
	}
	qs = append(qs, "", "<start_of_turn>", "▁the", "not a token at all")
	for _, n := range []int{0, 1, 63, 64, 65, 200, len(qs)} {
		out := make([]int32, n)
		tok.index.findBatch(tok.tokens, qs[:n], out)
		for j, s := range qs[:n] {
			want, ok := tok.index.find(tok.tokens, s)
			if !ok {
				want = -1
			}
			if out[j] != want {
				t.Fatalf("batch of %d: findBatch(%q) = %d, find gives %d", n, s, out[j], want)
			}
		}
	}
}

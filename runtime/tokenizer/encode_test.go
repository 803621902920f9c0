package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEncodeRules checks the llama.cpp SPM rules one at a time on a
// handmade vocabulary.
func TestEncodeRules(t *testing.T) {
	tok := smallTokenizer(t, nil)
	for _, c := range []struct {
		name, text string
		special    bool
		want       []string
	}{
		// Partitioning: longer user-defined tokens are carved out first,
		// even when a shorter one starts further left ("ab" vs "bcd").
		{"longest candidate first", "abcd", false, []string{"a", "bcd"}},
		{"user-defined without parse_special", "a\n\n\nb", false, []string{"a", "\n\n", "\n", "b"}},
		{"control only with parse_special", "<start_of_turn>", true, []string{"<start_of_turn>"}},
		{"control as text without parse_special", "<eos>", false, []string{"<0x3C>", "<0x65>", "<0x6F>", "<0x73>", "<0x3E>"}},
		// Merging: best score first, ties to the leftmost pair.
		{"score order", "yxy", false, []string{"y", "xy"}},
		{"merge chain", "xyx", false, []string{"xyx"}},
		{"tie goes left", "pqp", false, []string{"pq", "p"}},
		{"space escape", "x x", false, []string{"x", "▁x"}},
		// Byte fallback, with llama.cpp's lead-byte character split: the
		// invalid "\xC3x" is one symbol, so x is not merged with anything.
		{"byte fallback", "€", false, []string{"<0xE2>", "<0x82>", "<0xAC>"}},
		{"invalid utf-8", "\xC3xy", false, []string{"<0xC3>", "<0x78>", "y"}},
		{"stray continuation", "\x80é", false, []string{"<0x80>", "é"}},
		{"truncated at end", "x\xE2\x82", false, []string{"x", "<0xE2>", "<0x82>"}},
		{"empty", "", true, nil},
	} {
		got := tok.Encode(c.text, EncodeOptions{ParseSpecial: c.special})
		want := ids(t, tok, c.want...)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Encode(%q) = %v (%s), want %v", c.name, c.text, got, pieces(tok, got), c.want)
		}
	}
}

func pieces(tok *Tokenizer, ids []int32) string {
	var s []string
	for _, id := range ids {
		s = append(s, tok.Token(id))
	}
	return strings.Join(s, "|")
}

// TestAddSpecial checks BOS/EOS and add_space_prefix handling.
func TestAddSpecial(t *testing.T) {
	tok := smallTokenizer(t, map[string]any{KeyAddEOS: true, KeyAddSpacePrefix: true})
	got := tok.Encode("x<start_of_turn>x", EncodeOptions{AddSpecial: true, ParseSpecial: true})
	// add_space_prefix puts a space before the first piece and before each
	// piece that follows a special token.
	want := ids(t, tok, "<bos>", "▁x", "<start_of_turn>", "▁x", "<eos>")
	if !slices.Equal(got, want) {
		t.Errorf("got %s, want ▁x around the control token", pieces(tok, got))
	}
	if got := tok.Encode("", EncodeOptions{AddSpecial: true}); !slices.Equal(got, ids(t, tok, "<bos>", "<eos>")) {
		t.Errorf("empty text: %s", pieces(tok, got))
	}
	if !tok.AddsBOS() || tok.BOS() != 2 || tok.EOS() != 1 || tok.Unknown() != 3 || tok.Pad() != 0 {
		t.Errorf("special ids: bos %d eos %d unk %d pad %d", tok.BOS(), tok.EOS(), tok.Unknown(), tok.Pad())
	}
}

// TestGemmaWhitespace pins the whitespace rules of the real vocabulary:
// newline, tab and space runs are user-defined tokens matched before
// merging, longest first.
func TestGemmaWhitespace(t *testing.T) {
	tok := gemmaGGUF(t)
	for _, c := range []struct {
		text string
		want []string
	}{
		{strings.Repeat("\n", 40), []string{strings.Repeat("\n", 31), strings.Repeat("\n", 9)}},
		{"a  b", []string{"a", "  ", "b"}},
		{"\t\tx", []string{"\t\t", "x"}},
	} {
		got := tok.Encode(c.text, EncodeOptions{})
		if want := ids(t, tok, c.want...); !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %q", c.text, pieces(tok, got))
		}
	}
	if tok.NumTokens() != 262144 || tok.AddsBOS() != true || tok.EOS() != 106 {
		t.Errorf("vocab %d tokens, adds BOS %v, eos %d", tok.NumTokens(), tok.AddsBOS(), tok.EOS())
	}
	byteE4, _ := tok.TokenID("<0xE4>")
	for id, typ := range map[int32]TokenType{0: TypeControl, 106: TypeControl, byteE4: TypeByte, 107: TypeUserDefined} {
		if tok.Type(id) != typ {
			t.Errorf("type of %d (%q) = %v, want %v", id, tok.Token(id), tok.Type(id), typ)
		}
	}
}

// TestDecodeStreaming spells characters with byte tokens and feeds them to a
// Decoder one at a time.
func TestDecodeStreaming(t *testing.T) {
	tok := gemmaGGUF(t)
	byteID := func(b byte) int32 { return ids(t, tok, byteText(b))[0] }
	spell := func(s string) []int32 {
		var out []int32
		for i := 0; i < len(s); i++ {
			out = append(out, byteID(s[i]))
		}
		return out
	}
	for _, s := range []string{"你", "😀", "👨\u200d👩\u200d👧", "é", "🇺🇸"} {
		d := tok.NewDecoder(DecodeOptions{})
		var got strings.Builder
		bs := spell(s)
		for i, id := range bs {
			piece := d.Add(id)
			if !utf8.ValidString(piece) {
				t.Errorf("%q: Add returned invalid UTF-8 %q", s, piece)
			}
			if i == 0 && len(bs) > 1 && piece != "" {
				t.Errorf("%q: first byte of a character produced %q", s, piece)
			}
			got.WriteString(piece)
		}
		got.WriteString(d.Flush())
		if got.String() != s {
			t.Errorf("streamed %q, want %q", got.String(), s)
		}
		if dec := tok.Decode(bs); dec != s {
			t.Errorf("Decode = %q, want %q", dec, s)
		}
	}

	// A character cut short by a normal token: the lone lead byte becomes
	// U+FFFD and the token follows.
	d := tok.NewDecoder(DecodeOptions{})
	a := ids(t, tok, "a")[0]
	if got := d.Add(byteID(0xE4)) + d.Add(a); got != "\uFFFDa" {
		t.Errorf("broken sequence: %q", got)
	}
	// Unfinished at the end of the stream: Flush gives one U+FFFD per byte.
	d.Add(byteID(0xF0))
	d.Add(byteID(0x9F))
	if got := d.Flush(); got != "\uFFFD\uFFFD" {
		t.Errorf("flush: %q", got)
	}
	if got := d.Flush(); got != "" {
		t.Errorf("second flush: %q", got)
	}

	// Control tokens: empty by default, shown on request.
	eot := ids(t, tok, "<end_of_turn>")[0]
	if got := tok.NewDecoder(DecodeOptions{}).Add(eot); got != "" {
		t.Errorf("control token rendered as %q", got)
	}
	if got := tok.NewDecoder(DecodeOptions{ShowSpecial: true}).Add(eot); got != "<end_of_turn>" {
		t.Errorf("ShowSpecial: %q", got)
	}
	if got := tok.Decode([]int32{-1, 1 << 30}); got != "" {
		t.Errorf("out-of-range ids decode to %q", got)
	}
}

// TestStreamingEqualsDecode runs the corpus through a Decoder token by
// token: the concatenation equals Decode and every piece is valid UTF-8.
func TestStreamingEqualsDecode(t *testing.T) {
	tok := gemmaGGUF(t)
	held := 0
	for _, c := range agreementCorpus(t) {
		d := tok.NewDecoder(DecodeOptions{ShowSpecial: true})
		var sb strings.Builder
		for _, id := range c.LlamaCPP {
			piece := d.Add(id)
			if !utf8.ValidString(piece) {
				t.Fatalf("%q: invalid UTF-8 piece %q", c.Text, piece)
			}
			if piece == "" && tok.Type(id) == TypeByte {
				held++
			}
			sb.WriteString(piece)
		}
		sb.WriteString(d.Flush())
		if want := tok.DecodeWith(c.LlamaCPP, DecodeOptions{ShowSpecial: true}); sb.String() != want {
			t.Errorf("%q: streamed %q, Decode %q", c.Text, sb.String(), want)
		}
	}
	if held == 0 {
		t.Error("the corpus never split a character across byte tokens; the test lost its point")
	}
}

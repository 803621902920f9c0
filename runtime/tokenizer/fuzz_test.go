package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode encodes arbitrary bytes with the real Gemma 3 vocabulary. The
// seed corpus is testdata/fuzz/FuzzEncode (the agreement corpus, invalid
// UTF-8, special-token fragments).
//
// Properties:
//   - no panic, and every id is inside the vocabulary;
//   - encoding is lossless: the raw pieces (control tokens shown) spell the
//     input exactly, for both ParseSpecial settings and even for invalid
//     UTF-8, modulo the one normalisation of the format: a literal "▁"
//     (U+2581) in the input is SentencePiece's space and decodes as " "
//     (and in invalid UTF-8, a space swallowed by a truncated sequence
//     comes back as "▁");
//   - for valid UTF-8 without ParseSpecial, Decode (control tokens hidden)
//     gives the input back: merging never produces a control token.
func FuzzEncode(f *testing.F) {
	tok := gemmaGGUF(f)
	f.Add("Hello, world!")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ReplaceAll(s, spaceEscape, " ")
		for _, parse := range []bool{false, true} {
			ids := tok.Encode(s, EncodeOptions{ParseSpecial: parse})
			var raw []byte
			for _, id := range ids {
				if !tok.valid(id) {
					t.Fatalf("id %d outside the vocabulary", id)
				}
				raw = tok.AppendPiece(raw, id, DecodeOptions{ShowSpecial: true})
			}
			got := string(raw)
			if !utf8.ValidString(s) {
				// In invalid UTF-8 a truncated lead byte swallows the
				// following bytes as llama.cpp splits characters by the
				// lead byte alone, after spaces became "▁"; such a "▁" is
				// spelled by byte tokens and decodes as "▁", not " ".
				got = strings.ReplaceAll(got, spaceEscape, " ")
			}
			if got != want {
				t.Fatalf("parse_special=%v: pieces spell %q, want %q (ids %v)", parse, raw, want, ids)
			}
			if !parse && utf8.ValidString(s) {
				if got := tok.Decode(ids); got != want {
					t.Fatalf("Decode(Encode(%q)) = %q", s, got)
				}
			}
		}
	})
}

// FuzzParseHF feeds malformed tokenizer.json documents to ParseHF: it must
// return an error or a working tokenizer, never panic.
func FuzzParseHF(f *testing.F) {
	f.Add([]byte(minimalHF))
	f.Add([]byte(strings.Replace(minimalHF, `[["a", "b"], ["▁", "ab"], ["▁", "▁"]]`, `["a b", "▁ ab"]`, 1)))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {}, "merges": []}}`))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}}`))
	f.Add([]byte(`[["a","b"],"c d"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The merges fast path must agree with encoding/json whenever it
		// accepts its input.
		if scanned, ok := scanMerges(string(data)); ok {
			decoded, err := decodeMerges(hfErr{"fuzz.json"}, data)
			if err != nil || !slices.Equal(scanned, decoded) {
				t.Fatalf("scanMerges(%q) = %q; encoding/json: %q, %v", data, scanned, decoded, err)
			}
		}
		tok, err := ParseHF("fuzz.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, s := range []string{"", "ab ab  zz<eos>", "\xff\xfe a", "<bos><bos>"} {
			ids := tok.Encode(s, EncodeOptions{AddSpecial: true, ParseSpecial: true})
			for _, id := range ids {
				if !tok.valid(id) {
					t.Fatalf("Encode(%q) gave id %d outside the %d-token vocabulary", s, id, tok.NumTokens())
				}
			}
			tok.Decode(ids)
		}
	})
}

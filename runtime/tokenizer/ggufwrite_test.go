package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
)

// roundTrip writes tok with AddToGGUF and reads it back with FromGGUF.
func roundTrip(t *testing.T, tok *Tokenizer) (*Tokenizer, *gguf.File) {
	t.Helper()
	w := gguf.NewWriter()
	if err := tok.AddToGGUF(w); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("roundtrip.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	return back, f
}

// sameEncodings checks that a and b encode texts identically with every
// option, and decode the result identically.
func sameEncodings(t *testing.T, a, b *Tokenizer, texts []string) {
	t.Helper()
	for _, s := range texts {
		for _, o := range []EncodeOptions{{}, {AddSpecial: true}, {ParseSpecial: true}, {AddSpecial: true, ParseSpecial: true}} {
			x, y := a.Encode(s, o), b.Encode(s, o)
			if !slices.Equal(x, y) {
				t.Errorf("%q %+v:\n before %v\n after  %v", s, o, x, y)
				continue
			}
			if da, db := a.DecodeWith(x, DecodeOptions{ShowSpecial: true}), b.DecodeWith(y, DecodeOptions{ShowSpecial: true}); da != db {
				t.Errorf("%q: decodes to %q before, %q after", s, da, db)
			}
		}
	}
	if a.BOS() != b.BOS() || a.EOS() != b.EOS() || a.Pad() != b.Pad() || a.Unknown() != b.Unknown() || a.AddsBOS() != b.AddsBOS() {
		t.Errorf("special ids: bos %d/%d eos %d/%d pad %d/%d unk %d/%d addsBOS %v/%v",
			a.BOS(), b.BOS(), a.EOS(), b.EOS(), a.Pad(), b.Pad(), a.Unknown(), b.Unknown(), a.AddsBOS(), b.AddsBOS())
	}
	if a.NumTokens() != b.NumTokens() {
		t.Fatalf("%d tokens before, %d after", a.NumTokens(), b.NumTokens())
	}
	for id := range int32(a.NumTokens()) {
		if a.Token(id) != b.Token(id) || a.Type(id) != b.Type(id) {
			t.Fatalf("token %d: %q %s before, %q %s after", id, a.Token(id), a.Type(id), b.Token(id), b.Type(id))
		}
	}
}

// TestAddToGGUFSigLIP: the Gemma 256k tokenizer.json (shared testdata
// tokenizers/gemma-256k.tokenizer.json.gz) stored in GGUF and read back
// gives the 22 SigLIP 2 goldens of testdata/tokenizers/
// siglip2-tokenizer_goldens.json, raw and lowercased, and the same ids as
// the tokenizer.json on the agreement corpus.
func TestAddToGGUFSigLIP(t *testing.T) {
	hf := sharedHF(t, "gemma-256k.tokenizer.json.gz")
	tok, f := roundTrip(t, hf)
	if n, err := f.Strings(KeyMerges); err != nil || len(n) != 580604 {
		t.Errorf("merges: %d, %v", len(n), err)
	}
	var g struct {
		MaxLength int `json:"max_length"`
		Prompts   []struct {
			Text       string  `json:"text"`
			InputIDs   []int32 `json:"input_ids"`
			Lowercased []int32 `json:"input_ids_lowercased"`
		} `json:"prompts"`
	}
	readJSON(t, golden.Project(t, "tokenizers/siglip2-tokenizer_goldens.json"), &g)
	if len(g.Prompts) != 22 {
		t.Fatalf("%d prompts, want 22", len(g.Prompts))
	}
	var texts []string
	for i, p := range g.Prompts {
		got, err := tok.EncodeFixed(p.Text, g.MaxLength)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, p.InputIDs) {
			t.Errorf("#%d %q:\n got %v\nwant %v", i, p.Text, got, p.InputIDs)
		}
		low, _ := tok.EncodeFixed(Lowercase(p.Text), g.MaxLength)
		if !slices.Equal(low, p.Lowercased) {
			t.Errorf("#%d lowercased %q:\n got %v\nwant %v", i, p.Text, low, p.Lowercased)
		}
		texts = append(texts, p.Text, Lowercase(p.Text))
	}
	for _, c := range agreementCorpus(t) {
		texts = append(texts, c.Text)
	}
	sameEncodings(t, hf, tok, texts)
}

// TestAddToGGUFGemma3: the Gemma 3 vocabulary of the tiny GGUF test model
// (SentencePiece scores, no merges) survives a round trip, and so does the
// Gemma 3 tokenizer.json (whose Split " " pre-tokenizer never fires after
// its normalizer), which still matches transformers.js.
func TestAddToGGUFGemma3(t *testing.T) {
	var texts []string
	for _, c := range agreementCorpus(t) {
		texts = append(texts, c.Text)
	}
	orig := gemmaGGUF(t)
	back, f := roundTrip(t, orig)
	if _, ok := f.Value(KeyMerges); ok {
		t.Error("a SentencePiece vocabulary got merges")
	}
	sameEncodings(t, orig, back, texts)
	for id := range int32(orig.NumTokens()) {
		if orig.Score(id) != back.Score(id) {
			t.Fatalf("token %d: score %g, was %g", id, back.Score(id), orig.Score(id))
		}
	}

	hf := sharedHF(t, "gemma3-262k.tokenizer.json.gz")
	tok, _ := roundTrip(t, hf)
	sameEncodings(t, hf, tok, texts)
	for i, c := range agreementCorpus(t) {
		if got := tok.Encode(c.Text, EncodeOptions{AddSpecial: true, ParseSpecial: true}); !slices.Equal(got, c.HFJS) {
			t.Errorf("#%d %q:\n got %v\nwant %v", i, c.Text, got, c.HFJS)
		}
	}
}

// TestAddToGGUFSmall round-trips a handmade tokenizer.json with a Prepend
// normalizer (add_space_prefix) and tied merge ranks, and refuses pipelines
// GGUF keys cannot express.
func TestAddToGGUFSmall(t *testing.T) {
	const base = `{"added_tokens":[{"id":0,"content":"<pad>","special":true},{"id":1,"content":"<eos>","special":true},{"id":2,"content":"<bos>","special":true},{"id":3,"content":"<unk>","special":true},{"id":4,"content":"ab","special":false}],
"normalizer":%s,"pre_tokenizer":%s,
"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<bos>"}},{"Sequence":{"id":"A"}}],"special_tokens":{"<bos>":{"ids":[2]}}},
"decoder":%s,
"model":{"type":"BPE","unk_token":"<unk>","byte_fallback":%s,"vocab":{"<pad>":0,"<eos>":1,"<bos>":2,"<unk>":3,"ab":4,"a":5,"b":6,"c":7,"▁":8,"▁a":9,"bc":10,"abc":11,"<0x41>":12},
"merges":["▁ a","b c","a bc","a b"]}}`
	const (
		replace = `{"type":"Replace","pattern":{"String":" "},"content":"▁"}`
		prepend = `{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},` + replace + `]}`
		decoder = `{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"}]}`
	)
	parse := func(norm, pre, dec, fallback string) (*Tokenizer, error) {
		return ParseHF("small.json", []byte(fmt.Sprintf(base, norm, pre, dec, fallback)))
	}
	texts := []string{"", "a", "abc", " a bc", "abab c", "<bos>a<eos>", "cab\x41A", "é"}
	for _, norm := range []string{replace, prepend} {
		tok, err := parse(norm, "null", decoder, "true")
		if err != nil {
			t.Fatal(err)
		}
		back, f := roundTrip(t, tok)
		if v, _ := f.Bool(KeyAddSpacePrefix); v != (norm == prepend) {
			t.Errorf("add_space_prefix %v for normalizer %s", v, norm)
		}
		sameEncodings(t, tok, back, texts)
	}
	for name, tc := range map[string][4]string{
		"split":       {replace, `{"type":"Split","pattern":{"String":"b"},"behavior":"Isolated"}`, decoder, "true"},
		"no fallback": {replace, "null", decoder, "false"},
		"decoder":     {replace, "null", `{"type":"Fuse"}`, "true"},
		"normalizer":  {`{"type":"Replace","pattern":{"String":"a"},"content":"b"}`, "null", decoder, "true"},
	} {
		tok, err := parse(tc[0], tc[1], tc[2], tc[3])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := tok.AddToGGUF(gguf.NewWriter()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: AddToGGUF error %v, want ErrUnsupported", name, err)
		}
	}
	// A broken merge in the GGUF is an error naming the key.
	tok, _ := parse(replace, "null", decoder, "true")
	w := gguf.NewWriter()
	if err := tok.AddToGGUF(w); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"a", "a zz"} {
		w.Set(KeyMerges, []string{"a b", bad})
		var buf bytes.Buffer
		w.WriteTo(&buf)
		f, err := gguf.Parse("bad.gguf", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := FromGGUF(f); !errors.Is(err, ErrFormat) || !bytes.Contains([]byte(err.Error()), []byte(KeyMerges+"[1]")) {
			t.Errorf("merge %q: %v", bad, err)
		}
	}
}

// FuzzAddToGGUF: any tokenizer.json that ParseHF accepts is either refused
// by AddToGGUF or comes back from FromGGUF encoding exactly as before.
func FuzzAddToGGUF(f *testing.F) {
	f.Add([]byte(minimalHF))
	f.Add([]byte(strings.Replace(minimalHF, `[["a", "b"], ["▁", "ab"], ["▁", "▁"]]`, `["a b", "▁ ab"]`, 1)))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseHF("fuzz.json", data)
		if err != nil {
			return
		}
		w := gguf.NewWriter()
		if err := tok.AddToGGUF(w); err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("AddToGGUF: %v, want ErrUnsupported", err)
			}
			return
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		g, err := gguf.Parse("fuzz.gguf", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromGGUF(g)
		if err != nil {
			t.Fatalf("FromGGUF of what AddToGGUF wrote: %v", err)
		}
		for _, s := range []string{"", "ab ab  zz<eos>", "\xff\xfe a", "<bos><bos>", " a b ab"} {
			for _, o := range []EncodeOptions{{}, {AddSpecial: true, ParseSpecial: true}} {
				if x, y := tok.Encode(s, o), back.Encode(s, o); !slices.Equal(x, y) {
					t.Fatalf("Encode(%q, %+v): %v before, %v after", s, o, x, y)
				}
			}
		}
	})
}

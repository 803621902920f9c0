package tokenizer

import (
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFromGGUFErrors: bad metadata gives an error naming the file and key.
func TestFromGGUFErrors(t *testing.T) {
	v := smallVocab()
	for _, c := range []struct {
		name  string
		vocab []vocabEntry
		extra map[string]any
		want  []string // substrings of the error
	}{
		{"wrong model", v, map[string]any{KeyModel: "gpt2"}, []string{"small.gguf", KeyModel, `"gpt2"`}},
		{"model not a string", v, map[string]any{KeyModel: uint32(1)}, []string{"small.gguf", KeyModel, "want string"}},
		{"no model", v, map[string]any{KeyModel: nil}, []string{"small.gguf", KeyModel, "missing"}},
		{"no tokens", v, map[string]any{KeyTokens: nil}, []string{"small.gguf", KeyTokens, "missing"}},
		{"tokens not strings", v, map[string]any{KeyTokens: []int32{1, 2}}, []string{KeyTokens, "want array of string"}},
		{"scores wrong type", v, map[string]any{KeyScores: []string{"a"}}, []string{KeyScores, "want float32 or int32"}},
		{"scores short", v, map[string]any{KeyScores: []float32{1}}, []string{KeyScores, "1 entries"}},
		{"types short", v, map[string]any{KeyTokenType: []int32{1}}, []string{KeyTokenType, "1 entries"}},
		{"types wrong type", v, map[string]any{KeyTokenType: []float32{1}}, []string{KeyTokenType, "want int32"}},
		{"bos wrong type", v, map[string]any{KeyBOS: "x"}, []string{KeyBOS}},
		{"add_bos wrong type", v, map[string]any{KeyAddBOS: uint32(1)}, []string{KeyAddBOS, "want bool"}},
		{"duplicate token", append(slices.Clone(v), vocabEntry{"xy", 0, TypeNormal}), nil, []string{KeyTokens, `"xy"`, "ids"}},
	} {
		_, err := FromGGUF(writeVocab(t, c.vocab, c.extra))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}

// minimalHF is a valid tokenizer.json in the Gemma layout with a six-token
// vocabulary; the error cases below break one field at a time.
const minimalHF = `{
  "added_tokens": [
    {"id": 0, "content": "<pad>", "special": true},
    {"id": 1, "content": "<eos>", "special": true},
    {"id": 2, "content": "<bos>", "special": true},
    {"id": 3, "content": "<unk>", "special": true},
    {"id": 9, "content": "▁▁", "special": false}
  ],
  "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
  "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": false},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}},
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
  "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": false, "fuse_unk": true,
    "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "a": 4, "b": 5, "ab": 6, "▁": 7, "▁ab": 8, "▁▁": 9},
    "merges": [["a", "b"], ["▁", "ab"], ["▁", "▁"]]}
}`

// TestParseHFMinimal checks the HF pipeline on the minimal file: both merge
// forms, leftmost-longest added tokens, unknown characters without byte
// fallback (fused <unk>), BOS from the template and decoding.
func TestParseHFMinimal(t *testing.T) {
	for _, form := range []string{"pairs", "strings"} {
		src := minimalHF
		if form == "strings" {
			src = strings.Replace(src, `[["a", "b"], ["▁", "ab"], ["▁", "▁"]]`, `["a b", "▁ ab", "▁ ▁"]`, 1)
		}
		tok, err := ParseHF("min.json", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		got := tok.Encode("ab ab  zz<eos>", EncodeOptions{AddSpecial: true, ParseSpecial: true})
		want := []int32{2, 6, 8, 9, 3, 1}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v (%s), want %v", form, got, pieces(tok, got), want)
		}
		if s := tok.Decode(got); s != "ab ab  " {
			t.Errorf("%s: decode %q", form, s)
		}
		if s := tok.Decode([]int32{9}); s != "  " {
			t.Errorf("added ▁▁ decodes to %q, want two spaces (HF Replace decoder)", s)
		}
	}
}

// TestParseHFErrors: every malformed file gives an error naming the file
// and the field, never a panic.
func TestParseHFErrors(t *testing.T) {
	for _, c := range []struct {
		name, from, to string
		want           []string
	}{
		{"not json", `{`, `[`, []string{"min.json", "JSON"}},
		{"no model", `"model": {"type"`, `"modelx": {"type"`, []string{"min.json", "model", "missing"}},
		{"model type", `"type": "BPE"`, `"type": "Unigram"`, []string{"model.type", "Unigram"}},
		{"model type wrong kind", `"type": "BPE"`, `"type": 5`, []string{"model.type", "number"}},
		{"vocab wrong kind", `"vocab": {"<pad>"`, `"vocab": [], "x": {"<pad>"`, []string{"model.vocab"}},
		{"vocab id wrong kind", `"a": 4,`, `"a": "4",`, []string{"model.vocab"}},
		{"no merges", `"merges": [[`, `"mergesx": [[`, []string{"model.merges", "missing"}},
		{"merges not array", `"merges": [[`, `"merges": 7, "y": [[`, []string{"model.merges"}},
		{"merge of three", `["a", "b"]`, `["a", "b", "c"]`, []string{"model.merges[0]", "3 elements"}},
		{"merge unknown", `["a", "b"]`, `["a", "q"]`, []string{"model.merges[0]", `"q"`}},
		{"merge string form", `[["a", "b"], ["▁", "ab"], ["▁", "▁"]]`, `["a b c"]`, []string{"model.merges[0]"}},
		{"merge result missing", `["▁", "▁"]`, `["b", "a"]`, []string{"model.merges[2]", `"ba"`}},
		{"id out of range", `"▁▁": 9}`, `"▁▁": 900}`, []string{"model.vocab", "900"}},
		{"id gap", `"▁ab": 8,`, `"▁ab": 10,`, []string{"model.vocab", "id 8"}},
		{"duplicate id", `"▁ab": 8,`, `"▁ab": 4,`, []string{"model.vocab", "id 4"}},
		{"added id missing", `{"id": 0, "content": "<pad>"`, `{"content": "<pad>"`, []string{"added_tokens[0].id"}},
		{"added content missing", `{"id": 0, "content": "<pad>"`, `{"id": 0`, []string{"added_tokens[0].content"}},
		{"added lstrip", `{"id": 0, "content": "<pad>"`, `{"id": 0, "lstrip": true, "content": "<pad>"`, []string{"added_tokens[0].lstrip"}},
		{"added wrong kind", `"added_tokens": [`, `"added_tokens": 3, "x": [`, []string{"added_tokens"}},
		{"unk unknown", `"unk_token": "<unk>"`, `"unk_token": "<nope>"`, []string{"model.unk_token"}},
		{"no unk without fallback", `"unk_token": "<unk>"`, `"unk_token": null`, []string{"model.unk_token"}},
		{"normalizer type", `{"type": "Replace", "pattern": {"String": " "}`, `{"type": "NFKC", "pattern": {"String": " "}`, []string{"normalizer.type", "NFKC"}},
		{"normalizer regex", `"pattern": {"String": " "}, "content"`, `"pattern": {"Regex": " "}, "content"`, []string{"normalizer.pattern", "regex"}},
		{"normalizer no type", `{"type": "Replace", "pattern": {"String": " "}`, `{"pattern": {"String": " "}`, []string{"normalizer.type", "missing"}},
		{"pre_tokenizer behavior", `"MergedWithPrevious"`, `"Contiguous"`, []string{"pre_tokenizer.behavior"}},
		{"decoder type", `{"type": "Fuse"}`, `{"type": "Strip"}`, []string{"decoder.decoders[2].type", "Strip"}},
		{"decoder wrong kind", `{"type": "Fuse"}`, `{"type": []}`, []string{"decoder"}},
		{"post_processor token", `"ids": [2]`, `"ids": [99]`, []string{"post_processor.special_tokens", "99"}},
		{"post_processor type", `"type": "TemplateProcessing"`, `"type": "ByteLevel"`, []string{"post_processor.type"}},
		{"post_processor missing sequence", `, {"Sequence": {"id": "A", "type_id": 0}}`, ``, []string{"post_processor.single"}},
	} {
		src := strings.Replace(minimalHF, c.from, c.to, 1)
		if src == minimalHF {
			t.Fatalf("%s: replacement did not apply", c.name)
		}
		_, err := ParseHF("min.json", []byte(src))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %q wraps neither ErrFormat nor ErrUnsupported", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}

// TestFromHFFile reads plain and gzipped files and reports missing ones.
func TestFromHFFile(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(plain, []byte(minimalHF), 0o644); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "tokenizer.json.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(minimalHF))
	zw.Close()
	f.Close()
	for _, p := range []string{plain, gz} {
		tok, err := FromHF(p)
		if err != nil {
			t.Fatal(err)
		}
		if tok.NumTokens() != 10 || tok.Source() != p {
			t.Errorf("%s: %d tokens, source %q", p, tok.NumTokens(), tok.Source())
		}
	}
	if _, err := FromHF(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 0}, 0o644)
	if _, err := FromHF(bad); err == nil || !strings.Contains(err.Error(), "bad.json.gz") {
		t.Errorf("bad gzip: %v", err)
	}
}

// TestScanMerges: the fast merges scanner agrees with encoding/json or
// declines, on both forms, escapes and odd spacing.
func TestScanMerges(t *testing.T) {
	for _, src := range []string{
		`[]`, ` [ ] `, `["a b"]`, `["\n \n", "\u2581 \u2581"]`, `[ ["a","b"] , [ "\"", "\\" ] ]`,
		`[["a b", "c"]]`, `["a  b"]`, `[["a"]]`, `[["a","b","c"]]`, `["a b",]`, `["a b"] x`, `[1]`, `{"a": 1}`,
		`["a b"`, `["a\tb c"]`, `["\ud83d\ude00 x"]`,
	} {
		scanned, ok := scanMerges(src)
		decoded, err := decodeMerges(hfErr{"m.json"}, []byte(src))
		if !ok {
			continue // decodeMerges decides; its errors are tested above
		}
		if err != nil {
			t.Errorf("%s: scanner accepted what encoding/json rejects: %v", src, err)
			continue
		}
		if !slices.Equal(scanned, decoded) {
			t.Errorf("%s: scanned %q, decoded %q", src, scanned, decoded)
		}
	}
}

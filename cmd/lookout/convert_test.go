package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// TestConvertCommand converts testdata/siglip2-tiny to each type and
// inspects the result.
func TestConvertCommand(t *testing.T) {
	dir := golden.Project(t, "siglip2-tiny")
	out := t.TempDir()
	for _, typ := range []string{"f32", "f16", "bf16", "q8_0", "q4_0"} {
		path := filepath.Join(out, "tiny-"+typ+".gguf")
		rc, _, stderr := runCLI("convert", dir, path, "--type", typ)
		if rc != 0 {
			t.Fatalf("%s: exit %d: %s", typ, rc, stderr)
		}
		if !strings.Contains(stderr, "has no tokenizer.json") || !strings.Contains(stderr, "86 tensors: ") {
			t.Errorf("%s: stderr %q", typ, stderr)
		}
		rc, stdout, stderr := runCLI("inspect", path)
		if rc != 0 {
			t.Fatalf("%s: inspect: exit %d: %s", typ, rc, stderr)
		}
		wantEmbd := typ
		if typ == "q4_0" {
			wantEmbd = "q8_0"
		}
		for _, want := range []string{`"siglip"`, "clip.vision.resample"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: inspect output lacks %q", typ, want)
			}
		}
		for name, want := range map[string]string{"v.blk.1.ffn_down.weight": typ, "t.token_embd.weight": wantEmbd, "v.head.probe": "f32"} {
			if got := inspectType(stdout, name); got != want {
				t.Errorf("%s: inspect shows %s as %q, want %q", typ, name, got, want)
			}
		}
	}
	// No stray temporary files next to the outputs.
	entries, _ := os.ReadDir(out)
	if len(entries) != 5 {
		t.Errorf("%d files in the output folder, want 5", len(entries))
	}
}

// smallTokenizerJSON is a handmade tokenizer.json of the Gemma form with 13
// tokens, small enough for the tiny model's 1024-row embedding.
const smallTokenizerJSON = `{"added_tokens":[{"id":0,"content":"<pad>","special":true},{"id":1,"content":"<eos>","special":true},{"id":2,"content":"<bos>","special":true},{"id":3,"content":"<unk>","special":true}],
"normalizer":{"type":"Replace","pattern":{"String":" "},"content":"▁"},"pre_tokenizer":null,
"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<bos>"}},{"Sequence":{"id":"A"}}],"special_tokens":{"<bos>":{"ids":[2]}}},
"decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"}]},
"model":{"type":"BPE","unk_token":"<unk>","byte_fallback":true,"vocab":{"<pad>":0,"<eos>":1,"<bos>":2,"<unk>":3,"a":4,"b":5,"c":6,"▁":7,"▁a":8,"bc":9,"abc":10,"ab":11,"<0x41>":12},
"merges":["▁ a","b c","a bc","a b"]}}`

// TestConvertWithTokenizer: a folder with tokenizer.json gets the
// tokenizer keys and the SigLIP pad/eos ids; one whose vocabulary is larger
// than the embedding is refused.
func TestConvertWithTokenizer(t *testing.T) {
	src := golden.Project(t, "siglip2-tiny")
	dir := t.TempDir()
	for _, n := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(smallTokenizerJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "tok.gguf")
	rc, _, stderr := runCLI("convert", dir, out, "--type", "q8_0")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("unexpected warning: %s", stderr)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for k, want := range map[string]int64{"siglip.text.pad_token_id": 0, "siglip.text.eos_token_id": 1} {
		if v, err := f.Int(k); err != nil || v != want {
			t.Errorf("%s = %d, %v; want %d", k, v, err, want)
		}
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	hf, err := tokenizer.FromHF(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"abc abc", "a bc", "cab"} {
		a, _ := hf.EncodeFixed(s, 8)
		b, _ := tok.EncodeFixed(s, 8)
		if !slices.Equal(a, b) {
			t.Errorf("%q: %v from tokenizer.json, %v from the GGUF", s, a, b)
		}
	}

	// The real SigLIP 2 vocabulary does not fit the tiny model.
	if big := filepath.Join(golden.SharedDir(t), "tokenizers", "gemma-256k.tokenizer.json.gz"); fileExists(big) {
		rc, _, stderr := runCLI("gen-random", "--arch", "siglip", "--preset", "tiny", "--vocab-json", big, filepath.Join(t.TempDir(), "x.gguf"))
		if rc != 1 || !strings.Contains(stderr, "256000 tokens, more than the 1024 rows") {
			t.Errorf("tiny with the 256k vocabulary: exit %d: %s", rc, stderr)
		}
	}
}

// inspectType returns the type column of tensor name in inspect's table.
func inspectType(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestConvertErrors: bad folders exit 1 with an error naming the file;
// command-line mistakes exit 2; nothing is written either way.
func TestConvertErrors(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out.gguf")
	for _, tc := range []struct {
		args []string
		rc   int
		want string
	}{
		{[]string{"convert", tmp, out}, 1, filepath.Join(tmp, "config.json")},
		{[]string{"convert", filepath.Join(tmp, "nope"), out}, 1, "config.json"},
		{[]string{"convert", tmp}, 2, "want HF_DIR and OUT.gguf"},
		{[]string{"convert", tmp, out, "--type", "q4_k"}, 2, "not supported"},
		{[]string{"convert", tmp, out, "--type", "nope"}, 2, "--type"},
		{[]string{"convert", tmp, out, "--embeddings", "q5_0"}, 2, "--embeddings"},
		{[]string{"convert", "--bogus", tmp, out}, 2, "bogus"},
	} {
		rc, _, stderr := runCLI(tc.args...)
		if rc != tc.rc || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, rc, stderr, tc.rc, tc.want)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n"); tc.rc == 1 && lines != 0 {
			t.Errorf("%q: %d lines of error, want one", tc.args, lines+1)
		}
	}
	if fileExists(out) {
		t.Error("a failed conversion wrote the output")
	}
	// config.json with bad JSON: the error names the file.
	os.WriteFile(filepath.Join(tmp, "config.json"), []byte("{"), 0o644)
	if rc, _, stderr := runCLI("convert", tmp, out); rc != 1 || !strings.Contains(stderr, "config.json") {
		t.Errorf("bad JSON: exit %d: %s", rc, stderr)
	}
}

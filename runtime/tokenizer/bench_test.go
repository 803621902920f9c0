package tokenizer

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"lookout/quant/gguf"
)

// benchText returns about n bytes of text cut at a character boundary,
// built by repeating the agreement corpus (prose in many scripts, code,
// whitespace runs, emoji, special tokens) or one prompt.
func benchText(b *testing.B, kind string, n int) string {
	var sb strings.Builder
	var parts []string
	switch kind {
	case "mixed":
		for _, c := range agreementCorpus(b) {
			parts = append(parts, c.Text)
		}
	case "prose":
		parts = []string{"In the quiet village by the sea, the old lighthouse keeper climbed the winding stairs every evening to light the great lamp, guiding the fishing boats safely home through fog and storm. "}
	case "newlines": // every byte is its own special-token fragment
		parts = []string{" "}
	case "spaces": // worst case for special-token matching: one long space run
		return strings.Repeat(" ", n)
	}
	for sb.Len() < n {
		for _, p := range parts {
			sb.WriteString(p)
			sb.WriteByte('\n')
		}
	}
	s := sb.String()[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// BenchmarkEncode10kB reports the time to encode 10 kB of text; ms per op
// is the number the issue asks for ("milliseconds, not seconds").
func BenchmarkEncode10kB(b *testing.B) {
	tok := gemmaGGUF(b)
	for _, kind := range []string{"mixed", "prose", "newlines", "spaces"} {
		text := benchText(b, kind, 10<<10)
		b.Run("gguf/"+kind, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(tok.Encode(text, EncodeOptions{AddSpecial: true, ParseSpecial: true}))
			}
			b.ReportMetric(float64(n), "tokens")
		})
	}
	text := benchText(b, "mixed", 10<<10)
	b.Run("hf/mixed", func(b *testing.B) {
		hf := sharedHF(b, "gemma3-262k.tokenizer.json.gz")
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			hf.Encode(text, EncodeOptions{AddSpecial: true, ParseSpecial: true})
		}
	})
}

// BenchmarkDecodeStream measures the per-token cost of the streaming
// decoder.
func BenchmarkDecodeStream(b *testing.B) {
	tok := gemmaGGUF(b)
	ids := tok.Encode(benchText(b, "mixed", 10<<10), EncodeOptions{ParseSpecial: true})
	b.ReportAllocs()
	for b.Loop() {
		d := tok.NewDecoder(DecodeOptions{})
		for _, id := range ids {
			d.Add(id)
		}
		d.Flush()
	}
	b.ReportMetric(float64(len(ids)), "tokens")
}

// BenchmarkLoad measures building the tokenizer from an open GGUF (the
// 262k-entry vocabulary): part of a model's load time.
func BenchmarkLoad(b *testing.B) {
	b.Run("gguf", func(b *testing.B) {
		f := openTiny(b)
		defer f.Close()
		for b.Loop() {
			if _, err := FromGGUF(f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFromGGUF256k measures building SigLIP 2's tokenizer (the Gemma
// 256k vocabulary with its 580k merges, as AddToGGUF stores it) from an
// open GGUF: `lookout classify` pays it on every start.
func BenchmarkFromGGUF256k(b *testing.B) {
	hf := sharedHF(b, "gemma-256k.tokenizer.json.gz")
	w := gguf.NewWriter()
	if err := hf.AddToGGUF(w); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	f, err := gguf.Parse("gemma-256k.gguf", buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromGGUF(f); err != nil {
			b.Fatal(err)
		}
	}
}

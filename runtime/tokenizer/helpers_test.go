package tokenizer

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
)

// The real vocabularies are large (262k tokens), so each is loaded once per
// test binary.
var (
	ggufOnce sync.Once
	ggufTok  *Tokenizer
	ggufErr  error

	hfMu   sync.Mutex
	hfToks = map[string]*Tokenizer{}
)

// gemmaGGUF returns the Gemma 3 vocabulary of the tiny test model.
func gemmaGGUF(t testing.TB) *Tokenizer {
	t.Helper()
	f := openTiny(t)
	defer f.Close()
	ggufOnce.Do(func() { ggufTok, ggufErr = FromGGUF(f) })
	if ggufErr != nil {
		t.Fatal(ggufErr)
	}
	return ggufTok
}

// openTiny opens the tiny Gemma 3 test model, which carries the real
// vocabulary.
func openTiny(t testing.TB) *gguf.File {
	t.Helper()
	f, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// sharedHF returns a tokenizer.json from the shared test data (large files,
// not copied into the project); the test skips when it is absent.
func sharedHF(t testing.TB, name string) *Tokenizer {
	t.Helper()
	path := golden.Shared(t, "tokenizers/"+name)
	hfMu.Lock()
	defer hfMu.Unlock()
	if tok, ok := hfToks[name]; ok {
		return tok
	}
	tok, err := FromHF(path)
	if err != nil {
		t.Fatal(err)
	}
	hfToks[name] = tok
	return tok
}

// agreementCase is one entry of tokenizer_agreement.json.
type agreementCase struct {
	Text     string  `json:"text"`
	HFJS     []int32 `json:"hf_js"`
	LlamaCPP []int32 `json:"llamacpp"`
}

func agreementCorpus(t testing.TB) []agreementCase {
	t.Helper()
	var cases []agreementCase
	readJSON(t, golden.Project(t, "gemma3-tiny/tokenizer/tokenizer_agreement.json"), &cases)
	if len(cases) != 34 {
		t.Fatalf("corpus has %d entries, want 34", len(cases))
	}
	return cases
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// vocabEntry describes one token of a handmade GGUF vocabulary.
type vocabEntry struct {
	text  string
	score float32
	typ   TokenType
}

// smallVocab is a handmade SentencePiece vocabulary: the 256 byte tokens,
// control tokens, a few user-defined ones and normal pieces whose scores
// decide the merge order.
func smallVocab() []vocabEntry {
	v := []vocabEntry{
		{"<pad>", 0, TypeControl}, {"<eos>", 0, TypeControl}, {"<bos>", 0, TypeControl}, {"<unk>", 0, TypeControl},
		{"<start_of_turn>", 0, TypeControl},
	}
	for b := 0; b < 256; b++ {
		v = append(v, vocabEntry{byteText(byte(b)), 0, TypeByte})
	}
	v = append(v,
		vocabEntry{"ab", -1000, TypeUserDefined}, vocabEntry{"bcd", -1000, TypeUserDefined},
		vocabEntry{"\n", -1000, TypeUserDefined}, vocabEntry{"\n\n", -1000, TypeUserDefined},
		vocabEntry{"a", -1, TypeNormal}, vocabEntry{"b", -2, TypeNormal}, vocabEntry{"c", -3, TypeNormal},
		vocabEntry{"d", -4, TypeNormal}, vocabEntry{"▁", -5, TypeNormal}, vocabEntry{"x", -6, TypeNormal},
		vocabEntry{"y", -7, TypeNormal},
		// Merge order: "xy" (-10) beats "yx" (-20); "▁x" (-30).
		vocabEntry{"xy", -10, TypeNormal}, vocabEntry{"yx", -20, TypeNormal}, vocabEntry{"▁x", -30, TypeNormal},
		vocabEntry{"xyx", -40, TypeNormal}, vocabEntry{"é", -8, TypeNormal},
		// Equal scores: the leftmost pair must win.
		vocabEntry{"p", -9, TypeNormal}, vocabEntry{"q", -9, TypeNormal},
		vocabEntry{"pq", -50, TypeNormal}, vocabEntry{"qp", -50, TypeNormal},
	)
	return v
}

// writeVocab builds a GGUF image holding v plus the extra keys (which may
// override the defaults set here), and parses it.
func writeVocab(t testing.TB, v []vocabEntry, extra map[string]any) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	texts := make([]string, len(v))
	scores := make([]float32, len(v))
	types := make([]int32, len(v))
	for i, e := range v {
		texts[i], scores[i], types[i] = e.text, e.score, int32(e.typ)
	}
	kv := map[string]any{
		KeyModel:          "llama",
		KeyTokens:         texts,
		KeyScores:         scores,
		KeyTokenType:      types,
		KeyBOS:            uint32(2),
		KeyEOS:            uint32(1),
		KeyUnknown:        uint32(3),
		KeyPad:            uint32(0),
		KeyAddBOS:         true,
		KeyAddSpacePrefix: false,
	}
	for k, val := range extra {
		kv[k] = val
	}
	for _, k := range []string{KeyModel, KeyTokens, KeyScores, KeyTokenType, KeyBOS, KeyEOS, KeyUnknown, KeyPad, KeyAddBOS, KeyAddEOS, KeyAddSpacePrefix} {
		if val, ok := kv[k]; ok && val != nil {
			if err := w.Set(k, val); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("small.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func smallTokenizer(t testing.TB, extra map[string]any) *Tokenizer {
	t.Helper()
	tok, err := FromGGUF(writeVocab(t, smallVocab(), extra))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ids looks up the id of each text in tok.
func ids(t testing.TB, tok *Tokenizer, texts ...string) []int32 {
	t.Helper()
	out := make([]int32, len(texts))
	for i, s := range texts {
		id, ok := tok.TokenID(s)
		if !ok {
			t.Fatalf("token %q not in the vocabulary", s)
		}
		out[i] = id
	}
	return out
}

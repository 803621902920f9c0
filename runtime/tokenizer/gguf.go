package tokenizer

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"lookout/quant/gguf"
)

// GGUF metadata keys read by FromGGUF.
const (
	KeyModel          = "tokenizer.ggml.model"
	KeyTokens         = "tokenizer.ggml.tokens"
	KeyScores         = "tokenizer.ggml.scores"
	KeyTokenType      = "tokenizer.ggml.token_type"
	KeyBOS            = "tokenizer.ggml.bos_token_id"
	KeyEOS            = "tokenizer.ggml.eos_token_id"
	KeyUnknown        = "tokenizer.ggml.unknown_token_id"
	KeyPad            = "tokenizer.ggml.padding_token_id"
	KeyAddBOS         = "tokenizer.ggml.add_bos_token"
	KeyAddEOS         = "tokenizer.ggml.add_eos_token"
	KeyAddSpacePrefix = "tokenizer.ggml.add_space_prefix"
	KeyChatTemplate   = "tokenizer.chat_template"
	// KeyMerges holds BPE merges as "a b" strings, highest priority first
	// (llama.cpp's key for BPE vocabularies). When present, FromGGUF
	// encodes as the Hugging Face tokenizer the vocabulary came from (see
	// AddToGGUF) instead of by SentencePiece scores.
	KeyMerges = "tokenizer.ggml.merges"
)

// FromGGUF reads the SentencePiece vocabulary of a GGUF file
// (tokenizer.ggml.model = "llama", which is what Gemma 3 files carry).
//
// Defaults for absent keys are llama.cpp's for an SPM vocabulary: BOS 1,
// EOS 2, unknown 0, no padding, add_bos true, add_eos false,
// add_space_prefix true (Gemma 3 files set it to false). Like llama.cpp, an
// id key that points outside the vocabulary is ignored and an empty token
// text becomes "[EMPTY_<id>]"; a duplicated token text is an error.
//
// A file with tokenizer.ggml.merges (written by AddToGGUF from a
// tokenizer.json) is encoded as that tokenizer.json was: merges by rank,
// added tokens leftmost-longest, and no default special ids.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	model, err := f.String(KeyModel)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if model != "llama" {
		return nil, fmt.Errorf("tokenizer: %s: key %q: tokenizer model %q, want \"llama\" (SentencePiece): %w", f.Path, KeyModel, model, ErrUnsupported)
	}
	tokens, err := f.Strings(KeyTokens)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	n := len(tokens)
	if n == 0 {
		return nil, fmt.Errorf("tokenizer: %s: key %q: empty vocabulary: %w", f.Path, KeyTokens, ErrFormat)
	}
	if n > 1<<31-1 {
		return nil, fmt.Errorf("tokenizer: %s: key %q: %d tokens do not fit int32 ids: %w", f.Path, KeyTokens, n, ErrFormat)
	}
	t := &Tokenizer{
		source:         f.Path,
		tokens:         tokens,
		types:          make([]TokenType, n),
		scores:         make([]float32, n),
		index:          newVocabIndex(n),
		bos:            1,
		eos:            2,
		unk:            0,
		pad:            -1,
		addSpacePrefix: true,
		byteFallback:   true,
	}
	// The texts are the File's own array (neither side changes it), unless
	// some are empty and get names.
	if slices.Contains(tokens, "") {
		t.tokens = slices.Clone(tokens)
		for i, s := range t.tokens {
			if s == "" {
				t.tokens[i] = "[EMPTY_" + strconv.Itoa(i) + "]"
			}
		}
	}
	for i := range t.types {
		t.types[i] = TypeNormal
	}
	if dup, prev := t.index.insertAll(t.tokens); dup >= 0 {
		return nil, fmt.Errorf("tokenizer: %s: key %q: token %q has ids %d and %d: %w", f.Path, KeyTokens, t.tokens[dup], prev, dup, ErrFormat)
	}

	_, hasMerges := f.Value(KeyMerges)
	if hasMerges {
		// A tokenizer.json vocabulary written by AddToGGUF: HF has no
		// default special ids, every one it has is written out.
		t.bos, t.eos, t.unk = -1, -1, -1
	}
	if _, ok := f.Value(KeyScores); ok {
		a, err := f.Array(KeyScores)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		switch v := a.Values.(type) {
		case []float32:
			if len(v) < n {
				return nil, lengthErr(f, KeyScores, len(v), n)
			}
			copy(t.scores, v)
		case []int32: // llama.cpp accepts integer scores too
			if len(v) < n {
				return nil, lengthErr(f, KeyScores, len(v), n)
			}
			for i := range t.scores {
				t.scores[i] = float32(v[i])
			}
		default:
			return nil, fmt.Errorf("tokenizer: %s: key %q: array of %s, want float32 or int32: %w", f.Path, KeyScores, a.Elem, ErrFormat)
		}
	}
	if _, ok := f.Value(KeyTokenType); ok {
		a, err := f.Array(KeyTokenType)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		v, ok := a.Values.([]int32)
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s: key %q: array of %s, want int32: %w", f.Path, KeyTokenType, a.Elem, ErrFormat)
		}
		if len(v) < n {
			return nil, lengthErr(f, KeyTokenType, len(v), n)
		}
		for i := range t.types {
			typ := TokenType(v[i])
			if typ < TypeUndefined || typ > TypeByte {
				typ = TypeUndefined // llama.cpp maps unknown values to UNDEFINED
			}
			t.types[i] = typ
		}
	}

	for _, k := range []struct {
		key string
		dst *int32
	}{{KeyBOS, &t.bos}, {KeyEOS, &t.eos}, {KeyUnknown, &t.unk}, {KeyPad, &t.pad}} {
		id, ok, err := optInt(f, k.key)
		if err != nil {
			return nil, err
		}
		if ok && id >= 0 && id < int64(n) {
			*k.dst = int32(id)
		}
	}
	addBOS, err := optBool(f, KeyAddBOS, true)
	if err != nil {
		return nil, err
	}
	addEOS, err := optBool(f, KeyAddEOS, false)
	if err != nil {
		return nil, err
	}
	if t.addSpacePrefix, err = optBool(f, KeyAddSpacePrefix, true); err != nil {
		return nil, err
	}
	if addBOS {
		if t.bos < 0 {
			return nil, fmt.Errorf("tokenizer: %s: key %q is true but %q is not set: %w", f.Path, KeyAddBOS, KeyBOS, ErrFormat)
		}
		t.prefix = []int32{t.bos}
	}
	if addEOS {
		if t.eos < 0 {
			return nil, fmt.Errorf("tokenizer: %s: key %q is true but %q is not set: %w", f.Path, KeyAddEOS, KeyEOS, ErrFormat)
		}
		t.suffix = []int32{t.eos}
	}
	if hasMerges {
		if err := t.ggufMerges(f); err != nil {
			return nil, err
		}
	}
	if err := t.finish(); err != nil {
		return nil, err
	}
	return t, nil
}

// ggufMerges reads KeyMerges and sets up the Hugging Face pipeline that
// AddToGGUF can express: added tokens matched leftmost-longest, spaces
// escaped as "▁" (with a "▁" prepended to each piece when add_space_prefix
// is set), BPE by merge rank with byte fallback, and "▁" decoded as a space
// in every token.
func (t *Tokenizer) ggufMerges(f *gguf.File) error {
	lines, err := f.Strings(KeyMerges)
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	errf := func(field, format string, args ...any) error {
		return fmt.Errorf("tokenizer: %s: key %s: %s: %w", f.Path, field, fmt.Sprintf(format, args...), ErrFormat)
	}
	pairs := mergePairs{
		n: len(lines),
		pair: func(i int) (string, string, bool) {
			p, ok := splitMerge(lines[i])
			return p[0], p[1], ok
		},
		malformed: func(i int) string {
			return fmt.Sprintf("%q is not two tokens separated by one space", lines[i])
		},
	}
	if err := t.setMerges(pairs, KeyMerges, errf); err != nil {
		return err
	}
	t.hf = &hfPipeline{unescape: true, fuseUnk: true}
	if t.addSpacePrefix {
		t.hf.norm = append(t.hf.norm, normOp{prepend: true, to: spaceEscape})
	}
	t.hf.norm = append(t.hf.norm, normOp{from: " ", to: spaceEscape})
	return nil
}

func lengthErr(f *gguf.File, key string, got, want int) error {
	return fmt.Errorf("tokenizer: %s: key %q: %d entries for %d tokens: %w", f.Path, key, got, want, ErrFormat)
}

// optInt reads an integer key that may be absent.
func optInt(f *gguf.File, key string) (int64, bool, error) {
	v, err := f.Int(key)
	if errors.Is(err, gguf.ErrMissing) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("tokenizer: %w", err)
	}
	return v, true, nil
}

// optBool reads a bool key that may be absent.
func optBool(f *gguf.File, key string, def bool) (bool, error) {
	v, err := f.Bool(key)
	if errors.Is(err, gguf.ErrMissing) {
		return def, nil
	}
	if err != nil {
		return false, fmt.Errorf("tokenizer: %w", err)
	}
	return v, nil
}

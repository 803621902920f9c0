package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// TokenType is the role of a token, numbered as GGUF's
// tokenizer.ggml.token_type values (llama.cpp's llama_token_type), so a GGUF
// array can be used as is.
type TokenType int32

// Token types.
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1 // ordinary piece; "▁" stands for a space
	TypeUnknown     TokenType = 2 // <unk>
	TypeControl     TokenType = 3 // <bos>, <start_of_turn>, ...: matched in text only with ParseSpecial
	TypeUserDefined TokenType = 4 // added pieces matched verbatim before merging ("\n\n", "<table>")
	TypeUnused      TokenType = 5 // placeholder: neither matched nor rendered
	TypeByte        TokenType = 6 // <0xXX> byte-fallback token
)

var typeNames = [...]string{"undefined", "normal", "unknown", "control", "user-defined", "unused", "byte"}

// String returns the lower-case name of the type.
func (t TokenType) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("TokenType(%d)", int32(t))
}

// ErrFormat is wrapped by every error about a malformed tokenizer file or
// metadata; test with errors.Is.
var ErrFormat = errors.New("malformed tokenizer")

// ErrUnsupported is wrapped when a file asks for a tokenizer feature this
// package does not implement (another model type, a regex normalizer, ...).
var ErrUnsupported = errors.New("unsupported tokenizer")

// Tokenizer encodes and decodes text. It is immutable after construction and
// safe for concurrent use.
type Tokenizer struct {
	source string // file the vocabulary came from, for messages

	tokens []string    // id -> text as stored ("▁" for spaces in normal tokens)
	types  []TokenType // id -> type
	scores []float32   // id -> SentencePiece score (SPM merge priority); nil for BPE
	index  *vocabIndex // text -> id

	// merges is non-nil for a tokenizer.json BPE model, whose merge priority
	// is the rank of the pair in the merges list; nil means SPM (score of
	// the concatenated piece).
	merges *mergeTable

	byteFallback bool       // unknown characters become <0xXX> tokens, else <unk>
	byteTokens   [256]int32 // byte -> fallback token
	specials     *specialSet

	bos, eos, unk, pad int32 // -1 when the vocabulary has none
	prefix, suffix     []int32
	addSpacePrefix     bool

	hf *hfPipeline // tokenizer.json only: normalizer, pre-tokenizer, decoder rules
}

// EncodeOptions are the two switches of llama_tokenize.
type EncodeOptions struct {
	// AddSpecial adds the tokens the vocabulary asks for around the text:
	// BOS (and EOS) according to tokenizer.ggml.add_bos_token /
	// add_eos_token, or the tokenizer.json post-processor template.
	AddSpecial bool
	// ParseSpecial recognises control tokens written in the text, such as
	// "<start_of_turn>", as single tokens. Leave it off for untrusted text
	// (user messages) so that it cannot forge turn markers. User-defined
	// tokens are matched either way, as llama.cpp and HF do.
	ParseSpecial bool
}

// NumTokens returns the vocabulary size.
func (t *Tokenizer) NumTokens() int { return len(t.tokens) }

// Token returns the stored text of id ("" when out of range). Normal tokens
// spell spaces as "▁" and byte tokens are "<0xXX>"; use Decode for text.
func (t *Tokenizer) Token(id int32) string {
	if !t.valid(id) {
		return ""
	}
	return t.tokens[id]
}

// Type returns the type of id (TypeUndefined when out of range).
func (t *Tokenizer) Type(id int32) TokenType {
	if !t.valid(id) {
		return TypeUndefined
	}
	return t.types[id]
}

// Score returns the SentencePiece score of id: the merge priority of a GGUF
// vocabulary. Tokenizers read from tokenizer.json have no scores (0).
func (t *Tokenizer) Score(id int32) float32 {
	if !t.valid(id) || t.scores == nil {
		return 0
	}
	return t.scores[id]
}

// TokenID returns the id of the token whose stored text is exactly text.
func (t *Tokenizer) TokenID(text string) (int32, bool) {
	return t.lookup(text)
}

func (t *Tokenizer) lookup(text string) (int32, bool) { return t.index.find(t.tokens, text) }

// BOS returns the beginning-of-sequence id, or -1.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence id from the metadata, or -1. For Gemma 3
// GGUFs this is often <end_of_turn> (106), not <eos> (1); chat code should
// stop on both (see package chat).
func (t *Tokenizer) EOS() int32 { return t.eos }

// Unknown returns the unknown-token id, or -1.
func (t *Tokenizer) Unknown() int32 { return t.unk }

// Pad returns the padding id, or -1.
func (t *Tokenizer) Pad() int32 { return t.pad }

// AddsBOS reports whether EncodeOptions.AddSpecial puts BOS first.
func (t *Tokenizer) AddsBOS() bool { return len(t.prefix) == 1 && t.prefix[0] == t.bos && t.bos >= 0 }

// Source returns the file the vocabulary was read from.
func (t *Tokenizer) Source() string { return t.source }

func (t *Tokenizer) valid(id int32) bool { return id >= 0 && int(id) < len(t.tokens) }

// isByteText reports whether s has the "<0xXX>" form of a byte-fallback
// token (upper-case hex, as SentencePiece writes it) and returns the byte.
func isByteText(s string) (byte, bool) {
	if len(s) != 6 || !strings.HasPrefix(s, "<0x") || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexVal(s[3])
	lo, ok2 := hexVal(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

const hexDigits = "0123456789ABCDEF"

// byteText returns the "<0xXX>" text of b.
func byteText(b byte) string {
	return string([]byte{'<', '0', 'x', hexDigits[b>>4], hexDigits[b&15], '>'})
}

// finish builds the lookup tables shared by both constructors: the text→id
// map (already filled by the caller), the byte-fallback table and the
// special-token matcher.
func (t *Tokenizer) finish() error {
	if !t.byteFallback {
		if t.unk < 0 {
			return fmt.Errorf("tokenizer: %s: model.unk_token: needed when byte_fallback is false: %w", t.source, ErrFormat)
		}
	} else {
		for b := 0; b < 256; b++ {
			id := int32(-1)
			if v, ok := t.lookup(byteText(byte(b))); ok {
				id = v
			} else if v, ok := t.lookup(string([]byte{byte(b)})); ok && t.merges == nil {
				// llama.cpp's byte_to_token falls back to the one-byte piece.
				id = v
			} else {
				id = t.unk
			}
			if id < 0 {
				return fmt.Errorf("tokenizer: %s: no token for byte 0x%02X (no <0x%02X> piece and no unknown token): %w", t.source, b, b, ErrFormat)
			}
			t.byteTokens[b] = id
		}
	}
	t.specials = buildSpecials(t)
	return nil
}

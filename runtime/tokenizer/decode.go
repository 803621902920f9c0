package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// DecodeOptions control how tokens are rendered as text.
type DecodeOptions struct {
	// ShowSpecial renders control and unknown tokens as their text
	// ("<end_of_turn>"); by default they are empty, as with llama.cpp's
	// token_to_piece(special=false).
	ShowSpecial bool
}

// AppendPiece appends the bytes token id stands for, as llama.cpp's
// llama_token_to_piece does: a normal token with "▁" turned into spaces, a
// user-defined token verbatim, a byte token its single byte (so the result
// may end inside a UTF-8 sequence), a control or unknown token nothing
// unless opts.ShowSpecial, and an unused or out-of-range id nothing.
func (t *Tokenizer) AppendPiece(dst []byte, id int32, opts DecodeOptions) []byte {
	if !t.valid(id) {
		return dst
	}
	text := t.tokens[id]
	switch t.types[id] {
	case TypeNormal:
		return appendUnescaped(dst, text)
	case TypeUserDefined:
		if t.hf != nil && t.hf.unescape {
			// HF's Replace decoder runs on every token, added ones too.
			return appendUnescaped(dst, text)
		}
		return append(dst, text...)
	case TypeControl, TypeUnknown:
		if opts.ShowSpecial {
			return append(dst, text...)
		}
		return dst
	case TypeByte:
		if b, ok := isByteText(text); ok {
			return append(dst, b)
		}
		return append(dst, text...)
	}
	return dst
}

func appendUnescaped(dst []byte, s string) []byte {
	for {
		i := strings.Index(s, spaceEscape)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, ' ')
		s = s[i+len(spaceEscape):]
	}
}

// Decode returns the text of ids. Byte tokens are joined into characters,
// and any byte sequence that is not valid UTF-8 becomes U+FFFD, one per
// byte (as HF's ByteFallback decoder does), so the result is always valid
// UTF-8 and equals what a Decoder streams for the same ids. Control tokens
// are empty; use DecodeWith to show them.
func (t *Tokenizer) Decode(ids []int32) string {
	return t.DecodeWith(ids, DecodeOptions{})
}

// DecodeWith is Decode with options.
func (t *Tokenizer) DecodeWith(ids []int32, opts DecodeOptions) string {
	var raw []byte
	for _, id := range ids {
		raw = t.AppendPiece(raw, id, opts)
	}
	return string(appendValid(nil, raw))
}

// Decoder turns a stream of token ids into text, one id at a time, for
// printing tokens as a model generates them. It returns only whole UTF-8
// characters: when a character is spelled by several byte tokens (an emoji
// as <0xF0><0x9F><0x98><0x80>), nothing is returned until its last byte
// arrives. A Decoder is not safe for concurrent use.
type Decoder struct {
	t       *Tokenizer
	opts    DecodeOptions
	pending []byte // bytes of an incomplete character, at most 3
	out     []byte
}

// NewDecoder returns a streaming decoder.
func (t *Tokenizer) NewDecoder(opts DecodeOptions) *Decoder {
	return &Decoder{t: t, opts: opts}
}

// Add takes the next token and returns the text that is now complete,
// possibly "".
func (d *Decoder) Add(id int32) string {
	d.pending = d.t.AppendPiece(d.pending, id, d.opts)
	cut := completeLen(d.pending)
	if cut == 0 {
		return ""
	}
	d.out = appendValid(d.out[:0], d.pending[:cut])
	d.pending = append(d.pending[:0], d.pending[cut:]...)
	return string(d.out)
}

// Flush returns what is left at the end of the stream: the bytes of an
// unfinished character, each as U+FFFD. The decoder is then empty.
func (d *Decoder) Flush() string {
	s := string(appendValid(nil, d.pending))
	d.pending = d.pending[:0]
	return s
}

// Reset drops any buffered bytes.
func (d *Decoder) Reset() { d.pending = d.pending[:0] }

// completeLen returns the length of the longest prefix of b that does not
// end inside a UTF-8 sequence that later bytes could still complete.
func completeLen(b []byte) int {
	// An unfinished sequence is at most 3 bytes long, so only the last 3
	// bytes can start one.
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// appendValid appends b with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD.
func appendValid(dst, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, b[:n]...)
		}
		b = b[n:]
	}
	return dst
}

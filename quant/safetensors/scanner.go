package safetensors

import (
	"encoding/json"
	"fmt"
	"math"
)

// scanner is a small JSON reader over the header bytes, driven by the caller
// one value at a time. encoding/json was the first choice, but Unmarshal keeps
// the last of duplicate keys without a word (so two readers could disagree
// about which tensor a name means) and reads offsets as float64 (inexact above
// 2^53); and its Decoder.Token, which would fix both, builds and throws away
// a *SyntaxError at the end of every number it returns, which cost about 50
// bytes of garbage per input byte and 1 ms for a 10 kB header. This reader
// returns strings and numbers as slices of the input, allocating only for the
// strings the caller keeps, and leaves escaped strings to encoding/json so
// that the subtle part of JSON is the standard library's.
//
// It accepts exactly RFC 8259 JSON; the input must already be valid UTF-8.
type scanner struct {
	b   []byte
	pos int
}

// kind is the type of the next JSON value, from its first byte.
type kind uint8

const (
	kEnd kind = iota // no more input
	kObject
	kArray
	kString
	kNumber
	kLiteral // true, false or null
	kInvalid // a byte no value starts with (including '}' ']' ',' ':')
)

// syntaxError reports malformed JSON at a byte offset of the header.
type syntaxError struct {
	msg string
	pos int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.pos, e.msg) }

func (s *scanner) errorf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), pos: s.pos}
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the kind of the next value.
func (s *scanner) peek() kind {
	s.ws()
	if s.pos >= len(s.b) {
		return kEnd
	}
	switch c := s.b[s.pos]; {
	case c == '{':
		return kObject
	case c == '[':
		return kArray
	case c == '"':
		return kString
	case c == '-' || '0' <= c && c <= '9':
		return kNumber
	case c == 't' || c == 'f' || c == 'n':
		return kLiteral
	}
	return kInvalid
}

// atEnd reports whether only whitespace is left.
func (s *scanner) atEnd() bool { return s.peek() == kEnd }

// open consumes the '{' or '[' that the caller has peeked.
func (s *scanner) open() { s.pos++ }

// next advances to the next member of an object or element of an array
// whose opening bracket has been consumed: it consumes the ',' between
// items, or the closing bracket and then returns false. first is true for the
// first call after the opening bracket.
func (s *scanner) next(close byte, first bool) (bool, error) {
	s.ws()
	if s.pos >= len(s.b) {
		return false, s.errorf("unexpected end of JSON")
	}
	if s.b[s.pos] == close {
		s.pos++
		return false, nil
	}
	if !first {
		if s.b[s.pos] != ',' {
			return false, s.errorf("invalid character %q, want ',' or %q", s.b[s.pos], close)
		}
		s.pos++
		s.ws()
		// A trailing comma: JSON does not allow one.
		if s.pos < len(s.b) && s.b[s.pos] == close {
			return false, s.errorf("invalid character %q after ','", close)
		}
	}
	return true, nil
}

// key reads an object key and the ':' after it. The result aliases the input
// unless the key has escapes.
func (s *scanner) key() ([]byte, error) {
	if s.peek() != kString {
		return nil, s.errorf("object key is %s, not a string", s.describe())
	}
	k, err := s.str()
	if err != nil {
		return nil, err
	}
	s.ws()
	if s.pos >= len(s.b) || s.b[s.pos] != ':' {
		return nil, s.errorf("missing ':' after object key")
	}
	s.pos++
	return k, nil
}

// str reads a string value (the caller has peeked kString). Strings without
// escapes are returned as a slice of the input; the rest go through
// encoding/json.
func (s *scanner) str() ([]byte, error) {
	start := s.pos
	escaped := false
	for i := start + 1; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.pos = i + 1
			if !escaped {
				return s.b[start+1 : i], nil
			}
			var v string
			if err := json.Unmarshal(s.b[start:i+1], &v); err != nil {
				s.pos = start
				return nil, s.errorf("bad string escape: %v", err)
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			s.pos = i
			return nil, s.errorf("control character %q in string", c)
		}
	}
	s.pos = len(s.b)
	return nil, s.errorf("unterminated string")
}

// number reads a number value (the caller has peeked kNumber) and returns
// its text, checked against the JSON grammar.
func (s *scanner) number() ([]byte, error) {
	start := s.pos
	i := s.pos
	digits := func() int {
		n := 0
		for i < len(s.b) && '0' <= s.b[i] && s.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s.b) && s.b[i] == '-' {
		i++
	}
	if i < len(s.b) && s.b[i] == '0' {
		i++ // JSON forbids leading zeros: a 0 must stand alone
	} else if digits() == 0 {
		s.pos = i
		return nil, s.errorf("number without digits")
	}
	if i < len(s.b) && s.b[i] == '.' {
		i++
		if digits() == 0 {
			s.pos = i
			return nil, s.errorf("number without digits after '.'")
		}
	}
	if i < len(s.b) && (s.b[i] == 'e' || s.b[i] == 'E') {
		i++
		if i < len(s.b) && (s.b[i] == '+' || s.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.pos = i
			return nil, s.errorf("number without digits in exponent")
		}
	}
	s.pos = i
	// A number runs into the next token only through a delimiter; "01" or
	// "1x" is one bad token, not two.
	if i < len(s.b) {
		switch s.b[i] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return nil, s.errorf("invalid character %q in number", s.b[i])
		}
	}
	return s.b[start:i], nil
}

// literal reads true, false or null (the caller has peeked kLiteral).
func (s *scanner) literal() (string, error) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s.b)-s.pos >= len(lit) && string(s.b[s.pos:s.pos+len(lit)]) == lit {
			s.pos += len(lit)
			return lit, nil
		}
	}
	return "", s.errorf("invalid literal")
}

// skip reads past one value of any kind, nested at most depth deep, so that
// a crafted "[[[[..." cannot recurse without bound.
func (s *scanner) skip(depth int) error {
	switch k := s.peek(); k {
	case kObject, kArray:
		if depth == 0 {
			return s.errorf("nested too deep")
		}
		close := byte('}')
		if k == kArray {
			close = ']'
		}
		s.open()
		for first := true; ; first = false {
			more, err := s.next(close, first)
			if err != nil || !more {
				return err
			}
			if k == kObject {
				if _, err := s.key(); err != nil {
					return err
				}
			}
			if err := s.skip(depth - 1); err != nil {
				return err
			}
		}
	case kString:
		_, err := s.str()
		return err
	case kNumber:
		_, err := s.number()
		return err
	case kLiteral:
		_, err := s.literal()
		return err
	case kEnd:
		return s.errorf("unexpected end of JSON")
	}
	return s.errorf("invalid character %q looking for a value", s.b[s.pos])
}

// describe names the next value for an error message ("an array", "a number
// 3", "null") without consuming it and without echoing a long value.
func (s *scanner) describe() string {
	const max = 40
	switch s.peek() {
	case kEnd:
		return "the end of the JSON"
	case kObject:
		return "an object"
	case kArray:
		return "an array"
	case kString:
		save := s.pos
		v, err := s.str()
		s.pos = save
		if err != nil {
			return "a malformed string"
		}
		if len(v) > max {
			return fmt.Sprintf("a string %q...", v[:max])
		}
		return fmt.Sprintf("a string %q", v)
	case kNumber:
		save := s.pos
		v, err := s.number()
		s.pos = save
		if err != nil {
			return "a malformed number"
		}
		if len(v) > max {
			return "a number " + string(v[:max]) + "..."
		}
		return "a number " + string(v)
	case kLiteral:
		save := s.pos
		v, err := s.literal()
		s.pos = save
		if err != nil {
			return "an invalid literal"
		}
		return v
	}
	return fmt.Sprintf("invalid character %q", s.b[s.pos])
}

// parseNonNegative parses the text of a JSON number that must be a plain
// non-negative integer. The reference reads these fields as usize, so 1.0
// and 1e3 are refused as well as negatives.
func parseNonNegative(num []byte) (int64, error) {
	if len(num) > 0 && num[0] == '-' {
		if isDigits(num[1:]) {
			return 0, fmt.Errorf("negative value %s", num)
		}
		return 0, fmt.Errorf("%s is not an integer", num)
	}
	if !isDigits(num) {
		return 0, fmt.Errorf("%s is not an integer", num)
	}
	var v int64
	for _, c := range num {
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, fmt.Errorf("%s does not fit in an int64", num)
		}
		v = v*10 + d
	}
	return v, nil
}

func isDigits(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

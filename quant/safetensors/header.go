package safetensors

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

	"lookout/quant"
)

// metadataKey is the one header key that is not a tensor.
const metadataKey = "__metadata__"

// headerParser reads the JSON header against the schema as it goes, so that
// every value is checked (and refused) as soon as it is seen and nothing is
// built from a value of the wrong shape.
type headerParser struct {
	path   string
	s      scanner
	base   int64 // absolute offset of the data section
	bufLen int64 // bytes in the data section
}

// parse reads the header hdr: a JSON object whose members are tensors and
// an optional "__metadata__". It returns the tensors sorted by name, each
// checked on its own (dtype, shape, size, offsets within the data section);
// how they fit together is checkLayout's job.
func (p *headerParser) parse(hdr []byte) (map[string]string, []Tensor, error) {
	// Checked up front, as the reference does: names are compared as bytes,
	// and JSON decoders disagree on what invalid UTF-8 turns into.
	if !utf8.Valid(hdr) {
		return nil, nil, corrupt(p.path, "header: not valid UTF-8 (at byte %d)", invalidUTF8At(hdr))
	}
	p.s = scanner{b: hdr}
	if k := p.s.peek(); k != kObject {
		return nil, nil, corrupt(p.path, "header: %s, not a JSON object", p.s.describe())
	}
	p.s.open()
	var (
		meta     map[string]string
		haveMeta bool
		tensors  []Tensor
	)
	for first := true; ; first = false {
		more, err := p.s.next('}', first)
		if err != nil {
			return nil, nil, p.syntax("header", err)
		}
		if !more {
			break
		}
		key, err := p.s.key()
		if err != nil {
			return nil, nil, p.syntax("header", err)
		}
		if string(key) == metadataKey {
			if haveMeta {
				return nil, nil, corrupt(p.path, "%s: duplicate key in the header", metadataKey)
			}
			haveMeta = true
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		t, err := p.tensor(string(key))
		if err != nil {
			return nil, nil, err
		}
		tensors = append(tensors, t)
	}
	// Only whitespace (the writer's padding) may follow the object.
	if !p.s.atEnd() {
		return nil, nil, corrupt(p.path, "header: %s at byte %d, after the JSON object", p.s.describe(), p.s.pos)
	}
	// Duplicate tensor names are found by checkLayout once sorted, which
	// costs no map.
	slices.SortStableFunc(tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return meta, tensors, nil
}

// metadata reads the "__metadata__" value: an object of strings, or null.
func (p *headerParser) metadata() (map[string]string, error) {
	switch p.s.peek() {
	case kObject:
	case kLiteral:
		save := p.s.pos
		if lit, err := p.s.literal(); err == nil && lit == "null" {
			return nil, nil
		}
		p.s.pos = save
		return nil, corrupt(p.path, "%s: %s, not a JSON object", metadataKey, p.s.describe())
	default:
		return nil, corrupt(p.path, "%s: %s, not a JSON object", metadataKey, p.s.describe())
	}
	p.s.open()
	meta := map[string]string{}
	for first := true; ; first = false {
		more, err := p.s.next('}', first)
		if err != nil {
			return nil, p.syntax(metadataKey, err)
		}
		if !more {
			return meta, nil
		}
		k, err := p.s.key()
		if err != nil {
			return nil, p.syntax(metadataKey, err)
		}
		if _, dup := meta[string(k)]; dup {
			return nil, corrupt(p.path, "%s[%q]: duplicate key", metadataKey, k)
		}
		if p.s.peek() != kString {
			return nil, corrupt(p.path, "%s[%q]: %s, not a string", metadataKey, k, p.s.describe())
		}
		v, err := p.s.str()
		if err != nil {
			return nil, p.syntax(fmt.Sprintf("%s[%q]", metadataKey, k), err)
		}
		meta[string(k)] = string(v)
	}
}

// tensor reads the entry of the tensor called name. Fields other than dtype,
// shape and data_offsets are refused: a field we do not know might change
// what the bytes mean, and no writer emits any.
func (p *headerParser) tensor(name string) (Tensor, error) {
	// Messages are formatted only on error; doing it for every tensor would
	// cost a good part of the tensor's own bytes.
	where := func() string { return fmt.Sprintf("tensor %q", name) }
	if p.s.peek() != kObject {
		return Tensor{}, corrupt(p.path, "%s: %s, not a JSON object", where(), p.s.describe())
	}
	p.s.open()
	t := Tensor{Name: name, File: p.path}
	var (
		dt                                dtype
		haveDType, haveShape, haveOffsets bool
		begin, end                        int64
	)
	for first := true; ; first = false {
		more, err := p.s.next('}', first)
		if err != nil {
			return Tensor{}, p.syntax(where(), err)
		}
		if !more {
			break
		}
		field, err := p.s.key()
		if err != nil {
			return Tensor{}, p.syntax(where(), err)
		}
		switch string(field) {
		case "dtype":
			if haveDType {
				return Tensor{}, corrupt(p.path, "%s: dtype: duplicate key", where())
			}
			haveDType = true
			if p.s.peek() != kString {
				return Tensor{}, corrupt(p.path, "%s: dtype: %s, not a string", where(), p.s.describe())
			}
			s, err := p.s.str()
			if err != nil {
				return Tensor{}, p.syntax(where()+": dtype", err)
			}
			var ok bool
			if dt, ok = dtypes[string(s)]; !ok {
				return Tensor{}, unsupported(p.path, "%s: dtype: unknown dtype %q", where(), s)
			}
		case "shape":
			if haveShape {
				return Tensor{}, corrupt(p.path, "%s: shape: duplicate key", where())
			}
			haveShape = true
			if t.Shape, err = p.ints(where, "shape", MaxRank); err != nil {
				return Tensor{}, err
			}
		case "data_offsets":
			if haveOffsets {
				return Tensor{}, corrupt(p.path, "%s: data_offsets: duplicate key", where())
			}
			haveOffsets = true
			off, err := p.ints(where, "data_offsets", 2)
			if err != nil {
				return Tensor{}, err
			}
			if len(off) != 2 {
				return Tensor{}, corrupt(p.path, "%s: data_offsets: %d numbers, want [begin, end]", where(), len(off))
			}
			begin, end = off[0], off[1]
		default:
			return Tensor{}, corrupt(p.path, "%s: unknown field %q", where(), field)
		}
	}
	switch {
	case !haveDType:
		return Tensor{}, corrupt(p.path, "%s: dtype: missing", where())
	case !haveShape:
		return Tensor{}, corrupt(p.path, "%s: shape: missing", where())
	case !haveOffsets:
		return Tensor{}, corrupt(p.path, "%s: data_offsets: missing", where())
	}
	t.DType = dt.name

	n, err := quant.Elements(t.Shape)
	if err != nil {
		return Tensor{}, corrupt(p.path, "%s: shape %v: %v", where(), t.Shape, err)
	}
	hi, nbits := bits.Mul64(uint64(n), uint64(dt.bits))
	if hi != 0 {
		return Tensor{}, corrupt(p.path, "%s: shape %v of %s: byte size overflows", where(), t.Shape, t.DType)
	}
	if nbits%8 != 0 {
		return Tensor{}, corrupt(p.path, "%s: shape %v of %s: %d bits is not a whole number of bytes", where(), t.Shape, t.DType, nbits)
	}
	size := nbits / 8 // < 2^61: cannot overflow int64
	switch {
	case begin > end:
		return Tensor{}, corrupt(p.path, "%s: data_offsets [%d, %d]: begin is after end", where(), begin, end)
	case end > p.bufLen:
		return Tensor{}, corrupt(p.path, "%s: data_offsets [%d, %d]: end is past the %d-byte data section", where(), begin, end, p.bufLen)
	case uint64(end-begin) != size:
		return Tensor{}, corrupt(p.path, "%s: data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", where(), begin, end, end-begin, t.Shape, t.DType, size)
	}
	t.Type = dt.typ
	t.Supported = dt.typ.Known() && quant.Formats[dt.typ].Supported()
	t.Offset = p.base + begin
	t.Size = int64(size)
	return t, nil
}

// ints reads the field called field of the tensor where() names: a JSON
// array of at most max non-negative integers. Stopping at max+1 keeps a
// crafted array from growing the slice. A long shape is ErrUnsupported (a
// real if absurd rank), a long data_offsets ErrCorrupt.
func (p *headerParser) ints(where func() string, field string, max int) ([]int64, error) {
	if p.s.peek() != kArray {
		return nil, corrupt(p.path, "%s: %s: %s, not a JSON array", where(), field, p.s.describe())
	}
	p.s.open()
	out := make([]int64, 0, min(max, 4))
	for i := 0; ; i++ {
		more, err := p.s.next(']', i == 0)
		if err != nil {
			return nil, p.syntax(where()+": "+field, err)
		}
		if !more {
			return out, nil
		}
		if i == max {
			if field == "shape" {
				return nil, unsupported(p.path, "%s: shape: more than %d dimensions", where(), MaxRank)
			}
			return nil, corrupt(p.path, "%s: %s: more than %d numbers", where(), field, max)
		}
		if p.s.peek() != kNumber {
			return nil, corrupt(p.path, "%s: %s[%d]: %s, not a number", where(), field, i, p.s.describe())
		}
		num, err := p.s.number()
		if err != nil {
			return nil, p.syntax(fmt.Sprintf("%s: %s[%d]", where(), field, i), err)
		}
		v, err := parseNonNegative(num)
		if err != nil {
			return nil, corrupt(p.path, "%s: %s[%d]: %v", where(), field, i, err)
		}
		out = append(out, v)
	}
}

// syntax wraps a scanner error as ErrCorrupt, naming what was being read.
func (p *headerParser) syntax(where string, err error) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return corrupt(p.path, "%s: %v", where, se)
	}
	return corrupt(p.path, "%s: %v", where, err)
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

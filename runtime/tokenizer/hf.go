package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"
)

// MaxJSONSize bounds how much FromHF reads (after gunzip), so that a
// malformed or hostile file cannot make it allocate without limit. The
// Gemma 3 tokenizer.json is 33 MB.
const MaxJSONSize = 256 << 20

// FromHF reads a Hugging Face tokenizer.json (or a gzip of one): a "BPE"
// model with byte fallback, as the Gemma, Gemma 3 and SigLIP 2 files are.
//
// Supported pieces: added_tokens (special → TypeControl, others →
// TypeUserDefined, matched leftmost-longest in the raw text), normalizer
// Replace (string pattern) / Prepend / Sequence, pre_tokenizer Split (string
// pattern) / Sequence, post_processor TemplateProcessing (its "single"
// template gives the tokens EncodeOptions.AddSpecial adds), decoder
// Replace "▁"→" " / ByteFallback / Fuse / Sequence. Merges may be written as
// "a b" strings or as [a, b] pairs; the position in the list is the merge
// priority. Anything else is refused with ErrUnsupported rather than
// silently tokenized differently.
func FromHF(path string) (*Tokenizer, error) {
	data, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	return ParseHF(path, data)
}

func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	var magic [2]byte
	if n, _ := io.ReadFull(f, magic[:]); n == 2 && magic == [2]byte{0x1f, 0x8b} {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: gzip: %w", path, err)
		}
		r = zr
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	if len(data) > MaxJSONSize {
		return nil, fmt.Errorf("tokenizer: %s: larger than %d bytes: %w", path, MaxJSONSize, ErrFormat)
	}
	return data, nil
}

// hfFile is the part of tokenizer.json we read. Pointers and RawMessages
// tell a missing field from an empty one.
type hfFile struct {
	AddedTokens   []hfAddedToken  `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         *hfModel        `json:"model"`
}

type hfAddedToken struct {
	ID         *int64  `json:"id"`
	Content    *string `json:"content"`
	Special    bool    `json:"special"`
	SingleWord bool    `json:"single_word"`
	LStrip     bool    `json:"lstrip"`
	RStrip     bool    `json:"rstrip"`
	Normalized bool    `json:"normalized"`
}

type hfModel struct {
	Type                    *string          `json:"type"`
	UnkToken                *string          `json:"unk_token"`
	ByteFallback            bool             `json:"byte_fallback"`
	FuseUnk                 bool             `json:"fuse_unk"`
	IgnoreMerges            bool             `json:"ignore_merges"`
	Dropout                 *float64         `json:"dropout"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string          `json:"end_of_word_suffix"`
	Vocab                   map[string]int64 `json:"vocab"`
	Merges                  json.RawMessage  `json:"merges"`
}

// hfComponent is any normalizer, pre-tokenizer, post-processor or decoder
// object; only the fields of the types we support are read.
type hfComponent struct {
	Type        *string         `json:"type"`
	Pattern     *hfPattern      `json:"pattern"`
	Content     *string         `json:"content"`
	Prepend     *string         `json:"prepend"`
	Behavior    string          `json:"behavior"`
	Invert      bool            `json:"invert"`
	Normalizers []hfComponent   `json:"normalizers"`
	PreTok      []hfComponent   `json:"pretokenizers"`
	Decoders    []hfComponent   `json:"decoders"`
	Single      []hfTemplate    `json:"single"`
	Specials    map[string]hfST `json:"special_tokens"`
}

type hfPattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type hfTemplate struct {
	SpecialToken *struct {
		ID string `json:"id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID string `json:"id"`
	} `json:"Sequence"`
}

type hfST struct {
	IDs []int64 `json:"ids"`
}

// hfPipeline holds the tokenizer.json steps around the BPE model.
type hfPipeline struct {
	norm         []normOp
	split        []splitOp
	ignoreMerges bool
	fuseUnk      bool
	unescape     bool // the decoder turns "▁" into " " in every token
}

type normOp struct {
	prepend  bool   // Prepend: add from before a non-empty piece
	from, to string // Replace
}

type splitOp struct {
	pattern  string
	behavior string
}

// ParseHF parses tokenizer.json content; name is used in errors.
func ParseHF(name string, data []byte) (*Tokenizer, error) {
	e := hfErr{name}
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, e.json("", err)
	}
	if f.Model == nil {
		return nil, e.f("model", "missing")
	}
	m := f.Model
	if m.Type == nil {
		return nil, e.f("model.type", "missing")
	}
	if *m.Type != "BPE" {
		return nil, e.unsupported("model.type", "%q (only BPE is implemented)", *m.Type)
	}
	if m.Vocab == nil {
		return nil, e.f("model.vocab", "missing")
	}
	if m.Merges == nil {
		return nil, e.f("model.merges", "missing")
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, e.unsupported("model.dropout", "%v (BPE dropout is random; inference wants none)", *m.Dropout)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return nil, e.unsupported("model.continuing_subword_prefix", "%q", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return nil, e.unsupported("model.end_of_word_suffix", "%q", *m.EndOfWordSuffix)
	}

	// Ids must be dense: 0..n-1 over the vocabulary and the added tokens.
	limit := int64(len(m.Vocab) + len(f.AddedTokens))
	n := int64(0)
	for text, id := range m.Vocab {
		if id < 0 || id >= limit {
			return nil, e.f("model.vocab", "token %q: id %d outside 0..%d", text, id, limit-1)
		}
		n = max(n, id+1)
	}
	for i, a := range f.AddedTokens {
		field := fmt.Sprintf("added_tokens[%d]", i)
		if a.ID == nil {
			return nil, e.f(field+".id", "missing")
		}
		if a.Content == nil {
			return nil, e.f(field+".content", "missing")
		}
		if *a.ID < 0 || *a.ID >= limit {
			return nil, e.f(field+".id", "%d outside 0..%d", *a.ID, limit-1)
		}
		if *a.Content == "" {
			return nil, e.f(field+".content", "empty")
		}
		for _, o := range []struct {
			name string
			on   bool
		}{{"single_word", a.SingleWord}, {"lstrip", a.LStrip}, {"rstrip", a.RStrip}, {"normalized", a.Normalized}} {
			if o.on {
				return nil, e.unsupported(field+"."+o.name, "true")
			}
		}
		n = max(n, *a.ID+1)
	}
	if n == 0 {
		return nil, e.f("model.vocab", "empty")
	}
	t := &Tokenizer{
		source:       name,
		tokens:       make([]string, n),
		types:        make([]TokenType, n),
		index:        newVocabIndex(int(n)),
		bos:          -1,
		eos:          -1,
		unk:          -1,
		pad:          -1,
		byteFallback: m.ByteFallback,
		hf:           &hfPipeline{ignoreMerges: m.IgnoreMerges, fuseUnk: m.FuseUnk},
	}
	seen := make([]bool, n)
	for text, id := range m.Vocab {
		if seen[id] {
			return nil, e.f("model.vocab", "id %d used by %q and %q", id, t.tokens[id], text)
		}
		seen[id] = true
		t.tokens[id] = text
		t.types[id] = TypeNormal
		if _, ok := isByteText(text); ok && m.ByteFallback {
			t.types[id] = TypeByte
		}
	}
	for _, a := range f.AddedTokens {
		id := *a.ID
		seen[id] = true
		t.tokens[id] = *a.Content
		t.types[id] = TypeUserDefined
		if a.Special {
			t.types[id] = TypeControl
		}
	}
	for id, ok := range seen {
		if !ok {
			return nil, e.f("model.vocab", "no token has id %d (ids must be 0..%d without gaps)", id, n-1)
		}
	}
	// Index the added tokens first: when a vocabulary entry has the same
	// text, the added token's id is the one HF looks up.
	for _, a := range f.AddedTokens {
		t.index.insert(t.tokens, int32(*a.ID))
	}
	t.index.insertAll(t.tokens) // a repeated text keeps its first id

	if m.UnkToken != nil && *m.UnkToken != "" {
		id, ok := t.lookup(*m.UnkToken)
		if !ok {
			return nil, e.f("model.unk_token", "%q is not in the vocabulary", *m.UnkToken)
		}
		t.unk = id
	}
	// tokenizer.json has no fields for these; the Gemma files use the
	// SentencePiece names.
	t.bos = t.lookupFirst("<bos>", "<s>")
	t.eos = t.lookupFirst("<eos>", "</s>")
	t.pad = t.lookupFirst("<pad>")

	if err := t.parseMerges(e, m.Merges); err != nil {
		return nil, err
	}
	if err := t.hf.parseNormalizer(e, "normalizer", f.Normalizer); err != nil {
		return nil, err
	}
	if err := t.hf.parsePreTokenizer(e, "pre_tokenizer", f.PreTokenizer); err != nil {
		return nil, err
	}
	if err := t.hf.parseDecoder(e, "decoder", f.Decoder); err != nil {
		return nil, err
	}
	if err := t.parsePostProcessor(e, f.PostProcessor); err != nil {
		return nil, err
	}
	if err := t.finish(); err != nil {
		return nil, err
	}
	return t, nil
}

// lookupFirst returns the id of the first of names in the vocabulary, or -1.
func (t *Tokenizer) lookupFirst(names ...string) int32 {
	for _, s := range names {
		if id, ok := t.lookup(s); ok && t.types[id] == TypeControl {
			return id
		}
	}
	return -1
}

func (t *Tokenizer) parseMerges(e hfErr, raw json.RawMessage) error {
	pairs, ok := scanMerges(string(raw))
	if !ok {
		// Anything the fast scanner does not expect goes through
		// encoding/json, which also words the error.
		var err error
		if pairs, err = decodeMerges(e, raw); err != nil {
			return err
		}
	}
	return t.setMerges(mergePairs{
		n:    len(pairs),
		pair: func(i int) (string, string, bool) { return pairs[i][0], pairs[i][1], true },
	}, "model.merges", e.f)
}

// decodeMerges reads model.merges with encoding/json, in either form.
func decodeMerges(e hfErr, raw json.RawMessage) ([][2]string, error) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, e.f("model.merges", "want an array")
	}
	rest := bytes.TrimLeft(trimmed[1:], " \t\r\n")
	var pairs [][2]string
	if len(rest) > 0 && rest[0] == '"' {
		var lines []string
		if err := json.Unmarshal(raw, &lines); err != nil {
			return nil, e.json("model.merges", err)
		}
		pairs = make([][2]string, len(lines))
		for i, l := range lines {
			p, ok := splitMerge(l)
			if !ok {
				return nil, e.f(fmt.Sprintf("model.merges[%d]", i), "%q is not two tokens separated by one space", l)
			}
			pairs[i] = p
		}
		return pairs, nil
	}
	var lists [][]string
	if err := json.Unmarshal(raw, &lists); err != nil {
		return nil, e.json("model.merges", err)
	}
	pairs = make([][2]string, len(lists))
	for i, l := range lists {
		if len(l) != 2 {
			return nil, e.f(fmt.Sprintf("model.merges[%d]", i), "%d elements, want 2", len(l))
		}
		pairs[i] = [2]string{l[0], l[1]}
	}
	return pairs, nil
}

// splitMerge splits an "a b" merge; HF splits on ' ' and wants exactly two
// parts.
func splitMerge(l string) ([2]string, bool) {
	a, b, ok := strings.Cut(l, " ")
	if !ok || strings.Contains(b, " ") {
		return [2]string{}, false
	}
	return [2]string{a, b}, true
}

// scanMerges is a fast path for model.merges, which is most of a
// tokenizer.json (514,906 entries for Gemma 3): encoding/json spends over a
// second on it. It reads exactly the two shapes the files use, a list of
// "a b" strings or of ["a", "b"] pairs, and returns ok=false on anything
// else, including any string with an escape it does not handle, so that
// decodeMerges decides. The strings share s's memory.
func scanMerges(s string) (pairs [][2]string, ok bool) {
	i := 0
	ws := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		start := i + 1
		for j := start; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				i = j + 1
				// encoding/json turns invalid UTF-8 into U+FFFD; leave
				// such strings to it.
				return s[start:j], utf8.ValidString(s[start:j])
			case c == '\\':
				// Decode the whole string with encoding/json.
				end := j + 2
				for end < len(s) && s[end] != '"' {
					if s[end] == '\\' {
						end++
					}
					end++
				}
				if end >= len(s) {
					return "", false
				}
				var v string
				if json.Unmarshal([]byte(s[i:end+1]), &v) != nil {
					return "", false
				}
				i = end + 1
				return v, true
			case c < 0x20:
				return "", false
			}
		}
		return "", false
	}
	ws()
	if i >= len(s) || s[i] != '[' {
		return nil, false
	}
	i++
	ws()
	if i < len(s) && s[i] == ']' {
		i++
		ws()
		return [][2]string{}, i == len(s)
	}
	// Roughly one merge per 12 bytes in the real files.
	pairs = make([][2]string, 0, len(s)/12)
	var form byte // '"' or '[' after the first element
	for {
		ws()
		if i >= len(s) {
			return nil, false
		}
		var p [2]string
		if len(pairs) > 0 && s[i] != form {
			return nil, false // HF wants one form for the whole list
		}
		form = s[i]
		if s[i] == '"' {
			l, ok := str()
			if !ok {
				return nil, false
			}
			if p, ok = splitMerge(l); !ok {
				return nil, false
			}
		} else if s[i] == '[' {
			i++
			for k := range 2 {
				ws()
				v, ok := str()
				if !ok {
					return nil, false
				}
				p[k] = v
				ws()
				if k == 0 {
					if i >= len(s) || s[i] != ',' {
						return nil, false
					}
					i++
				}
			}
			if i >= len(s) || s[i] != ']' {
				return nil, false
			}
			i++
		} else {
			return nil, false
		}
		pairs = append(pairs, p)
		ws()
		if i >= len(s) {
			return nil, false
		}
		if s[i] == ']' {
			i++
			ws()
			return pairs, i == len(s)
		}
		if s[i] != ',' {
			return nil, false
		}
		i++
	}
}

// component decodes raw into c; ok is false for an absent or null field.
func component(e hfErr, field string, raw json.RawMessage) (c hfComponent, ok bool, err error) {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return c, false, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, false, e.json(field, err)
	}
	if c.Type == nil {
		return c, false, e.f(field+".type", "missing")
	}
	return c, true, nil
}

func (p *hfPipeline) parseNormalizer(e hfErr, field string, raw json.RawMessage) error {
	c, ok, err := component(e, field, raw)
	if !ok {
		return err
	}
	return p.addNormalizer(e, field, c)
}

func (p *hfPipeline) addNormalizer(e hfErr, field string, c hfComponent) error {
	switch *c.Type {
	case "Sequence":
		for i, sub := range c.Normalizers {
			f := fmt.Sprintf("%s.normalizers[%d]", field, i)
			if sub.Type == nil {
				return e.f(f+".type", "missing")
			}
			if err := p.addNormalizer(e, f, sub); err != nil {
				return err
			}
		}
	case "Replace":
		from, err := stringPattern(e, field, c.Pattern)
		if err != nil {
			return err
		}
		if c.Content == nil {
			return e.f(field+".content", "missing")
		}
		p.norm = append(p.norm, normOp{from: from, to: *c.Content})
	case "Prepend":
		if c.Prepend == nil {
			return e.f(field+".prepend", "missing")
		}
		p.norm = append(p.norm, normOp{prepend: true, to: *c.Prepend})
	default:
		return e.unsupported(field+".type", "%q", *c.Type)
	}
	return nil
}

func stringPattern(e hfErr, field string, pat *hfPattern) (string, error) {
	switch {
	case pat == nil:
		return "", e.f(field+".pattern", "missing")
	case pat.Regex != nil:
		return "", e.unsupported(field+".pattern", "regex patterns are not implemented")
	case pat.String == nil || *pat.String == "":
		return "", e.f(field+".pattern.String", "missing or empty")
	}
	return *pat.String, nil
}

func (p *hfPipeline) parsePreTokenizer(e hfErr, field string, raw json.RawMessage) error {
	c, ok, err := component(e, field, raw)
	if !ok {
		return err
	}
	return p.addPreTokenizer(e, field, c)
}

func (p *hfPipeline) addPreTokenizer(e hfErr, field string, c hfComponent) error {
	switch *c.Type {
	case "Sequence":
		for i, sub := range c.PreTok {
			f := fmt.Sprintf("%s.pretokenizers[%d]", field, i)
			if sub.Type == nil {
				return e.f(f+".type", "missing")
			}
			if err := p.addPreTokenizer(e, f, sub); err != nil {
				return err
			}
		}
	case "Split":
		pat, err := stringPattern(e, field, c.Pattern)
		if err != nil {
			return err
		}
		if c.Invert {
			return e.unsupported(field+".invert", "true")
		}
		switch c.Behavior {
		case "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext":
		default:
			return e.unsupported(field+".behavior", "%q", c.Behavior)
		}
		p.split = append(p.split, splitOp{pattern: pat, behavior: c.Behavior})
	default:
		return e.unsupported(field+".type", "%q", *c.Type)
	}
	return nil
}

func (p *hfPipeline) parseDecoder(e hfErr, field string, raw json.RawMessage) error {
	c, ok, err := component(e, field, raw)
	if !ok {
		return err
	}
	return p.addDecoder(e, field, c)
}

func (p *hfPipeline) addDecoder(e hfErr, field string, c hfComponent) error {
	switch *c.Type {
	case "Sequence":
		for i, sub := range c.Decoders {
			f := fmt.Sprintf("%s.decoders[%d]", field, i)
			if sub.Type == nil {
				return e.f(f+".type", "missing")
			}
			if err := p.addDecoder(e, f, sub); err != nil {
				return err
			}
		}
	case "Replace":
		from, err := stringPattern(e, field, c.Pattern)
		if err != nil {
			return err
		}
		if from != spaceEscape || c.Content == nil || *c.Content != " " {
			return e.unsupported(field, "only Replace \"▁\" → \" \" is implemented")
		}
		p.unescape = true
	case "ByteFallback", "Fuse":
		// Byte tokens always decode to their byte, and pieces are always
		// joined: nothing to configure.
	default:
		return e.unsupported(field+".type", "%q", *c.Type)
	}
	return nil
}

func (t *Tokenizer) parsePostProcessor(e hfErr, raw json.RawMessage) error {
	const field = "post_processor"
	c, ok, err := component(e, field, raw)
	if !ok {
		return err
	}
	if *c.Type != "TemplateProcessing" {
		return e.unsupported(field+".type", "%q", *c.Type)
	}
	seq := false
	for i, item := range c.Single {
		f := fmt.Sprintf("%s.single[%d]", field, i)
		switch {
		case item.Sequence != nil:
			if seq {
				return e.unsupported(f, "more than one sequence in the single template")
			}
			seq = true
		case item.SpecialToken != nil:
			st, ok := c.Specials[item.SpecialToken.ID]
			if !ok {
				return e.f(f, "special token %q is not in %s.special_tokens", item.SpecialToken.ID, field)
			}
			for _, id := range st.IDs {
				if id < 0 || id >= int64(len(t.tokens)) {
					return e.f(field+".special_tokens", "%q: id %d outside the vocabulary", item.SpecialToken.ID, id)
				}
				if seq {
					t.suffix = append(t.suffix, int32(id))
				} else {
					t.prefix = append(t.prefix, int32(id))
				}
			}
		default:
			return e.f(f, "neither SpecialToken nor Sequence")
		}
	}
	if !seq {
		return e.f(field+".single", "no Sequence item")
	}
	return nil
}

// encodePiece runs the normalizer, the pre-tokenizer and BPE on a piece of
// text between added tokens.
func (p *hfPipeline) encodePiece(t *Tokenizer, m *merger, out []int32, s string) []int32 {
	for _, op := range p.norm {
		if op.prepend {
			if s != "" {
				s = op.to + s
			}
		} else {
			s = strings.ReplaceAll(s, op.from, op.to)
		}
	}
	if s == "" {
		return out
	}
	words := []string{s}
	for _, op := range p.split {
		var next []string
		for _, w := range words {
			next = op.apply(next, w)
		}
		words = next
	}
	for _, w := range words {
		if p.ignoreMerges {
			if id, ok := t.lookup(w); ok {
				out = append(out, id)
				continue
			}
		}
		out = m.encode(t, out, w)
	}
	return out
}

// apply splits w at every occurrence of the pattern, keeping the match as
// the behaviour says, and drops empty pieces as HF does.
func (op splitOp) apply(out []string, w string) []string {
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	pending := "" // MergedWithNext: match waiting for the next piece
	for {
		i := strings.Index(w, op.pattern)
		if i < 0 {
			add(pending + w)
			return out
		}
		before, match := w[:i], w[i:i+len(op.pattern)]
		w = w[i+len(op.pattern):]
		switch op.behavior {
		case "Removed":
			add(before)
		case "Isolated":
			add(before)
			add(match)
		case "MergedWithPrevious":
			add(before + match)
		case "MergedWithNext":
			add(pending + before)
			pending = match
			continue
		}
		pending = ""
	}
}

// jsonKind names the JSON kind a Go type decodes from, for messages.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}

// hfErr formats errors that name the file and the JSON field.
type hfErr struct{ name string }

func (e hfErr) f(field, format string, args ...any) error {
	return fmt.Errorf("tokenizer: %s: %s: %s: %w", e.name, field, fmt.Sprintf(format, args...), ErrFormat)
}

func (e hfErr) unsupported(field, format string, args ...any) error {
	return fmt.Errorf("tokenizer: %s: %s: %s: %w", e.name, field, fmt.Sprintf(format, args...), ErrUnsupported)
}

// json turns an encoding/json error into one that names the field.
func (e hfErr) json(field string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if field != "" && f != "" {
			f = field + "." + f
		} else if f == "" {
			f = field
		}
		if f == "" {
			f = "(top level)"
		}
		return e.f(f, "JSON %s where %s was expected", te.Value, jsonKind(te.Type))
	case errors.As(err, &se):
		where := field
		if where == "" {
			where = "JSON"
		}
		return e.f(where, "syntax error at byte %d: %v", se.Offset, se)
	}
	if field == "" {
		field = "JSON"
	}
	return e.f(field, "%v", err)
}

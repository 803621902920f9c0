package siglip

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"lookout/device/frame"
	"lookout/kernels"
	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// Model is a loaded SigLIP model: config, weights (views into the mapped
// file) and, when the file has one, the tokenizer. It is read-only once
// loaded: any number of Sessions may use it at once.
type Model struct {
	Config    Config
	Weights   Weights
	Tokenizer *tokenizer.Tokenizer // nil when the file has none (text only through ids)

	file *gguf.File
}

// Load opens a SigLIP model: a .gguf file (mapped, zero copy) or a Hugging
// Face folder (config.json + model.safetensors, converted in memory to F32;
// its tokenizer.json, when present, gives the tokenizer).
func Load(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("siglip: %w", err)
	}
	if st.IsDir() {
		return loadHF(path)
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("siglip: %w", err)
	}
	m, err := New(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

// loadHF converts an HF folder to an F32 GGUF in memory and loads that.
func loadHF(dir string) (*Model, error) {
	conv, err := convert.Convert(dir, convert.Options{Type: quant.F32})
	if err != nil {
		// convert names config.json and refuses model_type "siglip2"
		// (NaFlex) itself; say where it came from.
		return nil, fmt.Errorf("siglip: loading Hugging Face folder %s: %w", dir, err)
	}
	for _, w := range conv.Warnings {
		log.Printf("siglip: %s: %s", dir, w)
	}
	// Size the buffer once: growing it by doubling would briefly hold two
	// copies of a 1.5 GB model.
	var buf bytes.Buffer
	buf.Grow(f32Bytes(conv.Config))
	_, err = conv.Writer.WriteTo(&buf)
	if cerr := conv.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("siglip: converting %s in memory: %w", dir, err)
	}
	f, err := gguf.Parse(dir, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("siglip: converting %s in memory: %w", dir, err)
	}
	var tok *tokenizer.Tokenizer
	if _, ok := f.Value(tokenizer.KeyModel); !ok {
		// The converter did not embed one; read tokenizer.json directly.
		tj := filepath.Join(dir, "tokenizer.json")
		if _, err := os.Stat(tj); err == nil {
			if tok, err = tokenizer.FromHF(tj); err != nil {
				return nil, fmt.Errorf("siglip: %w", err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("siglip: %w", err)
		}
	}
	m, err := newModel(f, tok)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// f32Bytes estimates the size of an F32 GGUF of config c: every tensor at
// 4 bytes a value, plus alignment padding and room for the metadata.
func f32Bytes(c convert.Config) int {
	n := int64(1 << 20)
	for _, t := range convert.SigLIPTensors(c) {
		e, err := quant.Elements(t.Dims)
		if err != nil {
			return 0
		}
		n += 4*e + gguf.DefaultAlignment
	}
	if int64(int(n)) != n {
		return 0
	}
	return int(n)
}

// New builds a Model over an open GGUF file, which it then owns (Close
// closes it). The tokenizer comes from the file's tokenizer.ggml.* keys,
// when it has them.
func New(f *gguf.File) (*Model, error) { return newModel(f, nil) }

// newModel builds a Model with tok, or the file's own tokenizer when tok is
// nil.
func newModel(f *gguf.File, tok *tokenizer.Tokenizer) (*Model, error) {
	c, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	w, err := bindWeights(f, c)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		if _, ok := f.Value(tokenizer.KeyModel); ok {
			if tok, err = tokenizer.FromGGUF(f); err != nil {
				return nil, fmt.Errorf("siglip: %w", err)
			}
		}
	}
	if tok != nil {
		if tok.NumTokens() > c.Text.Vocab {
			return nil, fmt.Errorf("siglip: %s: the tokenizer has %d tokens but t.token_embd only %d rows", f.Path, tok.NumTokens(), c.Text.Vocab)
		}
		// Keys win; the tokenizer fills what they leave out.
		if c.PadID < 0 {
			c.PadID = tok.Pad()
		}
		if c.EOSID < 0 {
			c.EOSID = tok.EOS()
		}
	}
	return &Model{Config: c, Weights: w, Tokenizer: tok, file: f}, nil
}

// ReleaseText drops the text tower's weights (every t.* tensor) from the
// process's resident set. Zero-shot classification needs the text tower only
// to encode the labels once; after that only the image tower runs per frame,
// so the text pages (90 MB for ViT-B/16 in Q8_0) would just sit in memory.
// The weights stay valid: a later EncodeText or EncodeTokens faults the pages
// back in from the page cache (or disk) and gives the same result. Callers
// that are done with text altogether can also set Tokenizer to nil so that
// the garbage collector reclaims it. For a model converted in memory from a
// Hugging Face folder the weights are on the heap and this does nothing.
func (m *Model) ReleaseText() error {
	var ts []gguf.TensorInfo
	for _, t := range m.file.Tensors {
		if strings.HasPrefix(t.Name, "t.") {
			ts = append(ts, t)
		}
	}
	if err := m.file.Release(ts); err != nil {
		return fmt.Errorf("siglip: text tower: %w", err)
	}
	return nil
}

// Close unmaps the file. The model and its sessions must not be used
// afterwards.
func (m *Model) Close() error { return m.file.Close() }

// Path returns the file (or folder) the model was loaded from.
func (m *Model) Path() string { return m.file.Path }

// Session runs the towers for one goroutine at a time; it owns the
// activation buffers, so repeated calls do not allocate beyond their
// results. Make one per goroutine with NewSession.
type Session struct {
	// Trace, when set, sees the hidden states of every stage (see
	// forward.go): tower is "vision" or "text", x is [positions][D] and is
	// only valid during the call. Nil costs nothing.
	Trace func(tower string, stage int, x []float32)

	m            *Model
	pool         *kernels.Pool
	vision, text towerBuffers
}

// towerBuffers are one tower's activations.
type towerBuffers struct {
	cols, x, h, q, kv, att, up []float32
	enc                        EncoderScratch
}

// NewSession returns a session whose matmuls and attention heads run on p
// (nil: the calling goroutine only).
func (m *Model) NewSession(p *kernels.Pool) *Session { return &Session{m: m, pool: p} }

// EncodeText tokenizes text as SigLIP 2's processor does (lowercased first
// when Config.Lowercase; then the ids, EOS, PAD up to Text.Context) and
// returns its pooled embedding.
func (s *Session) EncodeText(text string) ([]float32, error) {
	ids, err := s.m.Tokenize(text)
	if err != nil {
		return nil, err
	}
	return s.EncodeTokens(ids)
}

// Tokenize returns the Text.Context ids EncodeText feeds the text tower.
func (m *Model) Tokenize(text string) ([]int32, error) {
	if m.Tokenizer == nil {
		return nil, fmt.Errorf("siglip: %s has no tokenizer: pass token ids instead, or use a file converted from a folder with tokenizer.json", m.Path())
	}
	if m.Config.Lowercase {
		text = tokenizer.Lowercase(text)
	}
	ids, err := m.Tokenizer.EncodeFixed(text, m.Config.Text.Context)
	if err != nil {
		return nil, fmt.Errorf("siglip: %w", err)
	}
	return ids, nil
}

// Pixels preprocesses an image for EncodeImage as the file's clip.vision.*
// keys say (Pillow-exact resize, rescale, normalise; CHW).
func (m *Model) Pixels(img *frame.RGB) ([]float32, error) { return m.Config.Image.Pixels(img) }

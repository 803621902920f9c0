package gemma3

import (
	"fmt"

	"lookout/kernels"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// DefaultContext is the context length used when Options.ContextLength is
// 0 and the model was trained on at least as much (llama.cpp's default
// n_ctx is 4096 too).
const DefaultContext = 4096

// Options configure a Model. The zero value gives llama.cpp's defaults:
// all CPUs, a 4096-token context, an F16 KV cache and flash attention.
type Options struct {
	Threads       int    // worker goroutines; 0 = kernels.DefaultThreads()
	ContextLength int    // KV cache positions; 0 = min(DefaultContext, trained context)
	KV            KVType // KVF16 (default), KVF32 or KVQ8_0
	// NoFlashAttention selects llama.cpp's non-flash attention path
	// (soft_max_ext over the whole KQ row), which is what its f32ref
	// goldens use together with KVF32.
	NoFlashAttention bool
}

// Model is a loaded Gemma 3 text model: its config, its weights (views into
// the mapped file), its tokenizer and a worker pool. It is safe for one
// Session at a time to run a forward pass.
type Model struct {
	Config    Config               // hyper-parameters from the GGUF metadata
	Weights   Weights              // views into the mapped file
	Tokenizer *tokenizer.Tokenizer // from the same file's tokenizer.ggml.* keys
	Options   Options              // as given to New
	NCtx      int                  // context length of new sessions

	file *gguf.File
	pool *kernels.Pool
}

// New builds a Model over an open GGUF file, which it then owns (Close
// closes it). Nothing is copied out of the mapping.
func New(f *gguf.File, opts Options) (*Model, error) {
	c, err := FromGGUF(f)
	if err != nil {
		return nil, err
	}
	w, err := bindWeights(f, c)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	if tok.NumTokens() > c.NVocab {
		return nil, fmt.Errorf("gemma3: %s: the vocabulary has %d tokens but token_embd only %d rows", f.Path, tok.NumTokens(), c.NVocab)
	}
	switch opts.KV {
	case KVF16, KVF32:
	case KVQ8_0:
		// As llama.cpp: a quantized V cache is only read by flash
		// attention, and rows are quantized per head, whole blocks each.
		if opts.NoFlashAttention {
			return nil, fmt.Errorf("gemma3: a q8_0 KV cache needs flash attention (as in llama.cpp)")
		}
		if c.HeadDimK%q8Block != 0 || c.HeadDimV%q8Block != 0 {
			return nil, fmt.Errorf("gemma3: %s: a q8_0 KV cache needs head dims that are multiples of %d (key %d, value %d)", f.Path, q8Block, c.HeadDimK, c.HeadDimV)
		}
	default:
		return nil, fmt.Errorf("gemma3: unknown KV cache type %v", opts.KV)
	}
	nctx := opts.ContextLength
	if nctx <= 0 {
		nctx = min(DefaultContext, c.NCtxTrain)
	}
	if opts.Threads < 0 {
		return nil, fmt.Errorf("gemma3: %d threads", opts.Threads)
	}
	return &Model{Config: c, Weights: w, Tokenizer: tok, Options: opts, NCtx: nctx,
		file: f, pool: kernels.NewPool(opts.Threads)}, nil
}

// Close stops the worker pool and unmaps the file. The model and its
// sessions must not be used afterwards.
func (m *Model) Close() error {
	m.pool.Close()
	return m.file.Close()
}

// Path returns the file the model was loaded from.
func (m *Model) Path() string { return m.file.Path }

// Session is one sequence being evaluated: a KV cache and the number of
// positions filled. Make one with NewSession.
type Session struct {
	KV *KVCache // keys and values of the positions evaluated so far

	m     *Model
	pos   int
	buf   buffers
	attn  attnScratch
	attnW []attnScratch // one per pool thread, for attendToken
	// attendToken's job and its run method as a func value, made once.
	tokJob tokenJob
	tokRun func(start, end int)
	embed  []float32
}

// NewSession allocates a KV cache of m.NCtx positions.
func (m *Model) NewSession() *Session {
	return &Session{m: m, KV: newKVCache(m.Config, m.Options.KV, m.NCtx)}
}

// Pos returns how many positions have been evaluated (the position of the
// next token).
func (s *Session) Pos() int { return s.pos }

// Reset forgets the sequence; the cache is reused.
func (s *Session) Reset() { s.pos = 0 }

package tokenizer

import (
	"errors"
	"fmt"
	"strings"

	"lookout/quant/gguf"
)

// AddToGGUF writes the vocabulary as tokenizer.ggml.* metadata keys, such
// that FromGGUF of the written file encodes every text exactly as t does.
//
// The keys are llama.cpp's: tokenizer.ggml.model "llama", tokens, scores,
// token_type, bos/eos/unknown/padding_token_id (each only when t has one),
// add_bos_token, add_eos_token and add_space_prefix. A vocabulary read from
// GGUF is written back as it was read. A tokenizer.json (BPE with merges, as
// the Gemma 256k vocabulary of SigLIP 2 is) also gets tokenizer.ggml.merges,
// its merges as "a b" strings in priority order, and FromGGUF then applies
// them by rank as Hugging Face does (and matches added tokens
// leftmost-longest). Its scores are derived for SentencePiece readers such
// as llama.cpp, which ignore merges for a "llama" vocabulary: a token made
// by a merge scores minus the rank of the best merge that makes it, other
// normal tokens score below every merge, and added, control and byte tokens
// score 0. That ordering is what the merges encode, but SentencePiece
// merging (any adjacent pair whose concatenation is a token) is not exactly
// rank-ordered BPE, so only the merges give exact Hugging Face ids.
//
// tokenizer.json pipelines beyond what the keys can say are refused with
// ErrUnsupported: a normalizer other than Replace " " → "▁" (optionally
// with Prepend "▁"), a pre-tokenizer split that could still match after
// that normalizer, ignore_merges, no byte fallback, a decoder that does not
// turn "▁" into spaces, or a post-processor adding other tokens than BOS
// before and EOS after the text.
func (t *Tokenizer) AddToGGUF(w *gguf.Writer) error {
	addSpacePrefix := t.addSpacePrefix
	var merges []string
	if t.hf != nil {
		var err error
		if addSpacePrefix, err = t.hf.ggufPrefix(); err != nil {
			return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: %w", t.source, err)
		}
		if !t.byteFallback {
			return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: byte_fallback is false: %w", t.source, ErrUnsupported)
		}
		if merges, err = t.mergeLines(); err != nil {
			return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: %w", t.source, err)
		}
	}
	addBOS, addEOS := false, false
	switch {
	case len(t.prefix) == 0:
	case len(t.prefix) == 1 && t.prefix[0] == t.bos:
		addBOS = true
	default:
		return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: the tokens added before the text (%v) are not just BOS (%d): %w", t.source, t.prefix, t.bos, ErrUnsupported)
	}
	switch {
	case len(t.suffix) == 0:
	case len(t.suffix) == 1 && t.suffix[0] == t.eos:
		addEOS = true
	default:
		return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: the tokens added after the text (%v) are not just EOS (%d): %w", t.source, t.suffix, t.eos, ErrUnsupported)
	}
	// FromGGUF refuses two ids with one text; tokenizer.json allows an
	// added token to repeat a vocabulary entry.
	seen := make(map[string]int, len(t.tokens))
	for id, s := range t.tokens {
		if prev, dup := seen[s]; dup {
			return fmt.Errorf("tokenizer: %s: cannot be stored in GGUF: token %q has ids %d and %d: %w", t.source, s, prev, id, ErrUnsupported)
		}
		seen[s] = id
	}

	types := make([]int32, len(t.types))
	for i, typ := range t.types {
		types[i] = int32(typ)
	}
	scores := t.scores
	if scores == nil {
		scores = t.derivedScores()
	}
	var errs []error
	set := func(k string, v any) {
		if err := w.Set(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	set(KeyModel, "llama")
	set(KeyTokens, t.tokens)
	set(KeyScores, scores)
	set(KeyTokenType, types)
	if merges != nil {
		set(KeyMerges, merges)
	}
	for _, k := range []struct {
		key string
		id  int32
	}{{KeyBOS, t.bos}, {KeyEOS, t.eos}, {KeyUnknown, t.unk}, {KeyPad, t.pad}} {
		if k.id >= 0 {
			set(k.key, uint32(k.id))
		}
	}
	set(KeyAddBOS, addBOS)
	set(KeyAddEOS, addEOS)
	set(KeyAddSpacePrefix, addSpacePrefix)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tokenizer: %s: %w", t.source, err)
	}
	return nil
}

// ggufPrefix checks that the pipeline is one FromGGUF rebuilds from
// add_space_prefix, and returns that flag.
func (p *hfPipeline) ggufPrefix() (bool, error) {
	prepend, replace := false, false
	for i, op := range p.norm {
		switch {
		case op.prepend && op.to == spaceEscape && !prepend:
			prepend = true
		case !op.prepend && op.from == " " && op.to == spaceEscape && !replace:
			replace = true
		default:
			return false, fmt.Errorf("normalizer step %d (%+v) is not Replace \" \" → \"▁\" or Prepend \"▁\": %w", i, op, ErrUnsupported)
		}
	}
	if !replace {
		return false, fmt.Errorf("the normalizer does not replace \" \" with \"▁\": %w", ErrUnsupported)
	}
	for _, op := range p.split {
		// After the normalizer there is no space left, so a split on a
		// pattern containing one never fires (Gemma 3's Split " ").
		if !strings.Contains(op.pattern, " ") {
			return false, fmt.Errorf("pre-tokenizer Split %q: %w", op.pattern, ErrUnsupported)
		}
	}
	if p.ignoreMerges {
		return false, fmt.Errorf("ignore_merges is true: %w", ErrUnsupported)
	}
	if !p.unescape {
		return false, fmt.Errorf("the decoder does not turn \"▁\" into spaces: %w", ErrUnsupported)
	}
	return prepend, nil
}

// mergeLines returns the merges as "a b" strings, in rank order.
func (t *Tokenizer) mergeLines() ([]string, error) {
	list := t.merges.rules()
	lines := make([]string, len(list))
	for i, e := range list {
		a, b := t.tokens[e.a], t.tokens[e.b]
		if strings.Contains(a, " ") || strings.Contains(b, " ") {
			return nil, fmt.Errorf("merge %q + %q: a token with a space cannot be written as an \"a b\" merge: %w", a, b, ErrUnsupported)
		}
		lines[i] = a + " " + b
	}
	return lines, nil
}

// derivedScores gives SentencePiece scores that order tokens as the merges
// do (see AddToGGUF).
func (t *Tokenizer) derivedScores() []float32 {
	scores := make([]float32, len(t.tokens))
	floor := -float32(t.merges.len() + 1)
	for id, typ := range t.types {
		if typ == TypeNormal {
			scores[id] = floor
		}
	}
	for _, r := range t.merges.rules() {
		if s := -float32(r.rank); t.types[r.id] == TypeNormal && s > scores[r.id] {
			scores[r.id] = s
		}
	}
	return scores
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
	"lookout/runtime/tokenizer"
)

// matrixTypeNames are the --type values of convert and gen-random.
const matrixTypeNames = "f32, f16, bf16, q8_0, q4_0 or q4_0_4x4"

// parseMatrixType parses a --type flag value.
func parseMatrixType(flagName, s string) (quant.Type, error) {
	typ, err := quant.ParseType(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", errUsage, flagName, err)
	}
	switch typ {
	case quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4:
		return typ, nil
	}
	return 0, fmt.Errorf("%w: %s %s not supported (%s)", errUsage, flagName, typ, matrixTypeNames)
}

func runConvert(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("convert", flag.ContinueOnError)
	typName := fset.String("type", "f16", "matrix type: "+matrixTypeNames+" (norms, biases and position embeddings stay f32)")
	embName := fset.String("embeddings", "", "token embedding type (default: --type, but q8_0 for q4_0)")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: lookout convert HF_DIR OUT.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_0_4x4] [--embeddings T]\n\nConverts a Hugging Face SigLIP / SigLIP 2 (FixRes) folder — config.json,\npreprocessor_config.json, *.safetensors, tokenizer.json — into one GGUF file.")
		fset.PrintDefaults()
	}
	pos, err := parseFlags(fset, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("%w: want HF_DIR and OUT.gguf, got %d arguments", errUsage, len(pos))
	}
	dir, out := pos[0], pos[1]
	o := convert.Options{}
	if o.Type, err = parseMatrixType("--type", *typName); err != nil {
		return err
	}
	if *embName != "" {
		et, err := parseMatrixType("--embeddings", *embName)
		if err != nil {
			return err
		}
		o.EmbeddingType = &et
	}
	start := time.Now()
	c, err := convert.Convert(dir, o)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, w := range c.Warnings {
		fmt.Fprintf(stderr, "lookout convert: warning: %s\n", w)
	}
	tokPath := filepath.Join(dir, "tokenizer.json")
	tokNote := "tokenizer"
	switch _, err := os.Stat(tokPath); {
	case errors.Is(err, fs.ErrNotExist):
		tokNote = "no tokenizer"
		fmt.Fprintf(stderr, "lookout convert: warning: %s has no tokenizer.json: the text tower will take token ids only\n", dir)
	case err != nil:
		return err
	default:
		tok, err := tokenizer.FromHF(tokPath)
		if err != nil {
			return err
		}
		if err := addSigLIPTokenizer(c.Writer, tok, c.Config.Text.Vocab); err != nil {
			return err
		}
	}
	if err := c.Writer.WriteFile(out); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lookout: wrote %s: siglip, %s, %s, %.1f MiB in %v\n",
		out, typeSummary(c.Config, o), tokNote, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

// addSigLIPTokenizer stores tok in w and the SigLIP text keys that come from
// it. The vocabulary must fit the token embedding.
func addSigLIPTokenizer(w *gguf.Writer, tok *tokenizer.Tokenizer, vocab int) error {
	if tok.NumTokens() > vocab {
		return fmt.Errorf("%s: %d tokens, more than the %d rows of the token embedding (text_config.vocab_size)", tok.Source(), tok.NumTokens(), vocab)
	}
	if err := tok.AddToGGUF(w); err != nil {
		return err
	}
	var errs []error
	if tok.Pad() >= 0 {
		errs = append(errs, w.Set("siglip.text.pad_token_id", uint32(tok.Pad())))
	}
	if tok.EOS() >= 0 {
		errs = append(errs, w.Set("siglip.text.eos_token_id", uint32(tok.EOS())))
	}
	return errors.Join(errs...)
}

// typeSummary counts the tensors of each type: "172 tensors: 92 f32, 80 q8_0".
func typeSummary(c convert.Config, o convert.Options) string {
	var types []quant.Type
	for _, s := range convert.SigLIPTensors(c) {
		types = append(types, convert.TypeFor(s, o))
	}
	return countTypes(types)
}

// countTypes words a list of tensor types as "172 tensors: 92 f32, 80 q8_0".
func countTypes(types []quant.Type) string {
	count := map[quant.Type]int{}
	for _, t := range types {
		count[t]++
	}
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(count)) {
		parts = append(parts, fmt.Sprintf("%d %s", count[t], t))
	}
	return fmt.Sprintf("%d tensors: %s", len(types), strings.Join(parts, ", "))
}

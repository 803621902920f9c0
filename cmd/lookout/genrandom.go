package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
	"lookout/runtime/tokenizer"
)

// defaultVocab is the GGUF whose tokenizer gen-random copies when --vocab
// is not given, looked up in the working directory and its parents (so it
// is found anywhere inside a checkout).
const defaultVocab = "testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf"

func findDefaultVocab() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, defaultVocab)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func runGenRandom(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen-random", flag.ContinueOnError)
	arch := fs.String("arch", gemma3.Arch, "architecture: gemma3 or siglip")
	preset := fs.String("preset", "", "shape preset: tiny, 1b or 4b (gemma3); tiny or b16 (siglip)")
	typName := fs.String("type", "q4_0", "weight type: f32, f16, bf16, q8_0 or q4_0 (norms stay f32)")
	vocab := fs.String("vocab", "", "gemma3: GGUF file to copy the tokenizer.* metadata from (default: "+defaultVocab+" in the checkout)")
	vocabJSON := fs.String("vocab-json", "", "siglip: tokenizer.json(.gz) to store (default for b16: "+defaultSigLIPVocab+" in the checkout or $LOOKOUT_TESTDATA, else none)")
	seed := fs.Uint64("seed", 1, "random seed (the same seed writes the same file)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout gen-random --arch gemma3 --preset tiny|1b|4b --type f16|q8_0|q4_0|f32 [--vocab FROM.gguf] [--seed S] OUT.gguf\n       lookout gen-random --arch siglip --preset tiny|b16 --type f16|q8_0|q4_0|f32 [--vocab-json TOKENIZER.json] [--seed S] OUT.gguf\n\nWrites a model with the real shapes and random weights (Gemma 3: N(0, 0.02²); SigLIP: the init of testdata/siglip2-tiny), for benchmarks without downloads.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want one output file, got %d arguments", errUsage, len(pos))
	}
	if *arch == convert.Arch {
		if *vocab != "" {
			return fmt.Errorf("%w: --vocab is for gemma3; siglip takes --vocab-json", errUsage)
		}
		return genRandomSigLIP(pos[0], *preset, *typName, *vocabJSON, *seed, stderr)
	}
	if *arch != gemma3.Arch {
		return fmt.Errorf("%w: --arch %q not supported (gemma3 or siglip)", errUsage, *arch)
	}
	if *vocabJSON != "" {
		return fmt.Errorf("%w: --vocab-json is for siglip; gemma3 takes --vocab", errUsage)
	}
	c, ok := gemma3.Presets[*preset]
	if !ok {
		names := make([]string, 0, len(gemma3.Presets))
		for n := range gemma3.Presets {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("%w: --preset %q: want one of %s", errUsage, *preset, strings.Join(names, ", "))
	}
	typ, err := quant.ParseType(*typName)
	if err != nil {
		return fmt.Errorf("%w: --type: %v", errUsage, err)
	}
	switch typ {
	case quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0:
	default:
		hint := ""
		if typ == quant.Q4_0_4_4 {
			hint = "; write q4_0 and repack it with `lookout quantize --type q4_0_4x4`"
		}
		return fmt.Errorf("%w: --type %s not supported for gemma3 (f32, f16, bf16, q8_0, q4_0)%s", errUsage, typ, hint)
	}
	if *vocab == "" {
		p, ok := findDefaultVocab()
		if !ok {
			return fmt.Errorf("%w: --vocab is required here: give a Gemma 3 GGUF to copy the tokenizer from (%s was not found in this folder or its parents)", errUsage, defaultVocab)
		}
		*vocab = p
	}
	vf, err := gguf.Open(*vocab)
	if err != nil {
		return fmt.Errorf("--vocab: %w", err)
	}
	defer vf.Close()
	name := "Gemma3 " + map[string]string{"tiny": "Tiny"}[*preset] + strings.ToUpper(strings.TrimPrefix(*preset, "tiny")) + " Random"
	w, err := gemma3.RandomWriter(name, c, typ, vf, *seed)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := w.WriteFile(pos[0]); err != nil {
		return err
	}
	st, err := os.Stat(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lookout: wrote %s: gemma3 %s %s, %d layers, vocab %d, %.1f MiB in %v\n",
		pos[0], *preset, typ, c.NLayer, c.NVocab, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

// defaultSigLIPVocab is the SigLIP 2 (Gemma 256k) tokenizer gen-random
// --arch siglip --preset b16 stores when --vocab-json is not given: looked up
// in $LOOKOUT_TESTDATA, then in testdata/ and ../shared/testdata/ of the
// working directory and its parents. Without it the file has no tokenizer
// (the text tower then takes token ids). The tiny preset's 1024-row
// embedding has no real vocabulary, so it never gets one by default.
const defaultSigLIPVocab = "tokenizers/gemma-256k.tokenizer.json.gz"

func findSigLIPVocab() (string, bool) {
	var roots []string
	if d := os.Getenv("LOOKOUT_TESTDATA"); d != "" {
		roots = append(roots, d)
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			roots = append(roots, filepath.Join(dir, "testdata"), filepath.Join(dir, "..", "shared", "testdata"))
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	for _, r := range roots {
		p := filepath.Join(r, defaultSigLIPVocab)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// genRandomSigLIP is gen-random --arch siglip.
func genRandomSigLIP(out, preset, typName, vocabJSON string, seed uint64, stderr io.Writer) error {
	c, ok := convert.SigLIPPresets[preset]
	if !ok {
		return fmt.Errorf("%w: --preset %q: want one of %s for siglip", errUsage, preset, strings.Join(convert.PresetNames(), ", "))
	}
	typ, err := parseMatrixType("--type", typName)
	if err != nil {
		return err
	}
	start := time.Now()
	w, err := convert.RandomSigLIP(preset, typ, seed)
	if err != nil {
		return err
	}
	if vocabJSON == "" && preset == "b16" {
		if p, ok := findSigLIPVocab(); ok {
			vocabJSON = p
		}
	}
	tokNote := "no tokenizer"
	if vocabJSON != "" {
		tok, err := tokenizer.FromHF(vocabJSON)
		if err != nil {
			return fmt.Errorf("--vocab-json: %w", err)
		}
		if err := addSigLIPTokenizer(w, tok, c.Text.Vocab); err != nil {
			return fmt.Errorf("--vocab-json: %w", err)
		}
		tokNote = "tokenizer " + filepath.Base(vocabJSON)
	} else {
		fmt.Fprintf(stderr, "lookout gen-random: warning: no tokenizer stored (give --vocab-json): the text tower will take token ids only\n")
	}
	if err := w.WriteFile(out); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lookout: wrote %s: siglip %s, %s, %s, %.1f MiB in %v\n",
		out, preset, typeSummary(c, convert.Options{Type: typ}), tokNote, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

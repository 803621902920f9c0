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
	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
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
	arch := fs.String("arch", gemma3.Arch, "architecture (gemma3)")
	preset := fs.String("preset", "", "shape preset: tiny, 1b or 4b")
	typName := fs.String("type", "q4_0", "weight type: f32, f16, bf16, q8_0 or q4_0 (norms stay f32)")
	vocab := fs.String("vocab", "", "GGUF file to copy the tokenizer.* metadata from (default: "+defaultVocab+" in the checkout)")
	seed := fs.Uint64("seed", 1, "random seed (the same seed writes the same file)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout gen-random --arch gemma3 --preset tiny|1b|4b --type f16|q8_0|q4_0|f32 [--vocab FROM.gguf] [--seed S] OUT.gguf\n\nWrites a model with the real shapes and random weights N(0, 0.02²), for benchmarks without downloads.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want one output file, got %d arguments", errUsage, len(pos))
	}
	if *arch != gemma3.Arch {
		return fmt.Errorf("%w: --arch %q not supported (gemma3; siglip comes with the SigLIP issue)", errUsage, *arch)
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
		return fmt.Errorf("%w: --type %s not supported (f32, f16, bf16, q8_0, q4_0)", errUsage, typ)
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

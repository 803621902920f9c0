package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"lookout/quant/gguf"
	"lookout/runtime/model"
	"lookout/runtime/tokenizer"
)

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	modelPath := fs.String("model", "", "GGUF model file whose vocabulary to use")
	noBOS := fs.Bool("no-bos", false, "do not add the tokens the vocabulary asks for (BOS)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout tokenize --model M [--no-bos] TEXT\n\nPrints the token ids as a JSON array. Special tokens such as <start_of_turn> in TEXT are recognized.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if *modelPath == "" {
		return fmt.Errorf("%w: --model is required", errUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want one TEXT argument, got %d", errUsage, len(pos))
	}
	path, err := model.Resolve(*modelPath)
	if err != nil {
		return err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return err
	}
	ids := tok.Encode(pos[0], tokenizer.EncodeOptions{AddSpecial: !*noBOS, ParseSpecial: true})
	if ids == nil {
		ids = []int32{}
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"lookout/runtime/chat"
	"lookout/runtime/gemma3"
	"lookout/runtime/sample"
	"lookout/runtime/tokenizer"
)

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	prompt := fs.String("prompt", "", "prompt text")
	n := fs.Int("n", 64, "maximum tokens to generate")
	var so sample.Options
	temp := fs.Float64("temp", 0, "temperature; 0 = greedy")
	fs.IntVar(&so.TopK, "top-k", 40, "keep the k most likely tokens (0 = all)")
	topP := fs.Float64("top-p", 0.95, "nucleus sampling threshold (1 = off)")
	minP := fs.Float64("min-p", 0.05, "drop tokens below this fraction of the best one's probability")
	rep := fs.Float64("repeat-penalty", 1, "repetition penalty over the last 64 tokens (1 = off)")
	fs.Uint64Var(&so.Seed, "seed", 0, "random seed for sampling")
	useChat := fs.Bool("chat", false, "wrap the prompt in the Gemma 3 chat template as one user turn")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout generate --model M --prompt TEXT [-n 64] [--temp 0] [--seed S] [--chat]\n\nStreams the generated text to stdout; stops at <end_of_turn> or <eos>.")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, pos)
	}
	if *prompt == "" {
		return fmt.Errorf("%w: --prompt is required", errUsage)
	}
	if *n < 0 {
		return fmt.Errorf("%w: -n must not be negative", errUsage)
	}
	so.Temperature, so.TopP, so.MinP, so.RepeatPenalty = float32(*temp), float32(*topP), float32(*minP), float32(*rep)
	m, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	text := *prompt
	if *useChat {
		if text, err = chat.Prompt([]chat.Message{{Role: chat.User, Content: *prompt}}); err != nil {
			return err
		}
	}
	tok := m.Tokenizer
	ids := tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
	stops, err := chat.StopTokens(tok)
	if err != nil {
		return err
	}
	return generate(m, ids, *n, sample.New(so), stops, stdout, stderr)
}

// generate evaluates the prompt in one batch, then samples up to n tokens
// one at a time, streaming their text to stdout, and stops at a stop token
// or when the context is full.
func generate(m *gemma3.Model, ids []int32, n int, smp *sample.Sampler, stops []int32, stdout, stderr io.Writer) error {
	s := m.NewSession()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	dec := m.Tokenizer.NewDecoder(tokenizer.DecodeOptions{})
	for _, id := range ids {
		smp.Accept(id)
	}
	start := time.Now()
	logits, err := s.Forward(ids, false)
	if err != nil {
		return err
	}
	prefill := time.Since(start)
	start = time.Now()
	produced := 0
	for produced < n {
		id := smp.Sample(logits)
		if slices.Contains(stops, id) {
			break
		}
		smp.Accept(id)
		produced++
		w.WriteString(dec.Add(id))
		w.Flush()
		if produced == n {
			break
		}
		if logits, err = s.Forward([]int32{id}, false); err != nil {
			if errors.Is(err, gemma3.ErrContextFull) {
				fmt.Fprintf(stderr, "\nlookout: context full after %d tokens\n", s.Pos())
				break
			}
			return err
		}
	}
	w.WriteString(dec.Flush())
	w.WriteString("\n")
	decode := time.Since(start)
	fmt.Fprintf(stderr, "lookout: prompt %d tokens in %v (%.1f tok/s); generated %d tokens in %v (%.1f tok/s)\n",
		len(ids), prefill.Round(time.Millisecond), float64(len(ids))/prefill.Seconds(),
		produced, decode.Round(time.Millisecond), float64(produced)/max(decode.Seconds(), 1e-9))
	return nil
}

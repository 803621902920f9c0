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
	sampling := samplingFlags(fs)
	useChat := fs.Bool("chat", false, "wrap the prompt in the Gemma 3 chat template as one user turn")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout generate --model M --prompt TEXT [-n 64] [--temp 0] [--seed S] [--chat]\n\nStreams the generated text to stdout; stops at <end_of_turn> or <eos>.")
		fs.PrintDefaults()
	}
	if err := parseNoArgs(fs, args, stderr); err != nil {
		return err
	}
	if *prompt == "" {
		return fmt.Errorf("%w: --prompt is required", errUsage)
	}
	if *n < 0 {
		return fmt.Errorf("%w: -n must not be negative", errUsage)
	}
	so := sampling()
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

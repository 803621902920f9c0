package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"lookout/runtime/chat"
	"lookout/runtime/gemma3"
	"lookout/runtime/sample"
	"lookout/runtime/tokenizer"
)

// stdin is where chat reads the user's lines; tests replace it.
var stdin io.Reader = os.Stdin

// samplingFlags registers generate's sampling flags on fs; the returned
// function reads them after parsing.
func samplingFlags(fs *flag.FlagSet) func() sample.Options {
	var so sample.Options
	temp := fs.Float64("temp", 0, "temperature; 0 = greedy")
	fs.IntVar(&so.TopK, "top-k", 40, "keep the k most likely tokens (0 = all)")
	topP := fs.Float64("top-p", 0.95, "nucleus sampling threshold (1 = off)")
	minP := fs.Float64("min-p", 0.05, "drop tokens below this fraction of the best one's probability")
	rep := fs.Float64("repeat-penalty", 1, "repetition penalty over the last 64 tokens (1 = off)")
	fs.Uint64Var(&so.Seed, "seed", 0, "random seed for sampling")
	return func() sample.Options {
		so.Temperature, so.TopP, so.MinP, so.RepeatPenalty = float32(*temp), float32(*topP), float32(*minP), float32(*rep)
		return so
	}
}

func runChat(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	system := fs.String("system", "", "system prompt (Gemma folds it into the first user turn)")
	n := fs.Int("n", 512, "maximum tokens per reply")
	sampling := samplingFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout chat --model M [--system TEXT] [-n 512] [--temp 0] [--seed S] [--ctx N]\n\nReads one user message per line from stdin until EOF and streams each reply\nto stdout (followed by a newline). The conversation is kept in the KV cache;\nwhen the context fills, the oldest turns are dropped.")
		fs.PrintDefaults()
	}
	if err := parseNoArgs(fs, args, stderr); err != nil {
		return err
	}
	if *n <= 0 {
		return fmt.Errorf("%w: -n must be positive", errUsage)
	}
	m, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	c := &chatSession{m: m, s: m.NewSession(), smp: sample.New(sampling()), system: *system, n: *n, stderr: stderr}
	if c.stops, err = chat.StopTokens(m.Tokenizer); err != nil {
		return err
	}
	interactive := false
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			interactive = true
		}
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for {
		if interactive {
			fmt.Fprint(stderr, "> ")
		}
		if !in.Scan() {
			break
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if err := c.turn(line, w); err != nil {
			return err
		}
	}
	if interactive {
		fmt.Fprintln(stderr)
	}
	return in.Err()
}

// chatSession is a conversation whose tokens so far are in s's KV cache.
type chatSession struct {
	m      *gemma3.Model
	s      *gemma3.Session
	smp    *sample.Sampler
	stops  []int32
	system string
	n      int // maximum tokens per reply
	stderr io.Writer

	turns []chat.Message // user, model, user, ... (the system text apart)
	fed   []int32        // the tokens in the KV cache, in order
}

// render tokenizes the conversation with the generation prompt, exactly as
// `generate --prompt` of the rendered text would.
func (c *chatSession) render() ([]int32, error) {
	msgs := c.turns
	if c.system != "" {
		msgs = append([]chat.Message{{Role: chat.System, Content: c.system}}, msgs...)
	}
	text, err := chat.Prompt(msgs)
	if err != nil {
		return nil, err
	}
	return c.m.Tokenizer.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true}), nil
}

// turn answers one user message, streaming the reply to w.
func (c *chatSession) turn(text string, w *bufio.Writer) error {
	nctx := c.m.NCtx
	c.turns = append(c.turns, chat.Message{Role: chat.User, Content: text})
	// Room for the reply: the whole -n when the context allows, at least
	// a quarter of the context otherwise.
	reserve := min(c.n, max(nctx/4, 1))
	ids, err := c.render()
	if err != nil {
		return err
	}
	dropped := 0
	for len(ids)+reserve > nctx && len(c.turns) > 1 {
		c.turns = c.turns[2:] // the oldest user turn and its reply
		dropped++
		if ids, err = c.render(); err != nil {
			return err
		}
	}
	if len(ids) >= nctx {
		c.turns = c.turns[:len(c.turns)-1]
		fmt.Fprintf(c.stderr, "lookout: the message does not fit in the context (%d tokens with the template, context %d); not sent\n", len(ids), nctx)
		return nil
	}
	// Reuse the cache for the longest common prefix; the new turn always
	// adds tokens. If the cached tokens are not a prefix (turns dropped, or
	// the last reply re-tokenizes differently), evaluate from scratch.
	common := 0
	for common < len(c.fed) && common < len(ids) && c.fed[common] == ids[common] {
		common++
	}
	if common < len(c.fed) {
		switch {
		case dropped > 0:
			fmt.Fprintf(c.stderr, "lookout: context full: dropped the %d oldest exchange(s); re-reading %d tokens\n", dropped, len(ids))
		default:
			fmt.Fprintf(c.stderr, "lookout: re-reading the conversation (%d tokens): the last reply tokenizes differently as text\n", len(ids))
		}
		c.s.Reset()
		c.fed, common = c.fed[:0], 0
	}
	if common == len(ids) { // cannot happen: a user turn adds tokens
		return errors.New("chat: nothing new to evaluate")
	}
	for _, id := range ids[common:] {
		c.smp.Accept(id)
	}
	logits, err := c.s.Forward(ids[common:], false)
	if err != nil {
		return err
	}
	c.fed = append(c.fed[:common], ids[common:]...)

	dec := c.m.Tokenizer.NewDecoder(tokenizer.DecodeOptions{})
	var reply strings.Builder
	for produced := 0; produced < c.n; {
		id := c.smp.Sample(logits)
		if slices.Contains(c.stops, id) {
			break
		}
		c.smp.Accept(id)
		produced++
		piece := dec.Add(id)
		reply.WriteString(piece)
		w.WriteString(piece)
		w.Flush()
		if produced == c.n {
			break
		}
		if logits, err = c.s.Forward([]int32{id}, false); err != nil {
			if errors.Is(err, gemma3.ErrContextFull) {
				fmt.Fprintf(c.stderr, "\nlookout: context full after %d tokens; reply cut short\n", c.s.Pos())
				break
			}
			return err
		}
		c.fed = append(c.fed, id)
	}
	rest := dec.Flush()
	reply.WriteString(rest)
	w.WriteString(rest)
	w.WriteString("\n")
	w.Flush()
	c.turns = append(c.turns, chat.Message{Role: chat.Model, Content: reply.String()})
	return nil
}

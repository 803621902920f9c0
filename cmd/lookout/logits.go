package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"lookout/runtime/gemma3"
	"lookout/runtime/model"
	"lookout/runtime/tokenizer"
)

// modelFlags are the flags every command that runs Gemma 3 shares.
type modelFlags struct {
	model   string
	threads int
	ctx     int
	kv      string
	noFA    bool
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.model, "model", "", "GGUF model file (Gemma 3 text)")
	fs.IntVar(&m.threads, "threads", 0, "worker threads (0 = all CPUs)")
	fs.IntVar(&m.ctx, "ctx", 0, "context length in tokens (0 = min(4096, the model's))")
	fs.StringVar(&m.kv, "kv", "f16", "KV cache type: f16 (llama.cpp's default), f32 or q8_0 (half the memory of f16; needs flash attention)")
	fs.BoolVar(&m.noFA, "no-flash-attn", false, "use llama.cpp's non-flash attention path (soft_max over the KQ row)")
}

// load opens the model, logging what it loaded to stderr.
func (m *modelFlags) load(stderr io.Writer) (*gemma3.Model, error) {
	if m.model == "" {
		return nil, fmt.Errorf("%w: --model is required", errUsage)
	}
	kv, err := gemma3.ParseKVType(m.kv)
	if err != nil {
		return nil, fmt.Errorf("%w: --kv: %v", errUsage, err)
	}
	if m.threads < 0 || m.ctx < 0 {
		return nil, fmt.Errorf("%w: --threads and --ctx must not be negative", errUsage)
	}
	start := time.Now()
	g, err := model.Load(m.model, gemma3.Options{Threads: m.threads, ContextLength: m.ctx, KV: kv, NoFlashAttention: m.noFA})
	if err != nil {
		return nil, err
	}
	c := g.Config
	fmt.Fprintf(stderr, "lookout: loaded %s in %v: %d layers, d=%d, %d heads (%d kv), vocab %d, context %d, KV %s (%.1f MiB), flash attention %v\n",
		m.model, time.Since(start).Round(time.Millisecond), c.NLayer, c.NEmbd, c.NHead, c.NHeadKV, c.NVocab, g.NCtx,
		kv, float64(g.KVBytes())/(1<<20), !m.noFA)
	return g, nil
}

func runLogits(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logits", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	prompt := fs.String("prompt", "", "prompt text (tokenized with BOS, special tokens parsed)")
	tokens := fs.String("tokens", "", "comma-separated token ids instead of --prompt")
	top := fs.Int("top", 20, "logits to print per position")
	dump := fs.String("dump-last", "", "write the last position's logits to this file as little-endian float32")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout logits --model M (--prompt TEXT | --tokens 2,651,...) [--top 20] [--dump-last FILE.f32] [--threads N] [--kv f16|f32] [--no-flash-attn]\n\nPrints one JSON object per position: {\"pos\":i,\"token\":id,\"top\":[[id,logit],...]}.")
		fs.PrintDefaults()
	}
	if err := parseNoArgs(fs, args, stderr); err != nil {
		return err
	}
	if (*prompt == "") == (*tokens == "") {
		return fmt.Errorf("%w: give exactly one of --prompt and --tokens", errUsage)
	}
	if *top < 0 {
		return fmt.Errorf("%w: --top must not be negative", errUsage)
	}
	m, err := mf.load(stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	var ids []int32
	if *tokens != "" {
		if ids, err = parseIDs(*tokens, m.Config.NVocab); err != nil {
			return fmt.Errorf("%w: --tokens: %v", errUsage, err)
		}
	} else {
		ids = m.Tokenizer.Encode(*prompt, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
		if len(ids) == 0 {
			return fmt.Errorf("%w: the prompt has no tokens", errUsage)
		}
	}
	s := m.NewSession()
	start := time.Now()
	logits, err := s.Forward(ids, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lookout: %d tokens in %v\n", len(ids), time.Since(start).Round(time.Millisecond))
	V := m.Config.NVocab
	w := bufio.NewWriter(stdout)
	for i, id := range ids {
		line := struct {
			Pos   int          `json:"pos"`
			Token int32        `json:"token"`
			Top   [][2]float64 `json:"top"`
		}{i, id, topLogits(logits[i*V:(i+1)*V], *top)}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if *dump != "" {
		last := logits[(len(ids)-1)*V:]
		b := make([]byte, 4*len(last))
		for i, v := range last {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		if err := os.WriteFile(*dump, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parseIDs parses "2,651,..." and checks each id against the vocabulary.
func parseIDs(s string, nVocab int) ([]int32, error) {
	var ids []int32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%q is not a token id", f)
		}
		if v < 0 || v >= int64(nVocab) {
			return nil, fmt.Errorf("token id %d out of range [0,%d)", v, nVocab)
		}
		ids = append(ids, int32(v))
	}
	return ids, nil
}

// topLogits returns the k largest logits as [id, logit] pairs, largest
// first, the smaller id first on ties (the goldens' order).
func topLogits(row []float32, k int) [][2]float64 {
	k = min(k, len(row))
	best := make([]int, 0, k+1)
	better := func(a, b int) bool { return row[a] > row[b] || (row[a] == row[b] && a < b) }
	for i := range row {
		if len(best) == k && (k == 0 || !better(i, best[k-1])) {
			continue
		}
		j := len(best)
		best = append(best, i)
		for j > 0 && better(i, best[j-1]) {
			best[j] = best[j-1]
			j--
		}
		best[j] = i
		if len(best) > k {
			best = best[:k]
		}
	}
	out := make([][2]float64, len(best))
	for i, id := range best {
		out[i] = [2]float64{float64(id), float64(row[id])}
	}
	return out
}

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"lookout/kernels"
	"lookout/runtime/gemma3"
	"lookout/runtime/sample"
)

// benchResult is what `lookout bench --json` prints (one object).
type benchResult struct {
	Model        string         `json:"model"`
	Arch         string         `json:"arch"`
	Layers       int            `json:"layers"`
	Embedding    int            `json:"embedding"`
	Vocab        int            `json:"vocab"`
	WeightType   string         `json:"weight_type"` // of the first layer's attn_q
	EmbdType     string         `json:"embedding_type"`
	Kernels      string         `json:"kernels"`
	Threads      int            `json:"threads"`
	GOARCH       string         `json:"goarch"`
	Context      int            `json:"context"`
	KVBytes      int64          `json:"kv_bytes"`
	LoadMS       float64        `json:"load_ms"`
	FirstTokenMS float64        `json:"first_token_ms"` // one token on a fresh session right after load: page faults included
	Prefill      []benchPrefill `json:"prefill"`
	Decode       benchDecode    `json:"decode"`
	PeakRSSBytes int64          `json:"peak_rss_bytes"` // getrusage ru_maxrss, before the bandwidth probe
	// ReadBandwidth is kernels.ReadBandwidth with the same thread count,
	// in bytes per second.
	ReadBandwidth float64 `json:"read_bandwidth_bytes_per_s"`
	BandwidthBuf  int64   `json:"bandwidth_buffer_bytes"`
	// BytesPerToken is the weight bytes one decode step reads: every layer
	// matrix and norm vector, the output norm, the whole LM head (the tied
	// token_embd: all rows, since every logit is computed) and one
	// embedding row. The KV cache reads (which grow with the position) are
	// not included.
	BytesPerToken int64 `json:"bytes_per_token"`
	// Roofline is decode tok/s × BytesPerToken ÷ ReadBandwidth: the
	// fraction of the measured memory bandwidth decode streams weights at.
	Roofline float64 `json:"roofline_fraction"`
}

type benchPrefill struct {
	Tokens int     `json:"tokens"`
	MS     float64 `json:"ms"`
	TokS   float64 `json:"tok_per_s"`
	// GOPS is 2·(tokens·layer matrix elements + vocab·d) per second: the
	// weight multiply-adds of the batch (attention scores not counted).
	GOPS float64 `json:"gop_per_s"`
}

type benchDecode struct {
	Tokens int     `json:"tokens"`
	MS     float64 `json:"ms"`
	TokS   float64 `json:"tok_per_s"`
}

// peakRSS returns the process's peak resident set in bytes (Linux reports
// ru_maxrss in KiB).
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// weightStats returns the weight bytes read per decoded token and the
// matrix elements of all layers (see benchResult.BytesPerToken).
func weightStats(m *gemma3.Model) (bytesPerToken, layerElems int64) {
	w := m.Weights
	vec := func(v []float32) int64 { return int64(4 * len(v)) }
	b := vec(w.OutputNorm) + int64(len(w.Output.Data)) + int64(w.TokenEmbd.RowBytes())
	for _, l := range w.Layers {
		for _, mt := range []kernels.Matrix{l.Q, l.K, l.V, l.Output, l.Gate, l.Up, l.Down} {
			b += int64(len(mt.Data))
			layerElems += int64(mt.Rows) * int64(mt.Cols)
		}
		for _, v := range [][]float32{l.AttnNorm, l.QNorm, l.KNorm, l.PostAttnNorm, l.FFNNorm, l.PostFFWNorm} {
			b += vec(v)
		}
	}
	return b, layerElems
}

func parseLengths(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive length", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	lengthsFlag := fs.String("prompt-lengths", "64,512", "prefill batch sizes to time, comma-separated (random token ids, a fresh session each)")
	nDecode := fs.Int("decode", 128, "tokens to decode (greedy, after a one-token prompt)")
	bwMB := fs.Int("bandwidth-mb", 256, "MiB the memory bandwidth probe reads (0 = skip the probe)")
	runs := fs.Int("runs", 5, "SigLIP: timed passes per tower and thread count (the median is reported)")
	nLabels := fs.Int("labels", 10, "SigLIP: labels to encode for the classification run (0 = skip it)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lookout bench --model M [--threads N] [--json] [--prompt-lengths 64,512] [--decode 128]\n\nGemma 3: load time, prefill and decode tokens/s, peak RSS, memory read\nbandwidth and the decode roofline fraction (tok/s × weight bytes per token ÷\nbandwidth). SigLIP: image-tower ms and text-tower ms per prompt at 1 thread\nand at --threads (default all CPUs), GOP/s, the cost of encoding --labels\nlabels then classifying a frame, and peak RSS.")
		fs.PrintDefaults()
	}
	if err := parseNoArgs(fs, args, stderr); err != nil {
		return err
	}
	if *runs <= 0 || *nLabels < 0 {
		return fmt.Errorf("%w: --runs must be positive and --labels not negative", errUsage)
	}
	sm, sLoad, isSigLIP, err := openSigLIP(mf.model)
	if err != nil {
		return err
	}
	if isSigLIP {
		if mf.threads < 0 {
			sm.Close()
			return fmt.Errorf("%w: --threads must not be negative", errUsage)
		}
		th := mf.threads
		if th == 0 {
			th = kernels.DefaultThreads()
		}
		threads := []int{1}
		if th > 1 {
			threads = append(threads, th)
		}
		return runSigLIPBench(sm, mf.model, sLoad, threads, *runs, *nLabels, *asJSON, stdout, stderr)
	}
	lengths, err := parseLengths(*lengthsFlag)
	if err != nil {
		return fmt.Errorf("%w: --prompt-lengths: %v", errUsage, err)
	}
	if *nDecode <= 0 || *bwMB < 0 {
		return fmt.Errorf("%w: --decode must be positive and --bandwidth-mb not negative", errUsage)
	}
	need := *nDecode + 1
	for _, l := range lengths {
		need = max(need, l)
	}
	if mf.ctx == 0 {
		mf.ctx = need
	} else if mf.ctx < need {
		return fmt.Errorf("%w: --ctx %d is smaller than the longest run (%d tokens)", errUsage, mf.ctx, need)
	}
	threads := mf.threads
	if threads == 0 {
		threads = kernels.DefaultThreads()
	}

	start := time.Now()
	m, err := mf.load(stderr)
	if err != nil {
		return err
	}
	load := time.Since(start)
	defer m.Close()
	c := m.Config
	r := benchResult{
		Model: mf.model, Arch: gemma3.Arch, Layers: c.NLayer, Embedding: c.NEmbd, Vocab: c.NVocab,
		WeightType: m.Weights.Layers[0].Q.Type.String(), EmbdType: m.Weights.TokenEmbd.Type.String(),
		Kernels: kernels.Active(), Threads: threads, GOARCH: runtime.GOARCH,
		Context: m.NCtx, KVBytes: m.KVBytes(), LoadMS: ms(load),
	}
	var layerElems int64
	r.BytesPerToken, layerElems = weightStats(m)

	rng := rand.New(rand.NewPCG(1, 2))
	nTok := m.Tokenizer.NumTokens()
	randomIDs := func(n int) []int32 {
		ids := make([]int32, n)
		for i := range ids {
			ids[i] = int32(rng.IntN(nTok))
		}
		return ids
	}
	bos := m.Tokenizer.BOS()
	if bos < 0 {
		bos = 0
	}
	t0 := time.Now()
	if _, err := m.NewSession().Forward([]int32{bos}, false); err != nil {
		return err
	}
	r.FirstTokenMS = ms(time.Since(t0))

	for _, l := range lengths {
		s := m.NewSession()
		ids := randomIDs(l)
		t0 := time.Now()
		if _, err := s.Forward(ids, false); err != nil {
			return err
		}
		d := time.Since(t0)
		ops := 2 * (float64(l)*float64(layerElems) + float64(c.NVocab)*float64(c.NEmbd))
		r.Prefill = append(r.Prefill, benchPrefill{Tokens: l, MS: ms(d), TokS: float64(l) / d.Seconds(), GOPS: ops / d.Seconds() / 1e9})
		fmt.Fprintf(stderr, "lookout: prefill %d tokens in %v\n", l, d.Round(time.Millisecond))
	}

	s := m.NewSession()
	logits, err := s.Forward([]int32{bos}, false)
	if err != nil {
		return err
	}
	t0 = time.Now()
	for range *nDecode {
		if logits, err = s.Forward([]int32{sample.Greedy(logits)}, false); err != nil {
			return err
		}
	}
	d := time.Since(t0)
	r.Decode = benchDecode{Tokens: *nDecode, MS: ms(d), TokS: float64(*nDecode) / d.Seconds()}
	fmt.Fprintf(stderr, "lookout: decoded %d tokens in %v\n", *nDecode, d.Round(time.Millisecond))
	r.PeakRSSBytes = peakRSS()

	if *bwMB > 0 {
		p := kernels.NewPool(threads)
		r.BandwidthBuf = int64(*bwMB) << 20
		r.ReadBandwidth = kernels.ReadBandwidth(p, r.BandwidthBuf, 500*time.Millisecond)
		p.Close()
		r.Roofline = r.Decode.TokS * float64(r.BytesPerToken) / r.ReadBandwidth
	}

	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%d layers, d=%d, vocab %d, weights %s, embedding %s)\n", r.Model, r.Layers, r.Embedding, r.Vocab, r.WeightType, r.EmbdType)
	fmt.Fprintf(tw, "kernels\t%s, %d threads, %s\n", r.Kernels, r.Threads, r.GOARCH)
	fmt.Fprintf(tw, "load\t%.1f ms (first token %.1f ms)\n", r.LoadMS, r.FirstTokenMS)
	for _, p := range r.Prefill {
		fmt.Fprintf(tw, "prefill %d\t%.1f tok/s (%.1f ms, %.1f GOP/s)\n", p.Tokens, p.TokS, p.MS, p.GOPS)
	}
	fmt.Fprintf(tw, "decode %d\t%.2f tok/s (%.1f ms/token)\n", r.Decode.Tokens, r.Decode.TokS, r.Decode.MS/float64(r.Decode.Tokens))
	fmt.Fprintf(tw, "peak RSS\t%.1f MiB (KV cache %.1f MiB, context %d)\n", float64(r.PeakRSSBytes)/(1<<20), float64(r.KVBytes)/(1<<20), r.Context)
	fmt.Fprintf(tw, "bytes/token\t%.1f MiB (all layer weights + whole LM head + one embedding row)\n", float64(r.BytesPerToken)/(1<<20))
	if r.ReadBandwidth > 0 {
		fmt.Fprintf(tw, "read bandwidth\t%.1f GB/s (%d MiB, %d threads)\n", r.ReadBandwidth/1e9, r.BandwidthBuf>>20, r.Threads)
		fmt.Fprintf(tw, "decode roofline\t%.3f (%.1f GB/s of weights)\n", r.Roofline, r.Decode.TokS*float64(r.BytesPerToken)/1e9)
	}
	return tw.Flush()
}

package gemma3

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"

	"lookout/quant"
	"lookout/quant/gguf"
	"lookout/runtime/weights"
)

// Presets are the shapes gen-random writes: "tiny" is the test model of
// ../shared/testdata/gemma3-tiny (6 layers, window 8, linear RoPE ×8 on
// the global layer), "1b" and "4b" the real Gemma 3 1B and 4B text models
// (../shared/research/llamacpp-baseline.md). NVocab is the row count of
// token_embd: 262144 for 1B, 262208 for 4B (its vocabulary adds
// <image_soft_token> and padding; the tokenizer keys copied from the
// vocabulary file may list fewer tokens, which the loader accepts).
var Presets = map[string]Config{
	"tiny": {NLayer: 6, NEmbd: 64, NFF: 128, NHead: 4, NHeadKV: 2, HeadDimK: 16, HeadDimV: 16,
		NVocab: 262144, NCtxTrain: 512, NormEps: 1e-6, Window: 8, SWAPeriod: swaPeriod,
		RopeBase: 1e6, RopeBaseSWA: 1e4, RopeScale: 1.0 / 8},
	"1b": {NLayer: 26, NEmbd: 1152, NFF: 6912, NHead: 4, NHeadKV: 1, HeadDimK: 256, HeadDimV: 256,
		NVocab: 262144, NCtxTrain: 32768, NormEps: 1e-6, Window: 512, SWAPeriod: swaPeriod,
		RopeBase: 1e6, RopeBaseSWA: 1e4, RopeScale: 1},
	"4b": {NLayer: 34, NEmbd: 2560, NFF: 10240, NHead: 8, NHeadKV: 4, HeadDimK: 256, HeadDimV: 256,
		NVocab: 262208, NCtxTrain: 131072, NormEps: 1e-6, Window: 1024, SWAPeriod: swaPeriod,
		RopeBase: 1e6, RopeBaseSWA: 1e4, RopeScale: 1.0 / 8},
}

// fileTypes maps a weight type to llama.cpp's general.file_type
// (llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q8_0 =
// 7, MOSTLY_BF16 = 32).
var fileTypes = map[quant.Type]uint32{quant.F32: 0, quant.F16: 1, quant.Q4_0: 2, quant.Q8_0: 7, quant.BF16: 32}

// RandomSigma is the standard deviation of the random matrix weights; norm
// weights are 1 + N(0, RandomSigma²), stored with the +1 folded in as the
// converter does.
const RandomSigma = 0.02

// RandomWriter builds a GGUF file of a Gemma 3 text model with the shapes
// of c and random weights: matrices N(0, 0.02²) quantized to typ with
// quant.Formats[typ].Quantize (what llama-quantize does), norms 1+N(0, 0.02²)
// in F32, metadata keys as llama.cpp's convert_hf_to_gguf.py writes them
// for Gemma 3, and the tokenizer.* keys copied from vocab. Tensor bytes are
// generated while the file is written (a 4B file never sits in memory), and
// the same seed gives the same file.
func RandomWriter(name string, c Config, typ quant.Type, vocab *gguf.File, seed uint64) (*gguf.Writer, error) {
	ft, ok := fileTypes[typ]
	if !ok || !slices.Contains(weights.MatrixTypes, typ) {
		hint := ""
		if typ == quant.Q4_0_4_4 {
			hint = "; write q4_0 and repack it with `lookout quantize --type q4_0_4x4`"
		}
		return nil, fmt.Errorf("gemma3: random model: weight type %s not supported (f32, f16, bf16, q8_0, q4_0)%s", typ, hint)
	}
	bl := int(quant.Formats[typ].BlockLen)
	for _, d := range []int{c.NEmbd, c.NFF, c.NHead * c.HeadDimV} {
		if d%bl != 0 {
			return nil, fmt.Errorf("gemma3: random model: row length %d is not a multiple of the %s block length %d", d, typ, bl)
		}
	}
	if c.NLayer <= 0 || c.NEmbd <= 0 || c.NHead <= 0 || c.NHeadKV <= 0 || c.NVocab <= 0 {
		return nil, errors.New("gemma3: random model: incomplete config")
	}
	var tokKeys []gguf.KV
	for _, kv := range vocab.KV {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			tokKeys = append(tokKeys, kv)
		}
	}
	if len(tokKeys) == 0 {
		return nil, fmt.Errorf("gemma3: random model: %s has no tokenizer.* metadata", vocab.Path)
	}
	if toks, err := vocab.Strings("tokenizer.ggml.tokens"); err != nil {
		return nil, fmt.Errorf("gemma3: random model: vocabulary: %w", err)
	} else if len(toks) > c.NVocab {
		return nil, fmt.Errorf("gemma3: random model: %s has %d tokens, more than the %d embedding rows", vocab.Path, len(toks), c.NVocab)
	}

	w := gguf.NewWriter()
	var errs []error
	set := func(k string, v any) {
		if err := w.Set(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	// The key order of llama.cpp's converter (as in the tiny test files).
	set("general.architecture", Arch)
	set("general.type", "model")
	set("general.name", name)
	set(Arch+".block_count", uint32(c.NLayer))
	set(Arch+".context_length", uint32(c.NCtxTrain))
	set(Arch+".embedding_length", uint32(c.NEmbd))
	set(Arch+".feed_forward_length", uint32(c.NFF))
	set(Arch+".attention.head_count", uint32(c.NHead))
	set(Arch+".attention.head_count_kv", uint32(c.NHeadKV))
	if c.RopeScale != 1 {
		set(Arch+".rope.scaling.type", "linear")
		set(Arch+".rope.scaling.factor", 1/c.RopeScale)
	}
	set(Arch+".rope.freq_base", c.RopeBase)
	set(Arch+".rope.freq_base_swa", c.RopeBaseSWA)
	set(Arch+".attention.layer_norm_rms_epsilon", c.NormEps)
	set(Arch+".attention.key_length", uint32(c.HeadDimK))
	set(Arch+".attention.value_length", uint32(c.HeadDimV))
	if c.Window > 0 {
		set(Arch+".attention.sliding_window", uint32(c.Window))
	}
	for _, kv := range tokKeys {
		set(kv.Key, kv.Value)
	}
	set("general.quantization_version", uint32(2))
	set("general.file_type", ft)

	id := uint64(0)
	matrix := func(name string, rows, cols int) {
		id++
		tid := id
		dims := []int64{int64(cols), int64(rows)}
		errs = append(errs, w.AddTensorFunc(name, typ, dims, func(out io.Writer) error {
			return writeRandomMatrix(out, typ, rows, cols, seed, tid)
		}))
	}
	vector := func(name string, n int) {
		id++
		r := rand.New(rand.NewPCG(seed, id))
		b := make([]byte, 4*n)
		v := make([]float32, n)
		for i := range v {
			v[i] = 1 + float32(r.NormFloat64()*RandomSigma)
		}
		quant.Formats[quant.F32].Quantize(b, v)
		errs = append(errs, w.AddTensor(name, quant.F32, []int64{int64(n)}, b))
	}
	vector("output_norm.weight", c.NEmbd)
	matrix("token_embd.weight", c.NVocab, c.NEmbd)
	qDim, kDim, vDim := c.NHead*c.HeadDimK, c.NHeadKV*c.HeadDimK, c.NHeadKV*c.HeadDimV
	for i := range c.NLayer {
		n := func(s string) string { return fmt.Sprintf("blk.%d.%s.weight", i, s) }
		matrix(n("attn_k"), kDim, c.NEmbd)
		vector(n("attn_k_norm"), c.HeadDimK)
		vector(n("attn_norm"), c.NEmbd)
		matrix(n("attn_output"), c.NEmbd, c.NHead*c.HeadDimV)
		matrix(n("attn_q"), qDim, c.NEmbd)
		vector(n("attn_q_norm"), c.HeadDimK)
		matrix(n("attn_v"), vDim, c.NEmbd)
		matrix(n("ffn_down"), c.NEmbd, c.NFF)
		matrix(n("ffn_gate"), c.NFF, c.NEmbd)
		vector(n("ffn_norm"), c.NEmbd)
		matrix(n("ffn_up"), c.NFF, c.NEmbd)
		vector(n("post_attention_norm"), c.NEmbd)
		vector(n("post_ffw_norm"), c.NEmbd)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("gemma3: random model: %w", err)
	}
	return w, nil
}

// chunkRows is how many rows of a random matrix are generated at a time
// (per goroutine): a bounded amount of memory whatever the model.
func chunkRows(cols int) int { return max(1, (1<<20)/cols) }

// writeRandomMatrix writes rows×cols N(0, σ²) values quantized to typ.
// Chunks of rows are generated in parallel, each from its own PCG stream
// (seed, tensor id<<32 | chunk), and written in order, so the output does
// not depend on the number of CPUs.
func writeRandomMatrix(out io.Writer, typ quant.Type, rows, cols int, seed, tid uint64) error {
	f := quant.Formats[typ]
	rowBytes := cols / int(f.BlockLen) * int(f.BlockBytes)
	cr := min(chunkRows(cols), rows)
	nChunks := (rows + cr - 1) / cr
	par := min(runtime.GOMAXPROCS(0), nChunks)
	bufs := make([][]byte, par)
	vals := make([][]float32, par)
	for i := range bufs {
		bufs[i] = make([]byte, cr*rowBytes)
		vals[i] = make([]float32, cr*cols)
	}
	for first := 0; first < nChunks; first += par {
		n := min(par, nChunks-first)
		var wg sync.WaitGroup
		for j := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch := first + j
				r0, r1 := ch*cr, min(rows, (ch+1)*cr)
				r := rand.New(rand.NewPCG(seed, tid<<32|uint64(ch)))
				v := vals[j][:(r1-r0)*cols]
				for i := range v {
					v[i] = float32(r.NormFloat64() * RandomSigma)
				}
				f.Quantize(bufs[j][:(r1-r0)*rowBytes], v)
			}()
		}
		wg.Wait()
		for j := range n {
			ch := first + j
			r0, r1 := ch*cr, min(rows, (ch+1)*cr)
			if _, err := out.Write(bufs[j][:(r1-r0)*rowBytes]); err != nil {
				return err
			}
		}
	}
	return nil
}

package gemma3

import (
	"errors"
	"fmt"
	"math"

	"lookout/quant/gguf"
)

// Arch is the general.architecture value of Gemma 3 text GGUF files.
const Arch = "gemma3"

// swaPeriod is llama.cpp's sliding-window pattern for gemma3, which GGUF
// files do not carry: every 6th layer is global, the five before it sliding
// (src/llama-model.cpp, LLM_ARCH_GEMMA3: hparams.set_swa_pattern(6), which
// makes layer il sliding iff il % 6 < 5; llama.cpp ignores any pattern key
// for gemma3, and so does FromGGUF).
const swaPeriod = 6

// Defaults llama.cpp applies to gemma3 when the GGUF leaves a key out
// (src/llama-model.cpp, LLM_ARCH_GEMMA3: rope_freq_base_train_swa =
// 10000.0f, rope_freq_scale_train_swa = 1.0f).
const (
	defaultRopeBaseSWA = 10000
)

// Config holds the hyper-parameters of a Gemma 3 text model, all read from
// GGUF metadata (see FromGGUF); nothing in the forward pass is hard-coded.
type Config struct {
	NLayer      int     // gemma3.block_count
	NEmbd       int     // gemma3.embedding_length (d_model)
	NFF         int     // gemma3.feed_forward_length
	NHead       int     // gemma3.attention.head_count
	NHeadKV     int     // gemma3.attention.head_count_kv
	HeadDimK    int     // gemma3.attention.key_length (default NEmbd/NHead)
	HeadDimV    int     // gemma3.attention.value_length (default HeadDimK)
	NVocab      int     // rows of token_embd.weight (262144 for 1B, 262208 for 4B+)
	NCtxTrain   int     // gemma3.context_length
	NormEps     float32 // gemma3.attention.layer_norm_rms_epsilon
	Window      int     // gemma3.attention.sliding_window; 0 = no sliding layers
	SWAPeriod   int     // layer i is global iff (i+1) % SWAPeriod == 0
	RopeBase    float32 // gemma3.rope.freq_base, global layers
	RopeBaseSWA float32 // gemma3.rope.freq_base_swa (default 10000), sliding layers
	// RopeScale is the linear RoPE frequency scale of global layers
	// (1/gemma3.rope.scaling.factor); sliding layers always use 1.
	RopeScale float32
	// QScale multiplies Q after RoPE (the KQ scale inside attention is 1):
	// 1/sqrt(head_dim), or 1/sqrt(n_embd/n_head) for the 62-layer 27B, as
	// llama.cpp's f_attention_scale (src/llama-model.cpp, LLM_ARCH_GEMMA3,
	// after gemma_pytorch's query_pre_attn_scalar).
	QScale float32
	// FinalSoftcap is gemma3.final_logit_softcapping, 0 when absent (Gemma 3
	// GGUFs have none).
	FinalSoftcap float32
}

// Sliding reports whether layer il uses the sliding-window mask and the
// local RoPE base.
func (c Config) Sliding(il int) bool {
	return c.Window > 0 && (il+1)%c.SWAPeriod != 0
}

// FromGGUF reads the config from f's metadata. nVocab is the row count of
// token_embd.weight, which is what the model really has (4B GGUFs list
// 262208 tokens). Errors name the file and key.
func FromGGUF(f *gguf.File) (Config, error) {
	arch, err := f.String("general.architecture")
	if err != nil {
		return Config{}, err
	}
	if arch != Arch {
		return Config{}, fmt.Errorf("gemma3: %s: key \"general.architecture\" is %q, want %q", f.Path, arch, Arch)
	}
	var errs []error
	geti := func(key string, def int, required bool) int {
		v, err := f.Int(Arch + "." + key)
		if err != nil {
			if !required && errors.Is(err, gguf.ErrMissing) {
				return def
			}
			errs = append(errs, err)
			return def
		}
		if v <= 0 || v > math.MaxInt32 {
			errs = append(errs, fmt.Errorf("gemma3: %s: key %q: %d out of range", f.Path, Arch+"."+key, v))
			return def
		}
		return int(v)
	}
	getf := func(key string, def float64, required bool) float32 {
		v, err := f.Float(Arch + "." + key)
		if err != nil {
			if !required && errors.Is(err, gguf.ErrMissing) {
				return float32(def)
			}
			errs = append(errs, err)
			return float32(def)
		}
		return float32(v)
	}
	c := Config{
		NLayer:    geti("block_count", 0, true),
		NEmbd:     geti("embedding_length", 0, true),
		NFF:       geti("feed_forward_length", 0, true),
		NHead:     geti("attention.head_count", 0, true),
		NCtxTrain: geti("context_length", 0, true),
		NormEps:   getf("attention.layer_norm_rms_epsilon", 0, true),
		Window:    geti("attention.sliding_window", 0, false),
		SWAPeriod: swaPeriod,
		RopeBase:  getf("rope.freq_base", 10000, false),
		// The real converter writes rope_local_base_freq here; older files
		// lack it and llama.cpp then uses 10000.
		RopeBaseSWA:  getf("rope.freq_base_swa", defaultRopeBaseSWA, false),
		FinalSoftcap: getf("final_logit_softcapping", 0, false),
		RopeScale:    1,
	}
	c.NHeadKV = geti("attention.head_count_kv", c.NHead, false)
	if c.NHead > 0 {
		c.HeadDimK = geti("attention.key_length", c.NEmbd/c.NHead, false)
	}
	c.HeadDimV = geti("attention.value_length", c.HeadDimK, false)
	if typ, err := f.String(Arch + ".rope.scaling.type"); err == nil {
		switch typ {
		case "none":
		case "linear":
			// llama.cpp: freq_scale = 1/factor (llama_model_loader,
			// LLM_KV_ROPE_SCALING_FACTOR), used on non-SWA layers only.
			factor := getf("rope.scaling.factor", 1, true)
			if factor <= 0 {
				errs = append(errs, fmt.Errorf("gemma3: %s: key %q: factor %g must be positive", f.Path, Arch+".rope.scaling.factor", factor))
			} else {
				c.RopeScale = 1 / factor
			}
		default:
			errs = append(errs, fmt.Errorf("gemma3: %s: key %q: rope scaling %q not supported (linear or none)", f.Path, Arch+".rope.scaling.type", typ))
		}
	} else if !errors.Is(err, gguf.ErrMissing) {
		errs = append(errs, err)
	}
	emb, ok := f.Tensor("token_embd.weight")
	switch {
	case !ok:
		errs = append(errs, fmt.Errorf("gemma3: %s: tensor \"token_embd.weight\" missing", f.Path))
	case len(emb.Dims) != 2:
		errs = append(errs, fmt.Errorf("gemma3: %s: tensor \"token_embd.weight\": %d dims, want 2", f.Path, len(emb.Dims)))
	default:
		c.NVocab = int(emb.Dims[1])
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if c.NHead%c.NHeadKV != 0 {
		return Config{}, fmt.Errorf("gemma3: %s: head_count %d is not a multiple of head_count_kv %d", f.Path, c.NHead, c.NHeadKV)
	}
	if c.HeadDimK%2 != 0 {
		return Config{}, fmt.Errorf("gemma3: %s: key_length %d must be even for RoPE", f.Path, c.HeadDimK)
	}
	// src/llama-model.cpp, LLM_ARCH_GEMMA3: f_attention_scale is
	// 1/sqrt(n_embd/n_head) for LLM_TYPE_27B (62 layers), else
	// 1/sqrt(n_embd_head_k).
	const layers27B = 62
	// In float, as C evaluates 1.0f / std::sqrt(float(n)).
	invSqrt := func(n int) float32 { return 1 / float32(math.Sqrt(float64(float32(n)))) }
	if c.NLayer == layers27B {
		c.QScale = invSqrt(c.NEmbd / c.NHead)
	} else {
		c.QScale = invSqrt(c.HeadDimK)
	}
	return c, nil
}

package convert

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"lookout/quant"
	"lookout/quant/gguf"
)

// SigLIPPresets are the shapes RandomSigLIP writes: "tiny" is the model of
// testdata/siglip2-tiny (hidden 32, 2 layers, 32 px, vocab 1024), "b16" the
// real google/siglip2-base-patch16-224 (HF defaults with vocab 256000,
// 224 px bilinear).
var SigLIPPresets = map[string]Config{
	"tiny": func() Config {
		c := Config{Vision: DefaultVision, Text: DefaultText, Preprocess: DefaultPreprocess}
		c.Vision.Hidden, c.Vision.Intermediate, c.Vision.Layers, c.Vision.Heads, c.Vision.ImageSize = 32, 64, 2, 2, 32
		c.Text.Hidden, c.Text.Intermediate, c.Text.Layers, c.Text.Heads, c.Text.MaxPos, c.Text.Vocab = 32, 64, 2, 2, 16, 1024
		c.Text.Projection = 32
		c.Preprocess.Width, c.Preprocess.Height, c.Preprocess.Resample = 32, 32, 2
		return c
	}(),
	"b16": func() Config {
		c := Config{Vision: DefaultVision, Text: DefaultText, Preprocess: DefaultPreprocess}
		c.Text.Vocab, c.Text.Projection = 256000, 768
		c.Preprocess.Resample = 2
		return c
	}(),
}

// PresetNames returns the preset names, sorted.
func PresetNames() []string {
	var n []string
	for k := range SigLIPPresets {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// RandomSigLIP builds a SigLIP GGUF with the shapes of a preset and random
// weights, initialised like testdata/siglip2-tiny so that activations stay
// sane: matrices N(0, (1.5/√fan_in)²), biases N(0, 0.2²), LayerNorm weights
// 1 + N(0, 0.2²), token embedding N(0, 1), position embeddings N(0, 0.5²),
// probe N(0, 1); logit_scale ln 10, logit_bias −1. The bytes are generated
// while the file is written, each chunk of rows from its own PCG stream, so
// the 256000×768 token embedding is never in memory and the same seed gives
// the same file on any machine.
func RandomSigLIP(preset string, t quant.Type, seed uint64) (*gguf.Writer, error) {
	c, ok := SigLIPPresets[preset]
	if !ok {
		return nil, fmt.Errorf("convert: random SigLIP: preset %q: want one of %s", preset, strings.Join(PresetNames(), ", "))
	}
	m := model{name: "SigLIP2 " + strings.ToUpper(preset) + " Random", cfg: c, logitScale: float32(math.Log(10)), logitBias: -1}
	ids := map[string]uint64{}
	for i, s := range SigLIPTensors(c) {
		ids[s.GGUF] = uint64(i + 1)
	}
	m.fill = func(s TensorSpec) rowFiller {
		tid := ids[s.GGUF]
		mean, sigma := 0.0, 0.0
		switch s.Kind {
		case Matrix:
			sigma = 1.5 / math.Sqrt(float64(s.FanIn))
		case TokenEmbd, Probe:
			sigma = 1
		case Norm:
			mean, sigma = 1, 0.2
		case Bias:
			sigma = 0.2
		case PosEmbd:
			sigma = 0.5
		}
		cols := s.Cols()
		return func(dst []float32, r0, r1 int64) error {
			// One stream per (tensor, first row): chunking is a function
			// of the tensor's shape alone, so this is deterministic.
			r := rand.New(rand.NewPCG(seed, tid<<40|uint64(r0)))
			for i := range dst[:(r1-r0)*cols] {
				dst[i] = float32(mean + sigma*r.NormFloat64())
			}
			return nil
		}
	}
	return build(m, Options{Type: t})
}

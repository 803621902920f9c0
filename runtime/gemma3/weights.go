package gemma3

import (
	"fmt"

	"lookout/kernels"
	"lookout/quant/gguf"
	"lookout/runtime/weights"
)

// Layer holds the tensors of one decoder block. Matrices are row-major
// views into the mapped file ([rows][cols] below; GGUF lists them as
// [cols, rows]). Norm weights already include Gemma's "+1" (the converter
// stores 1+w), so they are used as a plain multiply.
type Layer struct {
	AttnNorm     []float32      // [n_embd] f32
	Q            kernels.Matrix // [n_head*head_dim_k][n_embd]
	K            kernels.Matrix // [n_head_kv*head_dim_k][n_embd]
	V            kernels.Matrix // [n_head_kv*head_dim_v][n_embd]
	QNorm        []float32      // [head_dim_k] f32, per-head RMSNorm of Q
	KNorm        []float32      // [head_dim_k] f32, per-head RMSNorm of K
	Output       kernels.Matrix // [n_embd][n_head*head_dim_v]
	PostAttnNorm []float32      // [n_embd] f32
	FFNNorm      []float32      // [n_embd] f32
	Gate         kernels.Matrix // [n_ff][n_embd]
	Up           kernels.Matrix // [n_ff][n_embd]
	Down         kernels.Matrix // [n_embd][n_ff]
	PostFFWNorm  []float32      // [n_embd] f32
}

// Weights holds every tensor of the text model.
type Weights struct {
	TokenEmbd  kernels.Matrix // [n_vocab][n_embd], also the LM head when Output is tied
	OutputNorm []float32      // [n_embd] f32
	// Output is output.weight [n_vocab][n_embd] when the file has one;
	// Gemma 3 files tie it to TokenEmbd, and then it is TokenEmbd.
	Output kernels.Matrix
	Layers []Layer // [n_layer]
}

// bindWeights binds every tensor of a Gemma 3 text model described by c.
// The error lists every missing or mismatched tensor and names the file.
func bindWeights(f *gguf.File, c Config) (Weights, error) {
	b := &weights.Binder{File: f}
	qDim, kvDimK, kvDimV := c.NHead*c.HeadDimK, c.NHeadKV*c.HeadDimK, c.NHeadKV*c.HeadDimV
	w := Weights{
		TokenEmbd:  b.Matrix("token_embd.weight", c.NVocab, c.NEmbd),
		OutputNorm: b.Vector("output_norm.weight", c.NEmbd),
		Layers:     make([]Layer, c.NLayer),
	}
	w.Output = w.TokenEmbd
	if _, ok := f.Tensor("output.weight"); ok { // optional: untied LM head
		w.Output = b.Matrix("output.weight", c.NVocab, c.NEmbd)
	}
	for i := range w.Layers {
		n := func(s string) string { return fmt.Sprintf("blk.%d.%s.weight", i, s) }
		w.Layers[i] = Layer{
			AttnNorm:     b.Vector(n("attn_norm"), c.NEmbd),
			Q:            b.Matrix(n("attn_q"), qDim, c.NEmbd),
			K:            b.Matrix(n("attn_k"), kvDimK, c.NEmbd),
			V:            b.Matrix(n("attn_v"), kvDimV, c.NEmbd),
			QNorm:        b.Vector(n("attn_q_norm"), c.HeadDimK),
			KNorm:        b.Vector(n("attn_k_norm"), c.HeadDimK),
			Output:       b.Matrix(n("attn_output"), c.NEmbd, c.NHead*c.HeadDimV),
			PostAttnNorm: b.Vector(n("post_attention_norm"), c.NEmbd),
			FFNNorm:      b.Vector(n("ffn_norm"), c.NEmbd),
			Gate:         b.Matrix(n("ffn_gate"), c.NFF, c.NEmbd),
			Up:           b.Matrix(n("ffn_up"), c.NFF, c.NEmbd),
			Down:         b.Matrix(n("ffn_down"), c.NEmbd, c.NFF),
			PostFFWNorm:  b.Vector(n("post_ffw_norm"), c.NEmbd),
		}
	}
	if err := b.Err("gemma3"); err != nil {
		return Weights{}, err
	}
	return w, nil
}

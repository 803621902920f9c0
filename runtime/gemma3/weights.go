package gemma3

import (
	"errors"
	"fmt"
	"slices"

	"lookout/kernels"
	"lookout/quant"
	"lookout/quant/gguf"
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

// matrixTypes are the weight types the matrix kernels multiply.
var matrixTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4}

// binder looks tensors up by name, checks shape and type, and collects
// every problem so that one error lists them all.
type binder struct {
	f    *gguf.File
	errs []error
}

func (b *binder) fail(name, format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf("tensor %q: %s", name, fmt.Sprintf(format, args...)))
}

// info returns the named tensor after checking its ggml dims.
func (b *binder) info(name string, dims ...int) (gguf.TensorInfo, bool) {
	t, ok := b.f.Tensor(name)
	if !ok {
		b.fail(name, "missing")
		return t, false
	}
	want := make([]int64, len(dims))
	for i, d := range dims {
		want[i] = int64(d)
	}
	if !slices.Equal(t.Dims, want) {
		b.fail(name, "shape %v, want %v", t.Dims, want)
		return t, false
	}
	return t, true
}

// vector binds a 1-D F32 tensor of n values.
func (b *binder) vector(name string, n int) []float32 {
	t, ok := b.info(name, n)
	if !ok {
		return nil
	}
	v, err := b.f.Float32s(t)
	if err != nil {
		b.errs = append(b.errs, err)
		return nil
	}
	return v
}

// matrix binds a rows×cols weight (ggml dims [cols, rows]) of a type the
// kernels take, as a zero-copy view.
func (b *binder) matrix(name string, rows, cols int) kernels.Matrix {
	t, ok := b.info(name, cols, rows)
	if !ok {
		return kernels.Matrix{}
	}
	if !slices.Contains(matrixTypes, t.Type) {
		b.fail(name, "type %s, want one of %v", t.Type, matrixTypes)
		return kernels.Matrix{}
	}
	data, err := b.f.Data(t)
	if err != nil {
		b.errs = append(b.errs, err)
		return kernels.Matrix{}
	}
	m, err := kernels.NewMatrix(t.Type, rows, cols, data)
	if err != nil {
		b.fail(name, "%v", err)
	}
	return m
}

// bindWeights binds every tensor of a Gemma 3 text model described by c.
// The error lists every missing or mismatched tensor and names the file.
func bindWeights(f *gguf.File, c Config) (Weights, error) {
	b := &binder{f: f}
	qDim, kvDimK, kvDimV := c.NHead*c.HeadDimK, c.NHeadKV*c.HeadDimK, c.NHeadKV*c.HeadDimV
	w := Weights{
		TokenEmbd:  b.matrix("token_embd.weight", c.NVocab, c.NEmbd),
		OutputNorm: b.vector("output_norm.weight", c.NEmbd),
		Layers:     make([]Layer, c.NLayer),
	}
	w.Output = w.TokenEmbd
	if _, ok := f.Tensor("output.weight"); ok { // optional: untied LM head
		w.Output = b.matrix("output.weight", c.NVocab, c.NEmbd)
	}
	for i := range w.Layers {
		n := func(s string) string { return fmt.Sprintf("blk.%d.%s.weight", i, s) }
		w.Layers[i] = Layer{
			AttnNorm:     b.vector(n("attn_norm"), c.NEmbd),
			Q:            b.matrix(n("attn_q"), qDim, c.NEmbd),
			K:            b.matrix(n("attn_k"), kvDimK, c.NEmbd),
			V:            b.matrix(n("attn_v"), kvDimV, c.NEmbd),
			QNorm:        b.vector(n("attn_q_norm"), c.HeadDimK),
			KNorm:        b.vector(n("attn_k_norm"), c.HeadDimK),
			Output:       b.matrix(n("attn_output"), c.NEmbd, c.NHead*c.HeadDimV),
			PostAttnNorm: b.vector(n("post_attention_norm"), c.NEmbd),
			FFNNorm:      b.vector(n("ffn_norm"), c.NEmbd),
			Gate:         b.matrix(n("ffn_gate"), c.NFF, c.NEmbd),
			Up:           b.matrix(n("ffn_up"), c.NFF, c.NEmbd),
			Down:         b.matrix(n("ffn_down"), c.NEmbd, c.NFF),
			PostFFWNorm:  b.vector(n("post_ffw_norm"), c.NEmbd),
		}
	}
	if len(b.errs) > 0 {
		return Weights{}, fmt.Errorf("gemma3: %s: %d tensor problems:\n%w", f.Path, len(b.errs), errors.Join(b.errs...))
	}
	return w, nil
}

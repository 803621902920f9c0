package siglip

import (
	"errors"
	"fmt"
	"slices"

	"lookout/kernels"
	"lookout/quant"
	"lookout/quant/gguf"
)

// Block holds the tensors of one pre-LN encoder layer (GGUF prefix
// v.blk.L. or t.blk.L.). Matrices are row-major zero-copy views into the
// mapped file, [rows][cols] = [out][in] (GGUF lists them as [in, out]);
// vectors are F32 views. D = hidden width, M = MLP width.
type Block struct {
	LN1W, LN1B []float32      // ln1.weight / .bias [D]
	Q, K, V    kernels.Matrix // attn_q / attn_k / attn_v .weight [D][D]
	QB, KB, VB []float32      // their biases [D]
	Out        kernels.Matrix // attn_out.weight [D][D]
	OutB       []float32      // attn_out.bias [D]
	LN2W, LN2B []float32      // ln2.weight / .bias [D]
	Up         kernels.Matrix // ffn_up.weight [M][D] (HF mlp.fc1)
	UpB        []float32      // ffn_up.bias [M]
	Down       kernels.Matrix // ffn_down.weight [D][M] (HF mlp.fc2)
	DownB      []float32      // ffn_down.bias [D]
}

// VisionWeights holds the image tower (GGUF prefix v.).
type VisionWeights struct {
	PatchW kernels.Matrix // patch_embd.weight [D][C·p·p], each row in (c, ky, kx) order
	PatchB []float32      // patch_embd.bias [D]
	Pos    []float32      // position_embd.weight [P][D]
	Blocks []Block
	PostW  []float32 // post_ln.weight [D]
	PostB  []float32 // post_ln.bias [D]
	// The MAP head: one learned query attends over all patches, then a
	// residual MLP.
	Probe     []float32      // head.probe [D]
	HeadQ     kernels.Matrix // head.attn_qkv.weight rows 0..D-1 [D][D]
	HeadKV    kernels.Matrix // head.attn_qkv.weight rows D..3D-1 [2D][D]: K then V
	HeadQB    []float32      // head.attn_qkv.bias [0:D]
	HeadKVB   []float32      // head.attn_qkv.bias [D:3D]
	HeadOut   kernels.Matrix // head.attn_out.weight [D][D]
	HeadOutB  []float32      // head.attn_out.bias [D]
	HeadLNW   []float32      // head.ln.weight [D]
	HeadLNB   []float32      // head.ln.bias [D]
	HeadUp    kernels.Matrix // head.ffn_up.weight [M][D]
	HeadUpB   []float32      // head.ffn_up.bias [M]
	HeadDown  kernels.Matrix // head.ffn_down.weight [D][M]
	HeadDownB []float32      // head.ffn_down.bias [D]
}

// TextWeights holds the text tower (GGUF prefix t.).
type TextWeights struct {
	TokenEmbd kernels.Matrix // token_embd.weight [V][D]; only looked-up rows are read
	Pos       []float32      // position_embd.weight [T][D]
	Blocks    []Block
	PostW     []float32      // post_ln.weight [D]
	PostB     []float32      // post_ln.bias [D]
	Head      kernels.Matrix // head.weight [proj][D]
	HeadB     []float32      // head.bias [proj]
}

// Weights holds both towers.
type Weights struct {
	Vision VisionWeights
	Text   TextWeights
}

// matrixTypes are the weight types the matrix kernels multiply; the token
// embedding takes the same set (its rows are dequantized one at a time).
var matrixTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4}

// binder looks tensors up by name, checks shape and type, and collects
// every problem so that one error lists them all.
type binder struct {
	f    *gguf.File
	errs []error
	want map[string][]int64 // every tensor asked for, with its ggml dims
}

func (b *binder) fail(name, format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf("tensor %q: %s", name, fmt.Sprintf(format, args...)))
}

// info returns the named tensor after checking its ggml dims.
func (b *binder) info(name string, dims ...int) (gguf.TensorInfo, bool) {
	want := make([]int64, len(dims))
	for i, d := range dims {
		want[i] = int64(d)
	}
	if b.want != nil {
		b.want[name] = want
	}
	t, ok := b.f.Tensor(name)
	if !ok {
		b.fail(name, "missing")
		return t, false
	}
	if !slices.Equal(t.Dims, want) {
		b.fail(name, "shape %v, want %v", t.Dims, want)
		return t, false
	}
	return t, true
}

// vector binds an F32 tensor of the given ggml dims as a flat view.
func (b *binder) vector(name string, dims ...int) []float32 {
	t, ok := b.info(name, dims...)
	if !ok {
		return nil
	}
	v, err := b.f.Float32s(t)
	if err != nil {
		b.fail(name, "%v", err)
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
		b.fail(name, "%v", err)
		return kernels.Matrix{}
	}
	m, err := kernels.NewMatrix(t.Type, rows, cols, data)
	if err != nil {
		b.fail(name, "%v", err)
	}
	return m
}

// rowRange returns rows [r0, r1) of m as a matrix of its own (a sub-slice
// of the same mapping).
func rowRange(m kernels.Matrix, r0, r1 int) kernels.Matrix {
	if m.Data == nil {
		return kernels.Matrix{}
	}
	rb := m.RowBytes()
	return kernels.Matrix{Type: m.Type, Rows: r1 - r0, Cols: m.Cols, Data: m.Data[r0*rb : r1*rb : r1*rb]}
}

// blocks binds n encoder layers named prefix+"blk.L.".
func (b *binder) blocks(prefix string, n, d, m int) []Block {
	out := make([]Block, n)
	for l := range out {
		p := fmt.Sprintf("%sblk.%d.", prefix, l)
		out[l] = Block{
			LN1W: b.vector(p+"ln1.weight", d), LN1B: b.vector(p+"ln1.bias", d),
			Q: b.matrix(p+"attn_q.weight", d, d), QB: b.vector(p+"attn_q.bias", d),
			K: b.matrix(p+"attn_k.weight", d, d), KB: b.vector(p+"attn_k.bias", d),
			V: b.matrix(p+"attn_v.weight", d, d), VB: b.vector(p+"attn_v.bias", d),
			Out: b.matrix(p+"attn_out.weight", d, d), OutB: b.vector(p+"attn_out.bias", d),
			LN2W: b.vector(p+"ln2.weight", d), LN2B: b.vector(p+"ln2.bias", d),
			Up: b.matrix(p+"ffn_up.weight", m, d), UpB: b.vector(p+"ffn_up.bias", m),
			Down: b.matrix(p+"ffn_down.weight", d, m), DownB: b.vector(p+"ffn_down.bias", d),
		}
	}
	return out
}

// bindWeights binds every tensor of a SigLIP model described by c. The error
// lists every missing or mismatched tensor and names the file.
func bindWeights(f *gguf.File, c Config) (Weights, error) {
	b := &binder{f: f}
	w := b.weights(c)
	if len(b.errs) > 0 {
		return Weights{}, fmt.Errorf("siglip: %s: %d tensor problems:\n%w", f.Path, len(b.errs), errors.Join(b.errs...))
	}
	return w, nil
}

// weights binds both towers, collecting problems in b.errs.
func (b *binder) weights(c Config) Weights {
	vc, tc := c.Vision, c.Text
	d, m, p := vc.Hidden, vc.FF, vc.PatchSize
	qkv := b.matrix("v.head.attn_qkv.weight", 3*d, d)
	qkvB := b.vector("v.head.attn_qkv.bias", 3*d)
	v := VisionWeights{
		PatchW: b.matrix("v.patch_embd.weight", d, vc.Channels*p*p),
		PatchB: b.vector("v.patch_embd.bias", d),
		Pos:    b.vector("v.position_embd.weight", d, vc.Patches()),
		Blocks: b.blocks("v.", vc.Layers, d, m),
		PostW:  b.vector("v.post_ln.weight", d), PostB: b.vector("v.post_ln.bias", d),
		Probe:   b.vector("v.head.probe", d),
		HeadQ:   rowRange(qkv, 0, d),
		HeadKV:  rowRange(qkv, d, 3*d),
		HeadOut: b.matrix("v.head.attn_out.weight", d, d), HeadOutB: b.vector("v.head.attn_out.bias", d),
		HeadLNW: b.vector("v.head.ln.weight", d), HeadLNB: b.vector("v.head.ln.bias", d),
		HeadUp: b.matrix("v.head.ffn_up.weight", m, d), HeadUpB: b.vector("v.head.ffn_up.bias", m),
		HeadDown: b.matrix("v.head.ffn_down.weight", d, m), HeadDownB: b.vector("v.head.ffn_down.bias", d),
	}
	if qkvB != nil {
		v.HeadQB, v.HeadKVB = qkvB[:d:d], qkvB[d:]
	}
	td := tc.Hidden
	t := TextWeights{
		TokenEmbd: b.matrix("t.token_embd.weight", tc.Vocab, td),
		Pos:       b.vector("t.position_embd.weight", td, tc.Context),
		Blocks:    b.blocks("t.", tc.Layers, td, tc.FF),
		PostW:     b.vector("t.post_ln.weight", td), PostB: b.vector("t.post_ln.bias", td),
		Head: b.matrix("t.head.weight", tc.Projection, td), HeadB: b.vector("t.head.bias", tc.Projection),
	}
	return Weights{Vision: v, Text: t}
}

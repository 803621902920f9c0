package siglip

import (
	"fmt"

	"lookout/kernels"
	"lookout/quant/gguf"
	"lookout/runtime/weights"
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

// blocks binds n encoder layers named prefix+"blk.L.".
func bindBlocks(b *weights.Binder, prefix string, n, d, m int) []Block {
	out := make([]Block, n)
	for l := range out {
		p := fmt.Sprintf("%sblk.%d.", prefix, l)
		out[l] = Block{
			LN1W: b.Vector(p+"ln1.weight", d), LN1B: b.Vector(p+"ln1.bias", d),
			Q: b.Matrix(p+"attn_q.weight", d, d), QB: b.Vector(p+"attn_q.bias", d),
			K: b.Matrix(p+"attn_k.weight", d, d), KB: b.Vector(p+"attn_k.bias", d),
			V: b.Matrix(p+"attn_v.weight", d, d), VB: b.Vector(p+"attn_v.bias", d),
			Out: b.Matrix(p+"attn_out.weight", d, d), OutB: b.Vector(p+"attn_out.bias", d),
			LN2W: b.Vector(p+"ln2.weight", d), LN2B: b.Vector(p+"ln2.bias", d),
			Up: b.Matrix(p+"ffn_up.weight", m, d), UpB: b.Vector(p+"ffn_up.bias", m),
			Down: b.Matrix(p+"ffn_down.weight", d, m), DownB: b.Vector(p+"ffn_down.bias", d),
		}
	}
	return out
}

// bindWeights binds every tensor of a SigLIP model described by c. The error
// lists every missing or mismatched tensor and names the file.
func bindWeights(f *gguf.File, c Config) (Weights, error) {
	b := &weights.Binder{File: f}
	w := bindTowers(b, c)
	if err := b.Err("siglip"); err != nil {
		return Weights{}, err
	}
	return w, nil
}

// bindTowers binds both towers, collecting problems in b.
func bindTowers(b *weights.Binder, c Config) Weights {
	vc, tc := c.Vision, c.Text
	d, m, p := vc.Hidden, vc.FF, vc.PatchSize
	qkv := b.Matrix("v.head.attn_qkv.weight", 3*d, d)
	qkvB := b.Vector("v.head.attn_qkv.bias", 3*d)
	v := VisionWeights{
		PatchW: b.Matrix("v.patch_embd.weight", d, vc.Channels*p*p),
		PatchB: b.Vector("v.patch_embd.bias", d),
		Pos:    b.Vector("v.position_embd.weight", d, vc.Patches()),
		Blocks: bindBlocks(b, "v.", vc.Layers, d, m),
		PostW:  b.Vector("v.post_ln.weight", d), PostB: b.Vector("v.post_ln.bias", d),
		Probe:   b.Vector("v.head.probe", d),
		HeadQ:   b.Rows("v.head.attn_qkv.weight", qkv, 0, d),
		HeadKV:  b.Rows("v.head.attn_qkv.weight", qkv, d, 3*d),
		HeadOut: b.Matrix("v.head.attn_out.weight", d, d), HeadOutB: b.Vector("v.head.attn_out.bias", d),
		HeadLNW: b.Vector("v.head.ln.weight", d), HeadLNB: b.Vector("v.head.ln.bias", d),
		HeadUp: b.Matrix("v.head.ffn_up.weight", m, d), HeadUpB: b.Vector("v.head.ffn_up.bias", m),
		HeadDown: b.Matrix("v.head.ffn_down.weight", d, m), HeadDownB: b.Vector("v.head.ffn_down.bias", d),
	}
	if qkvB != nil {
		v.HeadQB, v.HeadKVB = qkvB[:d:d], qkvB[d:]
	}
	td := tc.Hidden
	t := TextWeights{
		TokenEmbd: b.Matrix("t.token_embd.weight", tc.Vocab, td),
		Pos:       b.Vector("t.position_embd.weight", td, tc.Context),
		Blocks:    bindBlocks(b, "t.", tc.Layers, td, tc.FF),
		PostW:     b.Vector("t.post_ln.weight", td), PostB: b.Vector("t.post_ln.bias", td),
		Head: b.Matrix("t.head.weight", tc.Projection, td), HeadB: b.Vector("t.head.bias", tc.Projection),
	}
	return Weights{Vision: v, Text: t}
}

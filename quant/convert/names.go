package convert

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind says what a tensor is, which decides its GGUF type (see TypeFor) and
// how RandomSigLIP initialises it.
type Kind uint8

const (
	Matrix    Kind = iota // a linear layer's weight (or the flattened patch conv): the requested type
	TokenEmbd             // the text token embedding: the requested type, but Q8_0 for Q4_0
	Norm                  // a LayerNorm weight: F32
	Bias                  // a bias (linear or LayerNorm): F32
	PosEmbd               // a position embedding: F32
	Probe                 // the MAP head's probe: F32
)

// TensorSpec is one tensor of the SigLIP GGUF layout.
type TensorSpec struct {
	GGUF    string  // name in the GGUF file
	HF      string  // name in the Hugging Face checkpoint
	HFShape []int64 // PyTorch order (last dimension contiguous)
	Dims    []int64 // ggml order (Dims[0] = row length); same element order as HFShape
	Kind    Kind
	FanIn   int // input width of a Matrix (for the random init)
}

// Rows and Cols view a tensor as a row-major matrix of Rows × Cols = Dims[0].
func (s TensorSpec) Cols() int64 { return s.Dims[0] }
func (s TensorSpec) Rows() int64 {
	n := int64(1)
	for _, d := range s.Dims[1:] {
		n *= d
	}
	return n
}

// layerTensor is one per-layer tensor: GGUF suffix after "v.blk.L." /
// "t.blk.L.", HF suffix after "…encoder.layers.L.", and its shape in terms
// of the tower's hidden (d) and intermediate (m) sizes, PyTorch order.
type layerTensor struct {
	gguf, hf string
	kind     Kind
	shape    func(d, m int64) []int64
}

func vec(n func(d, m int64) int64) func(d, m int64) []int64 {
	return func(d, m int64) []int64 { return []int64{n(d, m)} }
}

var (
	dOf = func(d, m int64) int64 { return d }
	mOf = func(d, m int64) int64 { return m }
	dd  = func(d, m int64) []int64 { return []int64{d, d} }
)

// layerTensors is the table shared by both towers' encoder layers.
var layerTensors = []layerTensor{
	{"ln1.weight", "layer_norm1.weight", Norm, vec(dOf)},
	{"ln1.bias", "layer_norm1.bias", Bias, vec(dOf)},
	{"attn_q.weight", "self_attn.q_proj.weight", Matrix, dd},
	{"attn_q.bias", "self_attn.q_proj.bias", Bias, vec(dOf)},
	{"attn_k.weight", "self_attn.k_proj.weight", Matrix, dd},
	{"attn_k.bias", "self_attn.k_proj.bias", Bias, vec(dOf)},
	{"attn_v.weight", "self_attn.v_proj.weight", Matrix, dd},
	{"attn_v.bias", "self_attn.v_proj.bias", Bias, vec(dOf)},
	{"attn_out.weight", "self_attn.out_proj.weight", Matrix, dd},
	{"attn_out.bias", "self_attn.out_proj.bias", Bias, vec(dOf)},
	{"ln2.weight", "layer_norm2.weight", Norm, vec(dOf)},
	{"ln2.bias", "layer_norm2.bias", Bias, vec(dOf)},
	{"ffn_up.weight", "mlp.fc1.weight", Matrix, func(d, m int64) []int64 { return []int64{m, d} }},
	{"ffn_up.bias", "mlp.fc1.bias", Bias, vec(mOf)},
	{"ffn_down.weight", "mlp.fc2.weight", Matrix, func(d, m int64) []int64 { return []int64{d, m} }},
	{"ffn_down.bias", "mlp.fc2.bias", Bias, vec(dOf)},
}

// towerPrefixes maps the GGUF tower prefix to the HF one.
var towerPrefixes = [...][2]string{{"v.", "vision_model."}, {"t.", "text_model."}}

// globalTensors lists the tensors outside the encoder layers, in file order:
// GGUF name, HF name, kind, HF shape. v ("vision") says which tower's sizes
// apply.
func globalTensors(c Config) (vision, text []TensorSpec) {
	d, m := int64(c.Vision.Hidden), int64(c.Vision.Intermediate)
	p := int64(c.Vision.PatchSize)
	ch := int64(c.Vision.Channels)
	vision = []TensorSpec{
		{GGUF: "v.patch_embd.weight", HF: "vision_model.embeddings.patch_embedding.weight", HFShape: []int64{d, ch, p, p}, Kind: Matrix},
		{GGUF: "v.patch_embd.bias", HF: "vision_model.embeddings.patch_embedding.bias", HFShape: []int64{d}, Kind: Bias},
		{GGUF: "v.position_embd.weight", HF: "vision_model.embeddings.position_embedding.weight", HFShape: []int64{int64(c.Vision.Patches()), d}, Kind: PosEmbd},
		// encoder layers go here
		{GGUF: "v.post_ln.weight", HF: "vision_model.post_layernorm.weight", HFShape: []int64{d}, Kind: Norm},
		{GGUF: "v.post_ln.bias", HF: "vision_model.post_layernorm.bias", HFShape: []int64{d}, Kind: Bias},
		{GGUF: "v.head.probe", HF: "vision_model.head.probe", HFShape: []int64{1, 1, d}, Kind: Probe},
		{GGUF: "v.head.attn_qkv.weight", HF: "vision_model.head.attention.in_proj_weight", HFShape: []int64{3 * d, d}, Kind: Matrix},
		{GGUF: "v.head.attn_qkv.bias", HF: "vision_model.head.attention.in_proj_bias", HFShape: []int64{3 * d}, Kind: Bias},
		{GGUF: "v.head.attn_out.weight", HF: "vision_model.head.attention.out_proj.weight", HFShape: []int64{d, d}, Kind: Matrix},
		{GGUF: "v.head.attn_out.bias", HF: "vision_model.head.attention.out_proj.bias", HFShape: []int64{d}, Kind: Bias},
		{GGUF: "v.head.ln.weight", HF: "vision_model.head.layernorm.weight", HFShape: []int64{d}, Kind: Norm},
		{GGUF: "v.head.ln.bias", HF: "vision_model.head.layernorm.bias", HFShape: []int64{d}, Kind: Bias},
		{GGUF: "v.head.ffn_up.weight", HF: "vision_model.head.mlp.fc1.weight", HFShape: []int64{m, d}, Kind: Matrix},
		{GGUF: "v.head.ffn_up.bias", HF: "vision_model.head.mlp.fc1.bias", HFShape: []int64{m}, Kind: Bias},
		{GGUF: "v.head.ffn_down.weight", HF: "vision_model.head.mlp.fc2.weight", HFShape: []int64{d, m}, Kind: Matrix},
		{GGUF: "v.head.ffn_down.bias", HF: "vision_model.head.mlp.fc2.bias", HFShape: []int64{d}, Kind: Bias},
	}
	td := int64(c.Text.Hidden)
	text = []TensorSpec{
		{GGUF: "t.token_embd.weight", HF: "text_model.embeddings.token_embedding.weight", HFShape: []int64{int64(c.Text.Vocab), td}, Kind: TokenEmbd},
		{GGUF: "t.position_embd.weight", HF: "text_model.embeddings.position_embedding.weight", HFShape: []int64{int64(c.Text.MaxPos), td}, Kind: PosEmbd},
		// encoder layers go here
		{GGUF: "t.post_ln.weight", HF: "text_model.final_layer_norm.weight", HFShape: []int64{td}, Kind: Norm},
		{GGUF: "t.post_ln.bias", HF: "text_model.final_layer_norm.bias", HFShape: []int64{td}, Kind: Bias},
		{GGUF: "t.head.weight", HF: "text_model.head.weight", HFShape: []int64{int64(c.Text.Projection), td}, Kind: Matrix},
		{GGUF: "t.head.bias", HF: "text_model.head.bias", HFShape: []int64{int64(c.Text.Projection)}, Kind: Bias},
	}
	return vision, text
}

// ScalarNames are the HF checkpoint's two scalar parameters, which become the
// keys siglip.logit_scale and siglip.logit_bias rather than tensors.
var ScalarNames = [2]string{"logit_scale", "logit_bias"}

// SigLIPTensors returns every tensor of the SigLIP GGUF layout for config c,
// in the order they are written: vision tower (embeddings, layers, post
// LayerNorm, MAP head), then text tower (embeddings, layers, final LayerNorm,
// head). It is the one name table: the converter, the random generator, the
// tests and the README all read it.
func SigLIPTensors(c Config) []TensorSpec {
	vision, text := globalTensors(c)
	var out []TensorSpec
	layers := func(tower int, t Tower) {
		d, m := int64(t.Hidden), int64(t.Intermediate)
		for l := range t.Layers {
			for _, lt := range layerTensors {
				out = append(out, TensorSpec{
					GGUF:    fmt.Sprintf("%sblk.%d.%s", towerPrefixes[tower][0], l, lt.gguf),
					HF:      fmt.Sprintf("%sencoder.layers.%d.%s", towerPrefixes[tower][1], l, lt.hf),
					HFShape: lt.shape(d, m),
					Kind:    lt.kind,
				})
			}
		}
	}
	out = append(out, vision[:3]...)
	layers(0, c.Vision)
	out = append(out, vision[3:]...)
	out = append(out, text[:2]...)
	layers(1, c.Text)
	out = append(out, text[2:]...)
	for i := range out {
		s := &out[i]
		s.Dims = ggmlDims(s.HFShape)
		if s.Kind == Matrix || s.Kind == TokenEmbd {
			// A matrix's row is one output unit over all inputs; the
			// patch conv [D,3,p,p] becomes D rows of 3·p·p in (c, ky, kx)
			// order, which is its PyTorch memory order.
			cols := int64(1)
			for _, d := range s.HFShape[1:] {
				cols *= d
			}
			s.FanIn = int(cols)
			s.Dims = []int64{cols, s.HFShape[0]}
		}
		if s.Kind == Probe {
			s.Dims = []int64{s.HFShape[len(s.HFShape)-1]}
		}
	}
	return out
}

// ggmlDims reverses a PyTorch shape into ggml's ne order.
func ggmlDims(shape []int64) []int64 {
	out := make([]int64, len(shape))
	for i, d := range shape {
		out[len(shape)-1-i] = d
	}
	return out
}

// GGUFName maps a Hugging Face SigLIP tensor name to its GGUF name, for any
// layer index. ok is false for names outside the layout (including the
// logit_scale/logit_bias scalars, which become keys).
func GGUFName(hf string) (string, bool) {
	return mapName(hf, 1, 0)
}

// HFName maps a GGUF SigLIP tensor name back to the Hugging Face name.
func HFName(gguf string) (string, bool) {
	return mapName(gguf, 0, 1)
}

// mapName translates name from column from to column to (0 = GGUF, 1 = HF)
// of the tables above.
func mapName(name string, from, to int) (string, bool) {
	layerWord := [2]string{"blk.", "encoder.layers."}
	for _, tp := range towerPrefixes {
		rest, ok := strings.CutPrefix(name, tp[from])
		if !ok {
			continue
		}
		if rest, ok := strings.CutPrefix(rest, layerWord[from]); ok {
			idx, suffix, ok := strings.Cut(rest, ".")
			n, err := strconv.Atoi(idx)
			if !ok || err != nil || n < 0 || strconv.Itoa(n) != idx {
				return "", false
			}
			for _, lt := range layerTensors {
				pair := [2]string{lt.gguf, lt.hf}
				if pair[from] == suffix {
					return tp[to] + layerWord[to] + idx + "." + pair[to], true
				}
			}
			return "", false
		}
	}
	// Shapes do not matter for the names; any valid config lists them all.
	vision, text := globalTensors(Config{Vision: DefaultVision, Text: DefaultText})
	for _, s := range append(vision, text...) {
		pair := [2]string{s.GGUF, s.HF}
		if pair[from] == name {
			return pair[to], true
		}
	}
	return "", false
}

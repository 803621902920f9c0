package siglip

import (
	"fmt"

	"lookout/kernels"
)

// The two towers top to bottom, as HF modeling_siglip.py computes them.
// Shapes: S = image side, p = patch side, g = S/p, P = g² patches,
// C = channels, D = hidden, M = MLP width, T = text positions, V = vocab.

// Trace stages: 0 is the embeddings, l+1 the output of encoder layer l, and
// Layers+1 the output of the final LayerNorm (vision post_layernorm = HF
// last_hidden_state; text final_layer_norm).

// EncodeImage runs the image tower on normalised pixels in CHW order
// ([C][S][S], what Model.Pixels returns) and returns the pooled embedding
// (HF get_image_features: the MAP head output, not normalised), D values.
// The slice is the caller's.
func (s *Session) EncodeImage(pixels []float32) ([]float32, error) {
	c := s.m.Config.Vision
	w := &s.m.Weights.Vision
	S, ps, C, D, M := c.ImageSize, c.PatchSize, c.Channels, c.Hidden, c.FF
	if len(pixels) != C*S*S {
		return nil, fmt.Errorf("siglip: EncodeImage: %d pixel values, want %d channels × %d × %d = %d", len(pixels), C, S, S, C*S*S)
	}
	g, P, K := S/ps, c.Patches(), C*ps*ps
	b := &s.vision

	// Patch embedding (Conv2d, kernel = stride = p, no padding) as one
	// GEMM: im2col row r = patch (row r/g, col r%g), its K = C·p·p values
	// in the conv weight's (c, ky, kx) order.
	cols := grow(&b.cols, P*K)
	for py := range g {
		for px := range g {
			row := cols[(py*g+px)*K : (py*g+px+1)*K]
			for ch := range C {
				for ky := range ps {
					src := pixels[ch*S*S+(py*ps+ky)*S+px*ps:][:ps]
					copy(row[(ch*ps+ky)*ps:][:ps], src)
				}
			}
		}
	}
	x := grow(&b.x, P*D)
	kernels.MatMul(s.pool, x, w.PatchW, cols, P, &b.enc.mm) // PatchW [D][K]
	// conv output (bias included), then + position_embedding.
	addBias(x, w.PatchB)
	kernels.Add(x, x, w.Pos) // Pos [P][D]
	s.trace("vision", 0, x)

	enc := Encoder{Blocks: w.Blocks, Hidden: D, FF: M, Heads: c.Heads, Eps: c.Eps}
	enc.Run(s.pool, &b.enc, x, P, s.layerTrace("vision"))

	h := grow(&b.h, P*D)
	layerNormRows(h, x, w.PostW, w.PostB, D, c.Eps) // post_layernorm
	s.trace("vision", c.Layers+1, h)

	// MAP head (nn.MultiheadAttention with the probe as its only query):
	// q = probe·Wqᵀ + bq, k|v = h·W{k,v}ᵀ + b{k,v} over all patches.
	q := grow(&b.q, D)
	kernels.MatMul(s.pool, q, w.HeadQ, w.Probe, 1, &b.enc.mm) // HeadQ [D][D]
	addBias(q, w.HeadQB)
	kv := grow(&b.kv, P*2*D)
	kernels.MatMul(s.pool, kv, w.HeadKV, h, P, &b.enc.mm) // HeadKV [2D][D]
	addBias(kv, w.HeadKVB)
	att := grow(&b.att, D)
	b.enc.attention().do(s.pool, att, D, q, D, kv, 2*D, kv[D:], 2*D, 1, P, c.Heads, D/c.Heads)
	out := make([]float32, D)                                 // the caller's result
	kernels.MatMul(s.pool, out, w.HeadOut, att, 1, &b.enc.mm) // HeadOut [D][D]
	addBias(out, w.HeadOutB)
	// out = out + fc2(gelu(fc1(LN(out)))): the residual wraps only the MLP.
	ln := grow(&b.q, D)
	kernels.LayerNorm(ln, out, w.HeadLNW, w.HeadLNB, c.Eps)
	up := grow(&b.up, M)
	kernels.MatMul(s.pool, up, w.HeadUp, ln, 1, &b.enc.mm) // HeadUp [M][D]
	geluBias(up, w.HeadUpB)
	down := grow(&b.att, D)
	kernels.MatMul(s.pool, down, w.HeadDown, up, 1, &b.enc.mm) // HeadDown [D][M]
	addResidual(out, down, w.HeadDownB)
	return out, nil
}

// EncodeTokens runs the text tower on exactly Text.Context ids (text, EOS,
// then PAD: what the tokenizer's EncodeFixed gives) and returns the pooled
// text embedding (HF get_text_features), Text.Projection values. There is
// no attention mask and no causal mask: padding is attended to, and the
// embedding is read at the last position whatever token is there, as
// SigLIP was trained. The slice is the caller's.
func (s *Session) EncodeTokens(ids []int32) ([]float32, error) {
	c := s.m.Config.Text
	w := &s.m.Weights.Text
	T, D := c.Context, c.Hidden
	if len(ids) != T {
		return nil, fmt.Errorf("siglip: EncodeTokens: %d ids, want exactly %d (the text context; pad with the PAD id)", len(ids), T)
	}
	for i, id := range ids {
		if id < 0 || int(id) >= c.Vocab {
			return nil, fmt.Errorf("siglip: EncodeTokens: id %d at position %d is outside the vocabulary [0,%d)", id, i, c.Vocab)
		}
	}
	b := &s.text

	// token_embedding[ids] (rows dequantized from the file's type) +
	// position_embedding[0..T-1].
	x := grow(&b.x, T*D)
	for t, id := range ids {
		w.TokenEmbd.DequantizeRow(x[t*D:(t+1)*D], int(id)) // TokenEmbd [V][D]
	}
	kernels.Add(x, x, w.Pos) // Pos [T][D]
	s.trace("text", 0, x)

	enc := Encoder{Blocks: w.Blocks, Hidden: D, FF: c.FF, Heads: c.Heads, Eps: c.Eps}
	enc.Run(s.pool, &b.enc, x, T, s.layerTrace("text"))

	// final_layer_norm: all rows only when traced, else just the pooled one.
	h := grow(&b.h, T*D)
	if s.Trace != nil {
		layerNormRows(h, x, w.PostW, w.PostB, D, c.Eps)
		s.trace("text", c.Layers+1, h)
	} else {
		layerNormRows(h[(T-1)*D:], x[(T-1)*D:], w.PostW, w.PostB, D, c.Eps)
	}
	out := make([]float32, c.Projection)
	kernels.MatMul(s.pool, out, w.Head, h[(T-1)*D:], 1, &b.enc.mm) // Head [proj][D]
	addBias(out, w.HeadB)
	return out, nil
}

// trace reports x to s.Trace when set.
func (s *Session) trace(tower string, stage int, x []float32) {
	if s.Trace != nil {
		s.Trace(tower, stage, x)
	}
}

// layerTrace adapts s.Trace to Encoder.Run's callback, nil when untraced.
func (s *Session) layerTrace(tower string) func(int, []float32) {
	if s.Trace == nil {
		return nil
	}
	return func(stage int, x []float32) { s.Trace(tower, stage, x) }
}

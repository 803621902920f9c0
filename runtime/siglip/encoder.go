package siglip

import "lookout/kernels"

// Encoder is a stack of pre-LN transformer layers as in HF SiglipEncoder
// (and the ViT of llama.cpp's mmproj files, same v.blk.L.* tensors):
//
//	x = x + out_proj(Attention(LN1(x)))        unmasked, all positions
//	x = x + fc2(gelu_tanh(fc1(LN2(x))))
//
// Every linear is one kernels.MatMul over all n positions (quantized
// weights quantize the activations to Q8_0 inside, F32 weights use plain
// float32).
type Encoder struct {
	Blocks []Block
	Hidden int     // D
	FF     int     // M
	Heads  int     // D/Heads = head_dim
	Eps    float32 // LayerNorm epsilon (biased variance, eps inside the sqrt)
}

// EncoderScratch holds the activations of Encoder.Run, reused between
// calls; the zero value is ready.
type EncoderScratch struct {
	h, q, k, v, att, o, up []float32
	attn                   *attention
	mm                     kernels.Scratch
}

// Run applies every layer to x ([n][D], updated in place). When trace is
// not nil it sees x after each layer l as stage l+1.
func (e *Encoder) Run(p *kernels.Pool, s *EncoderScratch, x []float32, n int, trace func(stage int, x []float32)) {
	D, M := e.Hidden, e.FF
	hd := D / e.Heads
	h := grow(&s.h, n*D)     // [n][D] normed input of a sub-block
	q := grow(&s.q, n*D)     // [n][D]
	k := grow(&s.k, n*D)     // [n][D]
	v := grow(&s.v, n*D)     // [n][D]
	att := grow(&s.att, n*D) // [n][D] heads concatenated
	o := grow(&s.o, n*D)     // [n][D] sub-block output
	up := grow(&s.up, n*M)   // [n][M]
	for l := range e.Blocks {
		b := &e.Blocks[l]
		// Self-attention.
		layerNormRows(h, x, b.LN1W, b.LN1B, D, e.Eps)
		kernels.MatMul(p, q, b.Q, h, n, &s.mm) // Q [D][D]
		addBias(q, b.QB)
		kernels.MatMul(p, k, b.K, h, n, &s.mm) // K [D][D]
		addBias(k, b.KB)
		kernels.MatMul(p, v, b.V, h, n, &s.mm) // V [D][D]
		addBias(v, b.VB)
		s.attention().do(p, att, D, q, D, k, D, v, D, n, n, e.Heads, hd)
		kernels.MatMul(p, o, b.Out, att, n, &s.mm) // Out [D][D]
		addResidual(x, o, b.OutB)

		// MLP.
		layerNormRows(h, x, b.LN2W, b.LN2B, D, e.Eps)
		kernels.MatMul(p, up, b.Up, h, n, &s.mm) // Up [M][D]
		geluBias(up, b.UpB)
		kernels.MatMul(p, o, b.Down, up, n, &s.mm) // Down [D][M]
		addResidual(x, o, b.DownB)
		if trace != nil {
			trace(l+1, x)
		}
	}
}

// layerNormRows normalizes each width-w row of x into dst (nn.LayerNorm:
// biased variance, eps inside the square root, then ·weight + bias).
func layerNormRows(dst, x, w, b []float32, width int, eps float32) {
	for r := 0; r+width <= len(x); r += width {
		kernels.LayerNorm(dst[r:r+width], x[r:r+width], w, b, eps)
	}
}

// addBias adds b to every len(b)-wide row of x.
func addBias(x, b []float32) {
	n := len(b)
	for r := 0; r+n <= len(x); r += n {
		row := x[r : r+n : r+n]
		for i, v := range b {
			row[i] += v
		}
	}
}

// addResidual computes x += o + b row by row: the linear's bias is added to
// its output before the residual sum, as PyTorch evaluates
// residual + (x·Wᵀ + b).
func addResidual(x, o, b []float32) {
	n := len(b)
	for r := 0; r+n <= len(x); r += n {
		row, orow := x[r:r+n:r+n], o[r:r+n:r+n]
		for i, v := range b {
			row[i] += orow[i] + v
		}
	}
}

// attention returns the scratch's attention buffers, made on first use.
func (s *EncoderScratch) attention() *attention {
	if s.attn == nil {
		s.attn = newAttention()
	}
	return s.attn
}

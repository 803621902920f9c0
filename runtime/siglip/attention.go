package siglip

import (
	"math"

	"lookout/kernels"
)

// attention is unmasked multi-head scaled dot-product attention in float32
// (HF eager_attention_forward without a mask: softmax(q·kᵀ·hd^−½)·v per
// head, softmax in float32). Heads run in parallel on the pool. Per head,
// scores = Q_h·K_hᵀ ([nq][nk]) is one kernels.GemmF32 reading the head's
// columns of Q and K in place (row strides qs, ks), the softmax is
// kernels.SoftmaxScaled row by row, and out_h = P·V_h is a second GemmF32
// against the transpose of the head's V (the one copy left: GemmF32 takes
// both operands by rows), written straight into the head's columns of out.
// Every score and output has the bits of kernels.DotF32 of its two rows.
type attention struct {
	out, q, k, v      []float32
	os, qs, ks, vs    int // row strides of out, q, k, v
	nq, nk, heads, hd int
	scale             float32
	head              []headScratch
	run               func(h0, h1 int)
}

// headScratch is one head's working set.
type headScratch struct {
	vt, s []float32 // [hd][nk], [nq][nk]
}

// newAttention returns scratch for attention calls; its buffers grow on
// demand.
func newAttention() *attention {
	a := &attention{}
	a.run = a.runHeads // bound once: calling Pool.Run with it does not allocate
	return a
}

// do computes out[i][h·hd:(h+1)·hd] for nq queries over nk keys and values
// with the given row strides (heads are consecutive hd-wide column ranges
// of each row).
func (a *attention) do(p *kernels.Pool, out []float32, os int, q []float32, qs int, k []float32, ks int, v []float32, vs int, nq, nk, heads, hd int) {
	a.out, a.q, a.k, a.v = out, q, k, v
	a.os, a.qs, a.ks, a.vs = os, qs, ks, vs
	a.nq, a.nk, a.heads, a.hd = nq, nk, heads, hd
	// PyTorch: scaling = head_dim**-0.5 (a Python float) multiplies the
	// float32 scores, i.e. by float32(0.125) for head_dim 64.
	a.scale = float32(1 / math.Sqrt(float64(hd)))
	for len(a.head) < heads {
		a.head = append(a.head, headScratch{})
	}
	p.Run(heads, a.run)
	a.out, a.q, a.k, a.v = nil, nil, nil, nil // do not keep the caller's buffers alive
}

// runHeads runs heads [h0, h1).
func (a *attention) runHeads(h0, h1 int) {
	nq, nk, hd := a.nq, a.nk, a.hd
	for h := h0; h < h1; h++ {
		hs := &a.head[h]
		c := h * hd
		vt := grow(&hs.vt, hd*nk)
		s := grow(&hs.s, nq*nk)
		for j := range nk {
			for d, x := range a.v[j*a.vs+c : j*a.vs+c+hd] {
				vt[d*nk+j] = x
			}
		}
		kernels.GemmF32(s, nk, a.q[c:], a.qs, a.k[c:], a.ks, nq, nk, hd) // s = q·kᵀ [nq][nk]
		for i := range nq {
			kernels.SoftmaxScaled(s[i*nk:(i+1)*nk], a.scale)
		}
		kernels.GemmF32(a.out[c:], a.os, s, nk, vt, nk, nq, hd, nk) // out_h = p·v [nq][hd]
	}
}

// grow returns (*b)[:n], reallocating when it is too small.
func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

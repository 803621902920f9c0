package siglip

import (
	"math"
	"unsafe"

	"lookout/kernels"
	"lookout/quant"
)

// attention is unmasked multi-head scaled dot-product attention in float32
// (HF eager_attention_forward without a mask: softmax(q·kᵀ·hd^−½)·v per
// head, softmax in float32). Heads run in parallel on the pool. Each head
// gathers its columns of Q and K and the transpose of its V into
// contiguous float32 matrices, so that both products are single-threaded
// F32 kernels.MatMul calls: scores = Q_h·K_hᵀ ([nq][nk]), then
// out_h = P·(V_hᵀ)ᵀ ([nq][hd]).
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
	q, k, vt, s, o []float32 // [nq][hd], [nk][hd], [hd][nk], [nq][nk], [nq][hd]
	mm             kernels.Scratch
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
		q := grow(&hs.q, nq*hd)
		k := grow(&hs.k, nk*hd)
		vt := grow(&hs.vt, hd*nk)
		s := grow(&hs.s, nq*nk)
		o := grow(&hs.o, nq*hd)
		for i := range nq {
			copy(q[i*hd:(i+1)*hd], a.q[i*a.qs+c:])
		}
		for j := range nk {
			copy(k[j*hd:(j+1)*hd], a.k[j*a.ks+c:])
			for d, x := range a.v[j*a.vs+c : j*a.vs+c+hd] {
				vt[d*nk+j] = x
			}
		}
		kernels.MatMul(nil, s, f32Matrix(k, nk, hd), q, nq, &hs.mm) // s = q·kᵀ [nq][nk]
		for i := range nq {
			softmaxScaled(s[i*nk:(i+1)*nk], a.scale)
		}
		kernels.MatMul(nil, o, f32Matrix(vt, hd, nk), s, nq, &hs.mm) // o = p·v [nq][hd]
		for i := range nq {
			copy(a.out[i*a.os+c:i*a.os+c+hd], o[i*hd:(i+1)*hd])
		}
	}
}

// f32Matrix views a row-major float32 buffer as an F32 kernels.Matrix.
func f32Matrix(v []float32, rows, cols int) kernels.Matrix {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*rows*cols)
	return kernels.Matrix{Type: quant.F32, Rows: rows, Cols: cols, Data: b}
}

// grow returns (*b)[:n], reallocating when it is too small.
func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

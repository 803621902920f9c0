package gemma3

import (
	"math"

	"lookout/kernels"
	"lookout/quant"
)

// Attention of one query head over the cached keys [first, last], in
// position order (llama.cpp visits KV cells in cell order, which for one
// sequence is position order). The caller has applied the causal and
// sliding-window masks by choosing first and last; the Q scale was applied
// to q before (Gemma 3's KQ scale inside attention is 1).

// faTileQ is ggml's GGML_FA_TILE_Q (ggml-cpu/common.h): a micro-batch of at
// least this many queries takes ggml_compute_forward_flash_attn_ext_tiled,
// which keeps Q in F32 and accumulates V·softmax in F32 even with an F16
// cache; shorter ones take ..._flash_attn_ext_f16_one_chunk.
const faTileQ = 64

// attnScratch holds per-call buffers.
type attnScratch struct {
	q, k, v, acc, p []float32
}

func (s *attnScratch) size(dk, dv, nkv int) {
	if cap(s.q) < dk {
		s.q, s.k = make([]float32, dk), make([]float32, dk)
	}
	if cap(s.v) < dv {
		s.v, s.acc = make([]float32, dv), make([]float32, dv)
	}
	if cap(s.p) < nkv {
		s.p = make([]float32, nkv)
	}
}

// f16Round rounds v to the nearest f16 and back (GGML_CPU_FP32_TO_FP16).
func f16Round(v float32) float32 { return quant.F16ToF32(quant.F32ToF16(v)) }

// expf is C's expf (the float64 exp rounded once).
func expf(v float32) float32 { return float32(math.Exp(float64(v))) }

// dotF64 is ggml_vec_dot_f16 on vectors of f16 values (held as float32):
// every product is exact in float32 and the sum is kept in double
// (ggml_float) and rounded once. (ggml's SIMD path sums in float32 lanes
// when the length reaches GGML_F16_STEP; Gemma's head dims 16..256 then
// differ in the last bits only.)
func dotF64(a, b []float32) float32 {
	var s float64
	for i, x := range a {
		s += float64(x * b[i])
	}
	return float32(s)
}

// attendFlash follows ggml's CPU flash attention, ops.cpp
// ggml_compute_forward_flash_attn_ext_f16_one_chunk: Q is converted to K's
// vec_dot_type (F16 for an F16 cache), each score s = K·Q, then an online
// softmax: on a new maximum M the accumulator is scaled by expf(Mold−M),
// otherwise the value is weighted by expf(s−M); S = S·ms + vs. With an F16
// V cache the accumulator VKQ16 is an F16 buffer: every scale
// (ggml_vec_scale_f16) and every multiply-add (ggml_vec_mad_f16) rounds to
// F16. The result is VKQ·(1/S). tiled selects the F32 variant of
// ..._flash_attn_ext_tiled (micro-batches of faTileQ queries or more).
func attendFlash(out, q []float32, l *kvLayer, h, first, last int, tiled bool, s *attnScratch) {
	dk, dv := len(q), len(out)
	s.size(dk, dv, last-first+1)
	f16K := l.k16 != nil && !tiled
	f16V := l.v16 != nil && !tiled
	qq := s.q[:dk]
	for i, v := range q {
		if f16K {
			v = f16Round(v)
		}
		qq[i] = v
	}
	acc := s.acc[:dv]
	clear(acc)
	S, M := float32(0), float32(math.Inf(-1))
	for pos := first; pos <= last; pos++ {
		k := l.key(s.k, pos, h, dk)
		var sc float32
		if f16K {
			sc = dotF64(k, qq)
		} else {
			sc = kernels.DotF32(k, qq)
		}
		v := l.value(s.v, pos, h, dv)
		ms, vs := float32(1), float32(1)
		if sc > M {
			Mold := M
			M = sc
			ms = expf(Mold - M)
			for i := range acc {
				acc[i] = float32(acc[i] * ms)
				if f16V {
					acc[i] = f16Round(acc[i])
				}
			}
		} else {
			vs = expf(sc - M)
		}
		for i := range acc {
			acc[i] += float32(v[i] * vs)
			if f16V {
				acc[i] = f16Round(acc[i])
			}
		}
		S = float32(S*ms) + vs
	}
	inv := float32(0)
	if S != 0 {
		inv = 1 / S
	}
	for i := range out {
		out[i] = acc[i] * inv
	}
}

// attendSoftmax is llama.cpp's attention without flash attention
// (llama-graph.cpp build_attn_mha): kq = mul_mat(K, q) (an F16 K makes ggml
// convert q to F16, its vec_dot_type), kq = soft_max_ext(kq, mask, scale 1)
// (ggml_compute_forward_soft_max_f32: max-subtracted expf, summed in
// double), then out = mul_mat(Vᵀ, kq) summed over the keys in F32 (with an
// F16 V, kq is converted to F16 first). Masked keys have probability
// exactly 0, so leaving them out changes nothing.
func attendSoftmax(out, q []float32, l *kvLayer, h, first, last int, s *attnScratch) {
	dk, dv := len(q), len(out)
	n := last - first + 1
	s.size(dk, dv, n)
	f16K, f16V := l.k16 != nil, l.v16 != nil
	qq := s.q[:dk]
	for i, v := range q {
		if f16K {
			v = f16Round(v)
		}
		qq[i] = v
	}
	p := s.p[:n]
	for j := range p {
		k := l.key(s.k, first+j, h, dk)
		if f16K {
			p[j] = dotF64(k, qq)
		} else {
			p[j] = kernels.DotF32(k, qq)
		}
	}
	kernels.Softmax(p, p)
	if f16V {
		for j, v := range p {
			p[j] = f16Round(v)
		}
	}
	clear(out)
	for j, pj := range p {
		v := l.value(s.v, first+j, h, dv)
		for i := range out {
			out[i] += float32(v[i] * pj)
		}
	}
}

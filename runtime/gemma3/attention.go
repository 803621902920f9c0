package gemma3

import (
	"math"
	"math/big"

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
	q8              []byte // Q as Q8_0 blocks, for a Q8_0 K cache
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

// expf is glibc's expf as llama.cpp's x86-64 build calls it (the FMA
// ifunc variant of sysdeps/ieee754/flt-32/e_expf.c): in double,
// x·N/ln2 = k + r with k rounded to an integer, 2^(k/N) from a table of
// N = 32 entries, a cubic in r evaluated with fused multiply-adds, and the
// product rounded once to float. Its error is up to about 0.502 ulp, so it
// is not always the correctly rounded value, which is what matters here.
func expf(v float32) float32 {
	x := float64(v)
	abstop := math.Float32bits(v) >> 20 & 0x7ff
	if abstop >= 0x42b { // |x| >= 88 or NaN: rare; defer to math.Exp
		return float32(math.Exp(x))
	}
	const shift = 0x1.8p+52
	z := expfInvLn2N * x
	kd := z + shift
	ki := math.Float64bits(kd)
	kd -= shift
	r := z - kd
	t := expfTab[ki%expfN] + ki<<(52-5)
	s := math.Float64frombits(t)
	zz := math.FMA(expfC[0], r, expfC[1])
	r2 := r * r
	y := math.FMA(expfC[2], r, 1)
	y = math.FMA(zz, r2, y)
	return float32(y * s)
}

const expfN = 32

var (
	expfInvLn2N = 0x1.71547652b82fep+0 * expfN
	expfC       = [3]float64{0x1.c6af84b912394p-5 / expfN / expfN / expfN, 0x1.ebfce50fac4f3p-3 / expfN / expfN, 0x1.62e42ff0c52d6p-1 / expfN}
	// expfTab[i] holds the bits of 2^(i/N), correctly rounded, less i<<47
	// (the exponent that ki<<47 adds back).
	expfTab = func() (t [expfN]uint64) {
		const prec = 256
		b := new(big.Float).SetPrec(prec).SetInt64(2)
		for range 5 {
			b.Sqrt(b)
		}
		p := new(big.Float).SetPrec(prec).SetInt64(1)
		for i := range expfN {
			f, _ := p.Float64()
			t[i] = math.Float64bits(f) - uint64(i)<<(52-5)
			p.Mul(p, b)
		}
		return t
	}()
)

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

// fmaf is C's fmaf: x·y + z rounded once to float32. The product of two
// float32 values is exact in float64; twoSum keeps the sum's rounding error,
// which settles the one case where rounding the float64 sum to float32
// would round twice (a float32 halfway point).
func fmaf(x, y, z float32) float32 {
	a, b := float64(x)*float64(y), float64(z)
	hi := a + b
	bb := hi - a
	lo := (a - (hi - bb)) + (b - bb)
	r := float32(hi)
	if lo == 0 || float64(r) == hi {
		return r
	}
	// hi is not a float32; it is a halfway point only if both neighbours
	// are equally far. Then lo breaks the tie.
	d := float64(r) - hi
	var o float32
	if d > 0 {
		o = math.Nextafter32(r, float32(math.Inf(-1)))
	} else {
		o = math.Nextafter32(r, float32(math.Inf(1)))
	}
	if float64(o)-hi != -d {
		return r
	}
	if (lo > 0) == (float64(o) > hi) {
		return o
	}
	return r
}

// ggmlF32Step is GGML_F32_STEP of the goldens' AVX-512 build (32 with
// AVX2): ggml's F32 vector loops (vec.cpp, vec.h) only run on the first
// n &^ (step−1) elements; shorter vectors go through the scalar leftover loop.
const ggmlF32Step = 64

// dotF32 is ggml_vec_dot_f32 (vec.cpp), the K·Q and V·softmax dot of one
// query (llamafile_sgemm declines n < 2 columns). For n < GGML_F32_STEP the
// SIMD loop is skipped and the leftover loop sums sumf += x[i]*y[i] in
// float, in index order, which GCC and Clang contract to one fmaf per
// element. Longer vectors take kernels.DotF32, which does not follow ggml's
// 4×16-lane order.
func dotF32(a, b []float32) float32 {
	if len(a) >= ggmlF32Step {
		return kernels.DotF32(a, b)
	}
	var s float32
	for i, x := range a {
		s = fmaf(x, b[i], s)
	}
	return s
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
	// With a Q8_0 K cache, ggml converts Q to Q8_0 (K's vec_dot_type) and
	// scores with ggml_vec_dot_q8_0_q8_0; V rows are dequantized to F32
	// (v_to_float) and accumulated in F32 as with an F32 cache. The tiled
	// path works on dequantized rows.
	q8K := l.k8 != nil && !tiled
	if q8K {
		if n := KVQ8_0.rowBytes(dk); cap(s.q8) < n {
			s.q8 = make([]byte, n)
		}
		kernels.QuantizeQ8_0(s.q8[:KVQ8_0.rowBytes(dk)], q)
	}
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
		var sc float32
		switch {
		case q8K:
			sc = kernels.DotQ8_0Q8_0(l.keyQ8(pos, h, dk), s.q8[:KVQ8_0.rowBytes(dk)])
		case f16K:
			sc = dotF64(l.key(s.k, pos, h, dk), qq)
		case tiled:
			sc = kernels.DotF32(l.key(s.k, pos, h, dk), qq)
		default:
			sc = dotF32(l.key(s.k, pos, h, dk), qq)
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
		if tiled {
			for i := range acc {
				acc[i] += float32(v[i] * vs)
			}
			S = float32(S*ms) + vs
			continue
		}
		// ggml_vec_mad_f16/_f32 below GGML_F16_STEP/GGML_F32_STEP: the
		// leftover loop y[i] + x[i]*v, contracted to fmaf; S*ms + vs too.
		for i := range acc {
			acc[i] = fmaf(v[i], vs, acc[i])
			if f16V {
				acc[i] = f16Round(acc[i])
			}
		}
		S = fmaf(S, ms, vs)
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
// convert q to F16, its vec_dot_type; an F32 K is summed as for one query,
// dotF32: a prompt goes through tinyBLAS in llama.cpp, 16 lanes and a
// reduction, whose order this does not follow, but the prompt logits of the
// goldens still come out bit-identical after Q8_0 activation rounding), kq = soft_max_ext(kq, mask, scale 1)
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
			p[j] = dotF32(k, qq)
		}
	}
	kernels.Softmax(p, p)
	if f16V {
		for j, v := range p {
			p[j] = f16Round(v)
		}
	}
	// out[i] = dotF32(V[first.., i], p): the same fmaf order, keys in
	// position order, accumulated over j for all i at once.
	clear(out)
	for j, pj := range p {
		v := l.value(s.v, first+j, h, dv)
		for i := range out {
			if n < ggmlF32Step {
				out[i] = fmaf(v[i], pj, out[i])
			} else {
				out[i] += float32(v[i] * pj)
			}
		}
	}
}

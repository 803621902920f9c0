package gemma3

import (
	"math"
	"math/big"

	"lookout/kernels"
	"lookout/quant"
)

// Attention of query heads over the cached keys [first, last], in position
// order (llama.cpp visits KV cells in cell order, which for one sequence is
// position order). The caller has applied the causal and sliding-window
// masks by choosing first and last; the Q scale was applied to q before
// (Gemma 3's KQ scale inside attention is 1). Decoding and short batches
// (attendToken, attendChunk) reproduce llama.cpp's rounding steps, which
// the goldens check bit for bit; longer batches take tiled.go.

// faTileQ is ggml's GGML_FA_TILE_Q (ggml-cpu/common.h): a micro-batch of at
// least this many queries takes ggml_compute_forward_flash_attn_ext_tiled,
// which keeps Q in F32 and accumulates V·softmax in F32 even with an F16
// cache; shorter ones take ..._flash_attn_ext_f16_one_chunk.
const faTileQ = 64

// attnScratch holds the buffers of the attention calls, reused between
// calls so that decoding allocates nothing.
type attnScratch struct {
	q, k, v, p []float32 // attendSoftmax: one query, one K and V row, the scores
	qq         []float32 // attendChunk: [g][dk] the group's queries as the dot takes them
	q8         []byte    // attendChunk: [g] the queries as Q8_0 rows, for a Q8_0 K cache
	kb         []float32 // attendChunk: [chunkKeys][dk] widened K rows
	vb         []float32 // attendChunk: [dv] one widened V row
	sc         []float32 // attendChunk: [chunkKeys][g] scores
	acc        []float32 // attendChunk: [g][dv] accumulators
	ms         []float32 // attendChunk: [2][g] running maximum and sum
	tiled      tiledScratch
}

func (s *attnScratch) size(dk, dv, nkv int) {
	if cap(s.q) < dk {
		s.q, s.k = make([]float32, dk), make([]float32, dk)
	}
	if cap(s.v) < dv {
		s.v = make([]float32, dv)
	}
	if cap(s.p) < nkv {
		s.p = make([]float32, nkv)
	}
}

// f16Round rounds v to the nearest f16 and back (GGML_CPU_FP32_TO_FP16
// then GGML_CPU_FP16_TO_FP32), the F16 accumulator's step. In the common
// case, a result in the normal f16 range, it rounds the float32 bits in
// place (to nearest even, as quant.F32ToF16 does); the rest (zeros, f16
// subnormals, overflow, NaN) takes the round trip through quant. The hot
// loops (madF16, scaleF16) run in kernels (kernels.MadF16, ScaleF16), whose
// generic twins spell the same fast case out.
func f16Round(v float32) float32 {
	if b := math.Float32bits(v); f16Normal(b) {
		return math.Float32frombits(f16RoundBits(b))
	}
	return f16RoundSlow(v)
}

// f16Normal reports whether the float32 with bits b rounds to a normal
// f16: |v| in [2⁻¹⁴, 65520).
func f16Normal(b uint32) bool {
	return b&0x7fffffff-0x38800000 < 0x477ff000-0x38800000 // one unsigned compare
}

// f16RoundBits drops the 13 mantissa bits f16 lacks from b, to nearest
// even (a carry into the exponent is the right result), for f16Normal b.
func f16RoundBits(b uint32) uint32 { return (b + 0xfff + (b>>13)&1) &^ 0x1fff }

// f16RoundSlow is f16Round through quant's conversions.
func f16RoundSlow(v float32) float32 { return quant.F16ToF32(quant.F32ToF16(v)) }

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

// dotF64x4 is dotF64 of four pairs at once: (a0,b0) … (a3,b3), all of one
// length. Each sum keeps dotF64's order, so the bits are the same; four
// independent chains of float64 adds hide the add latency that a single
// chain waits on.
func dotF64x4(a0, b0, a1, b1, a2, b2, a3, b3 []float32) (float32, float32, float32, float32) {
	n := len(a0)
	b0, a1, b1, a2, b2, a3, b3 = b0[:n], a1[:n], b1[:n], a2[:n], b2[:n], a3[:n], b3[:n]
	var s0, s1, s2, s3 float64
	for i := range n {
		s0 += float64(a0[i] * b0[i])
		s1 += float64(a1[i] * b1[i])
		s2 += float64(a2[i] * b2[i])
		s3 += float64(a3[i] * b3[i])
	}
	return float32(s0), float32(s1), float32(s2), float32(s3)
}

// fmaf is C's fmaf: x·y + z rounded once to float32. The product of two
// float32 values is exact in float64, so their float64 sum hi is off the
// exact sum by at most half a float64 ulp, and rounding hi to float32 gives
// the correctly rounded result unless hi sits exactly on a float32 halfway
// point (where the exact sum may lie to either side) or is not a normal
// float32 (where the halfway points are spaced differently): fmafEasy.
// Those rare cases take kernels.FMAF. madF32 spells this out, since a call
// would cost more than the arithmetic (madF16 runs in kernels.MadF16).
func fmaf(x, y, z float32) float32 {
	if hi := float64(x)*float64(y) + float64(z); fmafEasy(hi) {
		return float32(hi)
	}
	return kernels.FMAF(x, y, z)
}

// fmafEasy reports whether rounding the float64 sum hi to float32 rounds
// x·y + z correctly: hi is a normal float32 (biased exponent 0x381 is
// 2⁻¹²⁶) and not a float32 halfway point (1<<28 alone in the low 29 of the
// 52 mantissa bits).
func fmafEasy(hi float64) bool {
	b := math.Float64bits(hi)
	return b&(1<<29-1) != 1<<28 && b&0x7ff0000000000000 >= 0x3810000000000000
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

// chunkKeys is how many K rows attendChunk widens at a time: enough for
// the score loops to run long, few enough (16 KiB at head dim 256) to stay
// in L1 until the V pass has used the scores.
const chunkKeys = 16

// attendChunk follows ggml's CPU flash attention for a micro-batch of fewer
// than faTileQ queries, ops.cpp ggml_compute_forward_flash_attn_ext_f16_one_chunk,
// for the g query heads that share KV head h (q is [g][dk] and out [g][dv]:
// consecutive heads of one token). For each head, Q is converted to K's
// vec_dot_type (F16 for an F16 cache, Q8_0 for a Q8_0 one), each score is
// s = K·Q, then an online softmax: on a new maximum M the accumulator is
// scaled by expf(Mold−M), otherwise the value is weighted by expf(s−M);
// S = S·ms + vs. With an F16 V cache the accumulator VKQ16 is an F16
// buffer: every scale (ggml_vec_scale_f16) and every multiply-add
// (ggml_vec_mad_f16) rounds to F16. The result is VKQ·(1/S).
//
// Each head's sequence of float operations is exactly that; the group only
// shares work: every cached K and V row is widened to float32 once for all
// g heads (ggml converts per query), and the scores of a run of keys are
// computed before the softmax steps that use them, several dot products at
// a time.
func attendChunk(out, q []float32, g int, l *kvLayer, h, first, last int, s *attnScratch) {
	dk, dv := len(q)/g, len(out)/g
	f16K, f16V, q8K := l.k16 != nil, l.v16 != nil, l.k8 != nil
	qq := grow(&s.qq, g*dk)
	var q8 []byte
	qb := KVQ8_0.rowBytes(dk)
	switch {
	case q8K:
		// A Q8_0 K cache: ggml quantizes Q to Q8_0 (K's vec_dot_type) and
		// scores with ggml_vec_dot_q8_0_q8_0. V rows are dequantized to F32
		// (v_to_float) and accumulated in F32, as with an F32 cache.
		if cap(s.q8) < g*qb {
			s.q8 = make([]byte, g*qb)
		}
		q8 = s.q8[:g*qb]
		for i := range g {
			kernels.QuantizeQ8_0(q8[i*qb:(i+1)*qb], q[i*dk:(i+1)*dk])
		}
	case f16K:
		for i, v := range q {
			qq[i] = f16Round(v)
		}
	default:
		copy(qq, q)
	}
	acc := grow(&s.acc, g*dv)
	clear(acc)
	ms := grow(&s.ms, 2*g)
	M, S := ms[:g], ms[g:]
	for i := range g {
		M[i], S[i] = float32(math.Inf(-1)), 0
	}
	kb := grow(&s.kb, chunkKeys*dk)
	sc := grow(&s.sc, chunkKeys*g)
	vb := grow(&s.vb, dv)
	for p0 := first; p0 <= last; p0 += chunkKeys {
		nk := min(chunkKeys, last-p0+1)
		// Scores sc[j·g+i] of key p0+j against query head i.
		switch {
		case q8K:
			for j := range nk {
				k := l.keyQ8(p0+j, h, dk)
				for i := range g {
					sc[j*g+i] = kernels.DotQ8_0Q8_0(k, q8[i*qb:(i+1)*qb])
				}
			}
		case f16K:
			for j := range nk {
				l.key(kb[j*dk:(j+1)*dk], p0+j, h, dk)
			}
			scoresF64(sc[:nk*g], kb, qq, g, dk)
		default:
			for j := range nk {
				k := l.key(kb[:dk], p0+j, h, dk)
				for i := range g {
					sc[j*g+i] = dotF32(k, qq[i*dk:(i+1)*dk])
				}
			}
		}
		for j := range nk {
			v := l.value(vb, p0+j, h, dv)
			for i := range g {
				flashStep(acc[i*dv:(i+1)*dv], v, sc[j*g+i], &M[i], &S[i], f16V)
			}
		}
	}
	for i := range g {
		inv := float32(0)
		if S[i] != 0 {
			inv = 1 / S[i]
		}
		o, a := out[i*dv:(i+1)*dv], acc[i*dv:(i+1)*dv]
		for j := range o {
			o[j] = a[j] * inv
		}
	}
}

// minParallelKeys is the least number of keys for which attendToken splits
// a token's heads over the pool: below it, waking a worker costs more than
// the attention (about 1 µs per key and head at head dim 256).
const minParallelKeys = 16

// tokenJob is attendToken's work: items are the heads [h0, h1) of KV head
// kvh, sub items per KV head; workers take contiguous runs of items.
type tokenJob struct {
	s           *Session
	kv          *kvLayer
	q, att      []float32
	first, last int
	sub, items  int
	workers     int
}

// attendToken runs attendChunk for one token (q [H][D], att [H][Dv]) on
// keys [first, last]: the query heads that read one KV head are
// consecutive and go together; on a pool of several threads, with enough
// keys, the groups (and, when there are fewer groups than threads, parts
// of groups) run in parallel. Each head's result is the same either way.
func (s *Session) attendToken(kv *kvLayer, q, att []float32, first, last int) {
	c := s.m.Config
	threads := s.m.pool.Threads()
	j := &s.tokJob
	*j = tokenJob{s: s, kv: kv, q: q, att: att, first: first, last: last, sub: 1, items: c.NHeadKV, workers: 1}
	if threads == 1 || last-first+1 < minParallelKeys {
		j.work(0, &s.attn)
		return
	}
	j.sub = min(c.NHead/c.NHeadKV, (threads+c.NHeadKV-1)/c.NHeadKV)
	j.items = c.NHeadKV * j.sub
	j.workers = min(threads, j.items)
	if len(s.attnW) < j.workers {
		s.attnW = make([]attnScratch, threads)
	}
	if s.tokRun == nil {
		s.tokRun = j.run // a method value allocates: make it once
	}
	// Run gives each worker index a chunk of its own.
	s.m.pool.Run(j.workers, s.tokRun)
	j.q, j.att = nil, nil
}

// run is the pool's side of attendToken: workers [start, end).
func (j *tokenJob) run(start, end int) {
	for w := start; w < end; w++ {
		j.work(w, &j.s.attnW[w])
	}
}

// work attends worker w's share of the items with scratch sc.
func (j *tokenJob) work(w int, sc *attnScratch) {
	c := j.s.m.Config
	g, D, Dv := c.NHead/c.NHeadKV, c.HeadDimK, c.HeadDimV
	for i := w * j.items / j.workers; i < (w+1)*j.items/j.workers; i++ {
		kvh, part := i/j.sub, i%j.sub
		h0, h1 := kvh*g+part*g/j.sub, kvh*g+(part+1)*g/j.sub
		attendChunk(j.att[h0*Dv:h1*Dv], j.q[h0*D:h1*D], h1-h0, j.kv, kvh, j.first, j.last, sc)
	}
}

// scoresF64 sets sc[j·g+i] = dotF64(K row j, query i) for the widened K
// rows kb ([len(sc)/g][dk]) and the g queries qq ([g][dk]), four at a time.
func scoresF64(sc, kb, qq []float32, g, dk int) {
	row := func(p int) ([]float32, []float32) {
		j, i := p/g, p%g
		return kb[j*dk : (j+1)*dk], qq[i*dk : (i+1)*dk]
	}
	p := 0
	for ; p+4 <= len(sc); p += 4 {
		a0, b0 := row(p)
		a1, b1 := row(p + 1)
		a2, b2 := row(p + 2)
		a3, b3 := row(p + 3)
		sc[p], sc[p+1], sc[p+2], sc[p+3] = dotF64x4(a0, b0, a1, b1, a2, b2, a3, b3)
	}
	for ; p < len(sc); p++ {
		sc[p] = dotF64(row(p))
	}
}

// flashStep is one key of one head's online softmax in attendChunk: the
// score sc, the widened V row v, the accumulator acc and the running
// maximum M and sum S. ggml_vec_mad_f16/_f32 and ggml_vec_scale run below
// GGML_F16_STEP/GGML_F32_STEP in their leftover loops: y[i] + x[i]*v,
// contracted to fmaf, and y[i]*v; S·ms + vs is one fmaf too.
func flashStep(acc, v []float32, sc float32, M, S *float32, f16V bool) {
	ms, vs := float32(1), float32(1)
	if sc > *M {
		ms = expf(*M - sc)
		*M = sc
		if f16V {
			scaleF16(acc, ms)
		} else {
			for i, a := range acc {
				acc[i] = a * ms
			}
		}
	} else {
		vs = expf(sc - *M)
	}
	if f16V {
		madF16(acc, v, vs)
	} else {
		madF32(acc, v, vs)
	}
	*S = fmaf(*S, ms, vs)
}

// scaleF16 sets acc[i] = f16Round(acc[i]·s), ggml_vec_scale_f16's leftover
// loop on an F16 accumulator (kernels.ScaleF16, bit for bit on every Impl).
func scaleF16(acc []float32, s float32) { kernels.ScaleF16(acc, s) }

// madF16 sets acc[i] = f16Round(fmaf(v[i], s, acc[i])), ggml_vec_mad_f16's
// leftover loop on an F16 accumulator. It is the hot loop of decoding with
// an F16 cache (once per element, key and head); kernels.MadF16 runs it in
// SIMD lanes (FMA, then the f16 round trip in hardware), bit for bit the
// scalar definition on every Impl.
func madF16(acc, v []float32, s float32) { kernels.MadF16(acc, v, s) }

// madF32 sets acc[i] = fmaf(v[i], s, acc[i]), ggml_vec_mad_f32's leftover
// loop.
func madF32(acc, v []float32, s float32) {
	v = v[:len(acc)]
	s64 := float64(s)
	for i, a := range acc {
		if hi := float64(v[i])*s64 + float64(a); fmafEasy(hi) {
			acc[i] = float32(hi)
		} else {
			acc[i] = kernels.FMAF(v[i], s, a)
		}
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

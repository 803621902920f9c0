package gemma3

import (
	"math"
	"sync/atomic"
	"unsafe"

	"lookout/kernels"
	"lookout/quant"
)

// Flash attention for a micro-batch of faTileQ queries or more, as
// ggml_compute_forward_flash_attn_ext_tiled does it: Q, the scores and the
// accumulator in F32, K and V widened to F32 (or dequantized) once. No
// golden covers this path (the goldens' prompts are shorter than faTileQ);
// it matches the one-chunk path to float rounding (TestTiledMatchesChunk).
//
// The work is blocked so that the inner products are small F32 GEMMs: for
// each KV head, the keys the batch can see are taken in runs of tileKeys
// positions, widened once; against each run, every tile of tileQ tokens
// (all g query heads of the group: tileQ·g rows) computes its scores with
// one kernels.MatMul, applies the causal and sliding-window masks, updates
// each row's running maximum and sum (an online softmax across runs, as in
// any flash attention), and adds P·V with a second MatMul. Tiles are
// independent and run on the model's pool.

// Tile sizes; variables so that a test can make them small.
var (
	tileQ    = 32  // tokens per query tile
	tileKeys = 256 // keys widened and scored at a time (256 KiB of K at head dim 256)
)

// tiledScratch holds attendTiled's buffers.
type tiledScratch struct {
	kr, vr  []float32 // [n][Hkv·D], [n][Hkv·Dv] the batch's K and V rows as the cache returns them
	kc, vc  []float32 // [tileKeys][D], [tileKeys][Dv] one run of widened rows of one KV head
	ms      []float32 // [2][n·H] each query row's running maximum and sum
	q8      []byte    // one Q8_0 block, for the round trip of a Q8_0 cache
	workers []tileWorker
	items   []int // the tiles (first token index) of the current run
}

// tileWorker is one pool thread's share of attendTiled's buffers.
type tileWorker struct {
	q, sc, vt, pv []float32 // [rows][D] gathered queries, [rows][keys] scores, [Dv][keys] Vᵀ, [rows][Dv] P·V
	mm            kernels.Scratch
}

// attendTiled computes the attention output att ([n][H][Dv]) of the n ≥
// faTileQ tokens of a batch at positions s.pos… of layer il, whose rotated
// and scaled queries are q ([n][H][D]) and new keys and values k and v
// ([n][Hkv][D], [n][Hkv][Dv]), and then stores k and v in the cache.
func (s *Session) attendTiled(il int, q, k, v, att []float32, n int) {
	c := s.m.Config
	l := &s.KV.layers[il]
	ts := &s.attn.tiled
	H, Hkv, D, Dv := c.NHead, c.NHeadKV, c.HeadDimK, c.HeadDimV
	g := H / Hkv
	window := 0
	if c.Sliding(il) {
		window = c.Window
	}
	// first returns the first key position token t may see.
	first := func(t int) int {
		if window > 0 {
			return max(0, s.pos+t-window+1)
		}
		return 0
	}
	lo, hi := first(0), s.pos+n-1

	// The new rows as the cache will return them: the cache is written only
	// after the whole batch has attended, because on a sliding layer a late
	// token's row takes the ring slot of a key that an early token still
	// needs.
	kr, vr := grow(&ts.kr, len(k)), grow(&ts.vr, len(v))
	ts.roundTrip(kr, k, s.KV.Type)
	ts.roundTrip(vr, v, s.KV.Type)

	ms := grow(&ts.ms, 2*n*H)
	M, S := ms[:n*H], ms[n*H:]
	for i := range M {
		M[i], S[i] = float32(math.Inf(-1)), 0
	}
	clear(att)
	kc, vc := grow(&ts.kc, tileKeys*D), grow(&ts.vc, tileKeys*Dv)
	threads := s.m.pool.Threads()
	if len(ts.workers) < threads {
		ts.workers = make([]tileWorker, threads)
	}
	for h := range Hkv {
		for c0 := lo; c0 <= hi; c0 += tileKeys {
			c1 := min(c0+tileKeys, hi+1) // keys [c0, c1)
			for p := c0; p < c1; p++ {
				j := p - c0
				if t := p - s.pos; t >= 0 {
					copy(kc[j*D:(j+1)*D], kr[(t*Hkv+h)*D:])
					copy(vc[j*Dv:(j+1)*Dv], vr[(t*Hkv+h)*Dv:])
					continue
				}
				copy(kc[j*D:(j+1)*D], l.key(kc[j*D:(j+1)*D], p, h, D))
				copy(vc[j*Dv:(j+1)*Dv], l.value(vc[j*Dv:(j+1)*Dv], p, h, Dv))
			}
			// The tiles that see any key of the run, the latest (with the
			// most keys) first so that the pool's threads end together.
			items := ts.items[:0]
			for t0 := (n - 1) / tileQ * tileQ; t0 >= 0; t0 -= tileQ {
				t1 := min(t0+tileQ, n)
				if first(t0) < c1 && s.pos+t1-1 >= c0 {
					items = append(items, t0)
				}
			}
			ts.items = items
			job := tileJob{s: s, q: q, att: att, M: M, S: S, kc: kc, vc: vc,
				c0: c0, c1: c1, h: h, g: g, n: n, first: first, items: items}
			nw := min(threads, len(items))
			if nw <= 1 {
				job.work(&ts.workers[0])
				continue
			}
			s.m.pool.Run(nw, func(start, end int) {
				for w := start; w < end; w++ {
					job.work(&ts.workers[w])
				}
			})
		}
	}
	for r := range n * H {
		inv := float32(0)
		if S[r] != 0 {
			inv = 1 / S[r]
		}
		kernels.Scale(att[r*Dv:(r+1)*Dv], att[r*Dv:(r+1)*Dv], inv)
	}
	for t := range n {
		l.store(s.pos+t, k[t*Hkv*D:(t+1)*Hkv*D], v[t*Hkv*Dv:(t+1)*Hkv*Dv])
	}
}

// roundTrip sets dst to the values of src as a cache of type typ stores and
// returns them: rounded to F16, quantized to Q8_0 and back (whole blocks
// of one row: head dims are whole blocks), or unchanged.
func (ts *tiledScratch) roundTrip(dst, src []float32, typ KVType) {
	switch typ {
	case KVF16:
		for i, x := range src {
			dst[i] = f16Round(x)
		}
	case KVQ8_0:
		if cap(ts.q8) < q8BlockBytes {
			ts.q8 = make([]byte, q8BlockBytes)
		}
		b := ts.q8[:q8BlockBytes]
		for i := 0; i < len(src); i += q8Block {
			kernels.QuantizeQ8_0(b, src[i:i+q8Block])
			dequantizeQ8_0(dst[i:i+q8Block], b)
		}
	default:
		copy(dst, src)
	}
}

// tileJob is one run of keys of one KV head against the query tiles that
// see it; workers take tiles from items in turn.
type tileJob struct {
	s       *Session
	q, att  []float32
	M, S    []float32
	kc, vc  []float32 // widened rows of keys [c0, c1)
	c0, c1  int
	h, g, n int
	first   func(t int) int
	items   []int
	next    atomic.Int64
}

// work processes tiles until none are left.
func (j *tileJob) work(w *tileWorker) {
	for {
		i := int(j.next.Add(1)) - 1
		if i >= len(j.items) {
			return
		}
		j.tile(w, j.items[i])
	}
}

// tile runs the tokens [t0, t0+tileQ) against the keys of the run they see.
func (j *tileJob) tile(w *tileWorker, t0 int) {
	c := j.s.m.Config
	H, D, Dv, g := c.NHead, c.HeadDimK, c.HeadDimV, j.g
	pos0 := j.s.pos
	t1 := min(t0+tileQ, j.n)
	a, b := max(j.c0, j.first(t0)), min(j.c1, pos0+t1) // keys [a, b)
	nk, nr := b-a, (t1-t0)*g
	// The group's heads of one token are consecutive in q and att.
	wq := grow(&w.q, nr*D)
	for t := t0; t < t1; t++ {
		copy(wq[(t-t0)*g*D:(t-t0+1)*g*D], j.q[(t*H+j.h*g)*D:])
	}
	sc := grow(&w.sc, nr*nk)
	kernels.MatMul(nil, sc, f32Matrix(j.kc[(a-j.c0)*D:(b-j.c0)*D], nk, D), wq, nr, &w.mm)
	for r := range nr {
		t := t0 + r/g
		R := t*H + j.h*g + r%g // the row in q, att, M and S
		row := sc[r*nk : (r+1)*nk]
		ja, jb := max(a, j.first(t))-a, min(b, pos0+t+1)-a // visible keys [ja, jb)
		if ja >= jb {
			clear(row)
			continue
		}
		mx := row[ja]
		for _, x := range row[ja+1 : jb] {
			mx = max(mx, x)
		}
		Mold := j.M[R]
		Mnew := max(Mold, mx)
		var sum float32
		clear(row[:ja])
		for i := ja; i < jb; i++ {
			e := expf(row[i] - Mnew)
			row[i] = e
			sum += e
		}
		clear(row[jb:])
		scale := expf(Mold - Mnew) // 0 for the first keys a row sees
		j.M[R], j.S[R] = Mnew, j.S[R]*scale+sum
		if scale != 1 {
			o := j.att[R*Dv : (R+1)*Dv]
			kernels.Scale(o, o, scale)
		}
	}
	// P·V = P·(Vᵀ)ᵀ: MatMul multiplies by a transposed matrix, so transpose
	// the run's visible V rows.
	vt := grow(&w.vt, Dv*nk)
	for jj := range nk {
		vrow := j.vc[(a-j.c0+jj)*Dv : (a-j.c0+jj+1)*Dv]
		for i, x := range vrow {
			vt[i*nk+jj] = x
		}
	}
	pv := grow(&w.pv, nr*Dv)
	kernels.MatMul(nil, pv, f32Matrix(vt, Dv, nk), sc, nr, &w.mm)
	for r := range nr {
		t := t0 + r/g
		R := t*H + j.h*g + r%g
		kernels.Add(j.att[R*Dv:(R+1)*Dv], j.att[R*Dv:(R+1)*Dv], pv[r*Dv:(r+1)*Dv])
	}
}

// f32Matrix views rows×cols float32 values as an F32 kernels.Matrix.
func f32Matrix(x []float32, rows, cols int) kernels.Matrix {
	x = x[:rows*cols]
	return kernels.Matrix{Type: quant.F32, Rows: rows, Cols: cols,
		Data: unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))}
}

package gemma3

import (
	"errors"
	"fmt"
	"math"

	"lookout/kernels"
)

// The Gemma 3 decoder, top to bottom, as llama.cpp builds it
// (src/models/gemma3.cpp, llm_build_gemma3) and runs it on the CPU
// (ggml-cpu/ops.cpp). Shapes: n tokens in the batch, E = n_embd,
// H = n_head, Hkv = n_head_kv, D = head_dim, F = n_ff, V = n_vocab.

// ErrContextFull is returned by Forward when the tokens do not fit in the
// session's context.
var ErrContextFull = errors.New("gemma3: the tokens do not fit in the context")

// buffers are the activations of one batch, reused between calls.
type buffers struct {
	x, h     []float32 // [n][E] residual stream, normed copy
	q, k, v  []float32 // [n][H·D], [n][Hkv·D], [n][Hkv·Dv]
	att, o   []float32 // [n][H·Dv] attention output, [n][E] projected
	gate, up []float32 // [n][F]
	logits   []float32 // [rows][V]
	mm       kernels.Scratch
}

// grow returns (*b)[:n], reallocating when it is too small.
func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

// mul computes out = x·Wᵀ for n rows: MatMul for a prompt (llama.cpp
// evaluates a prompt as one ubatch), MatVec for one token. Both quantize
// activations as llama.cpp does (Q8_0 for quantized weights, F16 rounding
// for F16 weights) and give the same bits.
func (s *Session) mul(out []float32, w kernels.Matrix, x []float32, n int) {
	if n == 1 {
		kernels.MatVec(s.m.pool, out, w, x, &s.buf.mm)
		return
	}
	kernels.MatMul(s.m.pool, out, w, x, n, &s.buf.mm)
}

// rmsNormRows normalizes each of the rows of x (width w) into dst and
// multiplies by weight: ggml rms_norm then mul (ops.cpp
// ggml_compute_forward_rms_norm_f32: sum of squares in double,
// scale = 1/sqrtf(mean+eps)).
func rmsNormRows(dst, x, weight []float32, w int, eps float32) {
	for r := 0; r < len(x)/w; r++ {
		kernels.RMSNorm(dst[r*w:(r+1)*w], x[r*w:(r+1)*w], weight, eps)
	}
}

// Forward evaluates tokens at the next positions of the session and
// returns logits: [len(tokens)][V] when all is set, else the last
// position's [V]. The slice is reused by the next call.
func (s *Session) Forward(tokens []int32, all bool) ([]float32, error) {
	m, c := s.m, s.m.Config
	n := len(tokens)
	if n == 0 {
		return nil, errors.New("gemma3: Forward: no tokens")
	}
	if s.pos+n > s.KV.NCtx {
		return nil, fmt.Errorf("%w: %d positions used + %d tokens > context length %d", ErrContextFull, s.pos, n, s.KV.NCtx)
	}
	E, D, Dv := c.NEmbd, c.HeadDimK, c.HeadDimV
	b := &s.buf

	// Embedding: get_rows dequantizes each row to F32 (Q4_0: d·(q−8),
	// Q8_0: d·q), then ggml_scale by sqrtf(n_embd) in F32.
	x := grow(&b.x, n*E)
	emb := m.Weights.TokenEmbd
	embScale := float32(math.Sqrt(float64(float32(E))))
	for t, id := range tokens {
		if id < 0 || int(id) >= c.NVocab {
			return nil, fmt.Errorf("gemma3: token id %d at batch index %d out of range [0,%d)", id, t, c.NVocab)
		}
		row := x[t*E : (t+1)*E]
		emb.DequantizeRow(row, int(id))
		kernels.Scale(row, row, embScale)
	}

	h := grow(&b.h, n*E)
	q := grow(&b.q, n*c.NHead*D)
	k := grow(&b.k, n*c.NHeadKV*D)
	v := grow(&b.v, n*c.NHeadKV*Dv)
	att := grow(&b.att, n*c.NHead*Dv)
	o := grow(&b.o, n*E)
	gate := grow(&b.gate, n*c.NFF)
	up := grow(&b.up, n*c.NFF)
	group := c.NHead / c.NHeadKV

	for il := range m.Weights.Layers {
		L := &m.Weights.Layers[il]
		sliding := c.Sliding(il)
		base, freqScale := c.RopeBase, c.RopeScale
		if sliding {
			// llama.cpp: rope_freq_base_train_swa, rope_freq_scale_train_swa = 1.
			base, freqScale = c.RopeBaseSWA, 1
		}

		// Attention block: pre-norm, Q/K/V projections.
		rmsNormRows(h, x, L.AttnNorm, E, c.NormEps)
		s.mul(q, L.Q, h, n)
		s.mul(k, L.K, h, n)
		s.mul(v, L.V, h, n)
		for t := range n {
			pos := s.pos + t
			qt := q[t*c.NHead*D : (t+1)*c.NHead*D]
			kt := k[t*c.NHeadKV*D : (t+1)*c.NHeadKV*D]
			// Per-head RMSNorm of Q and K over head_dim (attn_q_norm,
			// attn_k_norm), then NeoX RoPE (ggml_rope_ext, mode NEOX).
			rmsNormRows(qt, qt, L.QNorm, D, c.NormEps)
			rmsNormRows(kt, kt, L.KNorm, D, c.NormEps)
			kernels.RoPENeoX(qt, D, c.NHead, pos, base, freqScale)
			kernels.RoPENeoX(kt, D, c.NHeadKV, pos, base, freqScale)
			// ggml_scale(Qcur, f_attention_scale); the KQ scale is then 1.
			kernels.Scale(qt, qt, c.QScale)
		}

		// Store each token's K and V, then let it attend to the cache:
		// token t sees positions ≤ its own (causal) and, on sliding layers,
		// only those with pos_q − pos_k < window (llama.cpp's
		// LLAMA_SWA_TYPE_STANDARD masks pos_q − pos_k >= n_swa). Storing
		// one token at a time keeps a window-sized ring buffer valid.
		// (attendTiled attends first and stores after.)
		kv := &s.KV.layers[il]
		if !m.Options.NoFlashAttention && n >= faTileQ {
			s.attendTiled(il, q, k, v, att, n)
		} else {
			for t := range n {
				pos := s.pos + t
				kv.store(pos, k[t*c.NHeadKV*D:(t+1)*c.NHeadKV*D], v[t*c.NHeadKV*Dv:(t+1)*c.NHeadKV*Dv])
				first := 0
				if sliding {
					first = max(0, pos-c.Window+1)
				}
				if m.Options.NoFlashAttention {
					for hd := range c.NHead {
						qh := q[(t*c.NHead+hd)*D : (t*c.NHead+hd+1)*D]
						out := att[(t*c.NHead+hd)*Dv : (t*c.NHead+hd+1)*Dv]
						// GQA: query head h reads KV head h/(H/Hkv).
						attendSoftmax(out, qh, kv, hd/group, first, pos, &s.attn)
					}
					continue
				}
				s.attendToken(kv, q[t*c.NHead*D:(t+1)*c.NHead*D], att[t*c.NHead*Dv:(t+1)*c.NHead*Dv], first, pos)
			}
		}
		s.mul(o, L.Output, att, n)
		rmsNormRows(o, o, L.PostAttnNorm, E, c.NormEps)
		kernels.Add(x, x, o)

		// Feed-forward block: down(gelu(gate(h)) * up(h)), GELU through
		// ggml's FP16 table (vec.h ggml_vec_gelu_f32, GGML_GELU_FP16).
		rmsNormRows(h, x, L.FFNNorm, E, c.NormEps)
		s.mul(gate, L.Gate, h, n)
		s.mul(up, L.Up, h, n)
		kernels.GELUF16Table(gate, gate)
		kernels.Mul(gate, gate, up)
		s.mul(o, L.Down, gate, n)
		rmsNormRows(o, o, L.PostFFWNorm, E, c.NormEps)
		kernels.Add(x, x, o)
	}

	// Final norm and the LM head (token_embd when tied), in the head's own
	// type: ggml_mul_mat(output, x) rounds x to F16 for an F16 head and
	// quantizes it to Q8_0 for a Q8_0/Q4_0 head.
	rows, xs := n, x
	if !all {
		rows, xs = 1, x[(n-1)*E:]
	}
	rmsNormRows(h[:rows*E], xs, m.Weights.OutputNorm, E, c.NormEps)
	logits := grow(&b.logits, rows*c.NVocab)
	s.mul(logits, m.Weights.Output, h[:rows*E], rows)
	if c.FinalSoftcap > 0 {
		// llm_build_gemma3: logits = cap·tanh(logits/cap) when the key is set.
		for i, l := range logits {
			logits[i] = c.FinalSoftcap * float32(math.Tanh(float64(l/c.FinalSoftcap)))
		}
	}
	s.pos += n
	return logits, nil
}

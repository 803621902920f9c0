package kernels

// Impl is one implementation of the hot kernels: the pure-Go references
// (Generic), or an assembly set for one CPU feature level. Package kernels
// picks one at start-up; tests run every Impl the CPU supports against
// Generic. Every field must be set (an assembly set without a kernel of its
// own points the field at the generic function).
//
// Block layouts are ggml's: a Q4_0 block is an fp16 scale d then 16 bytes of
// nibbles (value j is the low nibble of byte j, value j+16 the high nibble,
// each minus 8); a Q8_0 block is an fp16 scale then 32 int8. Rows are
// contiguous runs of blocks. Kernels trust their arguments: the exported
// wrappers in this package check lengths before calling them.
type Impl struct {
	// Name says what runs: "generic", "avx2", "avx-vnni", "avx512-vnni",
	// "neon", "neon-dotprod".
	Name string

	// DotQ4_0Q8_0x4 sets, for r < 4, out[r] to the dot product of weight row
	// r (nb Q4_0 blocks starting at w[r*stride]) with the activation row a
	// (nb Q8_0 blocks): Σ_b d_b·isum_b with d_b = fp16(d_w)·fp16(d_a) and
	// isum_b = Σ_j (q_w−8)·q_a over the 32 values j of block b. One
	// activation load feeds four rows.
	//
	// Accuracy contract (all block-dot fields). Generic computes each isum_b
	// exactly and adds the float32 terms d_b·isum_b in block order. Another
	// Impl may instead split each block's 32 integer products among up to
	// L = 32 partial sums ("lanes", s_{b,l}, each an exact integer, with
	// Σ_l s_{b,l} = isum_b), accumulate each lane over the blocks in float32
	// (one rounding per block and lane: FMA of d_b and s_{b,l}, or a rounded
	// product and sum), and add the lanes at the end in any order. The
	// integer block sums then need not exist anywhere. With u = 2⁻²⁴ and
	//
	//	A = Σ_b |d_b|·Σ_j |q_w,j·q_a,j|   (q_w,j = nibble−8 for Q4_0),
	//
	// which bounds Σ_b Σ_l |d_b·s_{b,l}| for every such split (triangle
	// inequality inside each lane), and also Σ_b |d_b·isum_b|:
	//   - a lane's float sum of nb terms, each rounded once as it is added,
	//     is within nb·u·Σ_b |d_b·s_{b,l}| of its exact value (to first
	//     order; d_b is exact in float32 and |s_{b,l}| < 2²⁴ converts
	//     exactly);
	//   - adding L lane sums, in any order, costs at most (L−1)·u·Σ_l |lane|;
	//   so the Impl is within (nb+L−1)·u·A of the exact value, and Generic
	//   (two roundings per block) within (nb+1)·u·A. Hence every Impl
	//   satisfies
	//
	//	|got − Generic| ≤ (2·nb+32)·2⁻²⁴·A.
	//
	// Kernels that keep the integer block sums exact (L = 1) satisfy it a
	// fortiori. The amd64 Impls go further and sum in llama.cpp's x86 order,
	// bit for bit (kernels/amd64/dot_avx2_amd64.s): Q8_0 with L = 8 lanes
	// of four products and ggml's hsum_float_8, Q4_0 with L = 1 and one FMA
	// per block (ggml's q4_0_8x8 repacked gemv/gemm). Non-finite results: a NaN or ±Inf scale makes the result
	// non-finite (NaN or ±Inf) in every Impl, but which one may differ from
	// Generic's, because a lane with s_{b,l} = 0 times an infinite scale is
	// NaN where isum_b ≠ 0 would give ±Inf (and vice versa). When Generic
	// gives ±Inf, an Impl gives the same infinity or NaN. Finite scales
	// never overflow (|d_b·isum_b| < 2³²·2¹⁹).
	DotQ4_0Q8_0x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	// DotQ4_0Q8_0 is the same for one weight row (a row gives the same bits
	// alone or in a group of four only in Impls that say so; MatVec and
	// MatMul always compute a given row with the same kernel).
	DotQ4_0Q8_0 func(w, a []byte, nb int) float32
	// DotQ8_0Q8_0x4 and DotQ8_0Q8_0: the same with Q8_0 weights (isum_b =
	// Σ_j q_w·q_a) and the same accuracy contract.
	DotQ8_0Q8_0x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	DotQ8_0Q8_0   func(w, a []byte, nb int) float32
	// DotQ4_0Q8_0x4xM and DotQ8_0Q8_0x4xM are the micro-kernels of MatMul:
	// DotQ4_0Q8_0x4 and DotQ8_0Q8_0x4 for m activation rows at once. For
	// i < m, out[i*ldo+r] (r < 4) is set to what the same Impl's x4 kernel
	// gives for activation row i, the nb Q8_0 blocks at a[i*nb*34:] (the rows
	// follow one another), against the four weight rows at w[r*stride:]:
	// bit for bit, because MatMul must equal MatVec. An assembly set
	// register-blocks the work (several activation rows × the four weight
	// rows per pass, loading each weight block once per pass and each
	// activation block once per four weight rows) but keeps every output's
	// float sequence that of its x4 kernel: the same lanes, the same
	// rounding per block, the same final reduction. Nothing else in out is
	// written.
	DotQ4_0Q8_0x4xM func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int)
	DotQ8_0Q8_0x4xM func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int)
	// DotQ4_0_4x4Q8_0 is DotQ4_0Q8_0x4 for the interleaved Q4_0_4_4 layout
	// (quant/q4_0_4x4.go): w is one group of four rows, nb blocks of 72
	// bytes (the rows' four f16 scales, then their 64 quant bytes). It sets
	// out[r] to exactly the bits this Impl's DotQ4_0Q8_0x4 gives for the
	// same four rows in row-major Q4_0 form (quant.UnpackQ4_0_4x4), so a
	// repacked model computes the same logits as its Q4_0 original. The
	// layout lets one 16-byte load feed four rows (SDOT by element) from a
	// single weight stream.
	DotQ4_0_4x4Q8_0 func(out *[4]float32, w []byte, a []byte, nb int)
	// DotQ4_0_4x4Q8_0xM is its MatMul micro-kernel: for i < m,
	// out[i*ldo+r] (r < 4) is set to what DotQ4_0_4x4Q8_0 gives for
	// activation row i (the nb Q8_0 blocks at a[i*nb*34:]), bit for bit;
	// an assembly set unpacks each weight block once for several
	// activation rows. Nothing else in out is written.
	DotQ4_0_4x4Q8_0xM func(out []float32, ldo int, w []byte, a []byte, m, nb int)
	// DotF16F32 returns Σ_i fp16(w[i])·x[i] with float32 accumulation;
	// len(w) == len(x).
	DotF16F32 func(w []uint16, x []float32) float32
	// DotF32 returns Σ_i a[i]·b[i] with float32 accumulation; len(a) == len(b).
	DotF32 func(a, b []float32) float32
	// DotF32x3xM is the F32 micro-kernel of MatMul and GemmF32: for i < m
	// and r < 3 it sets out[i*ldo+r] to what the same Impl's DotF32 gives
	// for the k values at w[r*ldw:] and the k values at a[i*lda:], bit for
	// bit (so MatMul equals MatVec for F32 weights too). An assembly set
	// register-blocks the tile (each activation chunk loaded once for the
	// three weight rows) but keeps every output's lanes, reduction and
	// tail those of its DotF32. Nothing else in out is written.
	DotF32x3xM func(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int)
	// ExpF32 sets dst[i] = e^x[i] (len(dst) == len(x)). Contract, checked
	// by TestExpF32 for every Impl: within expULP (2) float32 ulp of
	// math.Exp for results that are normal floats (x ≥ −87.33); smaller
	// results are within one subnormal step (2⁻¹⁴⁹) of it, e^x for
	// x < −103.98 is +0 and −Inf gives +0; x > 88.73 and +Inf give +Inf;
	// NaN gives NaN.
	ExpF32 func(dst, x []float32)
	// GELUTanhF32 sets dst[i] to the tanh approximation of GELU,
	// ½x(1+tanh(√(2/π)·(x+0.044715x³))) (PyTorch's approximate="tanh"),
	// evaluated as x/(1+e^t) with t = −2√(2/π)·x·(1+0.044715x²): the same
	// function without the cancellation of 1+tanh for negative x. Contract
	// (TestGELUTanhF32): within geluULP (4) ulp of the float64 value plus
	// the error of the float32 argument t, which e^t magnifies:
	// |got − want| ≤ 4·ulp(want) + 2⁻²²·|t·want| + 2⁻¹²⁴ (results under
	// 3·10⁻³⁸ in magnitude, x < −10, may be −0: e^t overflows to +Inf
	// first). ±0 gives ±0, +Inf gives +Inf, −Inf and NaN give NaN (−Inf·0
	// in the formula).
	GELUTanhF32 func(dst, x []float32)
	// SoftmaxScaledF32 replaces x by softmax(scale·x) in float32 as PyTorch
	// computes softmax(scores·scale, dtype=float32): v_i = x_i·scale
	// (rounded), m = max v_i, e_i = ExpF32(v_i − m), x_i = e_i·(1/Σe).
	// The sum is float32, in an order of the Impl's own, so Impls differ
	// by a few ulp (TestSoftmaxScaledF32). A NaN anywhere gives NaNs, a
	// row of −Inf·scale gives NaNs (as PyTorch's softmax does).
	SoftmaxScaledF32 func(x []float32, scale float32)
	// QuantizeQ8_0 quantizes activations (len(x) a multiple of 32) into
	// len(x)/32 Q8_0 blocks exactly as quant.QuantizeQ8_0Act does (llama.cpp's
	// x86 activation rounding), bit for bit.
	QuantizeQ8_0 func(dst []byte, x []float32)
	// MadF16 sets acc[i] = f16(fmaf(v[i], s, acc[i])) (len(v) == len(acc)):
	// one fused multiply-add rounded to float32, then rounded to the nearest
	// f16 (ties to even) and widened back; ScaleF16 sets acc[i] =
	// f16(acc[i]·s) with the product rounded to float32 first; WidenF16 sets
	// dst[i] to the f16 src[i] as float32 (len(dst) == len(src)). All three
	// are exact: every Impl gives Generic's bits for every input, f16
	// subnormals, overflow to ±Inf and NaN payloads included (when two
	// operands of the FMA are NaN, which one propagates is the hardware's
	// choice). They are the F16 V accumulator of llama.cpp's flash
	// attention (kernels/f16acc.go).
	MadF16   func(acc, v []float32, s float32)
	ScaleF16 func(acc []float32, s float32)
	WidenF16 func(dst []float32, src []uint16)
}

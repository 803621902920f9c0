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
	// (nb Q8_0 blocks): Σ_b fp16(d_w)·fp16(d_a)·isum_b, isum_b being the exact
	// int32 Σ_j (q_w−8)·q_a of block b. One activation load feeds four rows.
	DotQ4_0Q8_0x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	// DotQ4_0Q8_0 is the same for one weight row.
	DotQ4_0Q8_0 func(w, a []byte, nb int) float32
	// DotQ8_0Q8_0x4 and DotQ8_0Q8_0: the same with Q8_0 weights (isum_b =
	// Σ_j q_w·q_a).
	DotQ8_0Q8_0x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)
	DotQ8_0Q8_0   func(w, a []byte, nb int) float32
	// DotF16F32 returns Σ_i fp16(w[i])·x[i] with float32 accumulation;
	// len(w) == len(x).
	DotF16F32 func(w []uint16, x []float32) float32
	// DotF32 returns Σ_i a[i]·b[i] with float32 accumulation; len(a) == len(b).
	DotF32 func(a, b []float32) float32
	// QuantizeQ8_0 quantizes activations (len(x) a multiple of 32) into
	// len(x)/32 Q8_0 blocks exactly as quant.QuantizeQ8_0Act does (llama.cpp's
	// x86 activation rounding), bit for bit.
	QuantizeQ8_0 func(dst []byte, x []float32)
}

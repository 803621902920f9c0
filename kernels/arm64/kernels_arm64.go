//go:build !purego

package arm64

// The kernels trust their arguments (package kernels checks lengths before
// calling them): w, a and x must hold every block or value they read. Q4_0
// and Q8_0 blocks are ggml's (an f16 scale, then 16 bytes of nibbles or 32
// int8). Each block sum isum_b is exact int32 arithmetic; the float results
// are Σ_b float32(isum_b)·(d_w·d_a) accumulated in float32 with FMLA, in an
// order of their own, so they agree with an in-order reference within
// (2·nb+2)·2⁻²⁴·Σ_b |d_w·d_a·isum_b|, inside kernels.Impl's accuracy
// contract ((2·nb+32)·2⁻²⁴·Σ_b |d_w·d_a|·Σ_j |q_w·q_a|, which also allows
// float lane partial sums). The *DotProd kernels execute SDOT
// and need the dotprod extension (cpu.ARM64.HasASIMDDP); the *NEON kernels
// run on every ARMv8.0 core (Pi 4's Cortex-A72).

// DotQ4_0Q8_0x4DotProd sets out[r], r < 4, to the dot product of the Q4_0 row
// of nb blocks at w[r*stride:] with the nb Q8_0 blocks of a:
//
//	out[r] = Σ_b f16(d_w)·f16(d_a)·Σ_j (q_w[j]−8)·q_a[j]
//
//go:noescape
func DotQ4_0Q8_0x4DotProd(out *[4]float32, w []byte, stride int, a []byte, nb int)

// DotQ4_0Q8_0x4NEON is DotQ4_0Q8_0x4DotProd without SDOT.
//
//go:noescape
func DotQ4_0Q8_0x4NEON(out *[4]float32, w []byte, stride int, a []byte, nb int)

// DotQ8_0Q8_0x4DotProd is DotQ4_0Q8_0x4DotProd for Q8_0 weights
// (isum_b = Σ_j q_w[j]·q_a[j]).
//
//go:noescape
func DotQ8_0Q8_0x4DotProd(out *[4]float32, w []byte, stride int, a []byte, nb int)

// DotQ8_0Q8_0x4NEON is DotQ8_0Q8_0x4DotProd without SDOT.
//
//go:noescape
func DotQ8_0Q8_0x4NEON(out *[4]float32, w []byte, stride int, a []byte, nb int)

// DotQ4_0Q8_0x4x2DotProd is the MatMul micro-kernel of the SDOT path: for
// p < pairs and i in {2p, 2p+1}, out[i*ldo+r] (r < 4) is set to what
// DotQ4_0Q8_0x4DotProd gives for activation row i (the nb Q8_0 blocks at
// a[i*nb*34:]) against the rows at w[r*stride:], bit for bit: the same exact
// block sums, scaled and accumulated in the same order, with each weight
// block loaded and unpacked once for two activation rows.
//
//go:noescape
func DotQ4_0Q8_0x4x2DotProd(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// DotQ8_0Q8_0x4x2DotProd is DotQ4_0Q8_0x4x2DotProd for Q8_0 weights, equal
// to DotQ8_0Q8_0x4DotProd bit for bit.
//
//go:noescape
func DotQ8_0Q8_0x4x2DotProd(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// DotQ4_0Q8_0x4x2NEON is DotQ4_0Q8_0x4x2DotProd without SDOT, equal to
// DotQ4_0Q8_0x4NEON bit for bit.
//
//go:noescape
func DotQ4_0Q8_0x4x2NEON(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// DotQ8_0Q8_0x4x2NEON is DotQ8_0Q8_0x4x2DotProd without SDOT, equal to
// DotQ8_0Q8_0x4NEON bit for bit.
//
//go:noescape
func DotQ8_0Q8_0x4x2NEON(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// DotQ4_0_4x4Q8_0DotProd sets out[r], r < 4, to the dot product of row r of
// the Q4_0_4_4 row group w (nb blocks of 72 bytes: four f16 scales, then 64
// interleaved quant bytes; quant/q4_0_4x4.go) with the nb Q8_0 blocks of a:
// bit for bit what DotQ4_0Q8_0x4DotProd gives for the same four rows in
// row-major Q4_0 form (quant.UnpackQ4_0_4x4), for every input.
//
//go:noescape
func DotQ4_0_4x4Q8_0DotProd(out *[4]float32, w []byte, a []byte, nb int)

// DotQ4_0_4x4Q8_0NEON is DotQ4_0_4x4Q8_0DotProd without SDOT, equal to
// DotQ4_0Q8_0x4NEON bit for bit.
//
//go:noescape
func DotQ4_0_4x4Q8_0NEON(out *[4]float32, w []byte, a []byte, nb int)

// DotQ4_0_4x4Q8_0x4x4DotProd is the MatMul micro-kernel of the SDOT path for
// Q4_0_4_4 weights: for q < groups and i in 4q..4q+3, out[i*ldo+r] (r < 4)
// is set to what DotQ4_0_4x4Q8_0DotProd gives for activation row i (the nb
// Q8_0 blocks at a[i*nb*34:]) against the row group w, bit for bit, with
// each weight block loaded and unpacked once for four activation rows.
//
//go:noescape
func DotQ4_0_4x4Q8_0x4x4DotProd(out []float32, ldo int, w []byte, a []byte, groups, nb int)

// DotQ4_0_4x4Q8_0x4x2NEON is DotQ4_0_4x4Q8_0x4x4DotProd without SDOT for
// groups of two activation rows, equal to DotQ4_0_4x4Q8_0NEON bit for bit.
//
//go:noescape
func DotQ4_0_4x4Q8_0x4x2NEON(out []float32, ldo int, w []byte, a []byte, groups, nb int)

// DotQ4_0Q8_0DotProd returns the dot product of one Q4_0 row of nb blocks
// with nb Q8_0 activation blocks (one row of DotQ4_0Q8_0x4DotProd).
//
//go:noescape
func DotQ4_0Q8_0DotProd(w, a []byte, nb int) float32

// DotQ4_0Q8_0NEON is DotQ4_0Q8_0DotProd without SDOT.
//
//go:noescape
func DotQ4_0Q8_0NEON(w, a []byte, nb int) float32

// DotQ8_0Q8_0DotProd is DotQ4_0Q8_0DotProd for Q8_0 weights.
//
//go:noescape
func DotQ8_0Q8_0DotProd(w, a []byte, nb int) float32

// DotQ8_0Q8_0NEON is DotQ8_0Q8_0DotProd without SDOT.
//
//go:noescape
func DotQ8_0Q8_0NEON(w, a []byte, nb int) float32

// DotF16F32NEON returns Σ_i f16(w[i])·x[i] over len(w) values (x must hold
// as many), summed in float32 with fused multiply-adds in its own order.
//
//go:noescape
func DotF16F32NEON(w []uint16, x []float32) float32

// DotF32NEON returns Σ_i a[i]·b[i] over len(a) values (b must hold as many),
// summed in float32 with fused multiply-adds in its own order.
//
//go:noescape
func DotF32NEON(a, b []float32) float32

// QuantizeQ8_0NEON quantizes the len(x)/32 blocks of x into 34-byte Q8_0
// blocks in dst exactly as quant.QuantizeQ8_0Act does, stopping before the
// first block that holds a NaN or an infinity, or whose maximum magnitude is
// so small that 127/amax overflows: there ARM's conversions differ from the
// x86 ones the reference reproduces. It returns the number of blocks written;
// the caller quantizes block done with the reference and calls again:
//
//	for i := 0; i < nb; i++ {
//		i += QuantizeQ8_0NEON(dst[i*34:], x[i*32:])
//		if i < nb {
//			quant.QuantizeQ8_0Act(dst[i*34:(i+1)*34], x[i*32:(i+1)*32])
//		}
//	}
//
//go:noescape
func QuantizeQ8_0NEON(dst []byte, x []float32) (done int)

// DotF32x3xMNEON is the F32 micro-kernel of MatMul: for i < m and r < 3,
// out[i*ldo+r] = DotF32NEON(w[r*ldw:][:k], a[i*lda:][:k]), bit for bit
// (the same lanes, reduction and tail), each activation chunk loaded once
// for the three weight rows.
//
//go:noescape
func DotF32x3xMNEON(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int)

// The vector math of mathf_arm64.s, by the algorithm of kernels/mathf.go
// (Cephes expf scaled by two powers of two), within the error bounds of
// the kernels.Impl fields ExpF32, GELUTanhF32 and SoftmaxScaledF32.
// ExpF32NEON, GELUTanhF32NEON and ExpSumF32NEON process the first
// len&^7 values only (package kernels runs the rest through a buffer of 8);
// dst and x must have the same length and may be the same slice.

// ExpF32NEON sets dst[i] = e^x[i].
//
//go:noescape
func ExpF32NEON(dst, x []float32)

// GELUTanhF32NEON sets dst[i] = x/(1+e^t), t = −2√(2/π)·x·(1+0.044715x²).
//
//go:noescape
func GELUTanhF32NEON(dst, x []float32)

// ScaleMaxF32NEON multiplies every x[i] by s in place and returns the
// largest product (−Inf for no values, NaN if one is NaN).
//
//go:noescape
func ScaleMaxF32NEON(x []float32, s float32) float32

// ExpSumF32NEON sets x[i] = e^(x[i] − shift) and returns the float32 sum
// of the new values (its own order: two vectors of four lanes).
//
//go:noescape
func ExpSumF32NEON(x []float32, shift float32) float32

// MadF16NEON sets acc[i] = f16(fmaf(v[i], s, acc[i])) (len(v) ≥ len(acc)),
// kernels.Impl.MadF16: FMLA, then FCVTN and FCVTL, bit for bit the generic
// kernel.
//
//go:noescape
func MadF16NEON(acc, v []float32, s float32)

// ScaleF16NEON sets acc[i] = f16(acc[i]·s), kernels.Impl.ScaleF16.
//
//go:noescape
func ScaleF16NEON(acc []float32, s float32)

// WidenF16NEON sets dst[i] to the f16 src[i] as float32 (len(src) ≥
// len(dst)), kernels.Impl.WidenF16.
//
//go:noescape
func WidenF16NEON(dst []float32, src []uint16)

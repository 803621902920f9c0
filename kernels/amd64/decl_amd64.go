//go:build !purego

package amd64

// Every kernel has the signature and semantics of the kernels.Impl field of
// the same name (read kernels/impl.go): nb whole blocks per call, Q4_0 blocks
// of 18 bytes (f16 scale, 16 bytes of nibbles), Q8_0 blocks of 34 bytes (f16
// scale, 32 int8), rows of the x4 kernels at w[r*stride]. No kernel reads a
// byte outside the blocks it is given, so rows may end at the end of a mapping.
//
// Integer block sums are exact for every input, with one exception: the AVX2
// Q8_0·Q8_0 kernels use VPSIGNB, which cannot negate −128, so an activation
// of −128 multiplied by a negative weight gives the wrong sign. The activation
// quantizer writes −128 only for NaN or infinite inputs. The VNNI Q8_0 kernels
// and every Q4_0 kernel are exact for all bytes.
//
// Every block dot here (AVX2 and VNNI, x4 and x1 alike) sums in llama.cpp's
// x86 float order, so a row has the same bits as ggml's (see
// dot_avx2_amd64.s): Q8_0 rows keep 8 float lanes, lane j the exact sum of
// products 4j..4j+3 of each block FMAed with d_w·d_a, added up at the end as
// hsum_float_8; Q4_0 rows form each block's exact integer sum and FMA it
// with d_w·d_a into one float, as ggml's q4_0_8x8 repacked kernels. Both are
// within Impl's accuracy contract (kernels/impl.go). The F16 and F32 dots
// accumulate 32 lanes and add them up at the end.

// AVX2 + FMA + F16C.

//go:noescape
func DotQ4_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ4_0Q8_0AVX2(w, a []byte, nb int) float32

//go:noescape
func DotQ8_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ8_0Q8_0AVX2(w, a []byte, nb int) float32

//go:noescape
func DotF16F32AVX2(w []uint16, x []float32) float32

//go:noescape
func DotF32AVX2(a, b []float32) float32

// QuantizeQ8_0AVX2 quantizes len(x)/32 blocks of activations into dst bit for
// bit as quant.QuantizeQ8_0Act does, NaN and infinite inputs included.
//
//go:noescape
func QuantizeQ8_0AVX2(dst []byte, x []float32)

// AVX2 set + AVX-VNNI (VEX-encoded VPDPBUSD).

//go:noescape
func DotQ4_0Q8_0x4AVXVNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ4_0Q8_0AVXVNNI(w, a []byte, nb int) float32

//go:noescape
func DotQ8_0Q8_0x4AVXVNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ8_0Q8_0AVXVNNI(w, a []byte, nb int) float32

//go:noescape
func DotQ4_0Q8_0x4x2AVXVNNI(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

//go:noescape
func DotQ8_0Q8_0x4x2AVXVNNI(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// AVX2 set + AVX512F/VL/BW + AVX512-VNNI (EVEX-encoded VPDPBUSD on Y
// registers); the same code as the AVX-VNNI kernels.

//go:noescape
func DotQ4_0Q8_0x4AVX512VNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ4_0Q8_0AVX512VNNI(w, a []byte, nb int) float32

//go:noescape
func DotQ8_0Q8_0x4AVX512VNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func DotQ8_0Q8_0AVX512VNNI(w, a []byte, nb int) float32

//go:noescape
func DotQ4_0Q8_0x4x2AVX512VNNI(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

//go:noescape
func DotQ8_0Q8_0x4x2AVX512VNNI(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// The VNNI kernels once more with VPDPBUSD emulated by AVX2 instructions, so
// that their code other than that one instruction is tested on CPUs without
// VNNI (tests only; slow).

//go:noescape
func dotQ4_0Q8_0x4VNNIEmu(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func dotQ4_0Q8_0VNNIEmu(w, a []byte, nb int) float32

//go:noescape
func dotQ8_0Q8_0x4VNNIEmu(out *[4]float32, w []byte, stride int, a []byte, nb int)

//go:noescape
func dotQ8_0Q8_0VNNIEmu(w, a []byte, nb int) float32

//go:noescape
func dotQ4_0Q8_0x4x2VNNIEmu(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

//go:noescape
func dotQ8_0Q8_0x4x2VNNIEmu(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// Register-blocked micro-kernels of MatMul (gemm_avx2_amd64.s, and the
// …x4x2 VNNI kernels above, vnni_amd64.h): two activation rows × four
// weight rows per pass. For p < pairs and i in {2p, 2p+1}, out[i*ldo+r]
// (r < 4) is set to exactly what the four-row kernel of the same type and
// set gives for activation row i (nb Q8_0 blocks at a[i*nb*34:]) against
// the weight rows at w[r*stride:], bit for bit.

//go:noescape
func DotQ8_0Q8_0x4x2AVX2(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

//go:noescape
func DotQ4_0Q8_0x4x2AVX2(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)

// Q4_0_4_4 (interleaved Q4_0, quant/q4_0_4x4.go) kernels (q4x4_avx2_amd64.s):
// w is one group of four rows, nb blocks of 72 bytes. DotQ4_0_4x4Q8_0AVX2
// sets out[r] to exactly what DotQ4_0Q8_0x4AVX2 gives for row r of the group
// in row-major form (quant.UnpackQ4_0_4x4); DotQ4_0_4x4Q8_0x2AVX2 is its
// MatMul micro-kernel: for p < pairs and i in {2p, 2p+1}, out[i*ldo+r]
// (r < 4) is set to what DotQ4_0_4x4Q8_0AVX2 gives for activation row i
// (nb Q8_0 blocks at a[i*nb*34:]), bit for bit.

//go:noescape
func DotQ4_0_4x4Q8_0AVX2(out *[4]float32, w []byte, a []byte, nb int)

//go:noescape
func DotQ4_0_4x4Q8_0x2AVX2(out []float32, ldo int, w []byte, a []byte, pairs, nb int)

// DotF32x3xMAVX2 is the F32 micro-kernel of MatMul (gemm_f32_amd64.s): for
// i < m and r < 3, out[i*ldo+r] is set to DotF32AVX2(w[r*ldw:][:k],
// a[i*lda:][:k]), bit for bit (the same 32 lanes, reduction and tail),
// with each activation chunk loaded once for the three weight rows.
//
//go:noescape
func DotF32x3xMAVX2(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int)

// The vector math of mathf_amd64.s (AVX2 + FMA), with the semantics and
// error bounds of the kernels.Impl fields ExpF32, GELUTanhF32 and
// SoftmaxScaledF32. dst and x must have the same length (dst may be x).

//go:noescape
func ExpF32AVX2(dst, x []float32)

//go:noescape
func GELUTanhF32AVX2(dst, x []float32)

//go:noescape
func SoftmaxScaledF32AVX2(x []float32, scale float32)

// F16 accumulator steps (FMA + F16C), bit for bit the generic kernels
// (kernels/f16acc.go) for every input.

//go:noescape
func MadF16AVX2(acc, v []float32, s float32)

//go:noescape
func ScaleF16AVX2(acc []float32, s float32)

//go:noescape
func WidenF16AVX2(dst []float32, src []uint16)

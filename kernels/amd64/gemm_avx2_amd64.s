//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// Register-blocked micro-kernels for MatMul: two activation rows against
// four weight rows per pass, so that every weight block is loaded (and its
// |w| or nibbles unpacked) once for two activation rows and every
// activation block once for four weight rows. Each of the eight outputs is
// summed in exactly the float order of the four-row kernel of
// dot_avx2_amd64.s (the same instructions on the same values, in the same
// block order), so MatMul equals MatVec bit for bit:
//
//   - Q8_0: 8 float lanes per output, lane j the exact int32 sum of products
//     4j..4j+3 (VPSIGNB/VPABSB, VPMADDUBSW, VPMADDWD against ones) converted
//     and FMAed with d_w·d_a block after block, then HSUM4ROWS (ggml's
//     hsum_float_8 order). VPSIGNB is applied the same way round (the
//     activations take the weights' signs), so even an activation of −128,
//     which it cannot negate, gives the four-row kernel's bits.
//   - Q4_0: each block's exact integer sum, converted and FMAed with d_w·d_a
//     into one float per output, block after block.

// func DotQ8_0Q8_0x4x2AVX2(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
//
// For each of pairs pairs of activation rows (rows 2p and 2p+1 of a, nb
// Q8_0 blocks = nb·34 bytes each, one after the other) sets out[i·ldo+r],
// r < 4, to DotQ8_0Q8_0x4AVX2 of activation row i against the weight rows at
// w, w+stride, w+2·stride, w+3·stride.
//
// Per block, the four weight rows' scales are gathered and converted once
// (F16X4), multiplied by each activation row's d_a and stored to the frame:
// s-32(SP) holds d_w(r)·d_a0, s-16(SP) d_w(r)·d_a1, which each FMA takes by
// VBROADCASTSS. Every weight row's |w| is formed once (VPABSB) and serves
// both activation rows.
//
// Register map:
//	DI      out row of the current pair; R14 pairs left
//	SI, R8, R9, R10  weight rows 0..3; BX the offset of the current block
//	        in every row, weights and activations alike (+34 per block)
//	CX, DX  activation rows 2p, 2p+1; R13 bytes per activation row (nb·34)
//	AX      blocks left; R11 the four f16 weight scales, R12 scratch
//	Y0-Y3   float accumulators of activation row 2p × weight rows 0..3
//	Y4-Y7   the same for activation row 2p+1
//	Y8, Y9  activations of rows 2p, 2p+1 (int8 ×32)
//	Y10     the current weight row's quants, then their |w|
//	Y11, Y12  lane sums of the two activation rows (int16, int32, float32)
//	Y13     int16 ones
//	Y14, Y15  d_w·d_a ×8 for the FMA; X14, X15 scale scratch
TEXT ·DotQ8_0Q8_0x4x2AVX2(SB), NOSPLIT, $32-104
	MOVQ out_base+0(FP), DI
	MOVQ w_base+32(FP), SI
	MOVQ stride+56(FP), DX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	MOVQ a_base+64(FP), CX
	MOVQ pairs+88(FP), R14
	MOVQ nb+96(FP), R13
	IMULQ $34, R13
	VMOVDQU onesW<>(SB), Y13
	TESTQ R14, R14
	JZ    q8m2done

q8m2pair:
	LEAQ (CX)(R13*1), DX
	MOVQ nb+96(FP), AX
	XORQ BX, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ AX, AX
	JZ    q8m2store

	// Hot loop: one block × 2 activation rows × 4 weight rows, 78
	// instructions. llvm-mca-19 -mcpu=znver3: 15.2 cycles per iteration,
	// 1.91 per block per output (DotQ8_0Q8_0x4AVX2: 52 instructions, 8.8
	// cycles for 4 outputs, 2.20). What each output needs per block in
	// llama.cpp's float order (VPSIGNB, VPMADDUBSW, VPMADDWD, VCVTDQ2PS,
	// VBROADCASTSS, VFMADD231PS) runs at 1.9 cycles on this Zen 3 in a loop
	// of nothing else, so the order itself caps Q8_0 near 17 of the 64
	// int8 multiply-adds per cycle that VPMADDUBSW alone could do.
q8m2loop:
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X15)
	VPBROADCASTW (CX)(BX*1), X14
	VCVTPH2PS    X14, X14
	VMULPS       X14, X15, X14
	VMOVUPS      X14, s-32(SP)
	VPBROADCASTW (DX)(BX*1), X14
	VCVTPH2PS    X14, X14
	VMULPS       X14, X15, X14
	VMOVUPS      X14, s-16(SP)
	VMOVDQU 2(CX)(BX*1), Y8
	VMOVDQU 2(DX)(BX*1), Y9

	// Weight row 0.
	VMOVDQU      2(SI)(BX*1), Y10
	VPSIGNB      Y10, Y8, Y11
	VPSIGNB      Y10, Y9, Y12
	VPABSB       Y10, Y10
	VPMADDUBSW   Y11, Y10, Y11
	VPMADDUBSW   Y12, Y10, Y12
	VPMADDWD     Y13, Y11, Y11
	VPMADDWD     Y13, Y12, Y12
	VCVTDQ2PS    Y11, Y11
	VCVTDQ2PS    Y12, Y12
	VBROADCASTSS s-32(SP), Y14
	VBROADCASTSS s-16(SP), Y15
	VFMADD231PS  Y14, Y11, Y0
	VFMADD231PS  Y15, Y12, Y4

	// Weight row 1.
	VMOVDQU      2(R8)(BX*1), Y10
	VPSIGNB      Y10, Y8, Y11
	VPSIGNB      Y10, Y9, Y12
	VPABSB       Y10, Y10
	VPMADDUBSW   Y11, Y10, Y11
	VPMADDUBSW   Y12, Y10, Y12
	VPMADDWD     Y13, Y11, Y11
	VPMADDWD     Y13, Y12, Y12
	VCVTDQ2PS    Y11, Y11
	VCVTDQ2PS    Y12, Y12
	VBROADCASTSS s-28(SP), Y14
	VBROADCASTSS s-12(SP), Y15
	VFMADD231PS  Y14, Y11, Y1
	VFMADD231PS  Y15, Y12, Y5

	// Weight row 2.
	VMOVDQU      2(R9)(BX*1), Y10
	VPSIGNB      Y10, Y8, Y11
	VPSIGNB      Y10, Y9, Y12
	VPABSB       Y10, Y10
	VPMADDUBSW   Y11, Y10, Y11
	VPMADDUBSW   Y12, Y10, Y12
	VPMADDWD     Y13, Y11, Y11
	VPMADDWD     Y13, Y12, Y12
	VCVTDQ2PS    Y11, Y11
	VCVTDQ2PS    Y12, Y12
	VBROADCASTSS s-24(SP), Y14
	VBROADCASTSS s-8(SP), Y15
	VFMADD231PS  Y14, Y11, Y2
	VFMADD231PS  Y15, Y12, Y6

	// Weight row 3.
	VMOVDQU      2(R10)(BX*1), Y10
	VPSIGNB      Y10, Y8, Y11
	VPSIGNB      Y10, Y9, Y12
	VPABSB       Y10, Y10
	VPMADDUBSW   Y11, Y10, Y11
	VPMADDUBSW   Y12, Y10, Y12
	VPMADDWD     Y13, Y11, Y11
	VPMADDWD     Y13, Y12, Y12
	VCVTDQ2PS    Y11, Y11
	VCVTDQ2PS    Y12, Y12
	VBROADCASTSS s-20(SP), Y14
	VBROADCASTSS s-4(SP), Y15
	VFMADD231PS  Y14, Y11, Y3
	VFMADD231PS  Y15, Y12, Y7

	ADDQ $34, BX
	DECQ AX
	JNZ  q8m2loop

q8m2store:
	// HSUM4ROWS reduces Y0..Y3 and clobbers Y1..Y7: park the second
	// activation row's accumulators in Y8..Y11 first.
	VMOVAPS Y4, Y8
	VMOVAPS Y5, Y9
	VMOVAPS Y6, Y10
	VMOVAPS Y7, Y11
	HSUM4ROWS
	VMOVUPS X0, (DI)
	VMOVAPS Y8, Y0
	VMOVAPS Y9, Y1
	VMOVAPS Y10, Y2
	VMOVAPS Y11, Y3
	HSUM4ROWS
	MOVQ ldo+24(FP), R12
	VMOVUPS X0, (DI)(R12*4)
	LEAQ (DI)(R12*8), DI
	LEAQ (CX)(R13*2), CX
	DECQ R14
	JNZ  q8m2pair

q8m2done:
	VZEROUPPER
	RET

// VPERMD indices taking [i0r0, i0r2, i1r0, i1r2 | i0r1, i0r3, i1r1, i1r3]
// to [i0r0, i0r1, i0r2, i0r3 | i1r0, i1r1, i1r2, i1r3] (q4x4Perm of
// dot_avx2_amd64.s, with activation rows in place of blocks).
DATA q4m2Perm<>+0(SB)/8, $0x0000000400000000
DATA q4m2Perm<>+8(SB)/8, $0x0000000500000001
DATA q4m2Perm<>+16(SB)/8, $0x0000000600000002
DATA q4m2Perm<>+24(SB)/8, $0x0000000700000003
GLOBL q4m2Perm<>(SB), RODATA|NOPTR, $32

// Q4M2ACT loads one Q8_0 block of activations at A (the block, scale
// first) as Q4A of dot_avx2_amd64.s does: bytes 0..15 in both halves of
// Y7, bytes 16..31 in both halves of Y8, and Y9 = VPMADDUBSW(8, Y7) +
// VPMADDUBSW(8, Y8), the int16 offset term. Y2 eights; Y14 temporary.
#define Q4M2ACT(A0, A1) \
	VBROADCASTI128 A0, Y7 \
	VBROADCASTI128 A1, Y8 \
	VPMADDUBSW Y7, Y2, Y9 \
	VPMADDUBSW Y8, Y2, Y14 \
	VPADDW     Y14, Y9, Y9

// Q4M2MUL sets U to the 16 int16 sums of (q−8)·a of two weight rows (one
// per half) whose low nibbles are in LO and high nibbles in HI, against
// the activations of Q4M2ACT: the second half of Q4P, with the unpacking
// done once for both activation rows. Y14 temporary.
#define Q4M2MUL(LO, HI, U) \
	VPMADDUBSW Y7, LO, U \
	VPMADDUBSW Y8, HI, Y14 \
	VPADDW     Y14, U, U \
	VPSUBW     Y9, U, U

// func DotQ4_0Q8_0x4x2AVX2(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
//
// DotQ8_0Q8_0x4x2AVX2 for Q4_0 weights, with the integer work of
// DotQ4_0Q8_0x4AVX2 (Q4P: two weight rows per ymm, one per half) and one
// block per iteration: the nibbles of the four weight rows are unpacked
// once for both activation rows, and the VPHADDW/VPMADDWD/VPERMD reduction
// that DotQ4_0Q8_0x4AVX2 applies to two blocks of one activation row is
// applied to one block of two activation rows, leaving the eight exact
// block sums [i0r0..i0r3 | i1r0..i1r3] in one ymm. One VFMADD231PS with
// [d_w(r)·d_a0 | d_w(r)·d_a1] then adds the block to all eight outputs:
// per output acc = fma(isum_b, d_b, acc), block after block, as in the
// four-row kernel.
//
// Register map:
//	DI      out row of the current pair; R14 pairs left
//	SI, R8, R9, R10  weight rows 0..3; BX the offset of the current block
//	        in a row (+18 per block)
//	CX, DX  activation rows 2p, 2p+1; R12 the offset of the current block
//	        in them (+34 per block); R13 bytes per activation row (nb·34)
//	AX      blocks left; R11 the four f16 weight scales
//	Y0      float accumulators [i0r0..i0r3 | i1r0..i1r3]
//	Y1      VPERMD indices; Y2 eights
//	Y3, Y4  low, high nibbles of weight rows 0 | 1 (one row per half)
//	Y5, Y6  the same for rows 2 | 3
//	Y7, Y8, Y9  activations and offset term of the current activation row
//	Y10, Y11  int16 sums of rows 0|1, 2|3 against activation row 0, then
//	        the block sums; Y12, Y13 the same for activation row 1
//	Y14, Y15  temporaries; scales d_w(r)·d_a(i) ×8
TEXT ·DotQ4_0Q8_0x4x2AVX2(SB), NOSPLIT, $0-104
	MOVQ out_base+0(FP), DI
	MOVQ w_base+32(FP), SI
	MOVQ stride+56(FP), DX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	MOVQ a_base+64(FP), CX
	MOVQ pairs+88(FP), R14
	MOVQ nb+96(FP), R13
	IMULQ $34, R13
	VMOVDQU q4m2Perm<>(SB), Y1
	VMOVDQU eights<>(SB), Y2
	TESTQ R14, R14
	JZ    q4m2done

q4m2pair:
	LEAQ (CX)(R13*1), DX
	MOVQ nb+96(FP), AX
	XORQ BX, BX
	XORQ R12, R12
	VXORPS Y0, Y0, Y0
	TESTQ AX, AX
	JZ    q4m2store

	// Hot loop: one block × 2 activation rows × 4 weight rows, 63
	// instructions. llvm-mca-19 -mcpu=znver3: 14.3 cycles per iteration,
	// 1.78 per block per output (DotQ4_0Q8_0x4AVX2: 87 instructions, 18.0
	// cycles for 2 blocks × 4 outputs, 2.25).
q4m2loop:
	// Nibbles of rows 0 | 1 and 2 | 3, low and high.
	VMOVDQU     2(SI)(BX*1), X3
	VINSERTI128 $1, 2(R8)(BX*1), Y3, Y3
	VPSRLW      $4, Y3, Y4
	VPAND       nibbleMask<>(SB), Y3, Y3
	VPAND       nibbleMask<>(SB), Y4, Y4
	VMOVDQU     2(R9)(BX*1), X5
	VINSERTI128 $1, 2(R10)(BX*1), Y5, Y5
	VPSRLW      $4, Y5, Y6
	VPAND       nibbleMask<>(SB), Y5, Y5
	VPAND       nibbleMask<>(SB), Y6, Y6

	// Activation row 0, then row 1.
	Q4M2ACT(2(CX)(R12*1), 18(CX)(R12*1))
	Q4M2MUL(Y3, Y4, Y10)
	Q4M2MUL(Y5, Y6, Y11)
	Q4M2ACT(2(DX)(R12*1), 18(DX)(R12*1))
	Q4M2MUL(Y3, Y4, Y12)
	Q4M2MUL(Y5, Y6, Y13)

	// Block sums: int16 sums of 16 products (exact: only the true value
	// has to fit), then int32 sums of 32, in output order.
	VPHADDW   Y11, Y10, Y10
	VPHADDW   Y13, Y12, Y12
	VPHADDW   Y12, Y10, Y10
	VPMADDWD  onesW<>(SB), Y10, Y10
	VPERMD    Y10, Y1, Y10
	VCVTDQ2PS Y10, Y10

	// d_w(r)·d_a(i) in the lane of output (i, r).
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X14)
	VPBROADCASTW (CX)(R12*1), X15
	VCVTPH2PS    X15, X15
	VPBROADCASTW (DX)(R12*1), X11
	VCVTPH2PS    X11, X11
	VINSERTF128  $1, X11, Y15, Y15
	VINSERTF128  $1, X14, Y14, Y14
	VMULPS       Y15, Y14, Y14
	VFMADD231PS  Y14, Y10, Y0

	ADDQ $18, BX
	ADDQ $34, R12
	DECQ AX
	JNZ  q4m2loop

q4m2store:
	MOVQ ldo+24(FP), R11
	VMOVUPS X0, (DI)
	VEXTRACTF128 $1, Y0, X0
	VMOVUPS X0, (DI)(R11*4)
	LEAQ (DI)(R11*8), DI
	LEAQ (CX)(R13*2), CX
	DECQ R14
	JNZ  q4m2pair

q4m2done:
	VZEROUPPER
	RET

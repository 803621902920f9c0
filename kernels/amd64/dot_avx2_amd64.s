//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// Q4_0·Q8_0 and Q8_0·Q8_0 dot products with AVX2, FMA and F16C, summed in
// the float order llama.cpp (ggml 0.21) uses on x86 for these weight types,
// so that a row's result has the same bits as ggml's:
//
//   - Q8_0 weights: ggml_vec_dot_q8_0_q8_0 (arch/x86/quants.c, decode) and
//     tinyBLAS_Q0_AVX (llamafile/sgemm.cpp, prefill) both keep one __m256
//     accumulator of 8 float lanes per row. Lane j of a block is the exact
//     int32 sum of products 4j..4j+3 (VPMADDUBSW and VPMADDWD against ones,
//     or VPDPBUSD), converted with VCVTDQ2PS and FMAed with the broadcast
//     d_w·d_a (a float32 product of the two converted f16 scales) into the
//     lane, block after block; then hsum_float_8: t_i = l_i + l_{i+4}
//     (i < 4), then (t0 + t2) + (t1 + t3).
//   - Q4_0 weights: ggml repacks them into q4_0_8x8 on AVX2/AVX-512 CPUs
//     (repack.cpp) and its gemv/gemm kernels (arch/x86/repack.cpp) compute
//     each block's exact integer sum, convert it and FMA it with d_w·d_a
//     into one float per row, block after block: acc = fma(isum_b, d_b, acc),
//     with no horizontal sum.
// The x4 and x1 kernels of a type give a row the same bits.
//
// Operand order: Go lists sources first and the destination last, so
// "VPSUBW Y5, Y6, Y6" is Y6 = Y6 − Y5, "VPMADDUBSW Y4, Y6, Y6" multiplies the
// unsigned bytes of Y6 by the signed bytes of Y4, and
// "VFMADD231PS Y11, Y6, Y0" is Y0 += Y6·Y11.
//
// The x4 kernels share each activation load (and the Q4_0 offset term) among
// four rows and convert the four rows' weight scales together: the four f16
// scales are gathered into a general register (F16X4), converted with one
// VCVTPH2PS and multiplied by d_a; in the Q8_0 kernel each row then takes its
// scale by a broadcast from the frame.
//
// Q4_0 without the −8: VPMADDUBSW multiplies unsigned by signed bytes, so the
// nibbles q (0..15) go in unchanged and the offset is taken off afterwards
// with the activation pair sums: (q0−8)·a0 + (q1−8)·a1 = VPMADDUBSW(q, a) −
// VPMADDUBSW(8, a), which lies in [−2048, 2048]. No int16 saturates, so the
// sums are exact for every activation byte, −128 included (the VPSIGNB
// trick cannot negate −128).
//
// Nibble unpacking: VBROADCASTI128 puts the 16 nibble bytes in both halves,
// VPSRLVD shifts the upper half right by 4 (dword shifts; the bits that move
// across byte boundaries are masked off), VPAND 0x0f keeps one nibble per
// byte: bytes 0..15 are values 0..15, bytes 16..31 values 16..31, the order of
// the activation bytes.

// Q4I sets U to the 8 int32 sums of four (q−8)·a of the Q4_0 block whose
// nibbles are at Q, against the activations in A (register) whose
// VPMADDUBSW(8, a) is in C. Y12 int16 ones, Y14 shift counts, Y15 0x0f.
#define Q4I(Q, A, C, U) \
	VBROADCASTI128 Q, U \
	VPSRLVD Y14, U, U \
	VPAND Y15, U, U \
	VPMADDUBSW A, U, U \
	VPSUBW C, U, U \
	VPMADDWD Y12, U, U

// VPERMD indices taking [r0b0, r2b0, r0b1, r2b1 | r1b0, r3b0, r1b1, r3b1] to
// [r0b0, r1b0, r2b0, r3b0 | r0b1, r1b1, r2b1, r3b1].
DATA q4x4Perm<>+0(SB)/8, $0x0000000400000000
DATA q4x4Perm<>+8(SB)/8, $0x0000000500000001
DATA q4x4Perm<>+16(SB)/8, $0x0000000600000002
DATA q4x4Perm<>+24(SB)/8, $0x0000000700000003
GLOBL q4x4Perm<>(SB), RODATA|NOPTR, $32

// Q4A loads one Q8_0 block's activations for Q4P: bytes 0..15 (at A0) in
// both halves of Y4, bytes 16..31 (at A1) in both halves of Y5, and
// Y3 = VPMADDUBSW(8, Y4) + VPMADDUBSW(8, Y5) (int16, within ±4096), using
// Y14. Y13 eights.
#define Q4A(A0, A1) \
	VBROADCASTI128 A0, Y4 \
	VBROADCASTI128 A1, Y5 \
	VPMADDUBSW Y4, Y13, Y3 \
	VPMADDUBSW Y5, Y13, Y14 \
	VPADDW     Y14, Y3, Y3

// Q4P sets U to the 16 int16 sums of (q−8)·a of two Q4_0 blocks at once:
// lanes 0..7 for the block whose nibbles are at Q0, lanes 8..15 for the one
// at Q1, each lane summing two products of low nibbles and two of high
// nibbles (four products). Y4 holds activation bytes 0..15 in both halves,
// Y5 bytes 16..31, Y3 the int16 VPMADDUBSW(8, Y4) + VPMADDUBSW(8, Y5); XU is
// the X name of U, T a temporary. VPMADDUBSW does not saturate (pair sums of
// q·a lie within ±3840) and VPADDW/VPSUBW wrap, so each lane is exact as
// long as its true value fits in int16 (see DotQ4_0Q8_0x4AVX2).
#define Q4P(Q0, Q1, U, XU, T) \
	VMOVDQU Q0, XU \
	VINSERTI128 $1, Q1, U, U \
	VPSRLW $4, U, T \
	VPAND Y15, U, U \
	VPAND Y15, T, T \
	VPMADDUBSW Y4, U, U \
	VPMADDUBSW Y5, T, T \
	VPADDW T, U, U \
	VPSUBW Y3, U, U

// Q8L sets T to the 8 int32 lane sums (as float32) of the Q8_0 block whose
// quants are at W (memory) against the activations in A, using the
// temporary S. VPMADDUBSW needs one unsigned operand: |w| × (a with w's
// sign), as ggml's mul_sum_i8_pairs_float. The int16 pair sums stay within
// 2·128·127, so nothing saturates; VPSIGNB cannot negate a = −128, the one
// input this gets wrong (see decl_amd64.go).
#define Q8L(W, A, S, T) \
	VMOVDQU W, T \
	VPSIGNB T, A, S \
	VPABSB T, T \
	VPMADDUBSW S, T, T \
	VPMADDWD Y12, T, T \
	VCVTDQ2PS T, T

// SCALES4 stores the four products d_w·d_a of the current block to the
// frame (s-16(SP)..s-4(SP)): weight scales at W0..W3, activation scale at
// A, through R11, X10 and X11.
#define SCALES4(W0, W1, W2, W3, A) \
	F16X4(W0, W1, W2, W3, R11, X10) \
	VPBROADCASTW A, X11 \
	VCVTPH2PS    X11, X11 \
	VMULPS       X11, X10, X10 \
	VMOVUPS      X10, s-16(SP)

// SCALE1 sets Y to 8 copies of d_w·d_a from the f16 scales at W and A,
// through R11 and the temporary X register XT.
#define SCALE1(W, A, Y, X, XT) \
	MOVWLZX A, R11 \
	SHLL $16, R11 \
	MOVW W, R11 \
	VMOVD R11, X \
	VCVTPH2PS X, X \
	VMOVSHDUP X, XT \
	VMULSS XT, X, X \
	VBROADCASTSS X, Y

// func DotQ4_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Two blocks per iteration. Rows are packed in pairs: rows 0 and 1 share one
// ymm (row 0 in the low half, row 1 in the high half), as rows 2 and 3, so
// the nibble unpacking and VPMADDUBSW serve two rows at once (Q4P). The
// block sums are then added up in integers: VPHADDW of the two pairs, then
// of the two blocks, leaves per half [r0b0 ×2, r2b0 ×2, r0b1 ×2, r2b1 ×2]
// (rows 1 and 3 in the high half), each int16 lane the sum of 16 products
// (q−8)·a, within [−16256, 16384]: exact, since int16 adds wrap and only the
// true final value has to fit. VPMADDWD against ones gives the int32 block
// sums, VPERMD orders them [r0b0..r3b0 | r0b1..r3b1], and each block's four
// sums are converted and FMAed with the four d_w·d_a into X0 (lane r = row r),
// block 0 before block 1: per row, exactly acc = fma(isum_b, d_b, acc)
// block after block. An odd last block goes through the same steps alone.
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; BX the offset of the current block in a row
//	        (+18 per block); R13 row 4, the next group (PREFETCHNEXT3)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11, R12 the four f16 weight scales of blocks 0, 1
//	X0      float accumulator, lane r = row r
//	Y2      VPERMD indices
//	Y3      VPMADDUBSW(8, a) of both activation halves; Y14 temporary
//	Y4, Y5  activation bytes 0..15, 16..31 in both halves
//	Y6, Y8  rows 0|1, 2|3 of block 0 (int16), then the block sums;
//	Y10, Y11 those of block 1; Y7, Y9 temporaries
//	X9, X10 d_w·d_a of rows 0..3 of blocks 1, 0; X11 d_a ×4
//	Y12 int16 ones, Y13 eights, Y15 0x0f bytes
TEXT ·DotQ4_0Q8_0x4AVX2(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R13
	XORQ BX, BX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU eights<>(SB), Y13
	VMOVDQU nibbleMask<>(SB), Y15
	VMOVDQU q4x4Perm<>(SB), Y2
	CMPQ AX, $2
	JB   q4x4tail

q4x4loop2:
	PREFETCHNEXT3(R13)
	Q4A(2(CX), 18(CX))
	Q4P(2(SI)(BX*1), 2(R8)(BX*1), Y6, X6, Y7)
	Q4P(2(R9)(BX*1), 2(R10)(BX*1), Y8, X8, Y9)
	Q4A(36(CX), 52(CX))
	Q4P(20(SI)(BX*1), 20(R8)(BX*1), Y10, X10, Y7)
	Q4P(20(R9)(BX*1), 20(R10)(BX*1), Y11, X11, Y9)
	VPHADDW  Y8, Y6, Y6
	VPHADDW  Y11, Y10, Y10
	VPHADDW  Y10, Y6, Y6
	VPMADDWD Y12, Y6, Y6
	VPERMD   Y6, Y2, Y6
	VCVTDQ2PS Y6, Y6
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X10)
	VPBROADCASTW (CX), X11
	VCVTPH2PS    X11, X11
	VMULPS       X11, X10, X10
	VFMADD231PS  X10, X6, X0
	F16X4(18(SI)(BX*1), 18(R8)(BX*1), 18(R9)(BX*1), 18(R10)(BX*1), R12, X9)
	VPBROADCASTW 34(CX), X11
	VCVTPH2PS    X11, X11
	VMULPS       X11, X9, X9
	VEXTRACTF128 $1, Y6, X8
	VFMADD231PS  X9, X8, X0
	ADDQ $36, BX
	ADDQ $68, CX
	SUBQ $2, AX
	CMPQ AX, $2
	JAE  q4x4loop2

q4x4tail:
	TESTQ AX, AX
	JZ    q4x4done
	Q4A(2(CX), 18(CX))
	Q4P(2(SI)(BX*1), 2(R8)(BX*1), Y6, X6, Y7)
	Q4P(2(R9)(BX*1), 2(R10)(BX*1), Y8, X8, Y9)
	VPHADDW  Y8, Y6, Y6
	VPHADDW  Y6, Y6, Y6
	VPMADDWD Y12, Y6, Y6
	VEXTRACTI128 $1, Y6, X7
	VPUNPCKLDQ X7, X6, X6
	VCVTDQ2PS X6, X6
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X10)
	VPBROADCASTW (CX), X11
	VCVTPH2PS    X11, X11
	VMULPS       X11, X10, X10
	VFMADD231PS  X10, X6, X0

q4x4done:
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ4_0Q8_0AVX2(w, a []byte, nb int) float32
//
// One block per iteration: its exact sum, converted and FMAed with d_w·d_a
// into lane 0 of X0.
//
// Register map:
//	SI      the current weight block (+18 per block)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11 f16 scales
//	X0      float accumulator (lane 0)
//	Y4      activations; Y5 VPMADDUBSW(8, a)
//	Y6      int32 sums of four, then X6 the block sum; X7, X10 temporaries
//	X8      d_w·d_a
//	Y12 int16 ones, Y13 eights, Y14 nibble shift counts, Y15 0x0f bytes
TEXT ·DotQ4_0Q8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU eights<>(SB), Y13
	VMOVDQU nibbleShift<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	TESTQ AX, AX
	JZ    q4x1done

q4x1loop:
	VMOVDQU    2(CX), Y4
	VPMADDUBSW Y4, Y13, Y5
	Q4I(2(SI), Y4, Y5, Y6)
	VEXTRACTI128 $1, Y6, X7
	VPADDD  X7, X6, X6
	VPHADDD X6, X6, X6
	VPHADDD X6, X6, X6
	VCVTDQ2PS X6, X6
	SCALE1(0(SI), 0(CX), Y8, X8, X10)
	VFMADD231SS X8, X6, X0
	ADDQ $18, SI
	ADDQ $34, CX
	DECQ AX
	JNZ  q4x1loop

q4x1done:
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; CX a; BX the offset of the current block in
//	        a row and in a (+34 per block); R13 row 4, the next group
//	        (PREFETCHNEXT3)
//	AX      blocks left; R11 the four f16 weight scales
//	Y0-Y3   float accumulators of rows 0..3 (8 lanes each)
//	Y4      activation int8 ×32
//	Y6-Y9   rows 0..3: lane sums as float32
//	Y5, Y13 signed activations (temporaries)
//	Y10, Y11  scales: d_w ×4, d_a ×4, then each row's d_w·d_a ×8
//	Y12     int16 ones
//	s-16(SP)  d_w·d_a of rows 0..3
TEXT ·DotQ8_0Q8_0x4AVX2(SB), NOSPLIT, $16-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R13
	XORQ BX, BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VMOVDQU onesW<>(SB), Y12
	TESTQ AX, AX
	JZ    q8x4done

q8x4loop:
	PREFETCHNEXT3(R13)
	SCALES4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), (CX)(BX*1))
	VMOVDQU 2(CX)(BX*1), Y4
	Q8L(2(SI)(BX*1), Y4, Y5, Y6)
	VBROADCASTSS s-16(SP), Y10
	VFMADD231PS  Y10, Y6, Y0
	Q8L(2(R8)(BX*1), Y4, Y13, Y7)
	VBROADCASTSS s-12(SP), Y11
	VFMADD231PS  Y11, Y7, Y1
	Q8L(2(R9)(BX*1), Y4, Y5, Y8)
	VBROADCASTSS s-8(SP), Y10
	VFMADD231PS  Y10, Y8, Y2
	Q8L(2(R10)(BX*1), Y4, Y13, Y9)
	VBROADCASTSS s-4(SP), Y11
	VFMADD231PS  Y11, Y9, Y3
	ADDQ $34, BX
	DECQ AX
	JNZ  q8x4loop

q8x4done:
	HSUM4ROWS
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0AVX2(w, a []byte, nb int) float32
//
// One accumulator of 8 lanes, one block per iteration, then HSUM8 (the
// order of ggml's hsum_float_8).
//
// Register map:
//	SI, CX  the current weight and activation blocks (+34 per block)
//	AX      blocks left; R11 f16 scales
//	Y0      float accumulator; the sum at the end in X0
//	Y4      activations; Y10 signed activations
//	Y6      lane sums of the block as float32
//	Y8      d_w·d_a ×8; X13 temporary
//	Y12     int16 ones
TEXT ·DotQ8_0Q8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	VXORPS  Y0, Y0, Y0
	VMOVDQU onesW<>(SB), Y12
	TESTQ AX, AX
	JZ    q8x1done

q8x1loop:
	VMOVDQU 2(CX), Y4
	Q8L(2(SI), Y4, Y10, Y6)
	SCALE1(0(SI), 0(CX), Y8, X8, X13)
	VFMADD231PS Y8, Y6, Y0
	ADDQ $34, SI
	ADDQ $34, CX
	DECQ AX
	JNZ  q8x1loop

q8x1done:
	HSUM8(Y0, X0, X1)
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// Q4_0·Q8_0 and Q8_0·Q8_0 dot products with AVX2, FMA and F16C.
//
// Operand order: Go lists sources first and the destination last, so
// "VPSUBW Y5, Y6, Y6" is Y6 = Y6 − Y5, "VPMADDUBSW Y4, Y6, Y6" multiplies the
// unsigned bytes of Y6 by the signed bytes of Y4, and
// "VFMADD231PS X7, X6, X0" is X0 += X6·X7.
//
// Shape of every kernel (this file and vnni_amd64.h): each block's integer sum
// is formed exactly, then scaled once, as Impl's contract says
// (Σ_b d_w·d_a·isum_b). Four 8-lane integer vectors — four rows of one block
// in the x4 kernels, four blocks of one row in the x1 kernels — are added up
// together by a VPHADDD tree (REDUCE4D) into one vector of four exact sums,
// converted with one VCVTDQ2PS and accumulated with one VFMADD231PS against
// the four products d_w·d_a (exact in float32; the four f16 scales are
// gathered into a general register and converted with one VCVTPH2PS). The x4
// kernels' accumulator lanes are the four rows, stored as they are; the x1
// kernels' lanes are added at the end, and their last nb%4 blocks are summed
// one at a time into lane 0.
//
// Q4_0 without the −8: VPMADDUBSW multiplies unsigned by signed bytes, so the
// nibbles q (0..15) go in unchanged and the offset is taken off afterwards
// with the activation pair sums: (q0−8)·a0 + (q1−8)·a1 = VPMADDUBSW(q, a) −
// VPMADDUBSW(8, a), which lies in [−2048, 2048]. No int16 saturates, so the
// block sum is exact for every activation byte, −128 included (the usual
// VPSIGNB trick cannot negate −128). In the x4 kernel the activation term is
// computed once per block for all four rows. Those int16 sums are small
// enough to be added by VPHADDW twice more (|sum of 4| ≤ 8192) before one
// VPMADDWD against ones widens them to int32, which saves three instructions
// per block against VPMADDWD per row.
//
// Nibble unpacking: VBROADCASTI128 puts the 16 nibble bytes in both halves,
// VPSRLVD shifts the upper half right by 4 (dword shifts; the bits that move
// across byte boundaries are masked off), VPAND 0x0f keeps one nibble per
// byte: bytes 0..15 are values 0..15, bytes 16..31 values 16..31, the order of
// the activation bytes.

// Q4U sets U to the 16 int16 pair sums (q−8)·a of the Q4_0 block whose
// nibbles are at Q, against the activations at A (memory) whose
// VPMADDUBSW(8, a) is in C.
#define Q4U(Q, A, C, U) \
	VBROADCASTI128 Q, U \
	VPSRLVD Y14, U, U \
	VPAND Y15, U, U \
	VPMADDUBSW A, U, U \
	VPSUBW C, U, U

// REDUCE4W adds up the 16 int16 lanes of each of U0..U3 (each lane within
// ±2048) into [ΣU0, ΣU1, ΣU2, ΣU3] as int32 in XU0, clobbering U1..U3:
// VPHADDW twice (per 128-bit half: [U0, U0, U1, U1, U2, U2, U3, U3], each a
// sum of four lanes), VPMADDWD against ones (Y12), then the halves added.
#define REDUCE4W(U0, U1, U2, U3, XU0, XU1) \
	VPHADDW U1, U0, U0 \
	VPHADDW U3, U2, U2 \
	VPHADDW U2, U0, U0 \
	VPMADDWD Y12, U0, U0 \
	VEXTRACTI128 $1, U0, XU1 \
	VPADDD XU1, XU0, XU0

// func DotQ4_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; BX the offset of the current block in a row
//	        (+18 per block)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11 the four f16 weight scales
//	X0      float accumulator, lane r = row r
//	Y4      activation int8 ×32; Y5 VPMADDUBSW(8, a) int16 ×16
//	Y6-Y9   rows 0..3: int16 pair sums, then X6 the four block sums
//	X10     d_a ×4, X7 d_w·d_a ×4
//	Y12 int16 ones, Y13 eights, Y14 nibble shift counts, Y15 0x0f bytes
TEXT ·DotQ4_0Q8_0x4AVX2(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	XORQ BX, BX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU eights<>(SB), Y13
	VMOVDQU nibbleShift<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	TESTQ AX, AX
	JZ    q4x4done

q4x4loop:
	VMOVDQU    2(CX), Y4
	VPMADDUBSW Y4, Y13, Y5
	Q4U(2(SI)(BX*1), Y4, Y5, Y6)
	Q4U(2(R8)(BX*1), Y4, Y5, Y7)
	Q4U(2(R9)(BX*1), Y4, Y5, Y8)
	Q4U(2(R10)(BX*1), Y4, Y5, Y9)
	REDUCE4W(Y6, Y7, Y8, Y9, X6, X7)
	VCVTDQ2PS X6, X6
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X7)
	VPBROADCASTW (CX), X10
	VCVTPH2PS    X10, X10
	VMULPS       X10, X7, X7
	VFMADD231PS  X7, X6, X0
	ADDQ $18, BX
	ADDQ $34, CX
	DECQ AX
	JNZ  q4x4loop

q4x4done:
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ4_0Q8_0AVX2(w, a []byte, nb int) float32
//
// Four blocks per iteration, then the last nb%4 one at a time.
//
// Register map:
//	SI      the current weight block (+72 per iteration)
//	CX      the current activation block (+136 per iteration)
//	AX      blocks left; R11, R12 f16 scales
//	X0      float accumulator, lane k = blocks 4i+k; the sum at the end
//	Y5      VPMADDUBSW(8, a) of the current block
//	Y6-Y9   blocks 0..3: int16 pair sums, then X6 the four block sums
//	X7      d_w ×4 then d_w·d_a ×4, X10 d_a ×4
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
	SUBQ $4, AX
	JLT  q4x1tail

q4x1loop:
	VPMADDUBSW 2(CX), Y13, Y5
	Q4U(2(SI), 2(CX), Y5, Y6)
	VPMADDUBSW 36(CX), Y13, Y5
	Q4U(20(SI), 36(CX), Y5, Y7)
	VPMADDUBSW 70(CX), Y13, Y5
	Q4U(38(SI), 70(CX), Y5, Y8)
	VPMADDUBSW 104(CX), Y13, Y5
	Q4U(56(SI), 104(CX), Y5, Y9)
	REDUCE4W(Y6, Y7, Y8, Y9, X6, X7)
	VCVTDQ2PS X6, X6
	F16X4(0(SI), 18(SI), 36(SI), 54(SI), R11, X7)
	F16X4(0(CX), 34(CX), 68(CX), 102(CX), R12, X10)
	VMULPS      X10, X7, X7
	VFMADD231PS X7, X6, X0
	ADDQ $72, SI
	ADDQ $136, CX
	SUBQ $4, AX
	JGE  q4x1loop

q4x1tail:
	ADDQ $4, AX // 0..3 blocks left
	JZ   q4x1done

q4x1one:
	VPMADDUBSW 2(CX), Y13, Y5
	Q4U(2(SI), 2(CX), Y5, Y6)
	VPMADDWD     Y12, Y6, Y6
	VEXTRACTI128 $1, Y6, X7
	VPADDD       X7, X6, X6
	VPHADDD      X6, X6, X6
	VPHADDD      X6, X6, X6
	VCVTDQ2PS    X6, X6
	F16X1(0(SI), R11, X7)
	F16X1(0(CX), R12, X10)
	VMULSS       X10, X7, X7
	VFMADD231SS  X7, X6, X0
	ADDQ $18, SI
	ADDQ $34, CX
	DECQ AX
	JNZ  q4x1one

q4x1done:
	HSUMX4(X0, X1)
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// Q8T sets T to the 8 int32 sums of four products w·a of the Q8_0 block
// whose quants are at W (memory) against the activations in A, using the
// temporary S. VPMADDUBSW needs one unsigned operand: |w| × (a with w's
// sign). The int16 pair sums stay within 2·128·127, so nothing saturates;
// VPSIGNB cannot negate a = −128, the one input this gets wrong (see
// decl_amd64.go).
#define Q8T(W, A, S, T) \
	VPSIGNB W, A, S \
	VPABSB W, T \
	VPMADDUBSW S, T, T \
	VPMADDWD Y12, T, T

// func DotQ8_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; CX a; BX the offset of the current block in
//	        a row and in a (+34 per block)
//	AX      blocks left; R11 the four f16 weight scales
//	X0      float accumulator, lane r = row r
//	Y4      activation int8 ×32
//	Y6-Y9   rows 0..3: int32 sums of four, then X6 the four block sums
//	Y10, Y11  signed activations; X10 d_a ×4, X7 d_w·d_a ×4
//	Y12     int16 ones
TEXT ·DotQ8_0Q8_0x4AVX2(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	LEAQ (SI)(DX*1), R8
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	XORQ BX, BX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	TESTQ AX, AX
	JZ    q8x4done

q8x4loop:
	VMOVDQU 2(CX)(BX*1), Y4
	Q8T(2(SI)(BX*1), Y4, Y10, Y6)
	Q8T(2(R8)(BX*1), Y4, Y11, Y7)
	Q8T(2(R9)(BX*1), Y4, Y10, Y8)
	Q8T(2(R10)(BX*1), Y4, Y11, Y9)
	REDUCE4D(Y6, Y7, Y8, Y9, X6, X7)
	VCVTDQ2PS X6, X6
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X7)
	VPBROADCASTW (CX)(BX*1), X10
	VCVTPH2PS    X10, X10
	VMULPS       X10, X7, X7
	VFMADD231PS  X7, X6, X0
	ADDQ $34, BX
	DECQ AX
	JNZ  q8x4loop

q8x4done:
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0AVX2(w, a []byte, nb int) float32
//
// Four blocks per iteration, then the last nb%4 one at a time.
//
// Register map:
//	SI, CX  the current weight and activation blocks (+136 per iteration)
//	AX      blocks left; R11, R12 f16 scales
//	X0      float accumulator, lane k = blocks 4i+k; the sum at the end
//	Y4      activations of the current block; Y10 signed activations
//	Y6-Y9   blocks 0..3: int32 sums of four, then X6 the four block sums
//	X7      d_w ×4 then d_w·d_a ×4, X10 d_a ×4
//	Y12     int16 ones
TEXT ·DotQ8_0Q8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	SUBQ $4, AX
	JLT  q8x1tail

q8x1loop:
	VMOVDQU 2(CX), Y4
	Q8T(2(SI), Y4, Y10, Y6)
	VMOVDQU 36(CX), Y4
	Q8T(36(SI), Y4, Y10, Y7)
	VMOVDQU 70(CX), Y4
	Q8T(70(SI), Y4, Y10, Y8)
	VMOVDQU 104(CX), Y4
	Q8T(104(SI), Y4, Y10, Y9)
	REDUCE4D(Y6, Y7, Y8, Y9, X6, X7)
	VCVTDQ2PS X6, X6
	F16X4(0(SI), 34(SI), 68(SI), 102(SI), R11, X7)
	F16X4(0(CX), 34(CX), 68(CX), 102(CX), R12, X10)
	VMULPS      X10, X7, X7
	VFMADD231PS X7, X6, X0
	ADDQ $136, SI
	ADDQ $136, CX
	SUBQ $4, AX
	JGE  q8x1loop

q8x1tail:
	ADDQ $4, AX // 0..3 blocks left
	JZ   q8x1done

q8x1one:
	VMOVDQU 2(CX), Y4
	Q8T(2(SI), Y4, Y10, Y6)
	VEXTRACTI128 $1, Y6, X7
	VPADDD       X7, X6, X6
	VPHADDD      X6, X6, X6
	VPHADDD      X6, X6, X6
	VCVTDQ2PS    X6, X6
	F16X1(0(SI), R11, X7)
	F16X1(0(CX), R12, X10)
	VMULSS       X10, X7, X7
	VFMADD231SS  X7, X6, X0
	ADDQ $34, SI
	ADDQ $34, CX
	DECQ AX
	JNZ  q8x1one

q8x1done:
	HSUMX4(X0, X1)
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

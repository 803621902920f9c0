//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// Q4_0·Q8_0 and Q8_0·Q8_0 dot products with AVX2, FMA and F16C, in
// llama.cpp's shape: no exact integer block sums.
//
// Operand order: Go lists sources first and the destination last, so
// "VPSUBW Y5, Y6, Y6" is Y6 = Y6 − Y5, "VPMADDUBSW Y4, Y6, Y6" multiplies the
// unsigned bytes of Y6 by the signed bytes of Y4, and
// "VFMADD231PS Y11, Y6, Y0" is Y0 += Y6·Y11.
//
// Shape of every kernel here: per block and row, the 32 products q_w·q_a are
// formed as 16 int16 pair sums (VPMADDUBSW), widened by VPMADDWD against
// ones into int32 lanes, converted with VCVTDQ2PS (exact: |lane| ≤ 8·128·128)
// and accumulated with VFMADD231PS against the broadcast d_w·d_a (exact in
// float32) into float lanes of the row. The lanes are added up once, at the
// end. This is what Impl's accuracy contract allows (kernels/impl.go): the
// Q8_0 x4 kernel and both x1 kernels give a row 8 lanes of four products
// each per accumulator (the x1 kernels use two accumulators, even and odd
// blocks: L = 16); the Q4_0 x4 kernel packs two rows into one register and
// gives each row 4 lanes of eight products (L = 4). The x4 kernels share
// each activation load (and the Q4_0 offset term) among four rows and
// convert the four rows' weight scales together: the four f16 scales are
// gathered into a general register (F16X4), converted with one VCVTPH2PS and
// multiplied by d_a; each row (pair) then takes its scale by a broadcast
// from the frame (Q8_0) or a VPERMPS (Q4_0).
//
// Reduction (Q8_0 x4): VHADDPS of the four accumulators twice leaves, in
// each 128-bit half, [Σ row 0, Σ row 1, Σ row 2, Σ row 3] of that half's four
// lanes; the halves are added and stored as they are.
//
// Q4_0 without the −8: VPMADDUBSW multiplies unsigned by signed bytes, so the
// nibbles q (0..15) go in unchanged and the offset is taken off afterwards
// with the activation pair sums: (q0−8)·a0 + (q1−8)·a1 = VPMADDUBSW(q, a) −
// VPMADDUBSW(8, a), which lies in [−2048, 2048]. No int16 saturates, so the
// lane sums are exact for every activation byte, −128 included (the VPSIGNB
// trick cannot negate −128). The activation term is computed once per block
// for all four rows.
//
// Nibble unpacking: VBROADCASTI128 puts the 16 nibble bytes in both halves,
// VPSRLVD shifts the upper half right by 4 (dword shifts; the bits that move
// across byte boundaries are masked off), VPAND 0x0f keeps one nibble per
// byte: bytes 0..15 are values 0..15, bytes 16..31 values 16..31, the order of
// the activation bytes.

// Q4L (x1 kernel) sets U to the 8 int32 lane sums (as float32) of the Q4_0
// block whose nibbles are at Q, against the activations in A (register)
// whose VPMADDUBSW(8, a) is in C.
#define Q4L(Q, A, C, U) \
	VBROADCASTI128 Q, U \
	VPSRLVD Y14, U, U \
	VPAND Y15, U, U \
	VPMADDUBSW A, U, U \
	VPSUBW C, U, U \
	VPMADDWD Y12, U, U \
	VCVTDQ2PS U, U

// Q8L sets T to the 8 int32 lane sums (as float32) of the Q8_0 block whose
// quants are at W (memory) against the activations in A, using the
// temporary S. VPMADDUBSW needs one unsigned operand: |w| × (a with w's
// sign). The int16 pair sums stay within 2·128·127, so nothing saturates;
// VPSIGNB cannot negate a = −128, the one input this gets wrong (see
// decl_amd64.go).
#define Q8L(W, A, S, T) \
	VMOVDQU W, T \
	VPSIGNB T, A, S \
	VPABSB T, T \
	VPMADDUBSW S, T, T \
	VPMADDWD Y12, T, T \
	VCVTDQ2PS T, T

// HSUM4X8 adds up the eight lanes of each of A0..A3 (Y registers) into
// [ΣA0, ΣA1, ΣA2, ΣA3] in XA0, clobbering A1..A3; XT is a temporary X
// register. Lane order: ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)).
#define HSUM4X8(A0, A1, A2, A3, XA0, XT) \
	VHADDPS A1, A0, A0 \
	VHADDPS A3, A2, A2 \
	VHADDPS A2, A0, A0 \
	VEXTRACTF128 $1, A0, XT \
	VADDPS XT, XA0, XA0

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

// Row-pair permutation indices: lanes 0..3 from lane 0 (1), 4..7 from lane
// 1 (3) of a vector of four row scales.
DATA pairIdx01<>+0(SB)/8, $0
DATA pairIdx01<>+8(SB)/8, $0
DATA pairIdx01<>+16(SB)/8, $0x0000000100000001
DATA pairIdx01<>+24(SB)/8, $0x0000000100000001
GLOBL pairIdx01<>(SB), RODATA|NOPTR, $32

DATA pairIdx23<>+0(SB)/8, $0x0000000200000002
DATA pairIdx23<>+8(SB)/8, $0x0000000200000002
DATA pairIdx23<>+16(SB)/8, $0x0000000300000003
DATA pairIdx23<>+24(SB)/8, $0x0000000300000003
GLOBL pairIdx23<>(SB), RODATA|NOPTR, $32

// Q4P adds to ACC the lane sums of one Q4_0 block of two rows, the first
// row's nibbles at Q0 and the second's at Q1, scaled by the two rows'
// d_w·d_a taken from X10 by the permutation index IDX. One Y register holds
// both rows' 16 nibble bytes (first row low half); VPAND gives values 0..15
// of each row, VPSRLW 4 and VPAND values 16..31, against Y4 = [a0..15,
// a0..15] and Y5 = [a16..31, a16..31]. The two VPMADDUBSW results are added
// (|sum| ≤ 4·15·128) and Y3 = the matching sums of 8·a taken off, which
// leaves the sums of four products (q−8)·a in [−4096, 4096]; VPMADDWD
// against ones makes 8 int32 lanes, four per row, each the sum of 8 products.
#define Q4P(Q0, Q1, IDX, T, XT, U, ACC) \
	VMOVDQU Q0, XT \
	VINSERTI128 $1, Q1, T, T \
	VPSRLW $4, T, U \
	VPAND Y15, T, T \
	VPAND Y15, U, U \
	VPMADDUBSW Y4, T, T \
	VPMADDUBSW Y5, U, U \
	VPADDW U, T, T \
	VPSUBW Y3, T, T \
	VPMADDWD Y12, T, T \
	VCVTDQ2PS T, T \
	VPERMPS Y10, IDX, Y11 \
	VFMADD231PS Y11, T, ACC

// func DotQ4_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Rows are processed in pairs (0 with 1, 2 with 3), each pair's block in one
// Y register (Q4P), so the unpacking, the widening and the FMA are shared by
// two rows; the activations are broadcast by halves, once per block for all
// four rows. Each row has four float lanes (its half of an accumulator),
// each summing 8 products per block.
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; BX the offset of the current block in a row
//	        (+18 per block)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11 the four f16 weight scales
//	Y0      float accumulator of rows 0 (low half) and 1 (high half)
//	Y1      the same for rows 2 and 3
//	Y2      eights; Y3 the sums of four 8·a, as in Q4P
//	Y4, Y5  activations 0..15 and 16..31, each in both halves
//	Y6-Y9   temporaries
//	X10     d_w·d_a of rows 0..3; X11 d_a ×4, then Y11 the pair's scales
//	Y12 int16 ones, Y13, Y14 pair indices, Y15 0x0f bytes
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
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VMOVDQU eights<>(SB), Y2
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU pairIdx01<>(SB), Y13
	VMOVDQU pairIdx23<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	TESTQ AX, AX
	JZ    q4x4done

q4x4loop:
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X10)
	VPBROADCASTW (CX), X11
	VCVTPH2PS    X11, X11
	VMULPS       X11, X10, X10
	VBROADCASTI128 2(CX), Y4
	VBROADCASTI128 18(CX), Y5
	VPMADDUBSW Y4, Y2, Y3
	VPMADDUBSW Y5, Y2, Y6
	VPADDW     Y6, Y3, Y3
	Q4P(2(SI)(BX*1), 2(R8)(BX*1), Y13, Y6, X6, Y7, Y0)
	Q4P(2(R9)(BX*1), 2(R10)(BX*1), Y14, Y8, X8, Y9, Y1)
	ADDQ $18, BX
	ADDQ $34, CX
	DECQ AX
	JNZ  q4x4loop

q4x4done:
	// Y0 = [r0 ×4 | r1 ×4], Y1 = [r2 ×4 | r3 ×4]: two VHADDPS leave
	// [Σr0, Σr2, Σr0, Σr2 | Σr1, Σr3, Σr1, Σr3], lanes in the order
	// (l0+l1)+(l2+l3).
	VHADDPS Y1, Y0, Y0
	VHADDPS Y0, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VUNPCKLPS X1, X0, X0
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ4_0Q8_0AVX2(w, a []byte, nb int) float32
//
// Two blocks per iteration into two accumulators (even and odd blocks), then
// the last block, if nb is odd, into the first.
//
// Register map:
//	SI      the current weight block (+36 per iteration)
//	CX      the current activation block (+68 per iteration)
//	AX      blocks left; R11 f16 scales
//	Y0, Y1  float accumulators (even, odd blocks); the sum at the end in X0
//	Y4      activations; Y5 VPMADDUBSW(8, a)
//	Y6, Y7  lane sums of the two blocks as float32
//	Y8, Y9  d_w·d_a ×8; X10, X11 temporaries
//	Y12 int16 ones, Y13 eights, Y14 nibble shift counts, Y15 0x0f bytes
TEXT ·DotQ4_0Q8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU eights<>(SB), Y13
	VMOVDQU nibbleShift<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	SUBQ $2, AX
	JLT  q4x1tail

q4x1loop:
	VMOVDQU    2(CX), Y4
	VPMADDUBSW Y4, Y13, Y5
	Q4L(2(SI), Y4, Y5, Y6)
	SCALE1(0(SI), 0(CX), Y8, X8, X10)
	VFMADD231PS Y8, Y6, Y0
	VMOVDQU    36(CX), Y4
	VPMADDUBSW Y4, Y13, Y5
	Q4L(20(SI), Y4, Y5, Y7)
	SCALE1(18(SI), 34(CX), Y9, X9, X11)
	VFMADD231PS Y9, Y7, Y1
	ADDQ $36, SI
	ADDQ $68, CX
	SUBQ $2, AX
	JGE  q4x1loop

q4x1tail:
	ADDQ $2, AX // 0 or 1 block left
	JZ   q4x1done
	VMOVDQU    2(CX), Y4
	VPMADDUBSW Y4, Y13, Y5
	Q4L(2(SI), Y4, Y5, Y6)
	SCALE1(0(SI), 0(CX), Y8, X8, X10)
	VFMADD231PS Y8, Y6, Y0

q4x1done:
	VADDPS Y1, Y0, Y0
	HSUM8(Y0, X0, X1)
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0x4AVX2(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map:
//	DI      out
//	SI, R8, R9, R10  rows 0..3; CX a; BX the offset of the current block in
//	        a row and in a (+34 per block)
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
	XORQ BX, BX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VMOVDQU onesW<>(SB), Y12
	TESTQ AX, AX
	JZ    q8x4done

q8x4loop:
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
	HSUM4X8(Y0, Y1, Y2, Y3, X0, X1)
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0AVX2(w, a []byte, nb int) float32
//
// Two blocks per iteration into two accumulators (even and odd blocks), then
// the last block, if nb is odd, into the first.
//
// Register map:
//	SI, CX  the current weight and activation blocks (+68 per iteration)
//	AX      blocks left; R11 f16 scales
//	Y0, Y1  float accumulators (even, odd blocks); the sum at the end in X0
//	Y4, Y5  activations of the two blocks; Y10, Y11 signed activations
//	Y6, Y7  lane sums of the two blocks as float32
//	Y8, Y9  d_w·d_a ×8; X13, X14 temporaries
//	Y12     int16 ones
TEXT ·DotQ8_0Q8_0AVX2(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VMOVDQU onesW<>(SB), Y12
	SUBQ $2, AX
	JLT  q8x1tail

q8x1loop:
	VMOVDQU 2(CX), Y4
	Q8L(2(SI), Y4, Y10, Y6)
	SCALE1(0(SI), 0(CX), Y8, X8, X13)
	VFMADD231PS Y8, Y6, Y0
	VMOVDQU 36(CX), Y5
	Q8L(36(SI), Y5, Y11, Y7)
	SCALE1(34(SI), 34(CX), Y9, X9, X14)
	VFMADD231PS Y9, Y7, Y1
	ADDQ $68, SI
	ADDQ $68, CX
	SUBQ $2, AX
	JGE  q8x1loop

q8x1tail:
	ADDQ $2, AX // 0 or 1 block left
	JZ   q8x1done
	VMOVDQU 2(CX), Y4
	Q8L(2(SI), Y4, Y10, Y6)
	SCALE1(0(SI), 0(CX), Y8, X8, X13)
	VFMADD231PS Y8, Y6, Y0

q8x1done:
	VADDPS Y1, Y0, Y0
	HSUM8(Y0, X0, X1)
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

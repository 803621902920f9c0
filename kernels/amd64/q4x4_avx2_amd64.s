//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// Q4_0_4_4·Q8_0 dot products with AVX2, FMA and F16C: the interleaved
// layout of quant/q4_0_4x4.go (one 72-byte block per four rows: their four
// f16 scales, then 64 quant bytes, byte i from row (i%16)/4, Q4_0 quant
// byte 4·(i/16)+i%4, XORed with 0x88), summed in the float order of
// DotQ4_0Q8_0x4AVX2 (dot_avx2_amd64.s, ggml's q4_0_8x8): each block's
// exact integer sum per row, converted and FMAed with d_w·d_a into one
// float per row, block after block. The four rows of a group therefore get
// exactly the bits DotQ4_0Q8_0x4AVX2 gives them in row-major form, and
// MatMul (the x2 micro-kernel) equals MatVec (the x4 kernel).
//
// The 64 quant bytes of a block are two ymm: A (bytes 0..31) holds values
// 0..7 (low nibbles) and 16..23 (high nibbles), B (bytes 32..63) values
// 8..15 and 24..31, each 16-byte half four bytes of each row:
//
//	A low half:  row 0 v0..3, row 1 v0..3, row 2 v0..3, row 3 v0..3
//	A high half: row 0 v4..7, ...                (+16 for high nibbles)
//	B halves:    v8..11, v12..15                 (+16 for high nibbles)
//
// XOR 0x88 gives back the Q4_0 nibbles q (0..15), which go to VPMADDUBSW
// as the unsigned operand as in DotQ4_0Q8_0x4AVX2 (VPSRLW/VPAND unpack the
// high and low nibbles). The activations are put in the same order: a
// VBROADCASTI128 of bytes 0..15 (16..31) in both halves, then one VPSHUFB
// per operand repeats bytes 0..3 four times in the low half and 4..7 in the
// high half (shufLo), or 8..11 and 12..15 (shufHi). After VPMADDUBSW and
// VPADDW of the four products every int16 lane holds 8 products q·a of one
// row: row r in lanes 2r, 2r+1 of each half.
//
// The −8: Σ(q−8)·a = Σq·a − 8·Σa, with the same 8·Σa for every row. V =
// VPMADDUBSW(8, a) of the raw activations has 16 int16 lanes, dword j (lanes
// 2j, 2j+1) 8·(a_4j+…+a_4j+3); adding its VPSHUFD $0x4E (dwords j^2) and
// then the VPSHUFD $0xB1 (dwords j^1) of the sum leaves in every dword of
// the low half 8·(a_0+…+a_15) and of the high half 8·(a_16+…+a_31), so that
// subtracting it takes 8·Σa off each row's four lanes (2r, 2r+1 in both
// halves) in all. One lane is then Σ of 8 products q·a minus 8 times a sum
// of 8 activations: |·| ≤ 8·15·128 + 8·8·128 = 23552, so no int16 lane
// wraps, and VPMADDWD against ones and the add of the two halves give the
// four exact int32 block sums, row r in dword r.

// shufLo and shufHi: VPSHUFB indices that repeat activation bytes 0..3
// (8..11) four times in the low half and 4..7 (12..15) in the high half.
DATA shufLo<>+0(SB)/8, $0x0302010003020100
DATA shufLo<>+8(SB)/8, $0x0302010003020100
DATA shufLo<>+16(SB)/8, $0x0706050407060504
DATA shufLo<>+24(SB)/8, $0x0706050407060504
GLOBL shufLo<>(SB), RODATA|NOPTR, $32

DATA shufHi<>+0(SB)/8, $0x0b0a09080b0a0908
DATA shufHi<>+8(SB)/8, $0x0b0a09080b0a0908
DATA shufHi<>+16(SB)/8, $0x0f0e0d0c0f0e0d0c
DATA shufHi<>+24(SB)/8, $0x0f0e0d0c0f0e0d0c
GLOBL shufHi<>(SB), RODATA|NOPTR, $32

// Q44W unpacks the 32 quant bytes at W (memory) into their low nibbles in
// LO and high nibbles in HI (the Q4_0 q, 0..15, one per byte). Y15 0x0f,
// Y14 0x88.
#define Q44W(W, LO, HI) \
	VPXOR  W, Y14, LO \
	VPSRLW $4, LO, HI \
	VPAND  Y15, LO, LO \
	VPAND  Y15, HI, HI

// Q44A sets U to the 16 int16 lanes Σq·a − (8·Σa spread as above) of the
// block whose nibbles are in ALO, AHI (bytes 0..31) and BLO, BHI (bytes
// 32..63), against the Q8_0 activation block at A (scale first): row r in
// lanes 2r, 2r+1 of each half. T0..T3 temporaries. Y13 eights.
#define Q44A(A, ALO, AHI, BLO, BHI, U, T0, T1, T2, T3) \
	VBROADCASTI128 2(A), T0 \
	VBROADCASTI128 18(A), T1 \
	VPSHUFB        shufLo<>(SB), T0, U \
	VPSHUFB        shufHi<>(SB), T0, T0 \
	VPSHUFB        shufLo<>(SB), T1, T2 \
	VPSHUFB        shufHi<>(SB), T1, T1 \
	VPMADDUBSW     U, ALO, U \
	VPMADDUBSW     T0, BLO, T0 \
	VPMADDUBSW     T2, AHI, T2 \
	VPMADDUBSW     T1, BHI, T1 \
	VPADDW         T0, U, U \
	VPADDW         T2, T1, T1 \
	VPADDW         T1, U, U \
	VPMADDUBSW     2(A), Y13, T0 \
	VPSHUFD        $0x4e, T0, T1 \
	VPADDW         T1, T0, T0 \
	VPSHUFD        $0xb1, T0, T1 \
	VPADDW         T1, T0, T0 \
	VPSUBW         T0, U, U

// func DotQ4_0_4x4Q8_0AVX2(out *[4]float32, w []byte, a []byte, nb int)
//
// One block per iteration: Q44W twice, Q44A, VPMADDWD against ones and the
// add of the halves (the exact block sums of rows 0..3), VCVTDQ2PS, and one
// VFMADD231PS with the four d_w·d_a: the four weight scales are contiguous,
// so one VCVTPH2PS converts them from memory. Groups follow one another in
// memory, one stream; prefetching 1 KiB (14 blocks) ahead still helped on
// the EPYC (Zen 3) development machine: BenchmarkDotQ4_0_4x4Q8_0/DRAM 6.9
// cpu-GB/s without, 7.9-9.4 with (DotQ4_0Q8_0x4AVX2 7.1-8.0 in the same
// runs; a shared, noisy machine). Prefetches never fault, so reading past
// the group is harmless.
//
// Hot loop: 42 instructions, llvm-mca-19 -mcpu=znver3 9.6 cycles per block
// of four rows (DotQ4_0Q8_0x4AVX2: 18.0 per two blocks), bound by the four
// vector pipes: the 36 vector µops per block are the row-major kernel's
// count. BenchmarkDotQ4_0_4x4Q8_0/L2: 10-14 cpu-GB/s, about the row-major
// kernel's 8-13.
//
// Register map:
//	DI      out
//	SI      the current weight block (+72 per block)
//	CX      the current activation block (+34 per block)
//	AX      blocks left
//	X0      float accumulator, lane r = row r
//	Y1, Y2  low, high nibbles of quant bytes 0..31; Y3, Y4 of 32..63
//	Y5      int16 lane sums, then int32, then X5 the block sums
//	Y6-Y9   temporaries; X6 d_w·d_a ×4, X7 d_a ×4
//	Y12 int16 ones, Y13 eights, Y14 0x88, Y15 0x0f
TEXT ·DotQ4_0_4x4Q8_0AVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ a_base+32(FP), CX
	MOVQ nb+56(FP), AX
	VXORPS  X0, X0, X0
	VMOVDQU onesW<>(SB), Y12
	VMOVDQU eights<>(SB), Y13
	VMOVDQU xor88<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	TESTQ AX, AX
	JZ    q44x4done

q44x4loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	Q44W(8(SI), Y1, Y2)
	Q44W(40(SI), Y3, Y4)
	Q44A(CX, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VPMADDWD     Y12, Y5, Y5
	VEXTRACTI128 $1, Y5, X6
	VPADDD       X6, X5, X5
	VCVTDQ2PS    X5, X5
	VCVTPH2PS    (SI), X6
	VPBROADCASTW (CX), X7
	VCVTPH2PS    X7, X7
	VMULPS       X7, X6, X6
	VFMADD231PS  X6, X5, X0
	ADDQ $72, SI
	ADDQ $34, CX
	DECQ AX
	JNZ  q44x4loop

q44x4done:
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func DotQ4_0_4x4Q8_0x2AVX2(out []float32, ldo int, w []byte, a []byte, pairs, nb int)
//
// The MatMul micro-kernel: two activation rows × the four rows of the
// group per pass, one block per iteration. The nibbles are unpacked once
// (Q44W) for both activation rows; each row gets its own Q44A and
// VPMADDWD, and VPERM2I128/VPADDD add the halves of both at once, leaving
// the eight exact block sums [i0r0..i0r3 | i1r0..i1r3] in one ymm, which
// one VFMADD231PS with [d_w(r)·d_a0 | d_w(r)·d_a1] adds to the eight
// outputs: per output acc = fma(isum_b, d_b, acc), block after block, the
// instructions of DotQ4_0_4x4Q8_0AVX2 on the same values (as
// DotQ4_0Q8_0x4x2AVX2 is to DotQ4_0Q8_0x4AVX2).
//
// Hot loop: 66 instructions; llvm-mca-19 -mcpu=znver3 puts it at 16.7
// cycles per block × 8 outputs, 2.08 per block per output, worse than
// DotQ4_0Q8_0x4x2AVX2's 1.78, but the machine disagrees:
// BenchmarkGemmQ4 (Gemma 3 1B prefill, 512×1152 by 1152×6912, one
// thread) gives 60-71 GOP/s against 51-55 for DotQ4_0Q8_0x4x2AVX2 on the
// Zen 3 development machine (one weight stream instead of four, scales in
// one load). Putting the block back in the row-pair layout first (VPERMD,
// VPUNPCKLQDQ/HQDQ, then DotQ4_0Q8_0x4x2AVX2's loop) was slower: 35
// GOP/s.
//
// Register map:
//	DI      out row of the current pair; R10 ldo; R14 pairs left
//	R9      w; SI the current weight block (+72 per block)
//	R11     activation row 2p; CX, DX the current blocks of rows 2p, 2p+1
//	        (+34 per block); R13 bytes per activation row (nb·34)
//	AX      blocks left
//	Y0      float accumulators [i0r0..i0r3 | i1r0..i1r3]
//	Y1, Y2  low, high nibbles of quant bytes 0..31; Y3, Y4 of 32..63
//	Y5, Y6  int16 lane sums of activation rows 2p, 2p+1, then int32
//	Y7      the block sums [i0 | i1], int32 then float32
//	Y8-Y10  temporaries
//	Y11     d_w ×4 in both halves, then d_w(r)·d_a(i); Y12 [d_a0 ×4 | d_a1 ×4]
//	Y13 eights, Y14 0x88, Y15 0x0f
TEXT ·DotQ4_0_4x4Q8_0x2AVX2(SB), NOSPLIT, $0-96
	MOVQ out_base+0(FP), DI
	MOVQ ldo+24(FP), R10
	MOVQ w_base+32(FP), R9
	MOVQ a_base+56(FP), R11
	MOVQ pairs+80(FP), R14
	MOVQ nb+88(FP), R13
	IMULQ $34, R13
	VMOVDQU eights<>(SB), Y13
	VMOVDQU xor88<>(SB), Y14
	VMOVDQU nibbleMask<>(SB), Y15
	TESTQ R14, R14
	JZ    q44m2done

q44m2pair:
	MOVQ R9, SI
	MOVQ R11, CX
	LEAQ (R11)(R13*1), DX
	MOVQ nb+88(FP), AX
	VXORPS Y0, Y0, Y0
	TESTQ AX, AX
	JZ    q44m2store

q44m2loop:
	Q44W(8(SI), Y1, Y2)
	Q44W(40(SI), Y3, Y4)
	Q44A(CX, Y1, Y2, Y3, Y4, Y5, Y7, Y8, Y9, Y10)
	Q44A(DX, Y1, Y2, Y3, Y4, Y6, Y7, Y8, Y9, Y10)
	VPMADDWD   onesW<>(SB), Y5, Y5
	VPMADDWD   onesW<>(SB), Y6, Y6
	VPERM2I128 $0x20, Y6, Y5, Y7
	VPERM2I128 $0x31, Y6, Y5, Y8
	VPADDD     Y8, Y7, Y7
	VCVTDQ2PS  Y7, Y7

	// d_w(r)·d_a(i) in the lane of output (i, r).
	VCVTPH2PS    (SI), X11
	VINSERTF128  $1, X11, Y11, Y11
	VPBROADCASTW (CX), X12
	VCVTPH2PS    X12, X12
	VPBROADCASTW (DX), X8
	VCVTPH2PS    X8, X8
	VINSERTF128  $1, X8, Y12, Y12
	VMULPS       Y12, Y11, Y11
	VFMADD231PS  Y11, Y7, Y0

	ADDQ $72, SI
	ADDQ $34, CX
	ADDQ $34, DX
	DECQ AX
	JNZ  q44m2loop

q44m2store:
	VMOVUPS X0, (DI)
	VEXTRACTF128 $1, Y0, X0
	VMOVUPS X0, (DI)(R10*4)
	LEAQ (DI)(R10*8), DI
	LEAQ (R11)(R13*2), R11
	DECQ R14
	JNZ  q44m2pair

q44m2done:
	VZEROUPPER
	RET

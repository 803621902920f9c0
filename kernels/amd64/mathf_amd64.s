//go:build !purego

#include "textflag.h"

// Vector float32 e^x, GELU-tanh and the scaled softmax (AVX2 + FMA), by
// the algorithm of kernels/mathf.go: clamp x to [−104, 89] (NaN passes),
// n = round(x·log2 e), r = x − n·c1 − n·c2, e^r = 1 + r + r²·P(r) (Cephes),
// e^x = (e^r·2^⌊n/2⌋)·2^(n−⌊n/2⌋). The assembly fuses the reduction and
// the polynomial's steps (FMA), so it is not bit-identical to the Go code;
// both meet the bounds package kernels states and tests. Rows are done 8
// values at a time; the last 1..7 with VMASKMOVPS, which neither reads nor
// writes the lanes past the end.

#define BCAST(name, bits) \
	DATA name<>+0(SB)/4, bits \
	DATA name<>+4(SB)/4, bits \
	DATA name<>+8(SB)/4, bits \
	DATA name<>+12(SB)/4, bits \
	DATA name<>+16(SB)/4, bits \
	DATA name<>+20(SB)/4, bits \
	DATA name<>+24(SB)/4, bits \
	DATA name<>+28(SB)/4, bits \
	GLOBL name<>(SB), RODATA|NOPTR, $32

BCAST(expLo, $0xc2d00000)   // −104
BCAST(expHi, $0x42b20000)   // 89
BCAST(expLog2e, $0x3fb8aa3b) // 1.44269504
BCAST(expC1, $0x3f318000)   // 0.693359375
BCAST(expC2, $0xb95e8083)   // −2.12194440e−4
BCAST(expP0, $0x39506967)   // 1.9875691500e−4
BCAST(expP1, $0x3ab743ce)   // 1.3981999507e−3
BCAST(expP2, $0x3c088908)   // 8.3334519073e−3
BCAST(expP3, $0x3d2aa9c1)   // 4.1665795894e−2
BCAST(expP4, $0x3e2aaaaa)   // 1.6666665459e−1
BCAST(expP5, $0x3f000000)   // 5.0000001201e−1
BCAST(one, $0x3f800000)     // 1.0
BCAST(bias127, $127)        // int32 exponent bias
BCAST(geluK1, $0xbfcc422a)  // −2·√(2/π)
BCAST(geluK2, $0xbd922279)  // −2·√(2/π)·0.044715
BCAST(negInf, $0xff800000)

// tailMask+4·(8−r) is a mask of r lanes.
DATA tailMask<>+0(SB)/8, $-1
DATA tailMask<>+8(SB)/8, $-1
DATA tailMask<>+16(SB)/8, $-1
DATA tailMask<>+24(SB)/8, $-1
DATA tailMask<>+32(SB)/8, $0
DATA tailMask<>+40(SB)/8, $0
DATA tailMask<>+48(SB)/8, $0
DATA tailMask<>+56(SB)/8, $0
GLOBL tailMask<>(SB), RODATA|NOPTR, $64

// EXP8 replaces the 8 lanes of X by e^X, clobbering T1..T3. VMAXPS and
// VMINPS return their second Intel source (X) when either is a NaN, so a
// NaN reaches the polynomial and comes out NaN.
#define EXP8(X, T1, T2, T3) \
	VMOVUPS expLo<>(SB), T1 \
	VMAXPS X, T1, X \
	VMOVUPS expHi<>(SB), T1 \
	VMINPS X, T1, X \
	VMULPS expLog2e<>(SB), X, T1 \
	VROUNDPS $0, T1, T1 \
	VFNMADD231PS expC1<>(SB), T1, X \
	VFNMADD231PS expC2<>(SB), T1, X \
	VCVTPS2DQ T1, T1 \
	VMOVUPS expP0<>(SB), T2 \
	VFMADD213PS expP1<>(SB), X, T2 \
	VFMADD213PS expP2<>(SB), X, T2 \
	VFMADD213PS expP3<>(SB), X, T2 \
	VFMADD213PS expP4<>(SB), X, T2 \
	VFMADD213PS expP5<>(SB), X, T2 \
	VMULPS X, X, T3 \
	VFMADD213PS X, T3, T2 \
	VADDPS one<>(SB), T2, T2 \
	VPSRAD $1, T1, T3 \
	VPSUBD T3, T1, T1 \
	VPADDD bias127<>(SB), T3, T3 \
	VPSLLD $23, T3, T3 \
	VPADDD bias127<>(SB), T1, T1 \
	VPSLLD $23, T1, T1 \
	VMULPS T3, T2, T2 \
	VMULPS T1, T2, X

// GELU8 replaces the 8 lanes of X by X/(1+e^t), t = X·(k1 + k2·X²),
// clobbering T1..T4.
#define GELU8(X, T1, T2, T3, T4) \
	VMULPS X, X, T4 \
	VMOVUPS geluK2<>(SB), T1 \
	VFMADD213PS geluK1<>(SB), T1, T4 \
	VMULPS X, T4, T4 \
	EXP8(T4, T1, T2, T3) \
	VADDPS one<>(SB), T4, T4 \
	VDIVPS T4, X, X

// func ExpF32AVX2(dst, x []float32)
//
// Register map: DI dst; SI x; CX values left; Y0 the values; Y1-Y3
// temporaries; Y15 the tail mask.
TEXT ·ExpF32AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	CMPQ CX, $8
	JLT  exptail

exploop:
	VMOVUPS (SI), Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	CMPQ CX, $8
	JGE  exploop

exptail:
	TESTQ CX, CX
	JZ    expdone
	LEAQ tailMask<>+32(SB), AX
	SHLQ $2, CX
	SUBQ CX, AX
	VMOVDQU (AX), Y15
	VMASKMOVPS (SI), Y15, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMASKMOVPS Y0, Y15, (DI)

expdone:
	VZEROUPPER
	RET

// func GELUTanhF32AVX2(dst, x []float32)
//
// Register map as ExpF32AVX2; Y1-Y4 temporaries.
TEXT ·GELUTanhF32AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	CMPQ CX, $8
	JLT  geltail

gelloop:
	VMOVUPS (SI), Y0
	GELU8(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	CMPQ CX, $8
	JGE  gelloop

geltail:
	TESTQ CX, CX
	JZ    geldone
	LEAQ tailMask<>+32(SB), AX
	SHLQ $2, CX
	SUBQ CX, AX
	VMOVDQU (AX), Y15
	VMASKMOVPS (SI), Y15, Y0
	GELU8(Y0, Y1, Y2, Y3, Y4)
	VMASKMOVPS Y0, Y15, (DI)

geldone:
	VZEROUPPER
	RET

// func SoftmaxScaledF32AVX2(x []float32, scale float32)
//
// Three passes over x: v = x·scale stored back and its maximum; e^(v−max)
// stored back and summed (8 float lanes, added up at the end); every value
// times 1/sum. A tail of 1..7 values goes through the same code with a
// lane mask: −Inf in the dead lanes for the maximum, 0 for the sum.
//
// Register map:
//	SI  x; CX values left; DX full 8-value chunks; BX the tail length
//	Y0  the values; Y1-Y3 temporaries; Y11 the maximum ×8, then 1/sum ×8
//	Y12 the lane sums; Y13 −Inf ×8; Y14 scale ×8; Y15 the tail mask
TEXT ·SoftmaxScaledF32AVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	TESTQ CX, CX
	JZ   smdone
	VBROADCASTSS scale+24(FP), Y14
	VMOVUPS negInf<>(SB), Y13
	VMOVUPS Y13, Y11
	MOVQ CX, DX
	SHRQ $3, DX
	MOVQ CX, BX
	ANDQ $7, BX
	LEAQ tailMask<>+32(SB), AX
	MOVQ BX, R8
	SHLQ $2, R8
	SUBQ R8, AX
	VMOVDQU (AX), Y15

	// Pass 1: scale, store, maximum.
	MOVQ SI, DI
	MOVQ DX, R9
	TESTQ R9, R9
	JZ   sm1tail

sm1loop:
	VMULPS (DI), Y14, Y0
	VMOVUPS Y0, (DI)
	VMAXPS Y0, Y11, Y11
	ADDQ $32, DI
	DECQ R9
	JNZ  sm1loop

sm1tail:
	TESTQ BX, BX
	JZ    sm1reduce
	VMASKMOVPS (DI), Y15, Y0
	VMULPS Y0, Y14, Y0
	VMASKMOVPS Y0, Y15, (DI)
	VBLENDVPS Y15, Y0, Y13, Y1 // mask ? Y0 : −Inf
	VMAXPS Y1, Y11, Y11

sm1reduce:
	VEXTRACTF128 $1, Y11, X1
	VMAXPS X1, X11, X11
	VPERMILPS $0x4e, X11, X1
	VMAXPS X1, X11, X11
	VPERMILPS $0xb1, X11, X1
	VMAXPS X1, X11, X11
	VBROADCASTSS X11, Y11

	// Pass 2: e^(v − max), store, sum.
	VXORPS Y12, Y12, Y12
	MOVQ SI, DI
	MOVQ DX, R9
	TESTQ R9, R9
	JZ   sm2tail

sm2loop:
	VMOVUPS (DI), Y0
	VSUBPS Y11, Y0, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y12, Y12
	ADDQ $32, DI
	DECQ R9
	JNZ  sm2loop

sm2tail:
	TESTQ BX, BX
	JZ    sm2reduce
	VMASKMOVPS (DI), Y15, Y0
	VSUBPS Y11, Y0, Y0
	EXP8(Y0, Y1, Y2, Y3)
	VANDPS Y15, Y0, Y0
	VMASKMOVPS Y0, Y15, (DI)
	VADDPS Y0, Y12, Y12

sm2reduce:
	VEXTRACTF128 $1, Y12, X1
	VADDPS X1, X12, X12
	VMOVHLPS X12, X12, X1
	VADDPS X1, X12, X12
	VMOVSHDUP X12, X1
	VADDSS X1, X12, X12
	VMOVSS one<>(SB), X11
	VDIVSS X12, X11, X11
	VBROADCASTSS X11, Y11

	// Pass 3: times 1/sum.
	MOVQ SI, DI
	MOVQ DX, R9
	TESTQ R9, R9
	JZ   sm3tail

sm3loop:
	VMULPS (DI), Y11, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	DECQ R9
	JNZ  sm3loop

sm3tail:
	TESTQ BX, BX
	JZ    smdone
	VMASKMOVPS (DI), Y15, Y0
	VMULPS Y0, Y11, Y0
	VMASKMOVPS Y0, Y15, (DI)

smdone:
	VZEROUPPER
	RET

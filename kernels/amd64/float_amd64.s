//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// F16·F32 and F32·F32 dot products (FMA, F16C) and the Q8_0 activation
// quantizer (AVX2, F16C).

// func DotF16F32AVX2(w []uint16, x []float32) float32
//
// 32 values per iteration into four accumulators (the FMA latency is hidden
// by four independent chains), then 8 at a time, then one at a time after the
// reduction (a VEX scalar op would clear the upper lanes of a vector
// accumulator).
//
// Register map:
//	SI  the next weights (f16); DI the next activations; CX values left
//	Y0-Y3  accumulators; Y4-Y7 converted weights; X0 the sum at the end
TEXT ·DotF16F32AVX2(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), SI
	MOVQ w_len+8(FP), CX
	MOVQ x_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $32
	JLT  f16tail8

f16loop32:
	VCVTPH2PS   0(SI), Y4
	VCVTPH2PS   16(SI), Y5
	VCVTPH2PS   32(SI), Y6
	VCVTPH2PS   48(SI), Y7
	VFMADD231PS 0(DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  f16loop32

f16tail8:
	CMPQ CX, $8
	JLT  f16reduce
	VCVTPH2PS   (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  f16tail8

f16reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM8(Y0, X0, X1)
	TESTQ CX, CX
	JZ    f16done

f16tail1:
	MOVWLZX (SI), AX
	VMOVD   AX, X4
	VCVTPH2PS X4, X4
	VFMADD231SS (DI), X4, X0
	ADDQ $2, SI
	ADDQ $4, DI
	DECQ CX
	JNZ  f16tail1

f16done:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func DotF32AVX2(a, b []float32) float32
//
// Same shape as DotF16F32AVX2.
//
// Register map:
//	SI  the next a; DI the next b; CX values left
//	Y0-Y3  accumulators; Y4-Y7 loaded a; X0 the sum at the end
TEXT ·DotF32AVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $32
	JLT  f32tail8

f32loop32:
	VMOVUPS     0(SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS 0(DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  f32loop32

f32tail8:
	CMPQ CX, $8
	JLT  f32reduce
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  f32tail8

f32reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM8(Y0, X0, X1)
	TESTQ CX, CX
	JZ    f32done

f32tail1:
	VMOVSS      (SI), X4
	VFMADD231SS (DI), X4, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JNZ  f32tail1

f32done:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

DATA absMask<>+0(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+8(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+16(SB)/8, $0x7fffffff7fffffff
DATA absMask<>+24(SB)/8, $0x7fffffff7fffffff
GLOBL absMask<>(SB), RODATA|NOPTR, $32

// Dword order 0, 4, 1, 5, 2, 6, 3, 7: undoes the lane interleaving of the
// two 256-bit packs (they work on each 128-bit half separately).
DATA packPerm<>+0(SB)/8, $0x0000000400000000
DATA packPerm<>+8(SB)/8, $0x0000000500000001
DATA packPerm<>+16(SB)/8, $0x0000000600000002
DATA packPerm<>+24(SB)/8, $0x0000000700000003
GLOBL packPerm<>(SB), RODATA|NOPTR, $32

DATA f127<>+0(SB)/4, $127.0
GLOBL f127<>(SB), RODATA|NOPTR, $4

// func QuantizeQ8_0AVX2(dst []byte, x []float32)
//
// Per block of 32 values, bit for bit quant.QuantizeQ8_0Act (the arithmetic
// of ggml's x86 quantize_row_q8_0):
//   - amax: VMAXPS of the |x| vectors in the reference's order. MAXPS returns
//     its second source unless the first is greater, so NaNs are picked or
//     dropped exactly as the reference's maxps(a, b) does; the fold is high
//     half against low half, then lanes 2,3 onto 0,1, then lane 1 onto 0;
//   - d = amax/127 → f16 by VCVTPS2PH $0 (nearest even, NaN payload kept);
//   - id = 127/amax, masked to 0 where amax == 0 (NEQ_UQ is true for NaN,
//     as Go's != is);
//   - q = x·id rounded to nearest even (VROUNDPS $0, whatever MXCSR says),
//     VCVTPS2DQ (0x80000000 for NaN and out-of-range), then the saturating
//     packs to int8 and VPERMD to restore the order.
//
// Register map:
//	SI  the next 32 values; DI the next block; CX blocks left; AX f16 d
//	Y0-Y3  the values, then x·id, then int32, then packed
//	Y4 the running |x| maximum, X5-X7 reduction temporaries, Y7 id ×8
//	Y12 0x7fffffff, Y13 the pack permutation, X14 127.0, X15 zero
TEXT ·QuantizeQ8_0AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	SHRQ $5, CX
	JZ   qdone
	VMOVDQU absMask<>(SB), Y12
	VMOVDQU packPerm<>(SB), Y13
	VMOVSS  f127<>(SB), X14
	VXORPS  X15, X15, X15

qloop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3

	// amax. VMAXPS B, A, D is D = A > B ? A : B.
	VANDPS Y12, Y0, Y4
	VANDPS Y12, Y1, Y5
	VMAXPS Y5, Y4, Y4
	VANDPS Y12, Y2, Y5
	VMAXPS Y5, Y4, Y4
	VANDPS Y12, Y3, Y5
	VMAXPS Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VMAXPS    X4, X5, X5 // lane l: max(high l, low l)
	VMOVHLPS  X5, X5, X6
	VMAXPS    X6, X5, X5 // lanes 0, 1: max(l, l+2)
	VMOVSHDUP X5, X6
	VMAXSS    X6, X5, X5 // lane 0: max(lane 0, lane 1) = amax

	// d = amax/127 as f16.
	VDIVSS    X14, X5, X6
	VCVTPS2PH $0, X6, X6
	VMOVD     X6, AX
	MOVW      AX, (DI)

	// id = amax != 0 ? 127/amax : 0, in all 8 lanes.
	VDIVSS       X5, X14, X7
	VCMPSS       $4, X15, X5, X6
	VANDPS       X6, X7, X7
	VBROADCASTSS X7, Y7

	VMULPS    Y7, Y0, Y0
	VMULPS    Y7, Y1, Y1
	VMULPS    Y7, Y2, Y2
	VMULPS    Y7, Y3, Y3
	VROUNDPS  $0, Y0, Y0
	VROUNDPS  $0, Y1, Y1
	VROUNDPS  $0, Y2, Y2
	VROUNDPS  $0, Y3, Y3
	VCVTPS2DQ Y0, Y0
	VCVTPS2DQ Y1, Y1
	VCVTPS2DQ Y2, Y2
	VCVTPS2DQ Y3, Y3
	VPACKSSDW Y1, Y0, Y0 // int16: 0-3 8-11 | 4-7 12-15
	VPACKSSDW Y3, Y2, Y2 // int16: 16-19 24-27 | 20-23 28-31
	VPACKSSWB Y2, Y0, Y0 // int8: 0-3 8-11 16-19 24-27 | 4-7 12-15 20-23 28-31
	VPERMD    Y0, Y13, Y0
	VMOVDQU   Y0, 2(DI)

	ADDQ $128, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  qloop

qdone:
	VZEROUPPER
	RET

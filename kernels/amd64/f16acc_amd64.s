//go:build !purego

#include "textflag.h"

// F16 accumulator steps on float32 slices (FMA, F16C): MadF16, ScaleF16 and
// the f16 row widening. VFMADD231PS rounds once, like C's fmaf, and
// VCVTPS2PH with immediate 0 rounds to nearest even whatever MXCSR says;
// neither flushes subnormals while MXCSR keeps FTZ and DAZ off, as Go does.
// The round trip VCVTPS2PH, VCVTPH2PS is quant.F16ToF32(quant.F32ToF16(x))
// bit for bit, NaNs included (both keep the payload's top bits and set
// the quiet bit).

// F16ROUND8 rounds the eight float32 of Y to the nearest f16 and back.
#define F16ROUND8(Y, X) \
	VCVTPS2PH $0, Y, X \
	VCVTPH2PS X, Y

// func MadF16AVX2(acc, v []float32, s float32)
//
// acc[i] = f16(fmaf(v[i], s, acc[i])): 32 values per iteration, then 8,
// then one at a time with the scalar FMA (same rounding).
//
// Register map:
//	DI acc   SI v   CX values left   Y15 s in every lane   Y0-Y3 work
TEXT ·MadF16AVX2(SB), NOSPLIT, $0-52
	MOVQ         acc_base+0(FP), DI
	MOVQ         acc_len+8(FP), CX
	MOVQ         v_base+24(FP), SI
	VBROADCASTSS s+48(FP), Y15
	CMPQ         CX, $32
	JLT          mad8

mad32:
	VMOVUPS     0(DI), Y0
	VMOVUPS     32(DI), Y1
	VMOVUPS     64(DI), Y2
	VMOVUPS     96(DI), Y3
	VFMADD231PS 0(SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VFMADD231PS 64(SI), Y15, Y2
	VFMADD231PS 96(SI), Y15, Y3
	F16ROUND8(Y0, X0)
	F16ROUND8(Y1, X1)
	F16ROUND8(Y2, X2)
	F16ROUND8(Y3, X3)
	VMOVUPS     Y0, 0(DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, DI
	ADDQ        $128, SI
	SUBQ        $32, CX
	CMPQ        CX, $32
	JGE         mad32

mad8:
	CMPQ CX, $8
	JLT  mad1

mad8loop:
	VMOVUPS     0(DI), Y0
	VFMADD231PS 0(SI), Y15, Y0
	F16ROUND8(Y0, X0)
	VMOVUPS     Y0, 0(DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         mad8loop

mad1:
	TESTQ CX, CX
	JEQ   maddone

mad1loop:
	VMOVSS      0(DI), X0
	VMOVSS      0(SI), X1
	VFMADD231SS X15, X1, X0
	VCVTPS2PH   $0, X0, X0
	VCVTPH2PS   X0, X0
	VMOVSS      X0, 0(DI)
	ADDQ        $4, DI
	ADDQ        $4, SI
	DECQ        CX
	JNE         mad1loop

maddone:
	VZEROUPPER
	RET

// func ScaleF16AVX2(acc []float32, s float32)
//
// acc[i] = f16(acc[i]·s), the product rounded to float32 first.
//
// Register map:
//	DI acc   CX values left   Y15 s in every lane   Y0-Y3 work
TEXT ·ScaleF16AVX2(SB), NOSPLIT, $0-28
	MOVQ         acc_base+0(FP), DI
	MOVQ         acc_len+8(FP), CX
	VBROADCASTSS s+24(FP), Y15
	CMPQ         CX, $32
	JLT          scale8

scale32:
	VMULPS  0(DI), Y15, Y0
	VMULPS  32(DI), Y15, Y1
	VMULPS  64(DI), Y15, Y2
	VMULPS  96(DI), Y15, Y3
	F16ROUND8(Y0, X0)
	F16ROUND8(Y1, X1)
	F16ROUND8(Y2, X2)
	F16ROUND8(Y3, X3)
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     scale32

scale8:
	CMPQ CX, $8
	JLT  scale1

scale8loop:
	VMULPS  0(DI), Y15, Y0
	F16ROUND8(Y0, X0)
	VMOVUPS Y0, 0(DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     scale8loop

scale1:
	TESTQ CX, CX
	JEQ   scaledone

scale1loop:
	VMOVSS    0(DI), X0
	VMULSS    X15, X0, X0
	VCVTPS2PH $0, X0, X0
	VCVTPH2PS X0, X0
	VMOVSS    X0, 0(DI)
	ADDQ      $4, DI
	DECQ      CX
	JNE       scale1loop

scaledone:
	VZEROUPPER
	RET

// func WidenF16AVX2(dst []float32, src []uint16)
//
// dst[i] = the f16 src[i] as float32 (exact): 32 values per iteration, then
// 8, then one at a time.
//
// Register map:
//	DI dst   SI src   CX values left   AX one f16 in the tail   Y0-Y3 work
TEXT ·WidenF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	CMPQ CX, $32
	JLT  widen8

widen32:
	VCVTPH2PS 0(SI), Y0
	VCVTPH2PS 16(SI), Y1
	VCVTPH2PS 32(SI), Y2
	VCVTPH2PS 48(SI), Y3
	VMOVUPS   Y0, 0(DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, 64(DI)
	VMOVUPS   Y3, 96(DI)
	ADDQ      $128, DI
	ADDQ      $64, SI
	SUBQ      $32, CX
	CMPQ      CX, $32
	JGE       widen32

widen8:
	CMPQ CX, $8
	JLT  widen1

widen8loop:
	VCVTPH2PS 0(SI), Y0
	VMOVUPS   Y0, 0(DI)
	ADDQ      $32, DI
	ADDQ      $16, SI
	SUBQ      $8, CX
	CMPQ      CX, $8
	JGE       widen8loop

widen1:
	TESTQ CX, CX
	JEQ   widendone

widen1loop:
	MOVWLZX   0(SI), AX
	VMOVD     AX, X0
	VCVTPH2PS X0, X0
	VMOVSS    X0, 0(DI)
	ADDQ      $4, DI
	ADDQ      $2, SI
	DECQ      CX
	JNE       widen1loop

widendone:
	VZEROUPPER
	RET

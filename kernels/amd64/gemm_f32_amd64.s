//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// func DotF32x3xMAVX2(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int)
//
// The F32 micro-kernel of MatMul and GemmF32: for i < m and r < 3 sets
// out[i·ldo+r] to DotF32AVX2 of the k values at w[r·ldw:] and the k values
// at a[i·lda:], bit for bit. Each output keeps DotF32AVX2's 32 float lanes
// (four accumulators of 8: value j goes to accumulator (j/8)%4 in the
// 32-value loop, then the 8-value tail goes to accumulator 0), the same
// reduction ((acc0+acc1)+(acc2+acc3), then HSUM8) and the same scalar tail
// (VFMADD231SS), so MatMul of F32 weights equals MatVec. What it saves is
// the loads and the per-call overhead: each 8-value chunk of an activation
// row is loaded once for three weight rows (16 loads for 12 FMAs instead of
// 24), and one call covers a whole tile of activation rows.
//
// Register map:
//	DI  out row i; R8 ldo·4; CX rows left
//	SI, R10, R11  weight rows 0..2; DX activation row i; R12 lda·4
//	BX  k; AX the byte offset of the current chunk; R13 values left
//	Y0-Y3, Y4-Y7, Y8-Y11  the four accumulators of weight rows 0, 1, 2
//	Y12-Y15  activation chunks; X12 also the HSUM8 temporary
TEXT ·DotF32x3xMAVX2(SB), NOSPLIT, $0-112
	MOVQ out_base+0(FP), DI
	MOVQ ldo+24(FP), R8
	SHLQ $2, R8
	MOVQ w_base+32(FP), SI
	MOVQ ldw+56(FP), R9
	SHLQ $2, R9
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	MOVQ a_base+64(FP), DX
	MOVQ lda+88(FP), R12
	SHLQ $2, R12
	MOVQ m+96(FP), CX
	MOVQ k+104(FP), BX
	TESTQ CX, CX
	JZ   done

row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ AX, AX
	MOVQ BX, R13
	CMPQ R13, $32
	JLT  tail8

loop32:
	VMOVUPS     0(DX)(AX*1), Y12
	VMOVUPS     32(DX)(AX*1), Y13
	VMOVUPS     64(DX)(AX*1), Y14
	VMOVUPS     96(DX)(AX*1), Y15
	VFMADD231PS 0(SI)(AX*1), Y12, Y0
	VFMADD231PS 0(R10)(AX*1), Y12, Y4
	VFMADD231PS 0(R11)(AX*1), Y12, Y8
	VFMADD231PS 32(SI)(AX*1), Y13, Y1
	VFMADD231PS 32(R10)(AX*1), Y13, Y5
	VFMADD231PS 32(R11)(AX*1), Y13, Y9
	VFMADD231PS 64(SI)(AX*1), Y14, Y2
	VFMADD231PS 64(R10)(AX*1), Y14, Y6
	VFMADD231PS 64(R11)(AX*1), Y14, Y10
	VFMADD231PS 96(SI)(AX*1), Y15, Y3
	VFMADD231PS 96(R10)(AX*1), Y15, Y7
	VFMADD231PS 96(R11)(AX*1), Y15, Y11
	ADDQ $128, AX
	SUBQ $32, R13
	CMPQ R13, $32
	JGE  loop32

tail8:
	CMPQ R13, $8
	JLT  reduce
	VMOVUPS     (DX)(AX*1), Y12
	VFMADD231PS (SI)(AX*1), Y12, Y0
	VFMADD231PS (R10)(AX*1), Y12, Y4
	VFMADD231PS (R11)(AX*1), Y12, Y8
	ADDQ $32, AX
	SUBQ $8, R13
	JMP  tail8

reduce:
	// DotF32AVX2's f32reduce, once per weight row.
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM8(Y0, X0, X12)
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y6, Y4, Y4
	HSUM8(Y4, X4, X12)
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VADDPS Y10, Y8, Y8
	HSUM8(Y8, X8, X12)
	TESTQ R13, R13
	JZ    store

tail1:
	VMOVSS      (DX)(AX*1), X12
	VFMADD231SS (SI)(AX*1), X12, X0
	VFMADD231SS (R10)(AX*1), X12, X4
	VFMADD231SS (R11)(AX*1), X12, X8
	ADDQ $4, AX
	DECQ R13
	JNZ  tail1

store:
	VMOVSS X0, 0(DI)
	VMOVSS X4, 4(DI)
	VMOVSS X8, 8(DI)
	ADDQ R8, DI
	ADDQ R12, DX
	DECQ CX
	JNZ  row

done:
	VZEROUPPER
	RET

package asmgen

import "fmt"

// genFloatGemm emits DotF32x3xMNEON, the F32 micro-kernel of MatMul and
// GemmF32: DotF32NEON for three weight rows × m activation rows, each
// output with exactly DotF32NEON's lanes, reduction and tail.
func genFloatGemm() []byte {
	g := newBuilder(
		"F32 micro-kernel of MatMul (plain NEON, every ARMv8.0 core).",
		"Every output is summed exactly as DotF32NEON sums it (dot_f_arm64.s),",
		"so MatMul of F32 weights equals MatVec bit for bit.")
	g.blank()
	g.docComment("func DotF32x3xMNEON(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int)",
		"",
		"For i < m and r < 3 sets out[i·ldo+r] to DotF32NEON(w[r·ldw:][:k], a[i·lda:][:k]),",
		"bit for bit: per output the four accumulators of 4 lanes of DotF32NEON (value j",
		"goes to accumulator (j/4)%4 in the 16-value loop, the 4-value tail to accumulator",
		"0), the same reduction ((acc0+acc1)+(acc2+acc3), FADDP twice) and the same scalar",
		"FMADD tail. Each 16 values of an activation row are loaded once for the three",
		"weight rows. Register map:",
		"  R0 out row i   R1 ldo·4   R2, R3, R4 weight rows 0..2   R5 activation row i",
		"  R6 lda·4   R7 rows left   R8 k   R9 the next activation values",
		"  R10, R11, R12 the next values of weight rows 0..2   R13 values left",
		"  V0..V3 activations   V4..V7, V8..V11, V12..V15 weights of rows 0, 1, 2",
		"  V16..V19, V20..V23, V24..V27 the accumulators of rows 0, 1, 2")
	g.text("DotF32x3xMNEON", "$0-112")
	g.opWhy("MOVD out_base+0(FP), R0", "")
	g.opWhy("MOVD ldo+24(FP), R1", "")
	g.opWhy("LSL $2, R1, R1", "")
	g.opWhy("MOVD w_base+32(FP), R2", "")
	g.opWhy("MOVD ldw+56(FP), R9", "")
	g.opWhy("ADD R9<<2, R2, R3", "")
	g.opWhy("ADD R9<<2, R3, R4", "")
	g.opWhy("MOVD a_base+64(FP), R5", "")
	g.opWhy("MOVD lda+88(FP), R6", "")
	g.opWhy("LSL $2, R6, R6", "")
	g.opWhy("MOVD m+96(FP), R7", "")
	g.opWhy("MOVD k+104(FP), R8", "")
	g.opWhy("CBZ R7, done", "")
	g.label("row")
	for v := 16; v < 28; v++ {
		g.vzero(v)
	}
	g.opWhy("MOVD R5, R9", "")
	g.opWhy("MOVD R2, R10", "")
	g.opWhy("MOVD R3, R11", "")
	g.opWhy("MOVD R4, R12", "")
	g.opWhy("SUBS $16, R8, R13", "")
	g.opWhy("BLT tail4", "")
	g.blank()
	for _, l := range perfNotes["DotF32x3xMNEON"] {
		g.comment(l)
	}
	g.label("loop16")
	g.vld1P(9, "S4", 0, 1, 2, 3)
	for r := range 3 {
		g.vld1P(10+r, "S4", 4+4*r, 5+4*r, 6+4*r, 7+4*r)
	}
	for r := range 3 {
		for j := range 4 {
			g.vfmla(4+4*r+j, j, 16+4*r+j)
		}
	}
	g.opWhy("SUBS $16, R13, R13", "")
	g.opWhy("BGE loop16", "")
	g.label("tail4")
	g.opWhy("ADDS $12, R13, R13", "values left − 4")
	g.opWhy("BLT reduce", "")
	g.label("loop4")
	g.vld1P(9, "S4", 0)
	for r := range 3 {
		g.vld1P(10+r, "S4", 4+4*r)
		g.vfmla(4+4*r, 0, 16+4*r)
	}
	g.opWhy("SUBS $4, R13, R13", "")
	g.opWhy("BGE loop4", "")
	g.label("reduce")
	for r := range 3 {
		a := 16 + 4*r
		g.word(fadd(a, a, a+1))
		g.word(fadd(a+2, a+2, a+3))
		g.word(fadd(a, a, a+2))
		g.word(faddp(a, a, a))
		g.word(faddp(a, a, a))
	}
	g.opWhy("ADDS $4, R13, R13", "0..3 values left")
	g.opWhy("BEQ store", "")
	g.label("loop1")
	g.fmovsP(4, 9, 0)
	for r := range 3 {
		g.fmovsP(4, 10+r, 4)
		a := 16 + 4*r
		g.op(fmt.Sprintf("FMADDS F4, F%d, F0, F%d", a, a), fmt.Sprintf("fmadd s%d, s0, s4, s%d", a, a))
	}
	g.opWhy("SUBS $1, R13, R13", "")
	g.opWhy("BNE loop1", "")
	g.label("store")
	g.opWhy("FMOVS F16, (R0)", "")
	g.opWhy("FMOVS F20, 4(R0)", "")
	g.opWhy("FMOVS F24, 8(R0)", "")
	g.opWhy("ADD R1, R0, R0", "")
	g.opWhy("ADD R6, R5, R5", "")
	g.opWhy("SUBS $1, R7, R7", "")
	g.opWhy("BNE row", "")
	g.label("done")
	g.opWhy("RET", "")
	return g.bytes()
}

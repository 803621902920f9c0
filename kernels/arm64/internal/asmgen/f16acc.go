package asmgen

import "fmt"

// fcvtn narrows n.4S to d.4H (f32 to f16, FPCR rounding: to nearest even
// with Go's default FPCR, and no flushing since FZ is clear).
func fcvtn(d, n int) inst {
	return inst{reg3(0x0E216800, d, n, 0), fmt.Sprintf("fcvtn v%d.4h, v%d.4s", d, n)}
}

// genF16Acc emits MadF16NEON, ScaleF16NEON and WidenF16NEON, the F16
// accumulator steps of package kernels (Impl.MadF16, ScaleF16, WidenF16).
func genF16Acc() []byte {
	g := newBuilder(
		"F16 accumulator steps on float32 slices (plain NEON, every ARMv8.0 core).",
		"FMLA rounds once, like C's fmaf; FCVTN rounds to f16 by FPCR (nearest even,",
		"no flush-to-zero: Go leaves FPCR at 0) and FCVTL widens exactly, so the",
		"round trip is quant.F16ToF32(quant.F32ToF16(x)) bit for bit, f16",
		"subnormals, overflow to Inf and NaN payloads included.")
	genMadF16(g)
	genScaleF16(g)
	genWidenF16(g)
	return g.bytes()
}

// f16Round4 rounds the four float32 of V(v) to f16 and back through V(t).
func f16Round4(g *builder, v, t int) {
	g.word(fcvtn(t, v))
	g.word(fcvtl(v, t))
}

// ld4 and st4P load four vectors of .S4 from (Rn) without moving it, and
// store them advancing Rn by 64.
func ld4(g *builder, rn, v0 int) {
	g.op(fmt.Sprintf("VLD1 (R%d), [V%d.S4, V%d.S4, V%d.S4, V%d.S4]", rn, v0, v0+1, v0+2, v0+3),
		fmt.Sprintf("ld1 {v%d.4s-v%d.4s}, [x%d]", v0, v0+3, rn))
}

func st4P(g *builder, rn, v0 int) {
	g.op(fmt.Sprintf("VST1.P [V%d.S4, V%d.S4, V%d.S4, V%d.S4], 64(R%d)", v0, v0+1, v0+2, v0+3, rn),
		fmt.Sprintf("st1 {v%d.4s-v%d.4s}, [x%d], #64", v0, v0+3, rn))
}

func ld1(g *builder, rn, v int) {
	g.op(fmt.Sprintf("VLD1 (R%d), [V%d.S4]", rn, v), fmt.Sprintf("ld1 {v%d.4s}, [x%d]", v, rn))
}

func st1P(g *builder, rn, v int) {
	g.op(fmt.Sprintf("VST1.P [V%d.S4], 16(R%d)", v, rn), fmt.Sprintf("st1 {v%d.4s}, [x%d], #16", v, rn))
}

// loops16x4x1 emits the loop structure shared by the three kernels over R2
// values: body16 for 16 at a time, body4 for 4, body1 for one.
func loops16x4x1(g *builder, p string, body16, body4, body1 func()) {
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BLT "+p+"tail4", "")
	g.label(p + "loop16")
	body16()
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BGE "+p+"loop16", "")
	g.label(p + "tail4")
	g.opWhy("ADDS $12, R2, R2", "values left − 4")
	g.opWhy("BLT "+p+"tail1", "")
	g.label(p + "loop4")
	body4()
	g.opWhy("SUBS $4, R2, R2", "")
	g.opWhy("BGE "+p+"loop4", "")
	g.label(p + "tail1")
	g.opWhy("ADDS $4, R2, R2", "0..3 values left")
	g.opWhy("BEQ "+p+"done", "")
	g.label(p + "loop1")
	body1()
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE "+p+"loop1", "")
	g.label(p + "done")
	g.opWhy("RET", "")
}

func genMadF16(g *builder) {
	g.blank()
	g.docComment("func MadF16NEON(acc, v []float32, s float32)",
		"",
		"acc[i] = f16(fmaf(v[i], s, acc[i])). Register map:",
		"  R0 acc   R1 v   R2 values left",
		"  V0..V3 acc[i..i+16]   V4..V7 v[i..i+16]   V16..V19 the f16 round trip",
		"  V31 s in every lane")
	g.text("MadF16NEON", "$0-52")
	g.opWhy("MOVD acc_base+0(FP), R0", "")
	g.opWhy("MOVD acc_len+8(FP), R2", "")
	g.opWhy("MOVD v_base+24(FP), R1", "")
	g.opWhy("FMOVS s+48(FP), F31", "")
	g.op("VDUP V31.S[0], V31.S4", "dup v31.4s, v31.s[0]")
	loops16x4x1(g, "mad", func() {
		ld4(g, 0, 0)
		g.vld1P(1, "S4", 4, 5, 6, 7)
		for i := range 4 {
			g.vfmla(31, 4+i, i)
		}
		for i := range 4 {
			f16Round4(g, i, 16+i)
		}
		st4P(g, 0, 0)
	}, func() {
		ld1(g, 0, 0)
		g.vld1P(1, "S4", 4)
		g.vfmla(31, 4, 0)
		f16Round4(g, 0, 16)
		st1P(g, 0, 0)
	}, func() {
		g.op("FMOVS (R0), F0", "ldr s0, [x0]")
		g.fmovsP(4, 1, 4)
		g.op("FMADDS F31, F0, F4, F0", "fmadd s0, s4, s31, s0")
		g.op("FCVTSH F0, F0", "fcvt h0, s0")
		g.op("FCVTHS F0, F0", "fcvt s0, h0")
		g.op("FMOVS.P F0, 4(R0)", "str s0, [x0], #4")
	})
}

func genScaleF16(g *builder) {
	g.blank()
	g.docComment("func ScaleF16NEON(acc []float32, s float32)",
		"",
		"acc[i] = f16(acc[i]·s), the product rounded to float32 first. Register map:",
		"  R0 acc   R2 values left   V0..V3 acc[i..i+16]   V16..V19 the f16 round trip",
		"  V31 s in every lane")
	g.text("ScaleF16NEON", "$0-28")
	g.opWhy("MOVD acc_base+0(FP), R0", "")
	g.opWhy("MOVD acc_len+8(FP), R2", "")
	g.opWhy("FMOVS s+24(FP), F31", "")
	g.op("VDUP V31.S[0], V31.S4", "dup v31.4s, v31.s[0]")
	loops16x4x1(g, "scale", func() {
		ld4(g, 0, 0)
		for i := range 4 {
			g.word(fmul(i, i, 31))
		}
		for i := range 4 {
			f16Round4(g, i, 16+i)
		}
		st4P(g, 0, 0)
	}, func() {
		ld1(g, 0, 0)
		g.word(fmul(0, 0, 31))
		f16Round4(g, 0, 16)
		st1P(g, 0, 0)
	}, func() {
		g.op("FMOVS (R0), F0", "ldr s0, [x0]")
		g.op("FMULS F31, F0, F0", "fmul s0, s0, s31")
		g.op("FCVTSH F0, F0", "fcvt h0, s0")
		g.op("FCVTHS F0, F0", "fcvt s0, h0")
		g.op("FMOVS.P F0, 4(R0)", "str s0, [x0], #4")
	})
}

func genWidenF16(g *builder) {
	g.blank()
	g.docComment("func WidenF16NEON(dst []float32, src []uint16)",
		"",
		"dst[i] = the f16 src[i] as float32, exactly. Register map:",
		"  R0 dst   R1 src   R2 values left   R3 one f16 in the scalar tail",
		"  V0,V1 src[i..i+16]   V4..V7 the same as float32")
	g.text("WidenF16NEON", "$0-48")
	g.opWhy("MOVD dst_base+0(FP), R0", "")
	g.opWhy("MOVD dst_len+8(FP), R2", "")
	g.opWhy("MOVD src_base+24(FP), R1", "")
	loops16x4x1(g, "widen", func() {
		g.vld1P(1, "H8", 0, 1)
		g.word(fcvtl(4, 0))
		g.word(fcvtl2(5, 0))
		g.word(fcvtl(6, 1))
		g.word(fcvtl2(7, 1))
		st4P(g, 0, 4)
	}, func() {
		g.fmovdP(8, 1, 0)
		g.word(fcvtl(4, 0))
		st1P(g, 0, 4)
	}, func() {
		g.movhuP(2, 1, 3)
		g.fmovSW(3, 0)
		g.op("FCVTHS F0, F0", "fcvt s0, h0")
		g.op("FMOVS.P F0, 4(R0)", "str s0, [x0], #4")
	})
}

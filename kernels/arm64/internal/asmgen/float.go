package asmgen

// genFloatDots emits DotF32NEON and DotF16F32NEON: 16 values per iteration
// into four independent FMLA accumulators (an FMLA has 4 cycles of latency,
// so one accumulator would wait on itself), then 4 at a time, then single
// values with a scalar FMADD.
func genFloatDots() []byte {
	g := newBuilder(
		"Float dot products (plain NEON, every ARMv8.0 core): F32·F32 and F16·F32.",
		"Sums are float32 with fused multiply-adds, in a different order from the",
		"Go references; package kernels tests them within (2n+2)·2⁻²⁴·Σ|w_i·x_i|.")
	genDotF32(g)
	genDotF16F32(g)
	return g.bytes()
}

// floatTail emits the shared end of both kernels: fold the four accumulators
// V16..V19 into lane 0 of V16, then the last 0..3 values one at a time
// (load writes the scalar into F0/F4, conv converts it), and return s16.
func floatTail(g *builder, load func()) {
	g.label("reduce")
	g.word(fadd(16, 16, 17))
	g.word(fadd(18, 18, 19))
	g.word(fadd(16, 16, 18))
	g.word(faddp(16, 16, 16))
	g.word(faddp(16, 16, 16))
	g.opWhy("ADDS $4, R2, R2", "0..3 values left")
	g.opWhy("BEQ done", "")
	g.label("loop1")
	load()
	g.op("FMADDS F4, F16, F0, F16", "fmadd s16, s0, s4, s16")
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE loop1", "")
	g.label("done")
	g.opWhy("FMOVS F16, ret+48(FP)", "")
	g.opWhy("RET", "")
}

func genDotF32(g *builder) {
	g.blank()
	g.docComment("func DotF32NEON(a, b []float32) float32",
		"",
		"Σ a[i]·b[i] over len(a) values. Register map:",
		"  R0 a   R1 b   R2 values left",
		"  V0..V3 a[i..i+16]   V4..V7 b[i..i+16]   V16..V19 accumulators")
	g.text("DotF32NEON", "$0-52")
	g.opWhy("MOVD a_base+0(FP), R0", "")
	g.opWhy("MOVD a_len+8(FP), R2", "")
	g.opWhy("MOVD b_base+24(FP), R1", "")
	for v := 16; v < 20; v++ {
		g.vzero(v)
	}
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BLT tail4", "")
	g.blank()
	for _, l := range perfNotes["DotF32NEON"] {
		g.comment(l)
	}
	g.label("loop16")
	g.vld1P(0, "S4", 0, 1, 2, 3)
	g.vld1P(1, "S4", 4, 5, 6, 7)
	for i := range 4 {
		g.vfmla(4+i, i, 16+i)
	}
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BGE loop16", "")
	g.label("tail4")
	g.opWhy("ADDS $12, R2, R2", "values left − 4")
	g.opWhy("BLT reduce", "")
	g.label("loop4")
	g.vld1P(0, "S4", 0)
	g.vld1P(1, "S4", 4)
	g.vfmla(4, 0, 16)
	g.opWhy("SUBS $4, R2, R2", "")
	g.opWhy("BGE loop4", "")
	floatTail(g, func() {
		g.fmovsP(4, 0, 0)
		g.fmovsP(4, 1, 4)
	})
}

func genDotF16F32(g *builder) {
	g.blank()
	g.docComment("func DotF16F32NEON(w []uint16, x []float32) float32",
		"",
		"Σ f16(w[i])·x[i] over len(w) values. FCVTL/FCVTL2 widen the f16 weights",
		"exactly (subnormals and infinities included; NaNs come back quiet). Register map:",
		"  R0 w   R1 x   R2 values left   R3 one f16 in the scalar tail",
		"  V0,V1 w[i..i+16] (f16)   V2,V3,V8,V9 the same as f32   V4..V7 x[i..i+16]",
		"  V16..V19 accumulators")
	g.text("DotF16F32NEON", "$0-52")
	g.opWhy("MOVD w_base+0(FP), R0", "")
	g.opWhy("MOVD w_len+8(FP), R2", "")
	g.opWhy("MOVD x_base+24(FP), R1", "")
	for v := 16; v < 20; v++ {
		g.vzero(v)
	}
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BLT tail4", "")
	g.blank()
	for _, l := range perfNotes["DotF16F32NEON"] {
		g.comment(l)
	}
	g.label("loop16")
	g.vld1P(0, "H8", 0, 1)
	g.vld1P(1, "S4", 4, 5, 6, 7)
	g.word(fcvtl(2, 0))
	g.word(fcvtl2(3, 0))
	g.word(fcvtl(8, 1))
	g.word(fcvtl2(9, 1))
	g.vfmla(4, 2, 16)
	g.vfmla(5, 3, 17)
	g.vfmla(6, 8, 18)
	g.vfmla(7, 9, 19)
	g.opWhy("SUBS $16, R2, R2", "")
	g.opWhy("BGE loop16", "")
	g.label("tail4")
	g.opWhy("ADDS $12, R2, R2", "values left − 4")
	g.opWhy("BLT reduce", "")
	g.label("loop4")
	g.fmovdP(8, 0, 0)
	g.vld1P(1, "S4", 4)
	g.word(fcvtl(2, 0))
	g.vfmla(4, 2, 16)
	g.opWhy("SUBS $4, R2, R2", "")
	g.opWhy("BGE loop4", "")
	floatTail(g, func() {
		g.movhuP(2, 0, 3)
		g.fmovSW(3, 0)
		g.op("FCVTHS F0, F0", "fcvt s0, h0")
		g.fmovsP(4, 1, 4)
	})
}

package asmgen

// genQuantize emits QuantizeQ8_0NEON, the activation quantizer that must give
// the bytes of quant.QuantizeQ8_0Act (llama.cpp's x86 rounding) exactly:
//
//	amax = max |x_j|           d = f16(amax/127)        id = 127/amax (0 if amax = 0)
//	q_j  = round-half-even(float32(x_j·id)), saturated to int8
//
// FDIV, FCVT (s→h, round to nearest even, subnormals kept with Linux's
// default FPCR), FMUL (not fused) and FCVTNS (ties to even) are the same
// IEEE operations the reference performs. Where the two ISAs differ is only
// for NaN and ±Inf: x86's CVTPS2DQ turns them into INT_MIN (q = −128), FCVTNS
// into 0 or ±INT_MAX, and MAXPS drops or keeps a NaN depending on its operand
// position where FMAX always keeps it. So the kernel stops before the first
// block whose maximum is not finite (any NaN or Inf in it) or whose 127/amax
// overflows (amax below ~3.7e-37), and returns how many blocks it wrote;
// the Go caller quantizes that block with the reference and calls again.
func genQuantize() []byte {
	g := newBuilder("Activation quantizer to Q8_0 blocks (plain NEON).")
	g.blank()
	g.docComment("func QuantizeQ8_0NEON(dst []byte, x []float32) (done int)",
		"",
		"Quantizes len(x)/32 blocks of x into dst (34 bytes each) until it meets a",
		"block it must leave to the reference (see quant_arm64.go); returns the number",
		"of blocks written. Register map:",
		"  R0 dst   R1 x   R2 blocks left   R3 blocks done   R4 amax bits   R5 0x7f800000 (+Inf)",
		"  R6 f16 scale bits   R7 id bits",
		"  V0..V7 32 values, then x·id, then int32 quants   V8..V15 |x|, max tree, then int16/int8 quants",
		"  F16 amax   F17 d = amax/127   F18 id = 127/amax   F19 f16(d)   F20 127.0   F21 0.0")
	g.text("QuantizeQ8_0NEON", "$0-56")
	g.opWhy("MOVD dst_base+0(FP), R0", "")
	g.opWhy("MOVD x_base+24(FP), R1", "")
	g.opWhy("MOVD x_len+32(FP), R2", "")
	g.opWhy("LSR $5, R2, R2", "blocks")
	g.opWhy("MOVD ZR, R3", "")
	g.opWhy("MOVW $0x7f800000, R5", "")
	g.opWhy("MOVW $0x42fe0000, R4", "127.0")
	g.fmovSW(4, 20)
	g.vzero(21)
	g.opWhy("CBZ R2, done", "")
	g.blank()
	g.comment("Per block: 2 loads, 8 FABS + 8 FMAX/FMAXV, 2 FDIV, 8 FMUL, 8 FCVTNS,",
		"12 SQXTN, 1 store, plus scalar checks (the divisions dominate the latency).")
	for _, l := range perfNotes["QuantizeQ8_0NEON"] {
		g.comment(l)
	}
	g.label("loop")
	g.vld1P(1, "S4", 0, 1, 2, 3)
	g.vld1P(1, "S4", 4, 5, 6, 7)
	for i := range 8 {
		g.word(fabs(8+i, i))
	}
	g.word(fmax(8, 8, 9))
	g.word(fmax(10, 10, 11))
	g.word(fmax(12, 12, 13))
	g.word(fmax(14, 14, 15))
	g.word(fmax(8, 8, 10))
	g.word(fmax(12, 12, 14))
	g.word(fmax(8, 8, 12))
	g.word(fmaxv(16, 8))
	g.comment("amax ≥ +Inf as bits (FMAX keeps NaNs, FABS cleared their sign): leave it to Go.")
	g.op("FMOVS F16, R4", "fmov w4, s16")
	g.op("CMPW R5, R4", "cmp w4, w5")
	g.opWhy("BHS done", "")
	g.op("FDIVS F20, F16, F17", "fdiv s17, s16, s20")
	g.op("FDIVS F16, F20, F18", "fdiv s18, s20, s16")
	g.op("FCMPS $(0.0), F16", "fcmp s16, #0.0")
	g.op("FCSELS EQ, F21, F18, F18", "fcsel s18, s21, s18, eq")
	g.op("FMOVS F18, R7", "fmov w7, s18")
	g.op("CMPW R5, R7", "cmp w7, w5")
	g.opWhy("BHS done", "127/amax overflowed: x·id would be ±Inf or NaN")
	g.op("FCVTSH F17, F19", "fcvt h19, s17")
	g.op("FMOVS F19, R6", "fmov w6, s19")
	g.op("MOVH.P R6, 2(R0)", "strh w6, [x0], #2")
	for i := range 8 {
		g.word(fmulElem(i, i, 18, 0))
	}
	for i := range 8 {
		g.word(fcvtns(i, i))
	}
	for i := range 4 {
		g.word(sqxtnH(8+i, 2*i))
		g.word(sqxtn2H(8+i, 2*i+1))
	}
	g.word(sqxtnB(12, 8))
	g.word(sqxtn2B(12, 9))
	g.word(sqxtnB(13, 10))
	g.word(sqxtn2B(13, 11))
	g.vst1P2(0, "B16", 12, 13)
	g.opWhy("ADD $1, R3, R3", "")
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE loop", "")
	g.label("done")
	g.opWhy("MOVD R3, done+48(FP)", "")
	g.opWhy("RET", "")
	return g.bytes()
}

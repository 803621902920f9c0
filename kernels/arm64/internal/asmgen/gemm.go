package asmgen

import "fmt"

// gemmNotes are the measured costs put above the hot loop of each MatMul
// micro-kernel (the same tools and conventions as perfNotes). Per block means
// per 32 values of one (activation row, weight row) pair.
var gemmNotes = map[string][]string{
	"DotQ4_0Q8_0x4x2DotProd": {
		"Hot loop: 2 blocks × 2 activation rows × 4 weight rows per iteration, 126",
		"instructions = 7.88 per block per (activation row, weight row) (7.92 with the",
		"call, 100 calls × 128 blocks × 1 pair). llvm-mca neoverse-n1: 46.1 cycles per",
		"iteration, 2.88 per block per pair. DotQ4_0Q8_0x4DotProd: 10.94 / 3.69.",
	},
	"DotQ8_0Q8_0x4x2DotProd": {
		"Hot loop: 2 blocks × 2 activation rows × 4 weight rows per iteration, 102",
		"instructions = 6.38 per block per (activation row, weight row) (6.42 with the",
		"call). llvm-mca neoverse-n1: 36.1 cycles per iteration, 2.25 per block per pair,",
		"bound by the two vector pipes (68 µops: 32 SDOT, 12 ADDP, 4 each of SUB, FMOV,",
		"FCVTL, FMUL, SCVTF, FMLA). DotQ8_0Q8_0x4DotProd: 7.94 / 2.44.",
	},
	"DotQ4_0Q8_0x4x2NEON": {
		"Hot loop: 2 blocks × 2 activation rows × 4 weight rows per iteration, 182",
		"instructions = 11.38 per block per (activation row, weight row) (11.42 with the",
		"call). llvm-mca cortex-a57: 92.2 cycles per iteration, 5.76 per block per pair",
		"(neoverse-n1: 5.59). DotQ4_0Q8_0x4NEON: 14.94 / 7.25.",
	},
	"DotQ8_0Q8_0x4x2NEON": {
		"Hot loop: 2 blocks × 2 activation rows × 4 weight rows per iteration, 198",
		"instructions = 12.38 per block per (activation row, weight row) (12.42 with the",
		"call). llvm-mca cortex-a57: 95.2 cycles per iteration, 5.95 per block per pair",
		"(neoverse-n1: 5.66). DotQ8_0Q8_0x4NEON: 13.94 / 6.81.",
	},
}

// x4x2Name returns the name of the two-activation-row micro-kernel of k.
func (k qdot) x4x2Name() string {
	s := "DotQ8_0Q8_0x4x2"
	if k.q4 {
		s = "DotQ4_0Q8_0x4x2"
	}
	if k.dotprod {
		return s + "DotProd"
	}
	return s + "NEON"
}

// genX4x2 emits a MatMul micro-kernel (SDOT or plain NEON): two activation rows
// × four weight rows per pass, every weight block loaded (and, for Q4_0,
// unpacked) once for both activation rows and every activation block once for
// the four weight rows. Each output follows the float sequence of the x4
// kernel (genX4) exactly: exact int32 block sums, scaled by d_w·d_a (one
// FMUL by element of the converted f16 scales) and added with one FMLA per
// block into an even or an odd accumulator — blocks 0, 2 of every group of
// four into the even one, 1, 3 into the odd one, the last nb%4 blocks into
// the even one — which are added (even + odd) at the end. The int32 sums use
// genX4's running totals per activation row (R − R_previous), in 2-block
// iterations so that R and R_previous swap registers without a move.
func (k qdot) genX4x2(g *builder) {
	name := k.x4x2Name()
	fmtW := "Q8_0"
	if k.q4 {
		fmtW = "Q4_0"
	}
	g.blank()
	g.docComment(fmt.Sprintf("func %s(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)", name), "")
	g.docComment("For each of pairs pairs of activation rows (rows 2p, 2p+1 of a, nb Q8_0 blocks each,",
		fmt.Sprintf("one after the other) sets out[i·ldo+r], r < 4, to what %s gives", k.name()),
		fmt.Sprintf("for activation row i against the four %s rows at w + r·stride, bit for bit.", fmtW),
		"Register map:",
		"  R0 out row of the pair   R1..R4 weight rows 0..3 (advance one block per block)",
		"  R5, R14 activation rows 2p, 2p+1   R6 iterations left   R7 stride   R15 pairs left",
		"  R8..R11 f16 weight scales of rows 0..3   R12, R13 f16 activation scales of rows 2p, 2p+1",
		"  R19 weight rows' start   R20 nb   R21 scratch   R22 ldo·4   R23 bytes per activation row",
		x4x2WRegs(k),
		"  V8,V9 / V10,V11 activation quants 0..15, 16..31 of rows 2p / 2p+1; after the SDOTs",
		"        V8,V9 ADDP scratch and V10, V11 the block sums of rows 2p, 2p+1",
		"  V12..V15 / V16..V19 running int32 partial sums T of rows 2p / 2p+1 × weight rows 0..3",
		"  V20,V21 / V22,V23 running row totals R of rows 2p / 2p+1 (after even / odd blocks)",
		"  V24,V25 / V26,V27 float32 accumulators (lane r = weight row r) of rows 2p / 2p+1,",
		"        even and odd blocks",
		"  V28 weight scales (f16, then f32)   V29 activation scales of rows 2p, 2p+1 in lanes 0, 1;",
		"        before them (plain NEON) int16 product scratch",
		"  V30,V31 "+k.unpackRegs())
	g.text(name, "$0-104")
	g.opWhy("MOVD out_base+0(FP), R0", "")
	g.opWhy("MOVD ldo+24(FP), R22", "")
	g.opWhy("LSL $2, R22, R22", "ldo in bytes")
	g.opWhy("MOVD w_base+32(FP), R19", "")
	g.opWhy("MOVD stride+56(FP), R7", "")
	g.opWhy("MOVD a_base+64(FP), R5", "")
	g.opWhy("MOVD pairs+88(FP), R15", "")
	g.opWhy("MOVD nb+96(FP), R20", "")
	g.opWhy("MOVD $34, R21", "")
	g.opWhy("MUL R21, R20, R23", "bytes per activation row")
	k.consts(g)
	g.opWhy("CBZ R15, done", "")
	g.label("pair")
	g.opWhy("MOVD R19, R1", "")
	g.opWhy("ADD R7, R1, R2", "row 1")
	g.opWhy("ADD R7, R2, R3", "row 2")
	g.opWhy("ADD R7, R3, R4", "row 3")
	g.opWhy("ADD R23, R5, R14", "activation row 2p+1")
	for _, v := range []int{12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 26, 27} {
		g.vzero(v)
	}
	pairBlockLoops(g, gemmNotes[name], func(b int) { k.x4x2Block(g, b) }, func() {
		g.vmov(20, 21)
		g.vmov(22, 23)
	})
	g.word(fadd(24, 24, 25))
	g.word(fadd(26, 26, 27))
	g.vst1(24, "S4", 0)
	g.opWhy("ADD R22, R0, R21", "")
	g.vst1(26, "S4", 21)
	g.opWhy("ADD R22<<1, R0, R0", "next pair's output rows")
	g.opWhy("MOVD R14, R5", "next pair's activations follow row 2p+1")
	g.opWhy("SUBS $1, R15, R15", "")
	g.opWhy("BNE pair", "")
	g.label("done")
	g.opWhy("RET", "")
}

func x4x2WRegs(k qdot) string {
	if k.q4 {
		return "  V0..V3 Q4_0 nibbles of weight rows 0..3 (then high nibbles ×16)   V4..V7 low nibbles ×16"
	}
	return "  V0..V7 Q8_0 weight quants, row r in V2r (0..15), V2r+1 (16..31)"
}

// x4x2Block emits one block of genX4x2: b = 0 for an even block (totals
// into V20/V22, accumulators V24/V26), 1 for an odd one (V21/V23,
// V25/V27). The tail loop uses b = 0 and copies the totals afterwards. The
// scales wait in general registers until the integer work is done, so that
// V28, V29 serve the plain NEON path as product scratch meanwhile.
func (k qdot) x4x2Block(g *builder, b int) {
	g.comment("Scales and quants of weight rows 0..3, then of the two activation rows.")
	for r := range 4 {
		g.movhuP(2, 1+r, 8+r)
		if k.q4 {
			k.loadW(g, 1+r, r, 0)
		} else {
			k.loadW(g, 1+r, 2*r, 2*r+1)
		}
	}
	g.movhuP(2, 5, 12)
	g.vld1P(5, "B16", 8, 9)
	g.movhuP(2, 14, 13)
	g.vld1P(14, "B16", 10, 11)
	switch {
	case k.q4 && k.dotprod:
		g.comment("Unpack each weight row once for both activation rows, as genX4: x = b^0x88,",
			"x<<4 the low nibble ×16 (V4+r), x&0xF0 the high one ×16 (Vr).")
		for r := range 4 {
			g.veor(30, r, r)
		}
		for r := range 4 {
			g.vshlB(4, r, 4+r)
		}
		for r := range 4 {
			g.vand(31, r, r)
		}
	case k.q4:
		g.comment("Unpack each weight row once for both activation rows, as genX4: signed q−8,",
			"low nibbles in V4+r, high nibbles in Vr.")
		for r := range 4 {
			g.vand(31, r, 4+r)
		}
		for r := range 4 {
			g.vushrB(4, r, r)
		}
		for r := range 4 {
			g.vsub("B16", 30, 4+r, 4+r)
		}
		for r := range 4 {
			g.vsub("B16", 30, r, r)
		}
	}
	g.comment("Each weight row against both activation rows (T of row i, weight row r: V12+4i+r).")
	// Low and high halves of the weights: the registers that meet
	// activation values 0..15 and 16..31.
	lo := func(r int) int {
		if k.q4 {
			return 4 + r
		}
		return 2 * r
	}
	hi := func(r int) int {
		if k.q4 {
			return r
		}
		return 2*r + 1
	}
	if k.dotprod {
		for half := range 2 {
			for i := range 2 {
				for r := range 4 {
					w := lo(r)
					if half == 1 {
						w = hi(r)
					}
					g.word(sdot(12+4*i+r, w, 8+2*i+half))
				}
			}
		}
	} else {
		for i := range 2 {
			for r := range 4 {
				t, aLo, aHi := 12+4*i+r, 8+2*i, 9+2*i
				if k.q4 {
					// Four int8 products per int16 lane, |Σ| ≤ 4096 (genX4).
					tmp := 28 + r%2
					g.word(smull(tmp, lo(r), aLo))
					g.word(smlal2(tmp, lo(r), aLo))
					g.word(smlal(tmp, hi(r), aHi))
					g.word(smlal2(tmp, hi(r), aHi))
					g.word(sadalp(t, tmp))
					continue
				}
				// One int16 product per lane before SADALP (genX4).
				g.word(smull(28, lo(r), aLo))
				g.word(smull2(29, lo(r), aLo))
				g.word(sadalp(t, 28))
				g.word(sadalp(t, 29))
				g.word(smull(28, hi(r), aHi))
				g.word(smull2(29, hi(r), aHi))
				g.word(sadalp(t, 28))
				g.word(sadalp(t, 29))
			}
		}
	}
	combineScales(g, 8, 28)
	g.bfi(16, 13, 16, 12)
	g.fmovSW(12, 29)
	g.comment("Row totals R (lane r = weight row r) and the block sums R − R_previous.")
	for i := range 2 {
		t := 12 + 4*i
		cur, prev := 20+2*i+b, 20+2*i+1-b
		g.vaddp("S4", t+1, t, 8)
		g.vaddp("S4", t+3, t+2, 9)
		g.vaddp("S4", 9, 8, cur)
		g.vsub("S4", prev, cur, 10+i)
	}
	g.comment("d_w(r)·d_a(i), then acc += sum·d, as genX4.")
	g.word(fcvtl(28, 28))
	g.word(fcvtl(29, 29))
	g.word(fmulElem(0, 28, 29, 0))
	g.word(fmulElem(1, 28, 29, 1))
	k.scvtf(g, 10)
	k.scvtf(g, 11)
	g.vfmla(0, 10, 24+b)
	g.vfmla(1, 11, 26+b)
}

// pairBlockLoops emits the block loops of the MatMul micro-kernels (nb in
// R20, R6 the counter, labels loop2, tail, loop1, fin): iterations of two
// blocks, block(0) into the even accumulators and block(1) into the odd
// ones, over the first nb − nb%4 blocks, then the last nb%4 blocks one at a
// time into the even accumulators, each followed by tailStep (the register
// moves the one-block loop needs; nil for none). This is the float order of
// the x4 kernels, which the micro-kernels must reproduce bit for bit. notes
// go above the hot loop; the code after it starts at label fin.
func pairBlockLoops(g *builder, notes []string, block func(b int), tailStep func()) {
	g.opWhy("LSR $2, R20, R6", "")
	g.opWhy("LSL $1, R6, R6", "2-block iterations over the first nb − nb%4 blocks")
	g.opWhy("CBZ R6, tail", "")
	g.blank()
	for _, l := range notes {
		g.comment(l)
	}
	g.label("loop2")
	block(0)
	g.quiet = true
	block(1)
	g.quiet = false
	g.opWhy("SUBS $1, R6, R6", "")
	g.opWhy("BNE loop2", "")
	g.blank()
	g.label("tail")
	g.opWhy("AND $3, R20, R6", "the last nb%4 blocks, into the even accumulators")
	g.opWhy("CBZ R6, fin", "")
	g.label("loop1")
	g.quiet = true
	block(0)
	g.quiet = false
	if tailStep != nil {
		tailStep()
	}
	g.opWhy("SUBS $1, R6, R6", "")
	g.opWhy("BNE loop1", "")
	g.blank()
	g.label("fin")
}

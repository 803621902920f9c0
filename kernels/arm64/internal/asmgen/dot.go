package asmgen

import "fmt"

// qdot describes one quantized dot kernel: Q4_0 or Q8_0 weights against Q8_0
// activations, four rows or one, SDOT or plain NEON.
type qdot struct {
	q4      bool // Q4_0 weights (else Q8_0)
	dotprod bool // SDOT path (else SMULL/SADALP)
	rows    int  // 4 or 1
}

func (k qdot) name() string {
	s := "DotQ8_0Q8_0"
	if k.q4 {
		s = "DotQ4_0Q8_0"
	}
	if k.rows == 4 {
		s += "x4"
	}
	if k.dotprod {
		return s + "DotProd"
	}
	return s + "NEON"
}

// wBlock is the size of one weight block in bytes.
func (k qdot) wBlock() int {
	if k.q4 {
		return 18
	}
	return 34
}

// fbits is the fixed-point shift SCVTF applies to the int32 block sums: the
// SDOT Q4_0 path multiplies every weight by 16 (see unpack), the others are
// exact integers.
func (k qdot) fbits() int {
	if k.q4 && k.dotprod {
		return 4
	}
	return 0
}

// perfNotes are the measured costs put above each hot loop, keyed by kernel;
// doc.go gives the commands. "instr" are executed instructions counted with
// ../shared/tools/qemu-icount (100 calls × 128 blocks; the first figure is the
// loop body, the second the whole call), "cycles" llvm-mca-19 estimates for
// the loop as objdump disassembles it from the test binary: -mcpu=neoverse-n1
// (Cortex-A76's server twin) for SDOT, -mcpu=cortex-a57 (LLVM's model for the
// A72) for plain NEON. Per block means per 32 values of one row.
var perfNotes = map[string][]string{
	"DotQ4_0Q8_0x4DotProd": {
		"Hot loop: 4 blocks × 4 rows per iteration, 175 instructions = 10.94 per block",
		"per row (10.98 with the call). llvm-mca neoverse-n1: 59.0 cycles per iteration,",
		"3.69 per block per row, bound by the two vector pipes (118 µop-cycles: 32 SDOT,",
		"48 unpack, 16 ADDP/SUB, 10 FCVTL, 12 SCVTF/FMUL/FMLA). llama.cpp: 8.5 instr /",
		"3.13 cycles with its offline-repacked 4×4 layout, 21 / 7.0 row by row.",
	},
	"DotQ8_0Q8_0x4DotProd": {
		"Hot loop: 4 blocks × 4 rows per iteration, 127 instructions = 7.94 per block",
		"per row (7.98 with the call). llvm-mca neoverse-n1: 39.0 cycles per iteration,",
		"2.44 per block per row. llama.cpp: 6.5 / 2.26 repacked, 18 / 5.0 row by row.",
	},
	"DotQ4_0Q8_0DotProd": {
		"Hot loop: 4 blocks per iteration, 56 instructions = 14.0 per block (14.16",
		"with the call). llvm-mca neoverse-n1: 16.0 cycles per iteration, 4.0 per",
		"block. llama.cpp's vec_dot: 21 instr / 7.0 cycles.",
	},
	"DotQ8_0Q8_0DotProd": {
		"Hot loop: 4 blocks per iteration, 44 instructions = 11.0 per block (11.15",
		"with the call). llvm-mca neoverse-n1: 12.7 cycles per iteration, 3.17 per",
		"block. llama.cpp's vec_dot: 18 instr / 5.0 cycles.",
	},
	"DotQ4_0Q8_0x4NEON": {
		"Hot loop: 4 blocks × 4 rows per iteration, 239 instructions = 14.94 per block",
		"per row (14.98 with the call). llvm-mca cortex-a57 (A72 proxy): 116.0 cycles",
		"per iteration, 7.25 per block per row (neoverse-n1: 6.06). llama.cpp's",
		"ARMv8.0 vec_dot: 29 instr / 12.0 cycles.",
	},
	"DotQ8_0Q8_0x4NEON": {
		"Hot loop: 4 blocks × 4 rows per iteration, 223 instructions = 13.94 per block",
		"per row (13.98 with the call). llvm-mca cortex-a57: 109.0 cycles per",
		"iteration, 6.81 per block per row (neoverse-n1: 5.88). llama.cpp: 26 / 10.5.",
	},
	"DotQ4_0Q8_0NEON": {
		"Hot loop: 4 blocks per iteration, 72 instructions = 18.0 per block (18.16",
		"with the call). llvm-mca cortex-a57: 38.0 cycles per iteration, 9.51 per",
		"block (neoverse-n1: 7.59). llama.cpp: 29 instr / 12.0 cycles.",
	},
	"DotQ8_0Q8_0NEON": {
		"Hot loop: 4 blocks per iteration, 68 instructions = 17.0 per block (17.15",
		"with the call). llvm-mca cortex-a57: 36.0 cycles per iteration, 9.01 per",
		"block (neoverse-n1: 6.63). llama.cpp: 26 instr / 10.5 cycles.",
	},
	"DotF32NEON": {
		"Hot loop: 16 values per iteration, 8 instructions (16.15 per 32 values with",
		"the call, n = 4096). llvm-mca: 4.0 cycles per iteration on neoverse-n1,",
		"8.0 on cortex-a57.",
	},
	// The F32 micro-kernel and the vector math: 100 calls over 4096 values
	// (BenchmarkDotF32x3xMNEON and the others in mathf_arm64_test.go).
	"DotF32x3xMNEON": {
		"Hot loop: 16 values × 3 weight rows per iteration, 18 instructions (12.15 per 32",
		"values and row with the call, k = 4096; DotF32NEON takes 16.15). llvm-mca: 8.1",
		"cycles per iteration on neoverse-n1 (16 vector loads; DotF32NEON: 12.0 for",
		"three rows), 16.1 on cortex-a57 (24.0).",
	},
	"ExpF32NEON": {
		"Hot loop: 8 values (two interleaved streams of 4) per iteration, 60 instructions",
		"(7.50 per value with the call, n = 4096). llvm-mca: 31.1 cycles per iteration on",
		"neoverse-n1, 52.3 on cortex-a57.",
	},
	"GELUTanhF32NEON": {
		"Hot loop: 8 values per iteration, 72 instructions (9.00 per value with the call,",
		"n = 4096). llvm-mca: 44.1 cycles per iteration on neoverse-n1 (two FDIVs), 97.9",
		"on cortex-a57.",
	},
	"ScaleMaxF32NEON": {
		"Hot loop: 4 values per iteration, 6 instructions (1.50 per value with the call,",
		"n = 4096).",
	},
	"ExpSumF32NEON": {
		"Hot loop: 8 values per iteration, 64 instructions (8.00 per value with the call,",
		"n = 4096). llvm-mca: 33.1 cycles per iteration on neoverse-n1, 62.0 on",
		"cortex-a57.",
	},
	"DotF16F32NEON": {
		"Hot loop: 16 values per iteration, 12 instructions (24.15 per 32 values with",
		"the call, n = 4096). llvm-mca: 8.0 cycles per iteration on neoverse-n1 (the",
		"four FCVTL take 2 cycles each on V0), 10.0 on cortex-a57.",
	},
	"QuantizeQ8_0NEON": {
		"Hot loop: one block per iteration, 63 instructions (63.1 per block with the",
		"call). llvm-mca: 40.0 cycles per block on neoverse-n1, 60.6 on cortex-a57.",
		"llama.cpp's quantize_row_q8_0: 124 instr / 62 cycles (neoverse-n1).",
	},
}

// unit is one 32-value dot of a weight block with an activation block: the
// vector registers holding the weights (w0 = raw Q4_0 nibbles or Q8_0 values
// 0..15, w1 = Q4_0 low-nibble scratch or Q8_0 values 16..31), the activation
// halves, the int32 accumulator and a product scratch register (NEON).
type unit struct {
	w0, w1, aLo, aHi, acc, tmp int
}

// intDot emits the integer part for several units, each adding its exact block
// sum to acc. Instructions are grouped by kind across units, so independent
// work sits next to each other.
func (k qdot) intDot(g *builder, us []unit) {
	switch {
	case k.q4 && k.dotprod:
		g.comment("Unpack: x = b^0x88 makes each nibble q into q−8 as a 4-bit two's-complement",
			"number; x<<4 puts the low one in the top bits (value ×16, signed) and x&0xF0",
			"keeps the high one (×16). SDOT then needs no −8 correction; SCVTF #4 undoes ×16.")
		for _, u := range us {
			g.veor(30, u.w0, u.w0)
		}
		for _, u := range us {
			g.vshlB(4, u.w0, u.w1)
		}
		for _, u := range us {
			g.vand(31, u.w0, u.w0)
		}
		for _, u := range us {
			g.word(sdot(u.acc, u.w1, u.aLo))
		}
		for _, u := range us {
			g.word(sdot(u.acc, u.w0, u.aHi))
		}
	case k.q4:
		g.comment("Unpack to signed bytes q−8 in [−8,7]: low nibbles (&0x0F) pair with",
			"activations 0..15, high nibbles (>>4) with 16..31.")
		for _, u := range us {
			g.vand(31, u.w0, u.w1)
		}
		for _, u := range us {
			g.vushrB(4, u.w0, u.w0)
		}
		for _, u := range us {
			g.vsub("B16", 30, u.w1, u.w1)
		}
		for _, u := range us {
			g.vsub("B16", 30, u.w0, u.w0)
		}
		g.comment("Four int8 products per int16 lane, |Σ| ≤ 4·8·128 = 4096: SMLAL cannot",
			"overflow, whatever the activations. SADALP adds lane pairs into the int32 sums.")
		for _, u := range us {
			g.word(smull(u.tmp, u.w1, u.aLo))
			g.word(smlal2(u.tmp, u.w1, u.aLo))
			g.word(smlal(u.tmp, u.w0, u.aHi))
			g.word(smlal2(u.tmp, u.w0, u.aHi))
			g.word(sadalp(u.acc, u.tmp))
		}
	case k.dotprod:
		for _, u := range us {
			g.word(sdot(u.acc, u.w0, u.aLo))
		}
		for _, u := range us {
			g.word(sdot(u.acc, u.w1, u.aHi))
		}
	default:
		g.comment("One int16 product per lane before SADALP: (−128)·(−128) = 16384 twice",
			"would overflow an SMLAL accumulation, and −128 is a legal Q8_0 weight.")
		for _, u := range us {
			t2 := u.tmp ^ 1 // alternate V8/V9 so consecutive products do not share a register
			g.word(smull(u.tmp, u.w0, u.aLo))
			g.word(smull2(t2, u.w0, u.aLo))
			g.word(sadalp(u.acc, u.tmp))
			g.word(sadalp(u.acc, t2))
			g.word(smull(u.tmp, u.w1, u.aHi))
			g.word(smull2(t2, u.w1, u.aHi))
			g.word(sadalp(u.acc, u.tmp))
			g.word(sadalp(u.acc, t2))
		}
	}
}

// loadW emits the load of one weight block's quants (after its scale) from
// pointer register rn into w0 (Q4_0: 16 bytes) or w0,w1 (Q8_0: 32 bytes).
func (k qdot) loadW(g *builder, rn, w0, w1 int) {
	if k.q4 {
		g.fmovqP(16, rn, w0)
		return
	}
	g.vld1P(rn, "B16", w0, w1)
}

// scvtf emits the int32 → float32 conversion of the block sums in v.
func (k qdot) scvtf(g *builder, v int) {
	if f := k.fbits(); f > 0 {
		g.word(scvtfFix(v, v, f))
		return
	}
	g.word(scvtf(v, v))
}

// combineScales emits the packing of four f16 scale bit patterns in
// r0..r0+3 into one 64-bit register and moves it to the low half of vd.
func combineScales(g *builder, r0, vd int) {
	g.bfi(16, r0+1, 16, r0)
	g.bfi(32, r0+2, 16, r0)
	g.bfi(48, r0+3, 16, r0)
	g.fmovDX(r0, vd)
}

func (k qdot) consts(g *builder) {
	switch {
	case k.q4 && k.dotprod:
		g.vmoviB(0x88, 30)
		g.vmoviB(0xF0, 31)
	case k.q4:
		g.vmoviB(8, 30)
		g.vmoviB(0x0F, 31)
	}
}

func (k qdot) unpackRegs() string {
	switch {
	case k.q4 && k.dotprod:
		return "0x88, 0xF0 (nibble unpack masks)"
	case k.q4:
		return "8, 0x0F (nibble unpack constants)"
	}
	return "unused"
}

// genX4 emits a four-row kernel.
//
// Rows are read in ggml's row-major layout; one activation load feeds all four.
// Each row r keeps a running int32 vector T_r (four partial sums, never reset).
// Three ADDPs fold T_0..T_3 into R = (ΣT_0, ΣT_1, ΣT_2, ΣT_3), the running row
// totals, and the block's exact sums are R − R_previous: wrap-around int32
// arithmetic is exact for a difference that fits in int32. This costs one
// SUB per block instead of zeroing four accumulators. The four rows' f16
// scales are gathered in a general register (LDRH + BFI) and converted by one
// FCVTL; lane inserts (LD1 {v.h}[i]) would chain each load on the last.
func (k qdot) genX4(g *builder) {
	name := k.name()
	g.blank()
	g.docComment(fmt.Sprintf("func %s(out *[4]float32, w []byte, stride int, a []byte, nb int)", name), "")
	fmtW := "Q8_0"
	if k.q4 {
		fmtW = "Q4_0"
	}
	g.docComment(fmt.Sprintf("Four %s rows (at w, w+stride, w+2·stride, w+3·stride) · the Q8_0 activations a,", fmtW),
		"nb blocks each. Register map:",
		"  R0 out            R1..R4 weight rows 0..3 (advance one block per block)",
		"  R5 activations    R6 blocks left   R7 stride",
		"  R8..R11 f16 weight scales of rows 0..3   R12..R15 f16 activation scales of blocks 0..3",
		wRegs(k, true),
		"  V20,V21 activation quants 0..15, 16..31",
		"  V24..V27 T_0..T_3: running int32 partial sums per row (4 lanes each)",
		"  V8,V9 ADDP/product scratch   V10,V11 running row totals R after even/odd blocks",
		"  V14..V17 block sums of blocks 0..3 (int32, then float32)",
		"  V18,V19,V22,V23 weight scales of blocks 0..3 (f16, then f32 ×d_a)   V12 activation scales",
		"  V28,V29 float32 accumulators (lane r = row r)   V30,V31 "+k.unpackRegs(),
		"",
		"Rows stay in ggml's row-major layout; one activation load feeds all four. Each",
		"row keeps a running int32 vector T_r that is never reset: three ADDPs fold",
		"T_0..T_3 into R = (ΣT_0, ΣT_1, ΣT_2, ΣT_3), the running row totals, and a",
		"block's exact sums are R − R_previous (wrap-around int32 is exact for a",
		"difference that fits): one SUB per block instead of zeroing four vectors. The",
		"rows' f16 scales are gathered in a general register (LDRH, BFI, FMOV) so that",
		"one FCVTL converts four: lane inserts (LD1 {v.h}[i]) would chain every load on",
		"the previous one and cost a vector µop each.")
	g.text(name, "$0-72")
	g.opWhy("MOVD out+0(FP), R0", "")
	g.opWhy("MOVD w_base+8(FP), R1", "")
	g.opWhy("MOVD stride+32(FP), R7", "")
	g.opWhy("MOVD a_base+40(FP), R5", "")
	g.opWhy("MOVD nb+64(FP), R6", "")
	g.opWhy("ADD R7, R1, R2", "row 1")
	g.opWhy("ADD R7, R2, R3", "row 2")
	g.opWhy("ADD R7, R3, R4", "row 3")
	k.consts(g)
	for _, v := range []int{24, 25, 26, 27, 11, 28, 29} {
		g.vzero(v)
	}
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BLT tail", "fewer than 4 blocks")
	g.blank()
	for _, l := range perfNotes[name] {
		g.comment(l)
	}
	g.label("loop4")
	dwRegs := []int{18, 19, 22, 23}
	for b := range 4 {
		g.quiet = b > 0 // blocks 1..3 repeat block 0
		k.x4Block(g, b, dwRegs[b])
	}
	g.quiet = false
	g.comment("Scales of the four blocks: d_w(row r, block b)·d_a(b) in lane r of V18,V19,V22,V23.")
	x4Scale4(g, 12, [4]int(dwRegs), [4]int{14, 15, 16, 17}, k.scvtf)
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BGE loop4", "")
	g.blank()
	g.label("tail")
	g.opWhy("ADDS $4, R6, R6", "0..3 blocks left")
	g.opWhy("BEQ done", "")
	g.label("loop1")
	g.quiet = true
	k.x4Block(g, 0, 18)
	g.quiet = false
	g.vmov(10, 11)
	x4Scale1(g, 12, 18, 14, k.scvtf)
	g.opWhy("SUBS $1, R6, R6", "")
	g.opWhy("BNE loop1", "")
	g.blank()
	g.label("done")
	g.word(fadd(28, 28, 29))
	g.vst1(28, "S4", 0)
	g.opWhy("RET", "")
}

// x4Scale4 emits the float work that follows the integer sums of a 4-block
// iteration in the four-row kernels: the blocks' f16 activation scales
// (gathered from R12..R15) into lane b of vector as, the four rows' f16
// weight scales of block b (low half of dw[b]) widened and multiplied by
// it, the block sums sum[b] converted (cvt), and acc += sum·d with blocks
// 0 and 2 into V28 and 1 and 3 into V29. The row-major kernels (genX4) and
// their Q4_0_4_4 twins (q4x4.go) both emit it, which is what gives them the
// same bits.
func x4Scale4(g *builder, as int, dw, sum [4]int, cvt func(*builder, int)) {
	combineScales(g, 12, as)
	g.word(fcvtl(as, as))
	for _, v := range dw {
		g.word(fcvtl(v, v))
	}
	for b, v := range dw {
		g.word(fmulElem(v, v, as, b))
	}
	for _, v := range sum {
		cvt(g, v)
	}
	for b, v := range dw {
		g.vfmla(v, sum[b], 28+b%2)
	}
}

// x4Scale1 is x4Scale4 for the one block of the tail loop (activation scale
// in R12), always into V28.
func x4Scale1(g *builder, as, dw, sum int, cvt func(*builder, int)) {
	g.fmovSW(12, as)
	g.word(fcvtl(as, as))
	g.word(fcvtl(dw, dw))
	g.word(fmulElem(dw, dw, as, 0))
	cvt(g, sum)
	g.vfmla(dw, sum, 28)
}

func wRegs(k qdot, x4 bool) string {
	switch {
	case x4 && k.q4:
		return "  V0..V3 Q4_0 nibbles of rows 0..3 (then high nibbles)   V4..V7 their low nibbles"
	case x4:
		return "  V0..V7 Q8_0 quants, row r in V2r (0..15), V2r+1 (16..31)"
	case k.q4:
		return "  V0..V3 Q4_0 nibbles of blocks 0..3 (then high nibbles)   V4..V7 their low nibbles"
	}
	return "  V0..V7 Q8_0 weight quants, block b in V2b (0..15), V2b+1 (16..31)"
}

// x4Block emits the loads and integer work of one block (index b within the
// unrolled iteration) for four rows, leaving its exact int32 row sums in
// V14+b and the four rows' f16 weight scales in the low half of dw.
func (k qdot) x4Block(g *builder, b, dw int) {
	g.comment("One block: f16 scales and quants of rows 0..3, then the activations.")
	for r := range 4 {
		g.movhuP(2, 1+r, 8+r)
		if k.q4 {
			k.loadW(g, 1+r, r, 0)
		} else {
			k.loadW(g, 1+r, 2*r, 2*r+1)
		}
	}
	g.movhuP(2, 5, 12+b)
	g.vld1P(5, "B16", 20, 21)
	combineScales(g, 8, dw)
	us := make([]unit, 4)
	for r := range us {
		if k.q4 {
			us[r] = unit{w0: r, w1: 4 + r, aLo: 20, aHi: 21, acc: 24 + r, tmp: 8 + r%2}
		} else {
			us[r] = unit{w0: 2 * r, w1: 2*r + 1, aLo: 20, aHi: 21, acc: 24 + r, tmp: 8}
		}
	}
	k.intDot(g, us)
	cur, prev := 10+b%2, 10+(b+1)%2
	g.comment("Row totals R (lane r = row r), and this block's sums R − R_previous.")
	g.vaddp("S4", 25, 24, 8)
	g.vaddp("S4", 27, 26, 9)
	g.vaddp("S4", 9, 8, cur)
	g.vsub("S4", prev, cur, 14+b)
}

// genX1 emits a one-row kernel: four blocks per iteration, block b of the
// iteration adding into its own running int32 vector T_b, so that one ADDP
// tree yields the four block sums in the lanes of one vector and their scales
// (d_w of four blocks, d_a of four blocks) are converted with one FCVTL each.
func (k qdot) genX1(g *builder) {
	name := k.name()
	g.blank()
	g.docComment(fmt.Sprintf("func %s(w, a []byte, nb int) float32", name), "")
	fmtW := "Q8_0"
	if k.q4 {
		fmtW = "Q4_0"
	}
	g.docComment(fmt.Sprintf("One %s row · the Q8_0 activations, nb blocks. Register map:", fmtW),
		"  R1 weights   R5 activations   R6 blocks left",
		"  R8..R11 f16 weight scales, R12..R15 f16 activation scales of blocks 0..3",
		wRegs(k, false),
		"  V16..V23 activation quants, block b in V16+2b, V17+2b",
		"  V24..V27 T_0..T_3: running int32 partial sums of blocks 0..3 of each iteration",
		"  V8,V9 scratch   V10 running block totals   V11 the previous ones   V14 block sums",
		"  V13 weight scales (then d_w·d_a)   V12 activation scales   V15 tail block sum",
		"  V28 float32 accumulator (lane b = block b)   V29 tail accumulator",
		"  V30,V31 "+k.unpackRegs(),
		"",
		"Block b of each four-block iteration adds into its own running int32 vector",
		"T_b; one ADDP tree then gives the running totals of the four blocks in the",
		"lanes of V10, and the iteration's exact block sums are V10 − V11. The four",
		"blocks' d_w and d_a are gathered in general registers and converted by one",
		"FCVTL each, so scaling and accumulating four blocks takes one FMUL, one SCVTF",
		"and one FMLA.")
	g.text(name, "$0-60")
	g.opWhy("MOVD w_base+0(FP), R1", "")
	g.opWhy("MOVD a_base+24(FP), R5", "")
	g.opWhy("MOVD nb+48(FP), R6", "")
	k.consts(g)
	for _, v := range []int{24, 25, 26, 27, 11, 28, 29} {
		g.vzero(v)
	}
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BLT tail", "fewer than 4 blocks")
	g.blank()
	for _, l := range perfNotes[name] {
		g.comment(l)
	}
	g.label("loop4")
	us := make([]unit, 4)
	for b := range 4 {
		g.movhuP(2, 1, 8+b)
		if k.q4 {
			k.loadW(g, 1, b, 0)
			us[b] = unit{w0: b, w1: 4 + b, aLo: 16 + 2*b, aHi: 17 + 2*b, acc: 24 + b, tmp: 8 + b%2}
		} else {
			k.loadW(g, 1, 2*b, 2*b+1)
			us[b] = unit{w0: 2 * b, w1: 2*b + 1, aLo: 16 + 2*b, aHi: 17 + 2*b, acc: 24 + b, tmp: 8}
		}
		g.movhuP(2, 5, 12+b)
		g.vld1P(5, "B16", 16+2*b, 17+2*b)
	}
	k.intDot(g, us)
	g.comment("Running totals of blocks 0..3 in the lanes of V10; this iteration's sums are the",
		"difference from the previous totals (exact in wrap-around int32).")
	g.vaddp("S4", 25, 24, 8)
	g.vaddp("S4", 27, 26, 9)
	g.vaddp("S4", 9, 8, 10)
	g.vsub("S4", 11, 10, 14)
	g.vmov(10, 11)
	g.comment("d_w·d_a of the four blocks, lane b = block b.")
	combineScales(g, 8, 13)
	combineScales(g, 12, 12)
	g.word(fcvtl(13, 13))
	g.word(fcvtl(12, 12))
	g.word(fmul(13, 13, 12))
	k.scvtf(g, 14)
	g.vfmla(13, 14, 28)
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BGE loop4", "")
	g.blank()
	g.label("tail")
	g.opWhy("ADDS $4, R6, R6", "0..3 blocks left")
	g.opWhy("BEQ done", "")
	g.label("loop1")
	g.movhuP(2, 1, 8)
	var u unit
	if k.q4 {
		k.loadW(g, 1, 0, 0)
		u = unit{w0: 0, w1: 4, aLo: 16, aHi: 17, acc: 15, tmp: 8}
	} else {
		k.loadW(g, 1, 0, 1)
		u = unit{w0: 0, w1: 1, aLo: 16, aHi: 17, acc: 15, tmp: 8}
	}
	g.movhuP(2, 5, 12)
	g.vld1P(5, "B16", 16, 17)
	g.vzero(15)
	g.quiet = true
	k.intDot(g, []unit{u})
	g.quiet = false
	g.comment("Sum the four lanes into every lane; the scale is d_w·d_a in lane 0 and 0 in the",
		"others (FMOV clears the rest of the register), so only lane 0 of V29 changes.")
	g.vaddp("S4", 15, 15, 15)
	g.vaddp("S4", 15, 15, 15)
	k.scvtf(g, 15)
	g.fmovSW(8, 13)
	g.fmovSW(12, 12)
	g.word(fcvtl(13, 13))
	g.word(fcvtl(12, 12))
	g.word(fmul(13, 13, 12))
	g.vfmla(13, 15, 29)
	g.opWhy("SUBS $1, R6, R6", "")
	g.opWhy("BNE loop1", "")
	g.blank()
	g.label("done")
	g.word(fadd(28, 28, 29))
	g.word(faddp(28, 28, 28))
	g.word(faddp(28, 28, 28))
	g.opWhy("FMOVS F28, ret+56(FP)", "")
	g.opWhy("RET", "")
}

func genQuantDots() []byte {
	g := newBuilder(
		"Quantized dot products: Q4_0 and Q8_0 weights against Q8_0 activations,",
		"for four rows or one, in two paths: SDOT (dotprod: Pi 5, Orin) and plain",
		"ARMv8.0 NEON (SMULL/SMLAL + SADALP: Pi 4). Block sums are exact int32;",
		"each block adds float32(sum)·(d_w·d_a) to a float32 accumulator (FMLA).",
		"Every kernel runs four blocks per iteration, then single blocks.")
	for _, k := range []qdot{
		{q4: true, dotprod: true, rows: 4},
		{q4: true, dotprod: false, rows: 4},
		{q4: false, dotprod: true, rows: 4},
		{q4: false, dotprod: false, rows: 4},
		{q4: true, dotprod: true, rows: 1},
		{q4: true, dotprod: false, rows: 1},
		{q4: false, dotprod: true, rows: 1},
		{q4: false, dotprod: false, rows: 1},
	} {
		if k.rows == 4 {
			k.genX4(g)
		} else {
			k.genX1(g)
		}
	}
	for _, k := range []qdot{
		{q4: true, dotprod: true, rows: 4},
		{q4: true, dotprod: false, rows: 4},
		{q4: false, dotprod: true, rows: 4},
		{q4: false, dotprod: false, rows: 4},
	} {
		k.genX4x2(g)
	}
	return g.bytes()
}

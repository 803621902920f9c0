package asmgen

import "fmt"

// The Q4_0_4_4 kernels (quant/q4_0_4x4.go): one row group of four Q4_0 rows
// interleaved offline, so that block b of the group is 72 bytes: the four
// rows' f16 scales, then 64 quant bytes in four vectors, vector j holding
// Q4_0 quant bytes 4j..4j+3 of rows 0..3 (4 bytes a row, row r in lanes
// 4r..4r+3), every nibble already XORed with 8. A 32-bit lane of vector j
// thus meets one group of four activations: values 4j..4j+3 (low nibbles)
// and 16+4j..16+4j+3 (high nibbles). The SDOT path multiplies it by
// element (SDOT Vd.4S, Vn.16B, Vm.4B[j]), so one int32 vector, lane r =
// row r, takes a block's four row sums with no ADDP tree; the plain NEON
// path broadcasts the activation groups with LD4R instead.
//
// Every kernel reproduces the float sequence of the row-major four-row
// kernel of its path (genX4, dot_q_arm64.s), whose integer block sums are
// exact: for block b, sum = float32(isum) (SCVTF, #4 after the SDOT path's
// ×16 unpack: exact, |isum| ≤ 2¹⁵), d = float32(d_w)·float32(d_a) (FCVTL,
// FMUL by element, n = weight scales, m = activation scale), acc += sum·d
// (FMLA, n = sum, m = d), blocks 4k, 4k+2 into the even accumulator and 4k+1,
// 4k+3 into the odd one, the last nb%4 blocks into the even one, and at the
// end even + odd (FADD). The results are the row-major kernel's bits.

// q4x4Notes are the measured costs put above each hot loop (the same tools
// and conventions as perfNotes and gemmNotes; per block means per 32 values
// of one (activation row, weight row) pair).
var q4x4Notes = map[string][]string{
	"DotQ4_0_4x4Q8_0DotProd": {
		"Hot loop: 4 blocks × 4 rows per iteration, 107 instructions = 6.69 per block per",
		"row (6.71 with the call). llvm-mca neoverse-n1: 43.2 cycles per iteration, 2.70",
		"per block per row, bound by the two vector pipes (86 µop-cycles: 32 SDOT, 32",
		"unpack, 10 FCVTL, 12 SCVTF/FMUL/FMLA; the zeroing FMOVs go to M). Row-major",
		"DotQ4_0Q8_0x4DotProd: 10.94 / 3.69; llama.cpp's q4_0_4x4 gemv: 8.5 / 3.13.",
	},
	"DotQ4_0_4x4Q8_0NEON": {
		"Hot loop: 4 blocks × 4 rows per iteration, 163 instructions = 10.19 per block",
		"per row (10.21 with the call). llvm-mca cortex-a57 (A72 proxy): 90.4 cycles per",
		"iteration, 5.65 per block per row (neoverse-n1: 5.83), bound by the two ASIMD",
		"pipes (64 SMULL/SMLAL on F0, 48 unpack, 24 for the LD4Rs). Row-major",
		"DotQ4_0Q8_0x4NEON: 14.94 / 7.25; llama.cpp's ARMv8.0 vec_dot: 29 / 12.0.",
	},
	"DotQ4_0_4x4Q8_0x4x4DotProd": {
		"Hot loop: 2 blocks × 4 activation rows × 4 weight rows per iteration, 146",
		"instructions = 4.56 per block per (activation row, weight row) (4.58 with the",
		"call, 100 calls × 128 blocks × 1 group). llvm-mca neoverse-n1: 56.2 cycles per",
		"iteration, 1.76 per block per pair, bound by the vector pipes (112 µop-cycles:",
		"64 SDOT, 16 unpack, 8 FCVTL, 24 SCVTF/FMUL/FMLA). DotQ4_0_4x4Q8_0DotProd: 6.69 /",
		"2.70; row-major DotQ4_0Q8_0x4x2DotProd: 7.88 / 2.88.",
	},
	"DotQ4_0_4x4Q8_0x4x2NEON": {
		"Hot loop: 2 blocks × 2 activation rows × 4 weight rows per iteration, 134",
		"instructions = 8.38 per block per (activation row, weight row) (8.41 with the",
		"call). llvm-mca cortex-a57: 81.5 cycles per iteration, 5.09 per block per pair",
		"(neoverse-n1: 5.27), bound by SMULL/SMLAL on F0. DotQ4_0_4x4Q8_0NEON: 10.19 /",
		"5.65; row-major DotQ4_0Q8_0x4x2NEON: 11.38 / 5.76.",
	},
}

// q4x4 is one Q4_0_4_4 kernel: SDOT or plain NEON, and the number of
// activation rows per pass (1: the MatVec kernel; more: a MatMul
// micro-kernel).
type q4x4 struct {
	dotprod bool
	arows   int
}

func (k q4x4) name() string {
	s := "DotQ4_0_4x4Q8_0"
	if k.arows > 1 {
		s += fmt.Sprintf("x4x%d", k.arows)
	}
	if k.dotprod {
		return s + "DotProd"
	}
	return s + "NEON"
}

// x4Name is the name of the row-major four-row kernel whose bits k gives.
func (k q4x4) x4Name() string { return qdot{q4: true, dotprod: k.dotprod, rows: 4}.name() }

func (k q4x4) path() string {
	if k.dotprod {
		return "SDOT"
	}
	return "plain NEON"
}

// q4x4Regs are the registers of one (block, activation row) unit:
// activation quants (two vectors for SDOT, 0..15 and 16..31; eight LD4R
// broadcasts for NEON, group j of values 0..15 in lo+j, of 16..31 in hi+j),
// the int32 block sums (lane r = row r), and for NEON the int16 product
// vectors of rows 0,1 and 2,3.
type q4x4Regs struct {
	lo, hi, sum, p01, p23 int
}

// loadWeights emits the loads of one block of the group: the four f16
// scales into the low half of dw, the quants into V0..V3.
func (k q4x4) loadWeights(g *builder, dw int) {
	g.fmovdP(8, 1, dw)
	g.vld1P(1, "B16", 0, 1, 2, 3)
}

// loadActs emits the loads of one activation block from rn: its f16 scale
// into rs, its quants into u.lo/u.hi.
func (k q4x4) loadActs(g *builder, rn, rs int, u q4x4Regs) {
	g.movhuP(2, rn, rs)
	if k.dotprod {
		g.vld1P(rn, "B16", u.lo, u.lo+1)
		return
	}
	g.vld4rP(rn, u.lo)
	g.vld4rP(rn, u.hi)
}

// unpack emits the unpacking of the quants in V0..V3 into high nibbles (in
// place) and low nibbles (V4..V7).
func (k q4x4) unpack(g *builder) {
	if k.dotprod {
		g.comment("Unpack (the layout is XORed already, each nibble q−8 in 4-bit two's",
			"complement): x<<4 is the low nibble ×16 as an int8, x&0xF0 the high one ×16.",
			"SDOT needs no −8 correction; SCVTF #4 undoes the ×16.")
		for j := range 4 {
			g.vshlB(4, j, 4+j)
		}
		for j := range 4 {
			g.vand(31, j, j)
		}
		return
	}
	g.comment("Unpack to signed bytes q−8 (the layout is XORed already, each nibble q−8 in",
		"4-bit two's complement): SSHR #4 sign-extends the high nibble, SHL #4 then",
		"SSHR #4 the low one. Unscaled, so that eight products add up in int16.")
	for j := range 4 {
		g.vshlB(4, j, 4+j)
	}
	for j := range 4 {
		g.word(sshrB(4+j, 4+j, 4))
	}
	for j := range 4 {
		g.word(sshrB(j, j, 4))
	}
}

// intDot emits the exact block sums of several activation rows (units)
// against the unpacked block in V0..V7 (u.sum is zeroed first on the SDOT
// path). Instructions are grouped by kind across units.
func (k q4x4) intDot(g *builder, us []q4x4Regs) {
	if k.dotprod {
		g.comment("Zero the sums from a general register (FMOV runs on the M pipe, not on the",
			"two vector pipes that bound the loop).")
		for _, u := range us {
			g.fmovDZero(u.sum)
		}
		g.comment("Quant vector j against activation group j (values 4j..4j+3, and 16+4j..",
			"for the high nibbles): lane r of the sum takes row r's four products.")
		for half := range 2 {
			for j := range 4 {
				for _, u := range us {
					if half == 0 {
						g.word(sdotElem(u.sum, 4+j, u.lo, j))
					} else {
						g.word(sdotElem(u.sum, j, u.hi, j))
					}
				}
			}
		}
		return
	}
	g.comment("Eight products per int16 lane (rows 0,1 in the low halves, SMULL/SMLAL; rows",
		"2,3 in the high halves, SMULL2/SMLAL2): |Σ| ≤ 8·8·128 = 8192, no overflow",
		"whatever the activations.")
	k.neonHalf(g, us, false)
	k.neonHalf(g, us, true)
	k.neonSums(g, us)
}

// neonSums folds the int16 products of each unit into its int32 row sums.
func (k q4x4) neonSums(g *builder, us []q4x4Regs) {
	g.comment("Row sums: ADDP gives two int16 lanes a row (|Σ| ≤ 16384), SADDLP adds them",
		"into int32 (a row's sum reaches 32768 when the activations hold −128).")
	for _, u := range us {
		g.vaddp("H8", u.p23, u.p01, u.sum)
	}
	for _, u := range us {
		g.word(saddlpH(u.sum, u.sum))
	}
}

// scvtf emits the int32 → float32 conversion of the block sums in v.
func (k q4x4) scvtf(g *builder, v int) {
	qdot{q4: true, dotprod: k.dotprod}.scvtf(g, v)
}

func (k q4x4) consts(g *builder) {
	if k.dotprod {
		g.vmoviB(0xF0, 31)
	}
}

// genQ4x4Dot emits the MatVec kernel: one row group against one activation
// row, four blocks per iteration.
func (k q4x4) genDot(g *builder) {
	name := k.name()
	g.blank()
	g.docComment(fmt.Sprintf("func %s(out *[4]float32, w []byte, a []byte, nb int)", name), "")
	actRegs := "  V16,V17 activation quants 0..15, 16..31"
	intRegs := "  V31 0xF0 (high-nibble mask)"
	if !k.dotprod {
		actRegs = "  V16..V19, V20..V23 activation groups 0..3 of values 0..15, 16..31 (LD4R broadcasts)"
		intRegs = "  V8,V9 int16 products of rows 0,1 and 2,3"
	}
	g.docComment("The Q4_0_4_4 row group w (nb blocks of 72 bytes) · the nb Q8_0 activation blocks a:",
		fmt.Sprintf("out[r] is what %s gives for row r of the group in row-major", k.x4Name()),
		"Q4_0 form, bit for bit (see the top of this file). Register map:",
		"  R0 out   R1 weights   R5 activations   R6 blocks left",
		"  R12..R15 f16 activation scales of blocks 0..3",
		"  V0..V3 quant vectors 0..3 of a block (then high nibbles)   V4..V7 low nibbles",
		actRegs,
		intRegs,
		"  V12..V15 int32 sums of blocks 0..3 (lane r = row r; then float32)",
		"  V24..V27 f16 weight scales of blocks 0..3 (then f32, then ×d_a)   V11 activation scales",
		"  V28,V29 float32 accumulators (lane r = row r) of even and odd blocks")
	g.text(name, "$0-64")
	g.opWhy("MOVD out+0(FP), R0", "")
	g.opWhy("MOVD w_base+8(FP), R1", "")
	g.opWhy("MOVD a_base+32(FP), R5", "")
	g.opWhy("MOVD nb+56(FP), R6", "")
	k.consts(g)
	g.vzero(28)
	g.vzero(29)
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BLT tail", "fewer than 4 blocks")
	g.blank()
	for _, l := range q4x4Notes[name] {
		g.comment(l)
	}
	g.label("loop4")
	for b := range 4 {
		g.quiet = b > 0 // blocks 1..3 repeat block 0
		k.dotBlock(g, b)
	}
	g.quiet = false
	g.comment("d_w(row r, block b)·d_a(b) in lane r of V24+b, then acc += sum·d as genX4.")
	x4Scale4(g, 11, [4]int{24, 25, 26, 27}, [4]int{12, 13, 14, 15}, k.scvtf)
	g.opWhy("SUBS $4, R6, R6", "")
	g.opWhy("BGE loop4", "")
	g.blank()
	g.label("tail")
	g.opWhy("ADDS $4, R6, R6", "0..3 blocks left, into the even accumulator")
	g.opWhy("BEQ done", "")
	g.label("loop1")
	g.quiet = true
	k.dotBlock(g, 0)
	g.quiet = false
	x4Scale1(g, 11, 24, 12, k.scvtf)
	g.opWhy("SUBS $1, R6, R6", "")
	g.opWhy("BNE loop1", "")
	g.blank()
	g.label("done")
	g.word(fadd(28, 28, 29))
	g.vst1(28, "S4", 0)
	g.opWhy("RET", "")
}

// dotBlock emits the loads and integer work of block b (0..3) of genDot's
// iteration: the block sums in V12+b, the f16 weight scales in V24+b, the
// activation scale in R12+b.
func (k q4x4) dotBlock(g *builder, b int) {
	g.comment("One block: the four rows' f16 scales and 64 quant bytes, then the activations.")
	u := q4x4Regs{lo: 16, hi: 17, sum: 12 + b}
	if !k.dotprod {
		u = q4x4Regs{lo: 16, hi: 20, sum: 12 + b, p01: 8, p23: 9}
	}
	k.loadWeights(g, 24+b)
	k.loadActs(g, 5, 12+b, u)
	k.unpack(g)
	k.intDot(g, []q4x4Regs{u})
}

// genGemm emits the MatMul micro-kernel: one row group against k.arows
// activation rows per pass, each weight block loaded and unpacked once per
// pass, every output with genDot's float sequence (2-block iterations over
// the first nb − nb%4 blocks, even then odd, then the last nb%4 blocks into
// the even accumulators).
func (k q4x4) genGemm(g *builder) {
	name := k.name()
	n := k.arows
	g.blank()
	g.docComment(fmt.Sprintf("func %s(out []float32, ldo int, w []byte, a []byte, groups, nb int)", name), "")
	regs := k.gemmRegs()
	doc := []string{
		fmt.Sprintf("For each of groups groups of %d activation rows (rows %d·q..%d·q+%d of a, nb Q8_0", n, n, n, n-1),
		fmt.Sprintf("blocks each, one after the other) sets out[i·ldo+r], r < 4, to what %s", k.baseName()),
		"gives for activation row i against the row group w, bit for bit. Register map:",
		"  R0 out row of the group   R1 weights   R19 weights' start",
		fmt.Sprintf("  R2..R%d activation rows 0..%d of the group   R6 iterations left   R15 groups left", 1+n, n-1),
		fmt.Sprintf("  R8..R%d f16 activation scales of rows 0..%d   R20 nb   R21 scratch   R22 ldo·4", 7+n, n-1),
		"  R23 bytes per activation row",
		"  V0..V3 quant vectors 0..3 of a block (then high nibbles)   V4..V7 low nibbles",
	}
	if k.dotprod {
		doc = append(doc,
			"  V8..V15 activation quants, row i in V8+2i (0..15), V9+2i (16..31); after the SDOTs",
			"        V8+2i holds d_w·d_a(i)",
			"  V16..V19 int32 block sums of rows 0..3 (lane r = weight row r; then float32)",
			"  V20..V23 / V24..V27 float32 accumulators of rows 0..3, even / odd blocks",
			"  V28 weight scales (f16, then f32)   V29 activation scales (lane i = row i)   V31 0xF0")
	} else {
		doc = append(doc,
			"  V16..V19 / V20..V23 LD4R broadcasts of activation groups 0..3 of row 0 / 1, of",
			"        values 0..15, then (the same registers) of 16..31; then d_w·d_a(i) in V16+4i",
			"  V8,V9 / V10,V11 int16 products of weight rows 0,1 and 2,3 against activation row",
			"        0 / 1; then V8 / V10 the int32 block sums (then float32)",
			"  V12,V13 / V14,V15 float32 accumulators of rows 0,1, even / odd blocks",
			"  V24 weight scales (f16, then f32)   V25 activation scales (lane i = row i)")
	}
	g.docComment(doc...)
	g.text(name, "$0-96")
	g.opWhy("MOVD out_base+0(FP), R0", "")
	g.opWhy("MOVD ldo+24(FP), R22", "")
	g.opWhy("LSL $2, R22, R22", "ldo in bytes")
	g.opWhy("MOVD w_base+32(FP), R19", "")
	g.opWhy("MOVD a_base+56(FP), R2", "")
	g.opWhy("MOVD groups+80(FP), R15", "")
	g.opWhy("MOVD nb+88(FP), R20", "")
	g.opWhy("MOVD $34, R21", "")
	g.opWhy("MUL R21, R20, R23", "bytes per activation row")
	k.consts(g)
	g.opWhy("CBZ R15, done", "")
	g.label("group")
	g.opWhy("MOVD R19, R1", "")
	for i := 1; i < n; i++ {
		g.opWhy(fmt.Sprintf("ADD R23, R%d, R%d", 1+i, 2+i), fmt.Sprintf("activation row %d", i))
	}
	for i := range n {
		g.vzero(regs.even + i)
		g.vzero(regs.odd + i)
	}
	pairBlockLoops(g, q4x4Notes[name], func(b int) { k.gemmBlock(g, b) }, nil)
	for i := range n {
		g.word(fadd(regs.even+i, regs.even+i, regs.odd+i))
	}
	g.vst1(regs.even, "S4", 0)
	for i := 1; i < n; i++ {
		if i == 1 {
			g.opWhy("ADD R22, R0, R21", "")
		} else {
			g.opWhy("ADD R22, R21, R21", "")
		}
		g.vst1(regs.even+i, "S4", 21)
	}
	g.opWhy(fmt.Sprintf("ADD R22<<%d, R0, R0", log2(n)), "next group's output rows")
	g.opWhy(fmt.Sprintf("MOVD R%d, R2", 1+n), "next group's activations follow its last row")
	g.opWhy("SUBS $1, R15, R15", "")
	g.opWhy("BNE group", "")
	g.label("done")
	g.opWhy("RET", "")
}

// baseName is the MatVec kernel whose bits a micro-kernel gives.
func (k q4x4) baseName() string { return q4x4{dotprod: k.dotprod, arows: 1}.name() }

func log2(n int) int {
	l := 0
	for n > 1 {
		n >>= 1
		l++
	}
	return l
}

// gemmRegs is the register assignment of genGemm: the units of the
// activation rows, the first even and odd float accumulators (row i adds
// i), the weight and activation scales.
type gemmQ4x4Regs struct {
	units     []q4x4Regs
	even, odd int
	dw, da    int
}

func (k q4x4) gemmRegs() gemmQ4x4Regs {
	var r gemmQ4x4Regs
	if k.dotprod {
		for i := range k.arows {
			r.units = append(r.units, q4x4Regs{lo: 8 + 2*i, hi: 9 + 2*i, sum: 16 + i})
		}
		r.even, r.odd, r.dw, r.da = 20, 24, 28, 29
		return r
	}
	for i := range k.arows {
		r.units = append(r.units, q4x4Regs{lo: 16 + 4*i, hi: 16 + 4*i, sum: 8 + 2*i, p01: 8 + 2*i, p23: 9 + 2*i})
	}
	r.even, r.odd, r.dw, r.da = 12, 14, 24, 25
	return r
}

// gemmBlock emits one block of genGemm: b = 0 for an even block (into the
// even accumulators), 1 for an odd one. The tail loop uses b = 0.
func (k q4x4) gemmBlock(g *builder, b int) {
	regs := k.gemmRegs()
	n := k.arows
	g.comment("Scales and quants of the weight block, then the activation rows' blocks.")
	k.loadWeights(g, regs.dw)
	if k.dotprod {
		for i, u := range regs.units {
			k.loadActs(g, 2+i, 8+i, u)
		}
		k.unpack(g)
		g.comment("Each unpacked vector against every activation row.")
		k.intDot(g, regs.units)
	} else {
		// The broadcasts of values 0..15 and then 16..31 share registers:
		// low nibbles first, then the high ones.
		for i, u := range regs.units {
			g.movhuP(2, 2+i, 8+i)
			g.vld4rP(2+i, u.lo)
		}
		k.unpack(g)
		k.neonHalf(g, regs.units, false)
		for i, u := range regs.units {
			g.vld4rP(2+i, u.hi)
		}
		k.neonHalf(g, regs.units, true)
		k.neonSums(g, regs.units)
	}
	g.comment("d_w(r)·d_a(i), then acc += sum·d, as the MatVec kernel.")
	for i := 1; i < n; i++ {
		g.bfi(16*i, 8+i, 16, 8)
	}
	if n > 2 {
		g.fmovDX(8, regs.da)
	} else {
		g.fmovSW(8, regs.da)
	}
	g.word(fcvtl(regs.dw, regs.dw))
	g.word(fcvtl(regs.da, regs.da))
	for _, u := range regs.units {
		k.scvtf(g, u.sum)
	}
	for i, u := range regs.units {
		d := u.lo // the activations are spent
		g.word(fmulElem(d, regs.dw, regs.da, i))
		acc := regs.even + i
		if b == 1 {
			acc = regs.odd + i
		}
		g.vfmla(d, u.sum, acc)
	}
}

// neonHalf emits the plain NEON products of the low (hi = false) or high
// nibbles of the unpacked block with the broadcast activation groups of
// every unit, starting the int16 sums with the low half.
func (k q4x4) neonHalf(g *builder, us []q4x4Regs, hi bool) {
	for j := range 4 {
		for _, u := range us {
			w, a := 4+j, u.lo+j
			if hi {
				w, a = j, u.hi+j
			}
			if !hi && j == 0 {
				g.word(smull(u.p01, w, a))
				g.word(smull2(u.p23, w, a))
				continue
			}
			g.word(smlal(u.p01, w, a))
			g.word(smlal2(u.p23, w, a))
		}
	}
}

func genQ4x4() []byte {
	g := newBuilder(
		"Q4_0_4_4 dot products (quant/q4_0_4x4.go): a group of four interleaved Q4_0",
		"rows against Q8_0 activations, one activation row (MatVec) or several",
		"(MatMul), in two paths: SDOT by element (dotprod: Pi 5, Orin) and plain",
		"ARMv8.0 NEON (SMULL/SMLAL on LD4R broadcasts: Pi 4). Each gives the bits of",
		"the row-major four-row kernel of its path (dot_q_arm64.s) by repeating its",
		"float sequence on the same exact int32 block sums: per block, sum·d with",
		"d = f32(d_w)·f32(d_a) (FMUL by element) added by one FMLA into an even",
		"(blocks 4k, 4k+2 and the last nb%4) or an odd (4k+1, 4k+3) accumulator,",
		"even + odd at the end.")
	for _, k := range []q4x4{{dotprod: true, arows: 1}, {dotprod: false, arows: 1}} {
		k.genDot(g)
	}
	for _, k := range []q4x4{{dotprod: true, arows: 4}, {dotprod: false, arows: 2}} {
		k.genGemm(g)
	}
	return g.bytes()
}

// fmovDZero clears vd from the zero register.
func (g *builder) fmovDZero(vd int) {
	g.op(fmt.Sprintf("FMOVD ZR, F%d", vd), fmt.Sprintf("fmov d%d, xzr", vd))
}

// vld4rP loads four consecutive 32-bit elements from rn and replicates
// element j into every lane of V(v+j), advancing rn by 16.
func (g *builder) vld4rP(rn, v int) {
	g.op(fmt.Sprintf("VLD4R.P 16(R%d), [V%d.S4, V%d.S4, V%d.S4, V%d.S4]", rn, v, v+1, v+2, v+3),
		fmt.Sprintf("ld4r {v%d.4s-v%d.4s}, [x%d], #16", v, v+3, rn))
}

// sdotElem: d.4S lane r += Σ_k n.b[4r+k]·m.b[4i+k] (dotprod, by element).
func sdotElem(d, n, m, i int) inst {
	enc := reg3(0x4F80E000, d, n, m) | uint32(i&1)<<21 | uint32(i>>1)<<11
	return inst{enc, fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.4b[%d]", d, n, m, i)}
}

// sshrB shifts the sixteen int8 lanes of n right arithmetically by sh (1..8).
func sshrB(d, n, sh int) inst {
	return inst{reg3(0x4F000400|uint32(16-sh)<<16, d, n, 0), fmt.Sprintf("sshr v%d.16b, v%d.16b, #%d", d, n, sh)}
}

// saddlpH: d.4S = pairwise sums of the int16 lanes of n.8H.
func saddlpH(d, n int) inst {
	return inst{reg3(0x4E602800, d, n, 0), fmt.Sprintf("saddlp v%d.4s, v%d.8h", d, n)}
}

package asmgen

import (
	"fmt"
	"math"
)

// The vector math of package kernels (mathf.go there) in plain NEON:
// e^x, GELU-tanh, and the two passes of the scaled softmax. The algorithm
// and constants are kernels/mathf.go's (Cephes expf with the result scaled
// by two powers of two); the polynomial and the reduction use FMLA/FMLS,
// so the bits are not the Go reference's, but the error bounds package
// kernels states and tests hold.

// mathConsts is the constant table, one vector per entry, loaded into
// V16..V31 by every kernel: the register of entry i is V(16+i).
var mathConsts = []struct {
	name string
	bits uint32
}{
	{"expLo −104", math.Float32bits(-104)},
	{"expHi 89", math.Float32bits(89)},
	{"log2 e", 0x3fb8aa3b},
	{"c1 = 0.693359375", 0x3f318000},
	{"c2 = −2.12194440e−4", 0xb95e8083},
	{"p0", 0x39506967},
	{"p1", 0x3ab743ce},
	{"p2", 0x3c088908},
	{"p3", 0x3d2aa9c1},
	{"p4", 0x3e2aaaaa},
	{"p5", 0x3f000000},
	{"1.0", 0x3f800000},
	{"int32 127", 127},
	{"geluK1 = −2·√(2/π)", 0xbfcc422a},
	{"geluK2 = −2·√(2/π)·0.044715", 0xbd922279},
	{"−Inf", 0xff800000},
}

const (
	cLo, cHi, cLog2e, cC1, cC2, cP0 = 16, 17, 18, 19, 20, 21
	cOne, cBias, cK1, cK2, cNegInf  = 27, 28, 29, 30, 31
)

// fmin: d.4S = minimum of n and m (NaN if either is NaN).
func fmin(d, n, m int) inst {
	return inst{reg3(0x4EA0F400, d, n, m), fmt.Sprintf("fmin v%d.4s, v%d.4s, v%d.4s", d, n, m)}
}

func fsub(d, n, m int) inst {
	return inst{reg3(0x4EA0D400, d, n, m), fmt.Sprintf("fsub v%d.4s, v%d.4s, v%d.4s", d, n, m)}
}

func fdiv(d, n, m int) inst {
	return inst{reg3(0x6E20FC00, d, n, m), fmt.Sprintf("fdiv v%d.4s, v%d.4s, v%d.4s", d, n, m)}
}

// fmls: d.4S −= n.4S·m.4S (fused).
func fmls(d, n, m int) inst {
	return inst{reg3(0x4EA0CC00, d, n, m), fmt.Sprintf("fmls v%d.4s, v%d.4s, v%d.4s", d, n, m)}
}

// sshrS: d.4S = n.4S >> sh, arithmetic, 1 ≤ sh ≤ 32.
func sshrS(d, n, sh int) inst {
	return inst{reg3(0x4F000400|uint32(64-sh)<<16, d, n, 0), fmt.Sprintf("sshr v%d.4s, v%d.4s, #%d", d, n, sh)}
}

// dupS0: every lane of d.4S = n.s[0].
func dupS0(d, n int) inst {
	return inst{reg3(0x4E040400, d, n, 0), fmt.Sprintf("dup v%d.4s, v%d.s[0]", d, n)}
}

// expRegs are the registers of one stream of genExp: x (replaced by e^x)
// and three temporaries.
type expRegs struct{ x, t1, t2, t3 int }

// genExp emits e^x for every stream, step by step across the streams so
// that their dependency chains interleave. The constants must be in
// V16..V31.
func genExp(g *builder, ss []expRegs) {
	each := func(f func(s expRegs)) {
		for _, s := range ss {
			f(s)
		}
	}
	each(func(s expRegs) { g.word(fmax(s.x, s.x, cLo)) }) // a NaN stays NaN
	each(func(s expRegs) { g.word(fmin(s.x, s.x, cHi)) })
	each(func(s expRegs) { g.word(fmul(s.t1, s.x, cLog2e)) })
	each(func(s expRegs) { g.word(fcvtns(s.t1, s.t1)) }) // n, ties to even (NaN: 0)
	each(func(s expRegs) { g.word(scvtf(s.t2, s.t1)) })
	each(func(s expRegs) { g.word(fmls(s.x, s.t2, cC1)) }) // exact
	each(func(s expRegs) { g.word(fmls(s.x, s.t2, cC2)) }) // r
	// Horner: p = p0, then p = p_i + p·r for i = 1..5, each step FMLA into a
	// copy of p_i, alternating between t3 (odd i) and t2 (even i).
	for i := 1; i <= 5; i++ {
		each(func(s expRegs) {
			dst := s.t3
			if i%2 == 0 {
				dst = s.t2
			}
			g.vmov(cP0+i, dst)
		})
		each(func(s expRegs) {
			src, dst := s.t2, s.t3 // the previous step's p, this step's
			if i%2 == 0 {
				src, dst = s.t3, s.t2
			}
			if i == 1 {
				src = cP0
			}
			g.vfmla(s.x, src, dst)
		})
	}
	// After five steps the polynomial is in t3; z = r² in t2.
	each(func(s expRegs) { g.word(fmul(s.t2, s.x, s.x)) })
	each(func(s expRegs) { g.vfmla(s.t2, s.t3, s.x) }) // r + p·z
	each(func(s expRegs) { g.word(fadd(s.x, s.x, cOne)) })
	each(func(s expRegs) { g.word(sshrS(s.t2, s.t1, 1)) })   // n1 = ⌊n/2⌋
	each(func(s expRegs) { g.vsub("S4", s.t2, s.t1, s.t1) }) // n2 = n − n1
	each(func(s expRegs) {
		g.vadd("S4", cBias, s.t2, s.t2)
		g.vadd("S4", cBias, s.t1, s.t1)
	})
	each(func(s expRegs) {
		g.vshlS(23, s.t2, s.t2)
		g.vshlS(23, s.t1, s.t1)
	})
	each(func(s expRegs) { g.word(fmul(s.x, s.x, s.t2)) }) // exact
	each(func(s expRegs) { g.word(fmul(s.x, s.x, s.t1)) })
}

// loadMathConsts emits the loads of the constant table into V16..V31
// through R9.
func loadMathConsts(g *builder) {
	g.opWhy("MOVD $mathConsts<>(SB), R9", "")
	for v := 16; v < 32; v += 4 {
		g.vld1P(9, "S4", v, v+1, v+2, v+3)
	}
}

func genMath() []byte {
	g := newBuilder(
		"Vector float32 math (plain NEON, every ARMv8.0 core): e^x, GELU-tanh and the",
		"passes of the scaled softmax, by the algorithm of kernels/mathf.go (Cephes expf,",
		"the result scaled by 2^⌊n/2⌋·2^(n−⌊n/2⌋)). FMLA/FMLS fuse the reduction and the",
		"polynomial, so the bits differ from the Go reference's; package kernels tests",
		"both against float64 math within the bounds kernels.Impl states. The kernels",
		"that map a row take whole groups of 8 values (two interleaved streams of 4);",
		"package kernels runs the last 1..7 through an 8-value buffer.")
	g.blank()
	g.comment("The constants, one vector each: V16 upward.")
	for i, c := range mathConsts {
		for l := range 4 {
			g.raw(fmt.Sprintf("DATA mathConsts<>+%d(SB)/4, $0x%08x", 16*i+4*l, c.bits))
		}
		_ = c.name
	}
	g.raw(fmt.Sprintf("GLOBL mathConsts<>(SB), RODATA|NOPTR, $%d", 16*len(mathConsts)))

	streams := []expRegs{{0, 2, 3, 4}, {1, 5, 6, 7}}

	g.blank()
	g.docComment("func ExpF32NEON(dst, x []float32)",
		"",
		"dst[i] = e^x[i] for the len(dst)&^7 first values. Register map:",
		"  R0 dst   R1 x   R2 groups of 8 left   V0, V1 the values   V2..V7 temporaries")
	g.text("ExpF32NEON", "$0-48")
	g.opWhy("MOVD dst_base+0(FP), R0", "")
	g.opWhy("MOVD dst_len+8(FP), R2", "")
	g.opWhy("MOVD x_base+24(FP), R1", "")
	g.opWhy("LSR $3, R2, R2", "")
	g.opWhy("CBZ R2, expdone", "")
	loadMathConsts(g)
	g.blank()
	for _, l := range perfNotes["ExpF32NEON"] {
		g.comment(l)
	}
	g.label("exploop")
	g.vld1P(1, "S4", 0, 1)
	genExp(g, streams)
	g.vst1P2(0, "S4", 0, 1)
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE exploop", "")
	g.label("expdone")
	g.opWhy("RET", "")

	g.blank()
	g.docComment("func GELUTanhF32NEON(dst, x []float32)",
		"",
		"dst[i] = x/(1+e^t), t = x·(k1 + k2·x²), for the len(dst)&^7 first values.",
		"Register map: R0 dst   R1 x   R2 groups of 8 left   V8, V9 x",
		"  V0, V1 t, then 1+e^t   V2..V7 temporaries")
	g.text("GELUTanhF32NEON", "$0-48")
	g.opWhy("MOVD dst_base+0(FP), R0", "")
	g.opWhy("MOVD dst_len+8(FP), R2", "")
	g.opWhy("MOVD x_base+24(FP), R1", "")
	g.opWhy("LSR $3, R2, R2", "")
	g.opWhy("CBZ R2, geludone", "")
	loadMathConsts(g)
	g.blank()
	for _, l := range perfNotes["GELUTanhF32NEON"] {
		g.comment(l)
	}
	g.label("geluloop")
	g.vld1P(1, "S4", 8, 9)
	for i, s := range streams {
		g.word(fmul(s.t1, 8+i, 8+i)) // x²
	}
	for _, s := range streams {
		g.vmov(cK1, s.x)
	}
	for _, s := range streams {
		g.vfmla(cK2, s.t1, s.x) // k1 + k2·x²
	}
	for i, s := range streams {
		g.word(fmul(s.x, s.x, 8+i)) // t
	}
	genExp(g, streams)
	for _, s := range streams {
		g.word(fadd(s.x, s.x, cOne))
	}
	for i, s := range streams {
		g.word(fdiv(s.x, 8+i, s.x))
	}
	g.vst1P2(0, "S4", 0, 1)
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE geluloop", "")
	g.label("geludone")
	g.opWhy("RET", "")

	g.blank()
	g.docComment("func ScaleMaxF32NEON(x []float32, s float32) (max float32)",
		"",
		"x[i] *= s for every value, and returns the largest product (−Inf for an empty",
		"row; NaN if there is one: FMAX propagates it). Register map:",
		"  R0 x (loads)   R1 x (stores)   R2 values left   R3 −Inf bits",
		"  V0 s in lane 0   V1 the lane maxima   V2 values   F3 the scalar maximum")
	g.text("ScaleMaxF32NEON", "$0-36")
	g.opWhy("MOVD x_base+0(FP), R0", "")
	g.opWhy("MOVD x_len+8(FP), R2", "")
	g.opWhy("FMOVS s+24(FP), F0", "")
	g.opWhy("MOVD R0, R1", "")
	g.opWhy("MOVW $0xff800000, R3", "")
	g.fmovSW(3, 3)
	g.word(dupS0(1, 3))
	g.opWhy("SUBS $4, R2, R2", "")
	g.opWhy("BLT smtail", "")
	g.blank()
	for _, l := range perfNotes["ScaleMaxF32NEON"] {
		g.comment(l)
	}
	g.label("smloop")
	g.vld1P(0, "S4", 2)
	g.word(fmulElem(2, 2, 0, 0))
	g.op("VST1.P [V2.S4], 16(R1)", "st1 {v2.4s}, [x1], #16")
	g.word(fmax(1, 1, 2))
	g.opWhy("SUBS $4, R2, R2", "")
	g.opWhy("BGE smloop", "")
	g.label("smtail")
	g.word(fmaxv(1, 1))
	g.op("FMAXS F1, F3, F3", "fmax s3, s3, s1")
	g.opWhy("ADDS $4, R2, R2", "0..3 values left")
	g.opWhy("BEQ smdone", "")
	g.label("smloop1")
	g.fmovsP(4, 0, 2)
	g.op("FMULS F0, F2, F2", "fmul s2, s2, s0")
	g.op("FMOVS.P F2, 4(R1)", "str s2, [x1], #4")
	g.op("FMAXS F2, F3, F3", "fmax s3, s3, s2")
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE smloop1", "")
	g.label("smdone")
	g.opWhy("FMOVS F3, ret+32(FP)", "")
	g.opWhy("RET", "")

	g.blank()
	g.docComment("func ExpSumF32NEON(x []float32, shift float32) (sum float32)",
		"",
		"x[i] = e^(x[i] − shift) for the len(x)&^7 first values, and returns their sum",
		"(two vector accumulators, added, then FADDP twice). Register map:",
		"  R0 x (loads)   R1 x (stores)   R2 groups of 8 left   V8 shift ×4",
		"  V0, V1 the values   V2..V7 temporaries   V10, V11 the sums")
	g.text("ExpSumF32NEON", "$0-36")
	g.opWhy("MOVD x_base+0(FP), R0", "")
	g.opWhy("MOVD x_len+8(FP), R2", "")
	g.opWhy("FMOVS shift+24(FP), F8", "")
	g.word(dupS0(8, 8))
	g.opWhy("MOVD R0, R1", "")
	g.vzero(10)
	g.vzero(11)
	g.opWhy("LSR $3, R2, R2", "")
	g.opWhy("CBZ R2, esdone", "")
	loadMathConsts(g)
	g.blank()
	for _, l := range perfNotes["ExpSumF32NEON"] {
		g.comment(l)
	}
	g.label("esloop")
	g.vld1P(0, "S4", 0, 1)
	g.word(fsub(0, 0, 8))
	g.word(fsub(1, 1, 8))
	genExp(g, streams)
	g.vst1P2(1, "S4", 0, 1)
	g.word(fadd(10, 10, 0))
	g.word(fadd(11, 11, 1))
	g.opWhy("SUBS $1, R2, R2", "")
	g.opWhy("BNE esloop", "")
	g.label("esdone")
	g.word(fadd(10, 10, 11))
	g.word(faddp(10, 10, 10))
	g.word(faddp(10, 10, 10))
	g.opWhy("FMOVS F10, ret+32(FP)", "")
	g.opWhy("RET", "")
	return g.bytes()
}

// Constants and macros shared by the AVX2 kernel files (each .s file that
// includes this gets its own file-local copy of the constants).

DATA nibbleMask<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMask<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL nibbleMask<>(SB), RODATA|NOPTR, $32

// Dword shift counts: low half 0 (low nibbles), high half 4 (high nibbles).
DATA nibbleShift<>+0(SB)/8, $0
DATA nibbleShift<>+8(SB)/8, $0
DATA nibbleShift<>+16(SB)/8, $0x0000000400000004
DATA nibbleShift<>+24(SB)/8, $0x0000000400000004
GLOBL nibbleShift<>(SB), RODATA|NOPTR, $32

DATA eights<>+0(SB)/8, $0x0808080808080808
DATA eights<>+8(SB)/8, $0x0808080808080808
DATA eights<>+16(SB)/8, $0x0808080808080808
DATA eights<>+24(SB)/8, $0x0808080808080808
GLOBL eights<>(SB), RODATA|NOPTR, $32

// 0x88 bytes: XOR with it turns the nibbles of Q4_0_4_4 quant bytes
// (quant/q4_0_4x4.go) back into the Q4_0 ones.
DATA xor88<>+0(SB)/8, $0x8888888888888888
DATA xor88<>+8(SB)/8, $0x8888888888888888
DATA xor88<>+16(SB)/8, $0x8888888888888888
DATA xor88<>+24(SB)/8, $0x8888888888888888
GLOBL xor88<>(SB), RODATA|NOPTR, $32

// int16 ones: VPMADDWD with it adds adjacent int16 pairs into int32.
DATA onesW<>+0(SB)/8, $0x0001000100010001
DATA onesW<>+8(SB)/8, $0x0001000100010001
DATA onesW<>+16(SB)/8, $0x0001000100010001
DATA onesW<>+24(SB)/8, $0x0001000100010001
GLOBL onesW<>(SB), RODATA|NOPTR, $32

// REDUCE4D adds up the eight int32 lanes of each of T0..T3 into
// [ΣT0, ΣT1, ΣT2, ΣT3] in XT0 (the X name of T0), clobbering T1..T3; XT1 is
// the X name of T1. VPHADDD(A, B) is [a0+a1, a2+a3, b0+b1, b2+b3] in each
// 128-bit half, so two levels leave [ΣT0, ΣT1, ΣT2, ΣT3] per half and the
// halves are added. Integer adds: the sums are exact.
#define REDUCE4D(T0, T1, T2, T3, XT0, XT1) \
	VPHADDD T1, T0, T0 \
	VPHADDD T3, T2, T2 \
	VPHADDD T2, T0, T0 \
	VEXTRACTI128 $1, T0, XT1 \
	VPADDD XT1, XT0, XT0

// F16X4 loads the four f16 values at the memory operands A0..A3 into the
// four float32 lanes of X, through the general register R: R = A3:A2:A1:A0
// (MOVW writes only the low 16 bits), then VMOVQ and VCVTPH2PS (exact).
#define F16X4(A0, A1, A2, A3, R, X) \
	MOVWLZX A3, R \
	SHLQ $16, R \
	MOVW A2, R \
	SHLQ $16, R \
	MOVW A1, R \
	SHLQ $16, R \
	MOVW A0, R \
	VMOVQ R, X \
	VCVTPH2PS X, X

// F16X1 loads the f16 value at the memory operand A into lane 0 of X
// (exactly), through the general register R.
#define F16X1(A, R, X) \
	MOVWLZX A, R \
	VMOVD R, X \
	VCVTPH2PS X, X

// HSUMX4 adds the four lanes of XA into lane 0 of XA, clobbering XT.
#define HSUMX4(XA, XT) \
	VMOVHLPS XA, XA, XT \
	VADDPS XT, XA, XA \
	VMOVSHDUP XA, XT \
	VADDSS XT, XA, XA

// HSUM8 reduces the 8 lanes of A to lane 0 of XA, clobbering XT, in the
// order of ggml's hsum_float_8: t_i = l_i + l_{i+4} (i < 4), then
// (t0 + t2) + (t1 + t3).
#define HSUM8(A, XA, XT) \
	VEXTRACTF128 $1, A, XT \
	VADDPS XT, XA, XA \
	VMOVHLPS XA, XA, XT \
	VADDPS XT, XA, XA \
	VMOVSHDUP XA, XT \
	VADDSS XT, XA, XA


// 0x80 bytes: w XOR 0x80 = w + 128 turns an int8 into an unsigned byte.
DATA signBytes<>+0(SB)/8, $0x8080808080808080
DATA signBytes<>+8(SB)/8, $0x8080808080808080
DATA signBytes<>+16(SB)/8, $0x8080808080808080
DATA signBytes<>+24(SB)/8, $0x8080808080808080
GLOBL signBytes<>(SB), RODATA|NOPTR, $32

// HSUM4ROWS reduces each of the four 8-lane accumulators Y0..Y3 as HSUM8
// does (ggml's hsum_float_8 order) into [ΣY0, ΣY1, ΣY2, ΣY3] in X0,
// clobbering Y1..Y7: t_r = lo(Y_r) + hi(Y_r) for every row, then
// VUNPCKLPS/VUNPCKHPS pair rows 0 and 1 (2 and 3) so that one VADDPS forms
// [t0_0+t0_2, t1_0+t1_2, t0_1+t0_3, t1_1+t1_3], and VMOVLHPS/VMOVHLPS line
// up the two halves of each row for the last add.
#define HSUM4ROWS \
	VEXTRACTF128 $1, Y0, X4 \
	VADDPS X4, X0, X0 \
	VEXTRACTF128 $1, Y1, X5 \
	VADDPS X5, X1, X1 \
	VEXTRACTF128 $1, Y2, X6 \
	VADDPS X6, X2, X2 \
	VEXTRACTF128 $1, Y3, X7 \
	VADDPS X7, X3, X3 \
	VUNPCKLPS X1, X0, X4 \
	VUNPCKHPS X1, X0, X5 \
	VADDPS X5, X4, X4 \
	VUNPCKLPS X3, X2, X5 \
	VUNPCKHPS X3, X2, X6 \
	VADDPS X6, X5, X5 \
	VMOVLHPS X5, X4, X6 \
	VMOVHLPS X4, X5, X7 \
	VADDPS X7, X6, X0

// PREFETCHNEXT3 and PREFETCHNEXT2 prefetch the next group of four weight rows
// while the four-row kernels work on the current one, which MatVec calls
// next: the group's rows are contiguous in memory (row-major, stride apart),
// so its bytes are [N, N+4·stride) with N = row 0 + 4·stride, and reading
// them at four times the speed the kernel moves through a row (BX, the block
// offset, times 4) covers them by the time the current group is done. The
// hardware prefetchers alone do not: a row of Gemma 3 1B is 648 Q4_0 bytes,
// ten cache lines, and four such interleaved streams end before they are
// trained, which left MatVec at under half the DRAM read bandwidth. Three
// prefetches of lines 64 bytes apart cover the up to 144 bytes that BX·4
// advances per iteration (two Q4_0 blocks or one Q8_0 block: 4·36, 4·34),
// two the 72 bytes of one Q4_0 block. Prefetches never fault, so reading
// past the last group (or past the end of the matrix) is harmless; numerics
// are untouched.
#define PREFETCHNEXT3(N) \
	PREFETCHT0 (N)(BX*4) \
	PREFETCHT0 64(N)(BX*4) \
	PREFETCHT0 128(N)(BX*4)

#define PREFETCHNEXT2(N) \
	PREFETCHT0 (N)(BX*4) \
	PREFETCHT0 64(N)(BX*4)

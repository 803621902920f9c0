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

// HSUM8 reduces the 8 lanes of A to lane 0 of XA, clobbering XT.
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

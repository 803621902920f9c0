// Bodies of the VNNI kernels, shared by dot_avxvnni_amd64.s (VEX VPDPBUSD as
// bytes), dot_avx512vnni_amd64.s (EVEX VPDPBUSD, which the Go assembler emits)
// and dot_vnniemu_amd64.s (VPDPBUSD emulated with AVX2, to test these bodies on
// CPUs without VNNI). Each of those files defines
//
//	DPBUSD(S, SN, U, UN, D, DN)
//
// as D.int32[i] += Σ_{k<4} U.uint8[4i+k] · S.int8[4i+k] for i < 8, where S,
// U, D are Y registers and SN, UN, DN their numbers (the byte encoding needs
// numbers, the mnemonics need names), before including this file. The
// emulation clobbers nothing but D, provided D is not Y13, Y14 or Y15, and
// needs a 160-byte frame.
//
// VPDPBUSD multiplies unsigned by signed bytes and adds groups of four into
// int32 with no intermediate saturation, so the integer block sums below are
// exact for every input byte:
//   - Q4_0: the nibbles are the unsigned operand and the −8 is applied as
//     −8·Σa, computed per block by a VPDPBUSD of 8s against the activations:
//     Σ(q−8)·a = Σq·a − 8·Σa. Without VPMADDUBSW's int16 saturation there is
//     no need to shift the high nibbles down: VBROADCASTI128 and one VPAND
//     with 0x0f in the low half and 0xf0 in the high half give q for values
//     0..15 and 16·q for values 16..31. The high half's int32 sums are then
//     16 times the true ones (the correction there uses 128 = 16·8), and are
//     divided by 16 (VPSRAD $4, exact: every term is a multiple of 16) when
//     the halves are added. This saves a VPSRLVD per row and block.
//   - Q8_0: w XOR 0x80 = w+128 is the unsigned operand and −128·Σa the
//     correction: Σ(w+128)·a − 128·Σa = Σw·a, −128 × −128 included.
// In the four-row kernels the correction is computed once per block and is the
// starting value of each row's VPDPBUSD. The float order is llama.cpp's, as in
// the AVX2 kernels (see dot_avx2_amd64.s): Q4_0 rows add exact block sums
// (REDUCE4D16 for four rows) by one FMA per block; Q8_0 rows keep 8 float
// lanes of four products each (VPDPBUSD's groups of four are ggml's lanes)
// and add them up at the end as hsum_float_8 does.
//
// The bodies read their arguments from registers the TEXT stubs load (go vet
// checks the stubs' frames) and leave their results as described.

// nibbleMaskSplit: 0x0f in the low 16 bytes (values 0..15), 0xf0 in the
// high 16 (16·values 16..31).
DATA nibbleMaskSplit<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMaskSplit<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMaskSplit<>+16(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA nibbleMaskSplit<>+24(SB)/8, $0xf0f0f0f0f0f0f0f0
GLOBL nibbleMaskSplit<>(SB), RODATA|NOPTR, $32

// corrQ4: 8 in the low 16 bytes, 128 = 16·8 in the high 16: VPDPBUSD of it
// against the activations is the Q4_0 offset correction at the scale of
// each half.
DATA corrQ4<>+0(SB)/8, $0x0808080808080808
DATA corrQ4<>+8(SB)/8, $0x0808080808080808
DATA corrQ4<>+16(SB)/8, $0x8080808080808080
DATA corrQ4<>+24(SB)/8, $0x8080808080808080
GLOBL corrQ4<>(SB), RODATA|NOPTR, $32

// REDUCE4D16 is REDUCE4D for sums whose high 128-bit half is 16 times too
// large: that half is divided by 16 (exactly) before the halves are added.
#define REDUCE4D16(T0, T1, T2, T3, XT0, XT1) \
	VPHADDD T1, T0, T0 \
	VPHADDD T3, T2, T2 \
	VPHADDD T2, T0, T0 \
	VEXTRACTI128 $1, T0, XT1 \
	VPSRAD $4, XT1, XT1 \
	VPADDD XT1, XT0, XT0

// Q4T_VNNI sets T (number TN) to the 8 int32 sums of four (q−8)·a of the
// Q4_0 block whose nibbles are at Q, against the activations in Y4, starting
// from the correction in Y5 (high half ×16); U (number UN) is a temporary.
#define Q4T_VNNI(Q, U, UN, T, TN) \
	VBROADCASTI128 Q, U \
	VPAND Y15, U, U \
	VMOVDQA Y5, T \
	DPBUSD(Y4, 4, U, UN, T, TN)

// Q4X4_VNNI: func(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map (DI, SI, DX, CX, AX loaded by the stub):
//	DI      out
//	SI, R8, R9, R10  rows 0..3 (SI = w, DX = stride); BX the offset of the
//	        current block in a row (+18 per block); R13 row 4, the next
//	        group (PREFETCHNEXT2, avx_amd64.h)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11 the four f16 weight scales
//	X0      float accumulator, lane r = row r
//	Y4      activation int8 ×32; Y5 the correction −8·Σa (high half ×16)
//	Y6-Y9   rows 0..3: int32 sums of four, then X6 the four block sums
//	Y10, Y11  nibbles; X10 d_a ×4, X7 d_w·d_a ×4
//	Y13 corrQ4, Y15 nibbleMaskSplit
#define Q4X4_VNNI \
	LEAQ (SI)(DX*1), R8 \
	LEAQ (R8)(DX*1), R9 \
	LEAQ (R9)(DX*1), R10 \
	LEAQ (R10)(DX*1), R13 \
	XORQ BX, BX \
	VXORPS X0, X0, X0 \
	VMOVDQU corrQ4<>(SB), Y13 \
	VMOVDQU nibbleMaskSplit<>(SB), Y15 \
	TESTQ AX, AX \
	JZ q4x4done \
q4x4loop: \
	PREFETCHNEXT2(R13) \
	VMOVDQU 2(CX), Y4 \
	VPXOR Y5, Y5, Y5 \
	DPBUSD(Y4, 4, Y13, 13, Y5, 5) \
	VPXOR Y10, Y10, Y10 \
	VPSUBD Y5, Y10, Y5 \
	Q4T_VNNI(2(SI)(BX*1), Y10, 10, Y6, 6) \
	Q4T_VNNI(2(R8)(BX*1), Y11, 11, Y7, 7) \
	Q4T_VNNI(2(R9)(BX*1), Y10, 10, Y8, 8) \
	Q4T_VNNI(2(R10)(BX*1), Y11, 11, Y9, 9) \
	REDUCE4D16(Y6, Y7, Y8, Y9, X6, X7) \
	VCVTDQ2PS X6, X6 \
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X7) \
	VPBROADCASTW (CX), X10 \
	VCVTPH2PS X10, X10 \
	VMULPS X10, X7, X7 \
	VFMADD231PS X7, X6, X0 \
	ADDQ $18, BX \
	ADDQ $34, CX \
	DECQ AX \
	JNZ q4x4loop \
q4x4done: \
	VMOVUPS X0, (DI) \
	VZEROUPPER

// Q4T1_VNNI sets T (number TN) to the 8 int32 sums of four (q−8)·a (high
// half ×16) of the Q4_0 block whose nibbles are at Q against the activations
// at A. Temporaries Y4, Y5, Y10.
#define Q4T1_VNNI(Q, A, T, TN) \
	VMOVDQU A, Y4 \
	VPXOR Y5, Y5, Y5 \
	DPBUSD(Y4, 4, Y13, 13, Y5, 5) \
	VBROADCASTI128 Q, Y10 \
	VPAND Y15, Y10, Y10 \
	VPXOR T, T, T \
	DPBUSD(Y4, 4, Y10, 10, T, TN) \
	VPSUBD Y5, T, T

// ONEBLOCK adds the 8 int32 lanes of Y6 (the sums of one block; SHIFT
// divides the high half by 16, or is empty), scales the sum by the f16
// scales at WS and AS and adds it to lane 0 of X0.
#define ONEBLOCK(WS, AS, SHIFT) \
	VEXTRACTI128 $1, Y6, X7 \
	SHIFT \
	VPADDD X7, X6, X6 \
	VPHADDD X6, X6, X6 \
	VPHADDD X6, X6, X6 \
	VCVTDQ2PS X6, X6 \
	F16X1(WS, R11, X7) \
	F16X1(AS, R12, X10) \
	VMULSS X10, X7, X7 \
	VFMADD231SS X7, X6, X0

#define HIGH16 VPSRAD $4, X7, X7

// Q4X1_VNNI: func(w, a []byte, nb int) float32, one block per iteration:
// the block's exact sum, converted and FMAed with d_w·d_a into lane 0 of X0
// (ggml's q4_0_8x8 order, as Q4X4_VNNI for one row).
//
// Register map (SI, CX, AX loaded by the stub):
//	SI      the current weight block (+18 per block)
//	CX      the current activation block (+34 per block)
//	AX      blocks left; R11, R12 f16 scales
//	X0      float accumulator (lane 0); the sum at the end
//	Y4, Y5, Y10  activations, correction, nibbles of the current block
//	Y6      int32 sums of four, then X6 the block sum; X7 d_w·d_a
//	Y13 corrQ4, Y15 nibbleMaskSplit
#define Q4X1_VNNI \
	VXORPS X0, X0, X0 \
	VMOVDQU corrQ4<>(SB), Y13 \
	VMOVDQU nibbleMaskSplit<>(SB), Y15 \
	TESTQ AX, AX \
	JZ q4x1done \
q4x1one: \
	Q4T1_VNNI(2(SI), 2(CX), Y6, 6) \
	ONEBLOCK(0(SI), 0(CX), HIGH16) \
	ADDQ $18, SI \
	ADDQ $34, CX \
	DECQ AX \
	JNZ q4x1one \
q4x1done:

// Q8T_VNNI sets T (number TN) to the 8 int32 sums of four w·a of the Q8_0
// block whose quants are at W, against the activations in Y4, starting from
// −128·Σa (per sum of four) in Y5; U (number UN) is a temporary. Y15 = 0x80
// bytes. The sums are ggml's lanes: lane j = products 4j..4j+3.
#define Q8T_VNNI(W, U, UN, T, TN) \
	VPXOR W, Y15, U \
	VMOVDQA Y5, T \
	DPBUSD(Y4, 4, U, UN, T, TN)

// Q8X4_VNNI: func(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// ggml's order (see dot_avx2_amd64.s): each row's 8 int32 lanes are
// converted and FMAed with the row's d_w·d_a into the row's 8 float lanes;
// HSUM4ROWS adds them up at the end.
//
// Register map (DI, SI, DX, CX, AX loaded by the stub):
//	DI      out
//	SI, R8, R9, R10  rows 0..3; CX a; BX the offset of the current block in
//	        a row and in a (+34 per block); R13 row 4, the next group
//	        (PREFETCHNEXT3, avx_amd64.h)
//	AX      blocks left; R11 the four f16 weight scales
//	Y0-Y3   float accumulators of rows 0..3 (8 lanes each)
//	Y4      activation int8 ×32; Y5 −128·Σa int32 ×8
//	Y6-Y9   rows 0..3: int32 sums of four, then as float32
//	Y10, Y11  w+128; Y12 d_w·d_a of rows 0..3 in both halves, X13 d_a ×4,
//	        Y13 one row's d_w·d_a ×8
//	Y15     0x80 bytes
#define Q8X4_VNNI \
	LEAQ (SI)(DX*1), R8 \
	LEAQ (R8)(DX*1), R9 \
	LEAQ (R9)(DX*1), R10 \
	LEAQ (R10)(DX*1), R13 \
	XORQ BX, BX \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VMOVDQU signBytes<>(SB), Y15 \
	TESTQ AX, AX \
	JZ q8x4done \
q8x4loop: \
	PREFETCHNEXT3(R13) \
	VMOVDQU 2(CX)(BX*1), Y4 \
	VPXOR Y5, Y5, Y5 \
	DPBUSD(Y4, 4, Y15, 15, Y5, 5) \
	VPXOR Y10, Y10, Y10 \
	VPSUBD Y5, Y10, Y5 \
	Q8T_VNNI(2(SI)(BX*1), Y10, 10, Y6, 6) \
	Q8T_VNNI(2(R8)(BX*1), Y11, 11, Y7, 7) \
	Q8T_VNNI(2(R9)(BX*1), Y10, 10, Y8, 8) \
	Q8T_VNNI(2(R10)(BX*1), Y11, 11, Y9, 9) \
	F16X4((SI)(BX*1), (R8)(BX*1), (R9)(BX*1), (R10)(BX*1), R11, X12) \
	VPBROADCASTW (CX)(BX*1), X13 \
	VCVTPH2PS X13, X13 \
	VMULPS X13, X12, X12 \
	VINSERTF128 $1, X12, Y12, Y12 \
	VCVTDQ2PS Y6, Y6 \
	VSHUFPS $0x00, Y12, Y12, Y13 \
	VFMADD231PS Y13, Y6, Y0 \
	VCVTDQ2PS Y7, Y7 \
	VSHUFPS $0x55, Y12, Y12, Y13 \
	VFMADD231PS Y13, Y7, Y1 \
	VCVTDQ2PS Y8, Y8 \
	VSHUFPS $0xAA, Y12, Y12, Y13 \
	VFMADD231PS Y13, Y8, Y2 \
	VCVTDQ2PS Y9, Y9 \
	VSHUFPS $0xFF, Y12, Y12, Y13 \
	VFMADD231PS Y13, Y9, Y3 \
	ADDQ $34, BX \
	DECQ AX \
	JNZ q8x4loop \
q8x4done: \
	HSUM4ROWS \
	VMOVUPS X0, (DI) \
	VZEROUPPER

// Q8T1_VNNI sets T (number TN) to the 8 int32 sums of four w·a of the Q8_0
// block whose quants are at W against the activations at A. Temporaries Y4,
// Y5, Y10; Y15 = 0x80 bytes.
#define Q8T1_VNNI(W, A, T, TN) \
	VMOVDQU A, Y4 \
	VPXOR Y5, Y5, Y5 \
	DPBUSD(Y4, 4, Y15, 15, Y5, 5) \
	VPXOR W, Y15, Y10 \
	VPXOR T, T, T \
	DPBUSD(Y4, 4, Y10, 10, T, TN) \
	VPSUBD Y5, T, T

// Q8X1_VNNI: func(w, a []byte, nb int) float32, one block per iteration,
// in ggml's order (as Q8X4_VNNI for one row).
//
// Register map (SI, CX, AX loaded by the stub):
//	SI, CX  the current weight and activation blocks (+34 per block)
//	AX      blocks left; R11, R12 f16 scales
//	Y0      float accumulator (8 lanes); the sum at the end in X0
//	Y4, Y5, Y10  activations, −128·Σa, w+128 of the current block
//	Y6      int32 sums of four, then as float32
//	Y7      d_w·d_a ×8; X1, X10 temporaries
//	Y15     0x80 bytes
#define Q8X1_VNNI \
	VXORPS Y0, Y0, Y0 \
	VMOVDQU signBytes<>(SB), Y15 \
	TESTQ AX, AX \
	JZ q8x1done \
q8x1loop: \
	Q8T1_VNNI(2(SI), 2(CX), Y6, 6) \
	VCVTDQ2PS Y6, Y6 \
	F16X1(0(SI), R11, X7) \
	F16X1(0(CX), R12, X10) \
	VMULSS X10, X7, X7 \
	VBROADCASTSS X7, Y7 \
	VFMADD231PS Y7, Y6, Y0 \
	ADDQ $34, SI \
	ADDQ $34, CX \
	DECQ AX \
	JNZ q8x1loop \
q8x1done: \
	HSUM8(Y0, X0, X1)

// ---- MatMul micro-kernels: two activation rows × four weight rows ----
//
// func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int),
// the shape of DotQ4_0Q8_0x4x2AVX2 (gemm_avx2_amd64.s): for p < pairs and i
// in {2p, 2p+1}, out[i*ldo+r] (r < 4) is set to exactly what the four-row
// kernel of the same file (Q4X4_VNNI, Q8X4_VNNI) gives for activation row i
// against the weight rows at w+r·stride. The integer sums are the same exact
// values, and each output's float steps are the four-row kernel's
// instructions on them in the same block order; what the pass shares is the
// weight work (the nibbles or w+128 of the four rows once per block for two
// activation rows, the four f16 weight scales converted once).
//
// Registers loaded by the stubs (VNNI_X4X2_ARGS):
//	DI      out row of the current pair; R12 ldo; R14 pairs left
//	R9      w; DX stride; SI, R8 the current blocks of weight rows 0, 1
//	        (rows 2, 3 at (SI)(DX*2), (R8)(DX*2)); +18 or +34 per block
//	CX      activation row 2p, R10 row 2p+1: their current blocks (+34);
//	        R13 bytes per activation row (nb·34)
//	BX      nb; AX blocks left; R11 the four f16 weight scales

// Q4ROW_VNNI sets X6 to the four exact block sums of the weight rows whose
// nibbles are in Y1, Y2, Y3, Y11 (high halves ×16) against the activation
// block at A, as Q4X4_VNNI forms them: the correction −8·Σa in Y5, one
// VPDPBUSD per row into Y6..Y9, then REDUCE4D16. Y4 activations; clobbers
// Y4-Y9.
#define Q4ROW_VNNI(A) \
	VMOVDQU 2(A), Y4 \
	VPXOR Y5, Y5, Y5 \
	DPBUSD(Y4, 4, Y13, 13, Y5, 5) \
	VPXOR Y6, Y6, Y6 \
	VPSUBD Y5, Y6, Y5 \
	VMOVDQA Y5, Y6 \
	DPBUSD(Y4, 4, Y1, 1, Y6, 6) \
	VMOVDQA Y5, Y7 \
	DPBUSD(Y4, 4, Y2, 2, Y7, 7) \
	VMOVDQA Y5, Y8 \
	DPBUSD(Y4, 4, Y3, 3, Y8, 8) \
	VMOVDQA Y5, Y9 \
	DPBUSD(Y4, 4, Y11, 11, Y9, 9) \
	REDUCE4D16(Y6, Y7, Y8, Y9, X6, X7)

// Q4X4X2_VNNI: the Q4_0 micro-kernel. Per block the four rows' nibbles are
// unpacked once (VBROADCASTI128, VPAND with nibbleMaskSplit) for both
// activation rows; Q4ROW_VNNI gives each activation row's four block sums,
// [i0 | i1] in Y10, converted and FMAed with [d_w(r)·d_a0 | d_w(r)·d_a1]
// into Y0: per output acc = fma(isum_b, d_b, acc), as Q4X4_VNNI.
//
// Register map (besides the shared one above):
//	Y0      float accumulators [i0r0..i0r3 | i1r0..i1r3]
//	Y1, Y2, Y3, Y11  nibbles of weight rows 0..3
//	Y4-Y9   Q4ROW_VNNI; Y10 the block sums [i0 | i1]
//	Y12     [d_a0 ×4 | d_a1 ×4]; Y14 d_w ×4 in both halves, then the
//	        products; X7 scratch
//	Y13 corrQ4, Y15 nibbleMaskSplit
#define Q4X4X2_VNNI \
	MOVQ BX, R13 \
	IMULQ $34, R13 \
	VMOVDQU corrQ4<>(SB), Y13 \
	VMOVDQU nibbleMaskSplit<>(SB), Y15 \
	TESTQ R14, R14 \
	JZ q4m2done \
q4m2pair: \
	MOVQ R9, SI \
	LEAQ (SI)(DX*1), R8 \
	LEAQ (CX)(R13*1), R10 \
	MOVQ BX, AX \
	VXORPS Y0, Y0, Y0 \
	TESTQ AX, AX \
	JZ q4m2store \
q4m2loop: \
	VBROADCASTI128 2(SI), Y1 \
	VPAND Y15, Y1, Y1 \
	VBROADCASTI128 2(R8), Y2 \
	VPAND Y15, Y2, Y2 \
	VBROADCASTI128 2(SI)(DX*2), Y3 \
	VPAND Y15, Y3, Y3 \
	VBROADCASTI128 2(R8)(DX*2), Y11 \
	VPAND Y15, Y11, Y11 \
	Q4ROW_VNNI(CX) \
	VMOVDQA X6, X10 \
	Q4ROW_VNNI(R10) \
	VINSERTI128 $1, X6, Y10, Y10 \
	VCVTDQ2PS Y10, Y10 \
	F16X4((SI), (R8), (SI)(DX*2), (R8)(DX*2), R11, X14) \
	VPBROADCASTW (CX), X12 \
	VCVTPH2PS X12, X12 \
	VPBROADCASTW (R10), X7 \
	VCVTPH2PS X7, X7 \
	VINSERTF128 $1, X7, Y12, Y12 \
	VINSERTF128 $1, X14, Y14, Y14 \
	VMULPS Y12, Y14, Y14 \
	VFMADD231PS Y14, Y10, Y0 \
	ADDQ $18, SI \
	ADDQ $18, R8 \
	ADDQ $34, CX \
	ADDQ $34, R10 \
	DECQ AX \
	JNZ q4m2loop \
q4m2store: \
	VMOVUPS X0, (DI) \
	VEXTRACTF128 $1, Y0, X0 \
	VMOVUPS X0, (DI)(R12*4) \
	LEAQ (DI)(R12*8), DI \
	MOVQ R10, CX \
	DECQ R14 \
	JNZ q4m2pair \
q4m2done: \
	VZEROUPPER

// Q8R_VNNI adds to the 8 float lanes of C the lane sums of the Q8_0 weight
// block at W against the activations in Y8 (correction −128·Σa in Y9),
// times the d_w·d_a that VSHUFPS $SEL picks from Y12, as Q8X4_VNNI does for
// one row. Y10, Y11, Y13 scratch; Y15 0x80 bytes.
#define Q8R_VNNI(W, SEL, C) \
	VPXOR W, Y15, Y11 \
	VMOVDQA Y9, Y10 \
	DPBUSD(Y8, 8, Y11, 11, Y10, 10) \
	VCVTDQ2PS Y10, Y10 \
	VSHUFPS $(SEL), Y12, Y12, Y13 \
	VFMADD231PS Y13, Y10, C

// Q8ROW_VNNI adds the block of the activation row at A to its four
// accumulators C0..C3: activations in Y8, correction in Y9, the four
// d_w·d_a in both halves of Y12 (d_w ×4 in X14, from F16X4).
#define Q8ROW_VNNI(A, C0, C1, C2, C3) \
	VMOVDQU 2(A), Y8 \
	VPXOR Y9, Y9, Y9 \
	DPBUSD(Y8, 8, Y15, 15, Y9, 9) \
	VPXOR Y10, Y10, Y10 \
	VPSUBD Y9, Y10, Y9 \
	VPBROADCASTW (A), X13 \
	VCVTPH2PS X13, X13 \
	VMULPS X13, X14, X12 \
	VINSERTF128 $1, X12, Y12, Y12 \
	Q8R_VNNI(2(SI), 0x00, C0) \
	Q8R_VNNI(2(R8), 0x55, C1) \
	Q8R_VNNI(2(SI)(DX*2), 0xAA, C2) \
	Q8R_VNNI(2(R8)(DX*2), 0xFF, C3)

// Q8X4X2_VNNI: the Q8_0 micro-kernel. Eight outputs of 8 float lanes each
// take eight accumulators, so the weights' w+128 are formed again for the
// second activation row (a VPXOR from memory) instead of being kept; the
// four weight scales are gathered and converted once per block. At the end
// HSUM4ROWS reduces each activation row's four accumulators (ggml's
// hsum_float_8 order), as in Q8X4_VNNI.
//
// Register map (besides the shared one above):
//	Y0-Y3   float accumulators of activation row 2p × weight rows 0..3
//	Y4-Y7   the same for activation row 2p+1
//	Y8-Y13  Q8ROW_VNNI; X14 d_w ×4; Y15 0x80 bytes
#define Q8X4X2_VNNI \
	MOVQ BX, R13 \
	IMULQ $34, R13 \
	VMOVDQU signBytes<>(SB), Y15 \
	TESTQ R14, R14 \
	JZ q8m2done \
q8m2pair: \
	MOVQ R9, SI \
	LEAQ (SI)(DX*1), R8 \
	LEAQ (CX)(R13*1), R10 \
	MOVQ BX, AX \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7 \
	TESTQ AX, AX \
	JZ q8m2store \
q8m2loop: \
	F16X4((SI), (R8), (SI)(DX*2), (R8)(DX*2), R11, X14) \
	Q8ROW_VNNI(CX, Y0, Y1, Y2, Y3) \
	Q8ROW_VNNI(R10, Y4, Y5, Y6, Y7) \
	ADDQ $34, SI \
	ADDQ $34, R8 \
	ADDQ $34, CX \
	ADDQ $34, R10 \
	DECQ AX \
	JNZ q8m2loop \
q8m2store: \
	VMOVAPS Y4, Y8 \
	VMOVAPS Y5, Y9 \
	VMOVAPS Y6, Y10 \
	VMOVAPS Y7, Y11 \
	HSUM4ROWS \
	VMOVUPS X0, (DI) \
	VMOVAPS Y8, Y0 \
	VMOVAPS Y9, Y1 \
	VMOVAPS Y10, Y2 \
	VMOVAPS Y11, Y3 \
	HSUM4ROWS \
	VMOVUPS X0, (DI)(R12*4) \
	LEAQ (DI)(R12*8), DI \
	MOVQ R10, CX \
	DECQ R14 \
	JNZ q8m2pair \
q8m2done: \
	VZEROUPPER

// ---- TEXT stubs ----

// VNNI_X4_ARGS, VNNI_X1_ARGS and VNNI_X4X2_ARGS load the arguments of the
// three kernel shapes into the registers the bodies above read.
#define VNNI_X4_ARGS \
	MOVQ out+0(FP), DI \
	MOVQ w_base+8(FP), SI \
	MOVQ stride+32(FP), DX \
	MOVQ a_base+40(FP), CX \
	MOVQ nb+64(FP), AX

#define VNNI_X1_ARGS \
	MOVQ w_base+0(FP), SI \
	MOVQ a_base+24(FP), CX \
	MOVQ nb+48(FP), AX

#define VNNI_X4X2_ARGS \
	MOVQ out_base+0(FP), DI \
	MOVQ ldo+24(FP), R12 \
	MOVQ w_base+32(FP), R9 \
	MOVQ stride+56(FP), DX \
	MOVQ a_base+64(FP), CX \
	MOVQ pairs+88(FP), R14 \
	MOVQ nb+96(FP), BX

// VNNI_KERNELS defines the six kernels of one VNNI flavour, named
// Q4X4 (func(out *[4]float32, w []byte, stride int, a []byte, nb int)),
// Q4X1 (func(w, a []byte, nb int) float32), Q8X4, Q8X1 and the micro-kernels
// Q4X4X2, Q8X4X2 (func(out []float32, ldo int, w []byte, stride int,
// a []byte, pairs, nb int)), with FRAME bytes of frame (the emulated
// VPDPBUSD needs 160). The three dot_*vnni*_amd64.s files instantiate it
// once each, so the stubs of the kernels no test can run on a CPU without
// VNNI are, by construction, those the emulated ones test. go vet's
// asmdecl does not expand macros, so it cannot check these frames; the
// tests of the emulated kernels (TestDotQ4_0Q8_0, TestDotQ8_0Q8_0,
// TestDotX4x2) run every stub on misaligned inputs, strides and output
// strides that a misread argument would not survive.
#define VNNI_KERNELS(Q4X4, Q4X1, Q8X4, Q8X1, Q4X4X2, Q8X4X2, FRAME) \
TEXT Q4X4(SB), NOSPLIT, $FRAME-72 \
	VNNI_X4_ARGS \
	Q4X4_VNNI \
	RET \
TEXT Q4X1(SB), NOSPLIT, $FRAME-60 \
	VNNI_X1_ARGS \
	Q4X1_VNNI \
	VMOVSS X0, ret+56(FP) \
	VZEROUPPER \
	RET \
TEXT Q8X4(SB), NOSPLIT, $FRAME-72 \
	VNNI_X4_ARGS \
	Q8X4_VNNI \
	RET \
TEXT Q8X1(SB), NOSPLIT, $FRAME-60 \
	VNNI_X1_ARGS \
	Q8X1_VNNI \
	VMOVSS X0, ret+56(FP) \
	VZEROUPPER \
	RET \
TEXT Q4X4X2(SB), NOSPLIT, $FRAME-104 \
	VNNI_X4X2_ARGS \
	Q4X4X2_VNNI \
	RET \
TEXT Q8X4X2(SB), NOSPLIT, $FRAME-104 \
	VNNI_X4X2_ARGS \
	Q8X4X2_VNNI \
	RET

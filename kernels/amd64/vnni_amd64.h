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

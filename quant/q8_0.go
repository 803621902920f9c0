package quant

import (
	"encoding/binary"
	"math"
)

const (
	blockLenQ8_0   = 32
	blockBytesQ8_0 = 2 + blockLenQ8_0
)

// BlockQ8_0 is one ggml Q8_0 block (block_q8_0 in ggml-common.h): 32 values,
// value j being F16ToF32(D) × Qs[j]. In tensor data a block is 34 bytes, D
// little-endian followed by Qs; Encode and Decode convert, so that blocks can
// be read from unaligned file bytes.
type BlockQ8_0 struct {
	D  uint16   // scale, f16 bits
	Qs [32]int8 // quants
}

// Decode sets b from the first 34 bytes of src.
func (b *BlockQ8_0) Decode(src []byte) {
	src = src[:blockBytesQ8_0]
	b.D = binary.LittleEndian.Uint16(src)
	for j := range b.Qs {
		b.Qs[j] = int8(src[2+j])
	}
}

// Encode writes b into the first 34 bytes of dst.
func (b *BlockQ8_0) Encode(dst []byte) {
	dst = dst[:blockBytesQ8_0]
	binary.LittleEndian.PutUint16(dst, b.D)
	for j, q := range b.Qs {
		dst[2+j] = uint8(q)
	}
}

// Dequantize writes the block's 32 values into the start of dst.
func (b *BlockQ8_0) Dequantize(dst []float32) {
	dst = dst[:blockLenQ8_0]
	d := F16ToF32(b.D)
	for j, q := range b.Qs {
		dst[j] = d * float32(q)
	}
}

// quantizeRef sets b from 32 values exactly as ggml's quantize_row_q8_0_ref
// (ggml-quants.c), the weight quantizer of llama-quantize, does:
// d = amax/127, id = 1/d, q = roundf(x·id) with ties away from zero.
func (b *BlockQ8_0) quantizeRef(x []float32) {
	x = x[:blockLenQ8_0]
	var amax float32
	for _, v := range x {
		// ggml's MAX(amax, |v|) is "amax > |v| ? amax : |v|": written the same
		// way so that a NaN is taken, and then dropped by the next element,
		// just as in C.
		if a := abs32(v); !(amax > a) {
			amax = a
		}
	}
	d := amax / 127
	var id float32
	if d != 0 { // true for NaN, as C's "d ?" is
		id = 1 / d
	}
	b.D = F32ToF16(d)
	for j, v := range x {
		// float32(v*id) is C's product, rounded before roundf sees it. The
		// explicit conversion is what the Go spec guarantees is rounded and
		// never fused into a following add or subtract (an FMA, which Go
		// emits on arm64 and with GOAMD64=v3), whatever the helper does with
		// its argument; a fused product decides halfway cases differently.
		b.Qs[j] = int8(roundAwayInt32(float32(v * id)))
	}
}

// quantizeAct sets b from 32 values exactly as ggml-cpu's x86 AVX/AVX2
// quantize_row_q8_0 (arch/x86/quants.c) quantizes matmul activations. It
// differs from quantizeRef twice: the inverse scale is 127/amax, not 1/d
// (the two can differ in the last bit), and x·id is rounded half to even by
// _mm256_round_ps(_MM_ROUND_NEAREST), not away from zero. The maximum is
// found with MAXPS lane by lane and then by its reduction tree, whose operand
// order is copied so that NaN inputs pick the same value as the SIMD code.
func (b *BlockQ8_0) quantizeAct(x []float32) {
	x = x[:blockLenQ8_0]
	// maxps is MAXPS/MAXSS: the second operand unless the first is greater,
	// so a NaN in either place yields the second.
	maxps := func(a, b float32) float32 {
		if a > b {
			return a
		}
		return b
	}
	// Four 8-lane vectors, folded with _mm256_max_ps.
	var lane [8]float32
	for l := range lane {
		m := abs32(x[l])
		m = maxps(m, abs32(x[8+l]))
		m = maxps(m, abs32(x[16+l]))
		lane[l] = maxps(m, abs32(x[24+l]))
	}
	// High 128 bits against low, then movehl (lanes 2,3 onto 0,1), then
	// movehdup (lane 1 onto 0).
	var q4 [4]float32
	for l := range q4 {
		q4[l] = maxps(lane[4+l], lane[l])
	}
	q4[0], q4[1] = maxps(q4[0], q4[2]), maxps(q4[1], q4[3])
	amax := maxps(q4[0], q4[1])

	d := amax / 127
	b.D = F32ToF16(d) // GGML_CPU_FP32_TO_FP16: F16C _cvtss_sh(d, 0)
	var id float32
	if amax != 0 {
		id = 127 / amax
	}
	for j, v := range x {
		// float32(v*id): the rounded product, as in quantizeRef.
		b.Qs[j] = roundEvenSatInt8(float32(v * id))
	}
}

func dequantizeQ8_0(dst []float32, src []byte) {
	checkCodec("q8_0", "dequantize", len(dst), len(src), blockLenQ8_0, blockBytesQ8_0)
	var b BlockQ8_0
	for i := range len(dst) / blockLenQ8_0 {
		b.Decode(src[i*blockBytesQ8_0:])
		b.Dequantize(dst[i*blockLenQ8_0:])
	}
}

func quantizeQ8_0(dst []byte, src []float32) {
	checkCodec("q8_0", "quantize", len(src), len(dst), blockLenQ8_0, blockBytesQ8_0)
	var b BlockQ8_0
	for i := range len(src) / blockLenQ8_0 {
		b.quantizeRef(src[i*blockLenQ8_0:])
		b.Encode(dst[i*blockBytesQ8_0:])
	}
}

// QuantizeQ8_0Act quantizes activations (a multiple of 32 values in src) into
// Q8_0 blocks in dst the way llama.cpp's CPU backend does on x86 before a
// Q8_0 or Q4_0 matmul: d = amax/127 stored as f16, q = x·(127/amax) rounded
// half to even. Matching it, rather than the weight quantizer
// (Formats[Q8_0].Quantize, which rounds halfway cases away from zero with
// 1/d), is what makes quantized matmuls agree with llama.cpp bit for bit.
// It panics if dst does not hold exactly len(src)/32 blocks.
func QuantizeQ8_0Act(dst []byte, src []float32) {
	checkCodec("q8_0", "activation quantize", len(src), len(dst), blockLenQ8_0, blockBytesQ8_0)
	var b BlockQ8_0
	for i := range len(src) / blockLenQ8_0 {
		b.quantizeAct(src[i*blockLenQ8_0:])
		b.Encode(dst[i*blockBytesQ8_0:])
	}
}

// abs32 is C's fabsf: it clears the sign bit, NaN payloads included.
func abs32(f float32) float32 {
	return math.Float32frombits(math.Float32bits(f) &^ (1 << 31))
}

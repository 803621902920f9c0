package quant

import "encoding/binary"

const (
	blockLenQ4_0   = 32
	blockBytesQ4_0 = 2 + blockLenQ4_0/2
)

// BlockQ4_0 is one ggml Q4_0 block (block_q4_0 in ggml-common.h): 32 values
// as 4-bit quants q in 0..15, value = F16ToF32(D) × (q - 8). Value j (0..15)
// is the low nibble of Qs[j] and value j+16 its high nibble. In tensor data a
// block is 18 bytes, D little-endian followed by Qs.
type BlockQ4_0 struct {
	D  uint16    // scale, f16 bits
	Qs [16]uint8 // two quants per byte
}

// Decode sets b from the first 18 bytes of src.
func (b *BlockQ4_0) Decode(src []byte) {
	src = src[:blockBytesQ4_0]
	b.D = binary.LittleEndian.Uint16(src)
	copy(b.Qs[:], src[2:])
}

// Encode writes b into the first 18 bytes of dst.
func (b *BlockQ4_0) Encode(dst []byte) {
	dst = dst[:blockBytesQ4_0]
	binary.LittleEndian.PutUint16(dst, b.D)
	copy(dst[2:], b.Qs[:])
}

// Dequantize writes the block's 32 values into the start of dst.
func (b *BlockQ4_0) Dequantize(dst []float32) {
	dst = dst[:blockLenQ4_0]
	d := F16ToF32(b.D)
	for j, q := range b.Qs {
		dst[j] = float32(int(q&0x0f)-8) * d
		dst[j+16] = float32(int(q>>4)-8) * d
	}
}

// quantizeRef sets b from 32 values exactly as ggml's quantize_row_q4_0_ref
// (ggml-quants.c) does; llama-quantize uses it for Q4_0 when no importance
// matrix is given. The scale maps the element of largest magnitude, sign
// kept, to quant 0 (-8·d), so the other end of the range, +7·d, may clip.
func (b *BlockQ4_0) quantizeRef(x []float32) {
	x = x[:blockLenQ4_0]
	var amax, signedMax float32
	for _, v := range x {
		// Strict "<": the first of equal magnitudes wins, and a NaN never does.
		if a := abs32(v); amax < a {
			amax, signedMax = a, v
		}
	}
	d := signedMax / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	b.D = F32ToF16(d)
	for j := range b.Qs {
		b.Qs[j] = nibbleQ4_0(x[j], id) | nibbleQ4_0(x[j+16], id)<<4
	}
}

// nibbleQ4_0 is ggml's MIN(15, (int8_t)(x*id + 8.5f)): +8.5 then truncation
// is round-half-up onto 0..16, and 16 (only reachable at the clipped +8 end)
// becomes 15. The int8 and uint8 narrowing keep the low byte as gcc's code
// does, which only matters for non-finite inputs (see round.go).
func nibbleQ4_0(x, id float32) uint8 {
	// float32(x*id) rounds the product before the add. Go may otherwise fuse
	// x*id + 8.5 into one FMA (the spec allows it, and the compiler does on
	// arm64 and with GOAMD64=v3), which skips that rounding and flips results
	// whose product rounds to a .5 boundary; ggml-quants.c is built without
	// FMA on x86-64 and rounds the product separately.
	q := int8(x86TruncInt32(float32(x*id) + 8.5))
	if q > 15 {
		q = 15
	}
	return uint8(q)
}

func dequantizeQ4_0(dst []float32, src []byte) {
	checkCodec("q4_0", "dequantize", len(dst), len(src), blockLenQ4_0, blockBytesQ4_0)
	var b BlockQ4_0
	for i := range len(dst) / blockLenQ4_0 {
		b.Decode(src[i*blockBytesQ4_0:])
		b.Dequantize(dst[i*blockLenQ4_0:])
	}
}

func quantizeQ4_0(dst []byte, src []float32) {
	checkCodec("q4_0", "quantize", len(src), len(dst), blockLenQ4_0, blockBytesQ4_0)
	var b BlockQ4_0
	for i := range len(src) / blockLenQ4_0 {
		b.quantizeRef(src[i*blockLenQ4_0:])
		b.Encode(dst[i*blockBytesQ4_0:])
	}
}

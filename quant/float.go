package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The float codecs move values between float32 slices and little-endian
// tensor bytes. They read and write through encoding/binary rather than
// casting the byte slice, because tensor data in an mmapped file need not be
// aligned for the wider type.

// checkCodec panics unless values and bytes describe the same whole number of
// blocks of format name. The codecs get their lengths from the caller's shape
// arithmetic, so a mismatch is a programming error, not bad input.
func checkCodec(name, op string, values, bytes, blockLen, blockBytes int) {
	if values%blockLen != 0 {
		panic(fmt.Sprintf("quant: %s %s: %d values is not a multiple of the block length %d", name, op, values, blockLen))
	}
	if want := values / blockLen * blockBytes; bytes != want {
		panic(fmt.Sprintf("quant: %s %s: %d values take %d bytes, but the byte slice has %d", name, op, values, want, bytes))
	}
}

func dequantizeF32(dst []float32, src []byte) {
	checkCodec("f32", "dequantize", len(dst), len(src), 1, 4)
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func quantizeF32(dst []byte, src []float32) {
	checkCodec("f32", "quantize", len(src), len(dst), 1, 4)
	for i, f := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
	}
}

func dequantizeF16(dst []float32, src []byte) {
	checkCodec("f16", "dequantize", len(dst), len(src), 1, 2)
	for i := range dst {
		dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func quantizeF16(dst []byte, src []float32) {
	checkCodec("f16", "quantize", len(src), len(dst), 1, 2)
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(f))
	}
}

func dequantizeBF16(dst []float32, src []byte) {
	checkCodec("bf16", "dequantize", len(dst), len(src), 1, 2)
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func quantizeBF16(dst []byte, src []float32) {
	checkCodec("bf16", "quantize", len(src), len(dst), 1, 2)
	for i, f := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(f))
	}
}

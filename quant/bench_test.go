package quant

import (
	"math/rand/v2"
	"testing"
)

// The benchmarks run over 32768 values (128 KiB of float32, cache-resident)
// and count throughput as float32 bytes (4 per value) on the unquantized
// side, so MB/s compares formats by values per second.
const benchValues = 32 * 1024

func benchInput() []float32 {
	r := rand.New(rand.NewPCG(13, 14))
	x := make([]float32, benchValues)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 0.02)
	}
	return x
}

func BenchmarkQuantize(b *testing.B) {
	x := benchInput()
	for _, f := range Formats {
		if f.Quantize == nil || f.Dequantize == nil {
			continue
		}
		b.Run(f.Name, func(b *testing.B) {
			dst := make([]byte, benchValues/f.BlockLen*f.BlockBytes)
			b.SetBytes(4 * benchValues)
			for b.Loop() {
				f.Quantize(dst, x)
			}
		})
	}
	b.Run("q8_0-act", func(b *testing.B) {
		dst := make([]byte, benchValues/blockLenQ8_0*blockBytesQ8_0)
		b.SetBytes(4 * benchValues)
		for b.Loop() {
			QuantizeQ8_0Act(dst, x)
		}
	})
}

func BenchmarkDequantize(b *testing.B) {
	x := benchInput()
	for _, f := range Formats {
		if f.Quantize == nil || f.Dequantize == nil {
			continue
		}
		b.Run(f.Name, func(b *testing.B) {
			src := make([]byte, benchValues/f.BlockLen*f.BlockBytes)
			f.Quantize(src, x)
			dst := make([]float32, benchValues)
			b.SetBytes(4 * benchValues)
			for b.Loop() {
				f.Dequantize(dst, src)
			}
		})
	}
}

func BenchmarkF16Row(b *testing.B) {
	x := benchInput()
	h := make([]uint16, benchValues)
	b.Run("F32ToF16", func(b *testing.B) {
		b.SetBytes(4 * benchValues)
		for b.Loop() {
			F32ToF16Row(h, x)
		}
	})
	b.Run("F16ToF32", func(b *testing.B) {
		F32ToF16Row(h, x)
		b.SetBytes(4 * benchValues)
		for b.Loop() {
			F16ToF32Row(x, h)
		}
	})
}

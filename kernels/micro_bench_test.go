package kernels

import (
	"fmt"
	"testing"

	"lookout/quant"
)

// BenchmarkMicroKernel runs the MatMul micro-kernels on cache-resident data
// (a tile of activation rows against one group of four weight rows, 768
// values) and reports GOP/s = 2·m·4·768 per call: the kernels' own speed,
// without memory traffic or the pool.
func BenchmarkMicroKernel(b *testing.B) {
	const cols, m = 768, 16
	nb := cols / blockLen
	a := randomBlocks(quant.Q8_0, m*nb*blockBytesQ8_0, 5)
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0} {
		wb := blockBytesQ8_0
		if typ == quant.Q4_0 {
			wb = blockBytesQ4_0
		}
		w := randomBlocks(typ, 4*nb*wb, 6)
		out := make([]float32, m*4)
		forEachImplBench(b, func(b *testing.B, im Impl) {
			xm, x4 := im.DotQ8_0Q8_0x4xM, im.DotQ8_0Q8_0x4
			if typ == quant.Q4_0 {
				xm, x4 = im.DotQ4_0Q8_0x4xM, im.DotQ4_0Q8_0x4
			}
			ops := 2 * float64(m) * 4 * cols
			b.Run(fmt.Sprintf("%s/x4xM", typ), func(b *testing.B) {
				for b.Loop() {
					xm(out, 4, w, nb*wb, a, m, nb)
				}
				b.ReportMetric(rate(b, ops), "GOP/s")
			})
			b.Run(fmt.Sprintf("%s/x4", typ), func(b *testing.B) {
				xm := x4xM(x4)
				for b.Loop() {
					xm(out, 4, w, nb*wb, a, m, nb)
				}
				b.ReportMetric(rate(b, ops), "GOP/s")
			})
		})
	}
}

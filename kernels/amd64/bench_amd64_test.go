//go:build !purego

package amd64

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"lookout/quant"
)

// Benchmarks stream a weight matrix of K = 4096 columns (128 blocks per row)
// once per op through one kernel on one goroutine; b.SetBytes is the weight
// bytes, so MB/s is the weight bandwidth. "L2" matrices are about 512 KiB
// (they stay in a 1 MiB L2 after the first pass), "DRAM" ones 64 MiB.
//
// Each benchmark also reports cpu-GB/s: bytes per second of the benchmark
// thread's own CPU time, the figure to read on a shared, busy machine (where
// wall time includes time the thread waited for a CPU). Where wall and CPU
// figures agree the machine was quiet.

// loop runs body b.N times (b.Loop) on a locked OS thread and reports the
// bytes streamed per CPU-second of that thread.
func loop(b *testing.B, bytes int64, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.SetBytes(bytes)
	c0 := threadCPU()
	n := 0
	for b.Loop() {
		body()
		n++
	}
	if cpu := threadCPU() - c0; cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(n)/cpu.Seconds()/1e9, "cpu-GB/s")
	}
}

const benchNB = 128

var benchSizes = []struct {
	name  string
	bytes int
}{{"L2", 512 << 10}, {"DRAM", 64 << 20}}

func benchMatrix(blockBytes, bytes int) (w, a []byte, rows int) {
	r := rand.New(rand.NewPCG(11, 11))
	row := benchNB * blockBytes
	rows = max(4, bytes/row/4*4)
	w = make([]byte, rows*row)
	if blockBytes == 18 {
		fillQ4(r, w, rows*benchNB, modeRandom)
	} else {
		fillQ8(r, w, rows*benchNB, modeRandom, false)
	}
	a = make([]byte, benchNB*34)
	fillQ8(r, a, benchNB, modeRandom, true)
	return w, a, rows
}

func benchSets(b *testing.B, f func(b *testing.B, ks kernelSet)) {
	for _, ks := range kernelSets() {
		if ks.name == "vnni-emulated" {
			continue // a test aid, not a kernel
		}
		b.Run(ks.name, func(b *testing.B) {
			if !ks.ok {
				b.Skipf("CPU lacks %s", ks.missing)
			}
			f(b, ks)
		})
	}
}

var sinkF float32

func benchX4(b *testing.B, blockBytes int, pick func(kernelSet) dotX4) {
	benchSets(b, func(b *testing.B, ks kernelSet) {
		for _, sz := range benchSizes {
			b.Run(sz.name, func(b *testing.B) {
				w, a, rows := benchMatrix(blockBytes, sz.bytes)
				row := benchNB * blockBytes
				f := pick(ks)
				var out [4]float32
				loop(b, int64(len(w)), func() {
					for r := 0; r < rows; r += 4 {
						f(&out, w[r*row:], row, a, benchNB)
					}
				})
				sinkF = out[0]
			})
		}
	})
}

func benchX1(b *testing.B, blockBytes int, pick func(kernelSet) dotX1) {
	benchSets(b, func(b *testing.B, ks kernelSet) {
		for _, sz := range benchSizes {
			b.Run(sz.name, func(b *testing.B) {
				w, a, rows := benchMatrix(blockBytes, sz.bytes)
				row := benchNB * blockBytes
				f := pick(ks)
				var s float32
				loop(b, int64(len(w)), func() {
					for r := range rows {
						s += f(w[r*row:(r+1)*row], a, benchNB)
					}
				})
				sinkF = s
			})
		}
	})
}

func BenchmarkDotQ4_0Q8_0x4(b *testing.B) {
	benchX4(b, 18, func(ks kernelSet) dotX4 { return ks.q4x4 })
}

// BenchmarkDotQ4_0_4x4Q8_0 streams the matrix of BenchmarkDotQ4_0Q8_0x4 in
// the Q4_0_4_4 layout (the same bytes, one group of four rows after
// another), the MatVec of a repacked model.
func BenchmarkDotQ4_0_4x4Q8_0(b *testing.B) {
	if !hasAVX2 {
		b.Skip("CPU lacks AVX2, FMA or F16C")
	}
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			rm, a, rows := benchMatrix(18, sz.bytes)
			w := make([]byte, len(rm))
			if err := quant.RepackQ4_0_4x4(w, rm, rows, benchNB*32); err != nil {
				b.Fatal(err)
			}
			group := 4 * benchNB * 18
			var out [4]float32
			loop(b, int64(len(w)), func() {
				for g := 0; g < len(w); g += group {
					DotQ4_0_4x4Q8_0AVX2(&out, w[g:g+group], a, benchNB)
				}
			})
			sinkF = out[0]
		})
	}
}

func BenchmarkDotQ4_0Q8_0(b *testing.B) {
	benchX1(b, 18, func(ks kernelSet) dotX1 { return ks.q4x1 })
}

func BenchmarkDotQ8_0Q8_0x4(b *testing.B) {
	benchX4(b, 34, func(ks kernelSet) dotX4 { return ks.q8x4 })
}

func BenchmarkDotQ8_0Q8_0(b *testing.B) {
	benchX1(b, 34, func(ks kernelSet) dotX1 { return ks.q8x1 })
}

func BenchmarkDotF16F32(b *testing.B) {
	if !hasAVX2 {
		b.Skip("CPU lacks AVX2, FMA or F16C")
	}
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(12, 12))
			w := make([]uint16, sz.bytes/2)
			for i := range w {
				w[i] = uint16(r.Uint32()) & 0xbbff // finite
			}
			x := make([]float32, 4096)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			var s float32
			loop(b, int64(2*len(w)), func() {
				for i := 0; i < len(w); i += len(x) {
					s += DotF16F32AVX2(w[i:i+len(x)], x)
				}
			})
			sinkF = s
		})
	}
}

func BenchmarkDotF32(b *testing.B) {
	if !hasAVX2 {
		b.Skip("CPU lacks AVX2, FMA or F16C")
	}
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(13, 13))
			w := make([]float32, sz.bytes/4)
			for i := range w {
				w[i] = float32(r.NormFloat64())
			}
			x := make([]float32, 4096)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			var s float32
			loop(b, int64(4*len(w)), func() {
				for i := 0; i < len(w); i += len(x) {
					s += DotF32AVX2(w[i:i+len(x)], x)
				}
			})
			sinkF = s
		})
	}
}

// BenchmarkQuantizeQ8_0 quantizes activation rows; SetBytes is the float
// input.
func BenchmarkQuantizeQ8_0(b *testing.B) {
	if !hasAVX2 {
		b.Skip("CPU lacks AVX2, FMA or F16C")
	}
	for _, n := range []int{1152, 4096, 1 << 20} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(14, 14))
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			dst := make([]byte, n/32*34)
			loop(b, int64(4*n), func() { QuantizeQ8_0AVX2(dst, x) })
		})
	}
}

// BenchmarkGemmQ4 runs the Q4_0 MatMul micro-kernels over the Gemma 3 1B
// prefill shape (512 activation rows of 1152 values against 6912 weight
// rows) the way kernels.MatMul tiles it on one thread (weight panels of
// about 128 KiB, tiles of 12 activation rows, 16 KiB of Q8_0), in row-major
// Q4_0 and in Q4_0_4_4, and reports GOP/s = 2·M·N·K per second.
func BenchmarkGemmQ4(b *testing.B) {
	if !hasAVX2 {
		b.Skip("CPU lacks AVX2, FMA or F16C")
	}
	const m, k, n, tile = 512, 1152, 6912, 12
	nb := k / 32
	rb, qb := nb*18, nb*34
	panel := max(4, (128<<10)/rb&^3)
	r := rand.New(rand.NewPCG(15, 15))
	rm := make([]byte, n*rb)
	fillQ4(r, rm, n*nb, modeRandom)
	w44 := make([]byte, len(rm))
	if err := quant.RepackQ4_0_4x4(w44, rm, n, k); err != nil {
		b.Fatal(err)
	}
	a := make([]byte, m*qb)
	fillQ8(r, a, m*nb, modeRandom, true)
	out := make([]float32, m*n)
	ops := 2.0 * m * k * n
	run := func(b *testing.B, call func(i0, r0 int)) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c0 := threadCPU()
		for b.Loop() {
			for p0 := 0; p0 < n; p0 += panel {
				for i0 := 0; i0 < m; i0 += tile {
					for r0 := p0; r0 < min(p0+panel, n); r0 += 4 {
						call(i0, r0)
					}
				}
			}
		}
		b.ReportMetric(ops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
		if cpu := threadCPU() - c0; cpu > 0 {
			b.ReportMetric(ops*float64(b.N)/cpu.Seconds()/1e9, "GOP/cpu-s")
		}
	}
	b.Run("Q4_0", func(b *testing.B) {
		run(b, func(i0, r0 int) {
			DotQ4_0Q8_0x4x2AVX2(out[i0*n+r0:], n, rm[r0*rb:], rb, a[i0*qb:], tile/2, nb)
		})
	})
	b.Run("Q4_0_4_4", func(b *testing.B) {
		run(b, func(i0, r0 int) {
			DotQ4_0_4x4Q8_0x2AVX2(out[i0*n+r0:], n, w44[r0*rb:], a[i0*qb:], tile/2, nb)
		})
	})
}

package kernels

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"lookout/quant"
)

// Benchmarks report rates (never asserted): GB/s of weights streamed for
// the dot kernels and matvec, GOP/s (2·M·N·K per second, int8 or float ops
// alike) for matmul, and for the roofline the fraction of the machine's read
// bandwidth measured in the same run. Each runs for every Impl the CPU
// supports (sub-benchmarks named impl=NAME). Big buffers are allocated once
// per benchmark function. Typical use:
//
//	go test -run '^$' -bench 'MatVec|Roofline|ReadBandwidth' ./kernels/

// fillRandom fills b with pseudo-random bytes quickly (256 MiB in a fraction
// of a second).
func fillRandom(b []byte, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, r.Uint64())
		b = b[8:]
	}
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// randomBlocks returns n bytes of Q4_0 or Q8_0 blocks with random quants and
// ordinary scales (random scale bits would include NaNs and subnormals,
// which some CPUs handle slowly).
func randomBlocks(t quant.Type, n int, seed uint64) []byte {
	data := make([]byte, n)
	fillRandom(data, seed)
	bb := int(quant.Formats[t].BlockBytes)
	for i := 0; i+bb <= len(data); i += bb {
		binary.LittleEndian.PutUint16(data[i:], 0x2000+uint16(i/bb%512)) // ~0.008
	}
	return data
}

// benchMatrix returns a rows×cols matrix of type t with random contents.
func benchMatrix(t quant.Type, rows, cols int) Matrix {
	f := quant.Formats[t]
	rb := int(int64(cols) / f.BlockLen * f.BlockBytes)
	var data []byte
	switch t {
	case quant.Q4_0, quant.Q8_0:
		data = randomBlocks(t, rows*rb, 1)
	case quant.Q4_0_4_4: // the Q4_0 matrix, repacked
		data = make([]byte, rows*rb)
		if err := quant.RepackQ4_0_4x4(data, randomBlocks(quant.Q4_0, rows*rb, 1), rows, cols); err != nil {
			panic(err)
		}
	default:
		data = make([]byte, rows*rb)
		f.Quantize(data, randFloats(newRand(1), rows*cols, 0.05))
	}
	m, err := NewMatrix(t, rows, cols, data)
	if err != nil {
		panic(err)
	}
	return m
}

// rate returns units per second after a b.Loop loop, in thousands of
// millions (GB/s, GOP/s).
func rate(b *testing.B, perOp float64) float64 {
	return perOp * float64(b.N) / b.Elapsed().Seconds() / 1e9
}

// forEachImplBench runs f as sub-benchmark impl=NAME for every supported
// Impl, with the exported functions switched to it.
func forEachImplBench(b *testing.B, f func(b *testing.B, im Impl)) {
	for _, im := range Impls() {
		b.Run("impl="+im.Name, func(b *testing.B) {
			restore := useImpl(im)
			defer restore()
			f(b, im)
		})
	}
}

func BenchmarkDot(b *testing.B) {
	const nb = 1152 / blockLen // a Gemma 3 1B row
	wq4 := randomBlocks(quant.Q4_0, 4*nb*blockBytesQ4_0, 2)
	wq8 := randomBlocks(quant.Q8_0, 4*nb*blockBytesQ8_0, 3)
	a := make([]byte, nb*blockBytesQ8_0)
	quant.QuantizeQ8_0Act(a, randFloats(newRand(4), nb*blockLen, 1))
	w16 := make([]uint16, nb*blockLen)
	for i := range w16 {
		w16[i] = quant.F32ToF16(float32(i%17) * 0.01)
	}
	wf := randFloats(newRand(5), nb*blockLen, 1)
	x := randFloats(newRand(6), nb*blockLen, 1)
	forEachImplBench(b, func(b *testing.B, im Impl) {
		var out [4]float32
		b.Run("Q4_0Q8_0", func(b *testing.B) {
			b.SetBytes(int64(nb * blockBytesQ4_0))
			for b.Loop() {
				out[0] = im.DotQ4_0Q8_0(wq4, a, nb)
			}
		})
		b.Run("Q4_0Q8_0x4", func(b *testing.B) {
			b.SetBytes(int64(4 * nb * blockBytesQ4_0))
			for b.Loop() {
				im.DotQ4_0Q8_0x4(&out, wq4, nb*blockBytesQ4_0, a, nb)
			}
		})
		b.Run("Q8_0Q8_0", func(b *testing.B) {
			b.SetBytes(int64(nb * blockBytesQ8_0))
			for b.Loop() {
				out[0] = im.DotQ8_0Q8_0(wq8, a, nb)
			}
		})
		b.Run("Q8_0Q8_0x4", func(b *testing.B) {
			b.SetBytes(int64(4 * nb * blockBytesQ8_0))
			for b.Loop() {
				im.DotQ8_0Q8_0x4(&out, wq8, nb*blockBytesQ8_0, a, nb)
			}
		})
		b.Run("F16F32", func(b *testing.B) {
			b.SetBytes(int64(2 * len(w16)))
			for b.Loop() {
				out[0] = im.DotF16F32(w16, x)
			}
		})
		b.Run("F32", func(b *testing.B) {
			b.SetBytes(int64(4 * len(wf)))
			for b.Loop() {
				out[0] = im.DotF32(wf, x)
			}
		})
		b.Run("QuantizeQ8_0", func(b *testing.B) {
			b.SetBytes(int64(4 * len(x))) // activation bytes read
			for b.Loop() {
				im.QuantizeQ8_0(a, x)
			}
		})
	})
}

// BenchmarkMatVec streams a Gemma 3 1B feed-forward matrix (6912×1152) per
// weight format at 1 and 2 threads and reports weight GB/s.
func BenchmarkMatVec(b *testing.B) {
	const rows, cols = 6912, 1152
	ws := map[quant.Type]Matrix{}
	types := append(matrixTypes[:len(matrixTypes):len(matrixTypes)], quant.Q4_0_4_4)
	for _, t := range types {
		ws[t] = benchMatrix(t, rows, cols)
	}
	x := randFloats(newRand(7), cols, 1)
	out := make([]float32, rows)
	forEachImplBench(b, func(b *testing.B, im Impl) {
		for _, t := range types {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/threads=%d", t, threads), func(b *testing.B) {
					p := NewPool(threads)
					defer p.Close()
					var s Scratch
					w := ws[t]
					b.SetBytes(int64(len(w.Data)))
					for b.Loop() {
						MatVec(p, out, w, x, &s)
					}
					b.ReportMetric(rate(b, float64(len(w.Data))), "GB/s")
				})
			}
		}
	})
}

// BenchmarkMatMul runs the prefill and vision-tower GEMM shapes of the issue
// at 1 and 2 threads and reports GOP/s = 2·M·N·K / time: M activations of K
// values against N weight rows (and, at one thread on Linux, GOP/cpu-s, the
// same per CPU second of the calling thread). They are large (the generic Q8_0 one takes
// tens of seconds per iteration), so run them on purpose:
//
//	go test -run '^$' -bench MatMul -benchtime 1x ./kernels/
func BenchmarkMatMul(b *testing.B) {
	shapes := []struct {
		name    string
		typ     quant.Type
		m, k, n int
	}{
		// SigLIP 2 B/16: 196 patches (vision) and 64 tokens (text) through
		// the attention projections and both MLP matrices.
		{"siglip-b16-qkvo", quant.Q8_0, 196, 768, 768},
		{"siglip-b16-fc1", quant.Q8_0, 196, 768, 3072},
		{"siglip-b16-fc2", quant.Q8_0, 196, 3072, 768},
		{"siglip-b16-text-qkvo", quant.Q8_0, 64, 768, 768},
		{"siglip-b16-text-fc1", quant.Q8_0, 64, 768, 3072},
		{"siglip-b16-text-fc2", quant.Q8_0, 64, 3072, 768},
		// Gemma 3 1B prefill of 64 tokens: feed-forward up and down.
		{"gemma3-1b-up", quant.Q4_0, 64, 1152, 6912},
		{"gemma3-1b-down", quant.Q4_0, 64, 6912, 1152},
		{"gemma3-1b-prefill", quant.Q4_0, 512, 1152, 6912},
		{"gemma3-1b-prefill", quant.Q4_0_4_4, 512, 1152, 6912},
		{"siglip-so400m-mlp", quant.Q8_0, 4096, 1152, 4304},
	}
	for _, sh := range shapes {
		w := benchMatrix(sh.typ, sh.n, sh.k)
		x := randFloats(newRand(8), sh.m*sh.k, 1)
		out := make([]float32, sh.m*sh.n)
		b.Run(fmt.Sprintf("%s/%dx%dx%d-%s", sh.name, sh.m, sh.k, sh.n, sh.typ), func(b *testing.B) {
			forEachImplBench(b, func(b *testing.B, im Impl) {
				for _, threads := range []int{1, 2} {
					b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
						p := NewPool(threads)
						defer p.Close()
						var s Scratch
						// With one thread the caller does all the work:
						// its CPU time gives a rate that other jobs on a
						// shared machine disturb far less than wall time.
						runtime.LockOSThread()
						defer runtime.UnlockOSThread()
						c0 := threadCPU()
						for b.Loop() {
							MatMul(p, out, w, x, sh.m, &s)
						}
						ops := 2 * float64(sh.m) * float64(sh.k) * float64(sh.n)
						b.ReportMetric(rate(b, ops), "GOP/s")
						if cpu := threadCPU() - c0; threads == 1 && cpu > 0 {
							b.ReportMetric(ops*float64(b.N)/cpu.Seconds()/1e9, "GOP/cpu-s")
						}
					})
				}
			})
		})
	}
}

// bandwidthBytes is the size of the buffers the bandwidth and roofline
// benchmarks stream: far larger than any cache.
const bandwidthBytes = 256 << 20

// readTask reads its share of buf with the runtime's memmove (vector loads,
// as fast as Go gets without assembly of its own) into a small buffer on the
// reading goroutine's stack, which stays in L1, so that the time is that of
// the reads. Chunks are readChunk bytes.
type readTask struct {
	buf []byte
}

const readChunk = 4 << 10

func (t *readTask) run(start, end int) {
	var dst [readChunk]byte
	for c := start; c < end; c++ {
		copy(dst[:], t.buf[c*readChunk:])
	}
}

// sumTask reads its share of words by summing them in plain Go, the
// alternative to readTask; chunks are sumChunk words.
type sumTask struct {
	words []uint64
	sink  atomic.Uint64
}

const sumChunk = 512

func (t *sumTask) run(start, end int) {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for c := start; c < end; c++ {
		w := t.words[c*sumChunk : (c+1)*sumChunk]
		for len(w) >= 8 {
			s0 += w[0]
			s1 += w[1]
			s2 += w[2]
			s3 += w[3]
			s4 += w[4]
			s5 += w[5]
			s6 += w[6]
			s7 += w[7]
			w = w[8:]
		}
	}
	t.sink.Add(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7)
}

// u64View reinterprets b (8-byte aligned, from make) as words.
func u64View(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
}

// readBandwidth returns the best of passes timed passes of p reading buf
// with memmove, in bytes per second.
func readBandwidth(p *Pool, buf []byte, passes int) float64 {
	t := &readTask{buf: buf}
	n := len(buf) / readChunk
	best := 0.0
	for range passes {
		start := time.Now()
		p.run(n, t)
		best = max(best, float64(n*readChunk)/time.Since(start).Seconds())
	}
	return best
}

// BenchmarkReadBandwidth measures what the machine can stream from memory
// at 1 and 2 threads, reading 256 MiB two ways: memmove into an L1-resident
// buffer (method=memmove, vector loads; the figure the roofline uses) and a
// plain-Go sum of uint64 words (method=sum).
func BenchmarkReadBandwidth(b *testing.B) {
	buf := make([]byte, bandwidthBytes)
	fillRandom(buf, 9)
	words := u64View(buf)
	for _, threads := range []int{1, 2} {
		p := NewPool(threads)
		b.Run(fmt.Sprintf("method=memmove/threads=%d", threads), func(b *testing.B) {
			t := &readTask{buf: buf}
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				p.run(len(buf)/readChunk, t)
			}
			b.ReportMetric(rate(b, float64(len(buf))), "GB/s")
		})
		b.Run(fmt.Sprintf("method=sum/threads=%d", threads), func(b *testing.B) {
			t := &sumTask{words: words}
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				p.run(len(words)/sumChunk, t)
			}
			b.ReportMetric(rate(b, float64(len(buf))), "GB/s")
		})
		p.Close()
	}
}

// BenchmarkRoofline streams a 256 MiB Q4_0 matrix (4096 columns) through
// MatVec at 1 and 2 threads and reports its weight GB/s, the read bandwidth
// measured just before with the same threads (read-GB/s, best of 3 memmove
// passes over the same bytes) and their ratio (roofline): how close decode
// gets to what the memory can deliver. The q4_0_4x4 sub-benchmarks stream
// the same matrix repacked.
func BenchmarkRoofline(b *testing.B) {
	const cols = 4096
	rb := cols / blockLen * blockBytesQ4_0
	rows := bandwidthBytes / rb &^ 3
	w, err := NewMatrix(quant.Q4_0, rows, cols, randomBlocks(quant.Q4_0, rows*rb, 10))
	if err != nil {
		b.Fatal(err)
	}
	packed := make([]byte, len(w.Data))
	if err := quant.RepackQ4_0_4x4(packed, w.Data, rows, cols); err != nil {
		b.Fatal(err)
	}
	w4, err := NewMatrix(quant.Q4_0_4_4, rows, cols, packed)
	if err != nil {
		b.Fatal(err)
	}
	x := randFloats(newRand(11), cols, 1)
	out := make([]float32, rows)
	forEachImplBench(b, func(b *testing.B, im Impl) {
		for _, threads := range []int{1, 2} {
			roofline(b, fmt.Sprintf("threads=%d", threads), threads, w, x, out)
		}
		for _, threads := range []int{1, 2} {
			roofline(b, fmt.Sprintf("q4_0_4x4/threads=%d", threads), threads, w4, x, out)
		}
	})
}

// roofline is one sub-benchmark of BenchmarkRoofline.
func roofline(b *testing.B, name string, threads int, w Matrix, x, out []float32) {
	b.Run(name, func(b *testing.B) {
		p := NewPool(threads)
		defer p.Close()
		read := readBandwidth(p, w.Data, 3) / 1e9
		var s Scratch
		MatVec(p, out, w, x, &s) // warm up: pages, scratch
		for b.Loop() {
			MatVec(p, out, w, x, &s)
		}
		got := rate(b, float64(len(w.Data)))
		b.ReportMetric(got, "GB/s")
		b.ReportMetric(read, "read-GB/s")
		b.ReportMetric(got/read, "roofline")
	})
}

// BenchmarkPoolRun measures the cost of one Run that does no work: the
// hand-over to the workers and back, on the spinning fast path.
func BenchmarkPoolRun(b *testing.B) {
	for _, threads := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			p := NewPool(threads)
			defer p.Close()
			fn := func(start, end int) {}
			for b.Loop() {
				p.Run(threads, fn)
			}
		})
	}
}

// BenchmarkOps times the row operations at Gemma 3 1B sizes.
func BenchmarkOps(b *testing.B) {
	x := randFloats(newRand(12), 6912, 1)
	w := randFloats(newRand(13), 6912, 1)
	y := make([]float32, 6912)
	for _, c := range []struct {
		name string
		n    int
		f    func(n int)
	}{
		{"RMSNorm", 1152, func(n int) { RMSNorm(y[:n], x[:n], w[:n], 1e-6) }},
		{"LayerNorm", 1152, func(n int) { LayerNorm(y[:n], x[:n], w[:n], w[:n], 1e-6) }},
		{"Softmax", 4096, func(n int) { Softmax(y[:n], x[:n]) }},
		{"GELU", 6912, func(n int) { GELU(y[:n], x[:n]) }},
		{"GELUF16Table", 6912, func(n int) { GELUF16Table(y[:n], x[:n]) }},
		{"RoPENeoX", 4 * 256, func(n int) { copy(y, x[:n]); RoPENeoX(y[:n], 256, 4, 1234, 1e6, 1) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(4 * c.n))
			for b.Loop() {
				c.f(c.n)
			}
		})
	}
}

// BenchmarkGemmF32 times GemmF32 on SigLIP B/16's attention products per
// head (Q·Kᵀ: 196×64 by 196×64; P·V: 196×196 by 64×196; the text tower's
// 64 tokens), for every Impl, and for each also "dot-loop": the same
// product with one DotF32 call per output, as MatMul ran F32 weights
// before the micro-kernel (the same bits, for comparison).
func BenchmarkGemmF32(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"siglip-b16-scores", 196, 196, 64},
		{"siglip-b16-pv", 196, 64, 196},
		{"siglip-b16-text-scores", 64, 64, 64},
		{"siglip-b16-text-pv", 64, 64, 64},
	}
	for _, sh := range shapes {
		a := randFloats(newRand(71), sh.m*sh.k, 1)
		w := randFloats(newRand(72), sh.n*sh.k, 1)
		out := make([]float32, sh.m*sh.n)
		ops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k)
		b.Run(fmt.Sprintf("%s/%dx%dx%d", sh.name, sh.m, sh.k, sh.n), func(b *testing.B) {
			forEachImplBench(b, func(b *testing.B, im Impl) {
				for _, loop := range []bool{false, true} {
					name := "gemm"
					if loop {
						name = "dot-loop"
					}
					b.Run(name, func(b *testing.B) {
						if loop {
							restore := useImpl(Impl{DotF32: im.DotF32, DotF32x3xM: dotF32x3xM(im.DotF32)})
							defer restore()
						}
						for b.Loop() {
							GemmF32(out, sh.n, a, sh.k, w, sh.k, sh.m, sh.n, sh.k)
						}
						b.ReportMetric(rate(b, ops), "GOP/s")
					})
				}
			})
		})
	}
}

// BenchmarkVectorMath times ExpF32, GELUTanh and SoftmaxScaled on rows of
// SigLIP B/16's sizes (the MLP's 3072, the attention's 196), per Impl.
func BenchmarkVectorMath(b *testing.B) {
	x := randFloats(newRand(73), 3072, 2)
	y := make([]float32, 3072)
	forEachImplBench(b, func(b *testing.B, im Impl) {
		for _, c := range []struct {
			name string
			n    int
			f    func(n int)
		}{
			{"ExpF32", 3072, func(n int) { ExpF32(y[:n], x[:n]) }},
			{"GELUTanh", 3072, func(n int) { GELUTanh(y[:n], x[:n]) }},
			{"SoftmaxScaled", 196, func(n int) { copy(y, x[:n]); SoftmaxScaled(y[:n], 0.125) }},
		} {
			b.Run(c.name, func(b *testing.B) {
				for b.Loop() {
					c.f(c.n)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.n), "ns/value")
			})
		}
	})
}

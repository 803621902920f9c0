package siglip

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"lookout/kernels"
	"lookout/quant"
	"lookout/quant/convert"
)

// Benchmarks run a random-weight model with the real
// google/siglip2-base-patch16-224 shapes (convert.RandomSigLIP "b16":
// 224 px, 196 patches, width 768, 12 layers, 64 text positions, vocab
// 256000), written once per run to a temporary GGUF and mapped. Work per
// call: image tower ≈ 17.7 GMAC, text tower ≈ 5.5 GMAC (reported as GOP/s,
// 2 ops per MAC).

var b16 struct {
	once sync.Once
	dir  string
	path map[quant.Type]string
	err  error
}

// b16Model returns the random B/16 model of matrix type typ.
func b16Model(b *testing.B, typ quant.Type) *Model {
	b.Helper()
	b16.once.Do(func() {
		b16.dir, b16.err = os.MkdirTemp("", "siglip-bench-")
		b16.path = map[quant.Type]string{}
	})
	if b16.err != nil {
		b.Fatal(b16.err)
	}
	p, ok := b16.path[typ]
	if !ok {
		w, err := convert.RandomSigLIP("b16", typ, 1)
		if err != nil {
			b.Fatal(err)
		}
		p = filepath.Join(b16.dir, "b16-"+typ.String()+".gguf")
		if err := w.WriteFile(p); err != nil {
			b.Fatal(err)
		}
		b16.path[typ] = p
	}
	m, err := Load(p)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func TestMain(m *testing.M) {
	code := m.Run()
	if b16.dir != "" {
		os.RemoveAll(b16.dir)
	}
	os.Exit(code)
}

const (
	imageGMAC = 17.7
	textGMAC  = 5.5
)

// timed resets the benchmark timer and returns a function that reports
// ms per call and GOP/s for gmac GMAC per call; at one thread it pins the
// goroutine to its OS thread and also reports the same per CPU second of
// that thread ("cpu-ms"), which other jobs on a shared machine disturb far
// less than wall time.
func timed(b *testing.B, threads int) func(unit string, gmac float64) {
	if threads == 1 {
		runtime.LockOSThread()
	}
	b.ResetTimer()
	start, c0 := time.Now(), threadCPU()
	return func(unit string, gmac float64) {
		sec := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(sec*1e3, "ms/"+unit)
		if gmac > 0 {
			b.ReportMetric(2*gmac/sec, "GOP/s")
		}
		if threads == 1 {
			if cpu := (threadCPU() - c0).Seconds() / float64(b.N); cpu > 0 {
				b.ReportMetric(cpu*1e3, "cpu-ms/"+unit)
				if gmac > 0 {
					b.ReportMetric(2*gmac/cpu, "GOP/cpu-s")
				}
			}
			runtime.UnlockOSThread()
		}
	}
}

// BenchmarkEncodeImage times the image tower (pixels → pooled embedding).
func BenchmarkEncodeImage(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q8_0} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", typ, threads), func(b *testing.B) {
				m := b16Model(b, typ)
				defer m.Close()
				pool := kernels.NewPool(threads)
				defer pool.Close()
				s := m.NewSession(pool)
				pix := make([]float32, 3*224*224)
				for i := range pix {
					pix[i] = float32(i%509)/254 - 1
				}
				if _, err := s.EncodeImage(pix); err != nil { // warm the buffers and the page cache
					b.Fatal(err)
				}
				report := timed(b, threads)
				for range b.N {
					if _, err := s.EncodeImage(pix); err != nil {
						b.Fatal(err)
					}
				}
				report("image", imageGMAC)
			})
		}
	}
}

// BenchmarkEncodeText times the text tower on one 64-id prompt.
func BenchmarkEncodeText(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q8_0} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", typ, threads), func(b *testing.B) {
				m := b16Model(b, typ)
				defer m.Close()
				pool := kernels.NewPool(threads)
				defer pool.Close()
				s := m.NewSession(pool)
				ids := make([]int32, m.Config.Text.Context)
				for i := range 10 {
					ids[i] = int32(1000 + 977*i)
				}
				ids[10] = 1
				if _, err := s.EncodeTokens(ids); err != nil {
					b.Fatal(err)
				}
				report := timed(b, threads)
				for range b.N {
					if _, err := s.EncodeTokens(ids); err != nil {
						b.Fatal(err)
					}
				}
				report("prompt", textGMAC)
			})
		}
	}
}

// BenchmarkImageParts times the non-matmul work of one B/16 image encode
// (12 layers): the attention of 196 patches × 12 heads of 64, and the
// GELU of [196][3072], so that a report can split the tower's time into
// attention, GELU and matmuls without a profiler.
func BenchmarkImageParts(b *testing.B) {
	const n, D, M, heads, layers = 196, 768, 3072, 12, 12
	rnd := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = float32((i*7919)%2003)/1001 - 1
		}
		return v
	}
	q, k, v, out := rnd(n*D), rnd(n*D), rnd(n*D), make([]float32, n*D)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("attention/threads=%d", threads), func(b *testing.B) {
			pool := kernels.NewPool(threads)
			defer pool.Close()
			a := newAttention()
			report := timed(b, threads)
			for range b.N {
				for range layers {
					a.do(pool, out, D, q, D, k, D, v, D, n, n, heads, D/heads)
				}
			}
			report("image", 2*n*n*D*layers/1e9)
		})
	}
	b.Run("gelu", func(b *testing.B) {
		x, bias := rnd(n*M), rnd(M)
		report := timed(b, 1)
		for range b.N {
			for range layers {
				geluBias(x, bias) // gelu keeps [-1, 2] values in range for the next pass
			}
		}
		report("image", 0)
	})
}

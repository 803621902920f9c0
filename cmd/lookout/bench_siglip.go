package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"lookout/kernels"
	"lookout/quant/gguf"
	"lookout/runtime/siglip"
)

// openSigLIP loads path as a SigLIP model when it is one: a folder (the
// only Hugging Face folders Lookout loads) or a GGUF whose
// general.architecture is siglip. The GGUF is opened once and handed to the
// model, so the check costs nothing for a SigLIP file (its header holds a
// 256k vocabulary and 580k merges). ok is false, with nothing left open,
// for anything else; errors opening a non-SigLIP file are left to the Gemma
// 3 loader that runs next. load is the time spent opening.
func openSigLIP(path string) (m *siglip.Model, load time.Duration, ok bool, err error) {
	start := time.Now()
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		m, err := siglip.Load(path)
		return m, time.Since(start), true, err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, 0, false, nil
	}
	if a, _ := f.String("general.architecture"); a != siglip.Arch {
		f.Close()
		return nil, 0, false, nil
	}
	if m, err = siglip.New(f); err != nil {
		f.Close()
		return nil, 0, true, err
	}
	return m, time.Since(start), true, nil
}

// siglipBench is what `lookout bench --json` prints for a SigLIP model.
type siglipBench struct {
	Model      string  `json:"model"`
	Arch       string  `json:"arch"`
	ImageSize  int     `json:"image_size"`
	Patches    int     `json:"patches"`
	Context    int     `json:"text_context"`
	WeightType string  `json:"weight_type"` // of the first vision layer's attn_q
	Kernels    string  `json:"kernels"`
	GOARCH     string  `json:"goarch"`
	LoadMS     float64 `json:"load_ms"`
	// ImageGOP and TextGOP are 2× the multiply-adds of one image-tower
	// pass and of one 64-token text-tower pass (matmuls and attention).
	ImageGOP float64            `json:"image_gop"`
	TextGOP  float64            `json:"text_gop"`
	Runs     []siglipBenchRun   `json:"runs"`
	Classify *siglipBenchLabels `json:"classify,omitempty"`
	// PeakRSSBytes is getrusage's ru_maxrss after everything above.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
}

type siglipBenchRun struct {
	Threads    int     `json:"threads"`
	ImageMS    float64 `json:"image_ms"` // median of the timed runs
	ImageGOPS  float64 `json:"image_gop_per_s"`
	TextMS     float64 `json:"text_ms_per_prompt"`
	TextGOPS   float64 `json:"text_gop_per_s"`
	ImageRuns  int     `json:"image_runs"`
	TextRuns   int     `json:"text_runs"`
	ImageMinMS float64 `json:"image_min_ms"`
}

// siglipBenchLabels is the appliance's steady state: labels encoded once,
// then one image pass per frame.
type siglipBenchLabels struct {
	Labels       int     `json:"labels"`
	EncodeMS     float64 `json:"encode_labels_ms"`
	FrameMS      float64 `json:"frame_ms"` // image pass + scores
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
}

// siglipOps returns 2× the multiply-adds of one image and one text pass.
func siglipOps(c siglip.Config) (image, text float64) {
	v := c.Vision
	P, D, M := float64(v.Patches()), float64(v.Hidden), float64(v.FF)
	pp := float64(v.Channels * v.PatchSize * v.PatchSize)
	image = P*pp*D + float64(v.Layers)*(P*(4*D*D+2*D*M)+2*P*P*D) +
		(2*D*D + 2*P*D*D + 2*P*D + 2*D*M) // MAP head: probe q and out, k and v over P, attention, MLP
	t := c.Text
	T, Dt, Mt := float64(t.Context), float64(t.Hidden), float64(t.FF)
	text = float64(t.Layers)*(T*(4*Dt*Dt+2*Dt*Mt)+2*T*T*Dt) + Dt*float64(t.Projection)
	return 2 * image, 2 * text
}

// median returns the median of d (d is sorted in place).
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// runSigLIPBench benchmarks m, loaded from path in load; it closes m.
func runSigLIPBench(m *siglip.Model, path string, load time.Duration, threads []int, runs, labels int, asJSON bool, stdout, stderr io.Writer) error {
	defer m.Close()
	c := m.Config
	r := siglipBench{Model: path, Arch: siglip.Arch, ImageSize: c.Vision.ImageSize, Patches: c.Vision.Patches(),
		Context: c.Text.Context, WeightType: m.Weights.Vision.Blocks[0].Q.Type.String(),
		Kernels: kernels.Active(), GOARCH: runtime.GOARCH, LoadMS: ms(load)}
	r.ImageGOP, r.TextGOP = siglipOps(c)
	r.ImageGOP /= 1e9
	r.TextGOP /= 1e9
	fmt.Fprintf(stderr, "lookout: loaded %s in %.0f ms: image %d px, %d patches, text context %d, weights %s, kernels %s\n",
		path, r.LoadMS, c.Vision.ImageSize, r.Patches, c.Text.Context, r.WeightType, r.Kernels)

	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, c.Vision.Channels*c.Vision.ImageSize*c.Vision.ImageSize)
	for i := range pixels {
		pixels[i] = rng.Float32()*2 - 1
	}
	randomIDs := func() []int32 {
		ids := make([]int32, c.Text.Context)
		for i := range ids {
			ids[i] = int32(rng.IntN(c.Text.Vocab))
		}
		return ids
	}
	for _, th := range threads {
		pool := kernels.NewPool(th)
		s := m.NewSession(pool)
		// One untimed pass each: page faults on the mapped weights and
		// buffer growth are load costs, not per-frame costs.
		if _, err := s.EncodeImage(pixels); err != nil {
			pool.Close()
			return err
		}
		if _, err := s.EncodeTokens(randomIDs()); err != nil {
			pool.Close()
			return err
		}
		img := make([]time.Duration, runs)
		for i := range img {
			t0 := time.Now()
			if _, err := s.EncodeImage(pixels); err != nil {
				pool.Close()
				return err
			}
			img[i] = time.Since(t0)
		}
		txt := make([]time.Duration, runs)
		for i := range txt {
			ids := randomIDs()
			t0 := time.Now()
			if _, err := s.EncodeTokens(ids); err != nil {
				pool.Close()
				return err
			}
			txt[i] = time.Since(t0)
		}
		pool.Close()
		minImg := slices.Min(img)
		mi, mt := median(img), median(txt)
		run := siglipBenchRun{Threads: th, ImageMS: ms(mi), TextMS: ms(mt), ImageRuns: runs, TextRuns: runs,
			ImageMinMS: ms(minImg), ImageGOPS: r.ImageGOP / mi.Seconds(), TextGOPS: r.TextGOP / mt.Seconds()}
		r.Runs = append(r.Runs, run)
		fmt.Fprintf(stderr, "lookout: %d threads: image %.1f ms, text %.1f ms per prompt\n", th, run.ImageMS, run.TextMS)
	}

	if labels > 0 {
		pool := kernels.NewPool(threads[len(threads)-1])
		s := m.NewSession(pool)
		var set *siglip.LabelSet
		t0 := time.Now()
		if m.Tokenizer != nil {
			names := make([]string, labels)
			for i := range names {
				names[i] = fmt.Sprintf("object number %d", i)
			}
			var err error
			if set, err = s.EncodeLabels(names, siglip.DefaultTemplate); err != nil {
				pool.Close()
				return err
			}
		} else {
			// No tokenizer in the file (a converted tiny or random model):
			// encode label-sized id sequences instead; the cost is the same.
			for range labels {
				if _, err := s.EncodeTokens(randomIDs()); err != nil {
					pool.Close()
					return err
				}
			}
		}
		enc := time.Since(t0)
		t0 = time.Now()
		emb, err := s.EncodeImage(pixels)
		if err == nil && set != nil {
			m.Classify(set, emb)
		}
		frame := time.Since(t0)
		pool.Close()
		if err != nil {
			return err
		}
		r.Classify = &siglipBenchLabels{Labels: labels, EncodeMS: ms(enc), FrameMS: ms(frame), PeakRSSBytes: peakRSS()}
	}
	r.PeakRSSBytes = peakRSS()

	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (SigLIP, %d px, %d patches, text context %d, weights %s)\n", r.Model, r.ImageSize, r.Patches, r.Context, r.WeightType)
	fmt.Fprintf(tw, "kernels\t%s, %s\n", r.Kernels, r.GOARCH)
	fmt.Fprintf(tw, "load\t%.1f ms\n", r.LoadMS)
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "image, %d threads\t%.1f ms median of %d (min %.1f; %.1f GOP/s)\n", run.Threads, run.ImageMS, run.ImageRuns, run.ImageMinMS, run.ImageGOPS)
		fmt.Fprintf(tw, "text, %d threads\t%.1f ms per prompt (%.1f GOP/s)\n", run.Threads, run.TextMS, run.TextGOPS)
	}
	if cl := r.Classify; cl != nil {
		fmt.Fprintf(tw, "classify\t%d labels encoded in %.1f ms, then %.1f ms per frame; peak RSS %.1f MiB\n", cl.Labels, cl.EncodeMS, cl.FrameMS, float64(cl.PeakRSSBytes)/(1<<20))
	}
	fmt.Fprintf(tw, "peak RSS\t%.1f MiB\n", float64(r.PeakRSSBytes)/(1<<20))
	return tw.Flush()
}

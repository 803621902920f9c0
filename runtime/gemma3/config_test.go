package gemma3_test

import (
	"bytes"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
	"lookout/runtime/model"
)

// TestConfig reads the tiny Q8_0 model's metadata (values from
// ../shared/testdata/gemma3-tiny/README.md).
func TestConfig(t *testing.T) {
	m, err := model.Load(goldenPath(t, "gemma3-tiny/models/gemma3-tiny-q8_0.gguf"), gemma3.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Config
	want := gemma3.Config{NLayer: 6, NEmbd: 64, NFF: 128, NHead: 4, NHeadKV: 2, HeadDimK: 16, HeadDimV: 16,
		NVocab: 262144, NCtxTrain: 512, NormEps: 1e-6, Window: 8, SWAPeriod: 6,
		RopeBase: 1e6, RopeBaseSWA: 1e4, RopeScale: 0.125, QScale: 0.25}
	if c != want {
		t.Errorf("config\n got %+v\nwant %+v", c, want)
	}
	for il := range 6 {
		if got := c.Sliding(il); got != (il != 5) {
			t.Errorf("Sliding(%d) = %v", il, got)
		}
	}
	if s := m.NewSession(); s.KV.Bytes() != m.KVBytes() || m.KVBytes() != (5*8+512)*2*(16+16)*2 {
		t.Errorf("KV bytes %d, session %d", m.KVBytes(), s.KV.Bytes())
	}
	if m.NCtx != 512 {
		t.Errorf("NCtx = %d, want min(4096, 512)", m.NCtx)
	}
}

// rewrite copies the tiny model's metadata and tensors through a writer,
// letting edit change them, and parses the result.
func rewrite(t *testing.T, edit func(name string, w *gguf.Writer) bool, kv func(w *gguf.Writer)) *gguf.File {
	t.Helper()
	f, err := gguf.Open(goldenPath(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := gguf.NewWriter()
	for _, e := range f.KV {
		if e.Key != gguf.KeyAlignment {
			w.Set(e.Key, e.Value)
		}
	}
	kv(w)
	for _, ti := range f.Tensors {
		if edit(ti.Name, w) {
			continue
		}
		data, _ := f.Data(ti)
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, bytes.Clone(data)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	g, err := gguf.Parse("edited.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestBindErrors checks that every missing or mismatched tensor is listed
// in one error that names the file.
func TestBindErrors(t *testing.T) {
	f := rewrite(t, func(name string, w *gguf.Writer) bool {
		switch name {
		case "blk.1.attn_k.weight", "blk.4.ffn_down.weight":
			return true // dropped
		case "blk.2.attn_q_norm.weight":
			w.AddTensor(name, 0, []int64{8}, make([]byte, 32)) // F32 of the wrong length
			return true
		}
		return false
	}, func(*gguf.Writer) {})
	_, err := gemma3.New(f, gemma3.Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"edited.gguf", "3 tensor problems", `"blk.1.attn_k.weight": missing`,
		`"blk.4.ffn_down.weight": missing`, `"blk.2.attn_q_norm.weight": shape [8], want [16]`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	f := rewrite(t, func(string, *gguf.Writer) bool { return false }, func(w *gguf.Writer) {
		w.Set("gemma3.rope.scaling.type", "yarn")
		w.Set("gemma3.attention.head_count", uint32(0))
	})
	_, err := gemma3.FromGGUF(f)
	if err == nil || !strings.Contains(err.Error(), `"gemma3.rope.scaling.type": rope scaling "yarn" not supported`) ||
		!strings.Contains(err.Error(), `"gemma3.attention.head_count": 0 out of range`) {
		t.Errorf("error %v", err)
	}
}

// TestRingBuffer checks that a context longer than the sliding window (so
// the ring buffers of the sliding layers wrap) gives the same logits as
// evaluating everything in one batch, token by token or in chunks.
func TestRingBuffer(t *testing.T) {
	m, err := model.Load(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"), gemma3.Options{Threads: 1, ContextLength: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids := make([]int32, 30)
	for i := range ids {
		ids[i] = int32(1000 + 37*i)
	}
	all, err := m.NewSession().Forward(ids, false)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]float32(nil), all...)
	s := m.NewSession()
	for _, chunk := range [][]int32{ids[:3], ids[3:4], ids[4:20], ids[20:29], ids[29:]} {
		if all, err = s.Forward(chunk, false); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		if all[i] != want[i] {
			t.Fatalf("logit %d: chunked %v, one batch %v", i, all[i], want[i])
		}
	}
	if _, err := s.Forward(ids[:11], false); err == nil || !strings.Contains(err.Error(), "context length 40") {
		t.Errorf("overflow: %v", err)
	}
}

package gemma3

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
)

// smallVocab returns the tiny model's metadata with the tokenizer arrays cut
// to their first n tokens (the special tokens Gemma 3 needs are among the
// first 107), so that tests can write models with a small embedding: the
// full 262144-row one takes seconds to generate under qemu.
func smallVocab(t *testing.T, ref *gguf.File, n int) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range ref.KV {
		v := kv.Value
		if a, ok := v.V.(gguf.Array); ok && strings.HasPrefix(kv.Key, "tokenizer.ggml.") {
			switch x := a.Values.(type) {
			case []string:
				a.Values = x[:n]
			case []float32:
				a.Values = x[:n]
			case []int32:
				a.Values = x[:n]
			}
			v = gguf.Value{Type: v.Type, V: a}
		}
		if err := w.Set(kv.Key, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("small-vocab.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// smallTiny is the tiny preset with a 1024-row embedding.
func smallTiny() Config {
	c := Presets["tiny"]
	c.NVocab = 1024
	return c
}

// TestRandomTiny writes the tiny preset in every weight type, with a
// 1024-token vocabulary to keep it fast under qemu (cmd/lookout's
// TestGenRandomTiny writes the full-size preset), and checks that the file
// has the tiny test model's metadata keys and tensors (same names, shapes
// apart from the vocabulary, order), loads, and runs a forward pass with
// finite logits.
func TestRandomTiny(t *testing.T) {
	ref, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	small := smallVocab(t, ref, 1024)
	for _, typ := range []quant.Type{quant.Q4_0, quant.Q8_0, quant.F16, quant.F32} {
		t.Run(typ.String(), func(t *testing.T) {
			c, vocab := smallTiny(), small
			w, err := RandomWriter("Gemma3 Tiny Random", c, typ, vocab, 7)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "tiny.gguf")
			if err := w.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			keys := func(f *gguf.File) (k []string) {
				for _, kv := range f.KV {
					k = append(k, kv.Key)
				}
				return k
			}
			if got, want := keys(f), keys(ref); !slices.Equal(got, want) {
				t.Errorf("metadata keys\n got %q\nwant %q", got, want)
			}
			if len(f.Tensors) != len(ref.Tensors) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(ref.Tensors))
			}
			for i, ti := range f.Tensors {
				r := ref.Tensors[i]
				rdims := slices.Clone(r.Dims)
				if r.Name == "token_embd.weight" {
					rdims[1] = int64(c.NVocab)
				}
				if ti.Name != r.Name || !slices.Equal(ti.Dims, rdims) {
					t.Errorf("tensor %d: %s %v, want %s %v", i, ti.Name, ti.Dims, r.Name, r.Dims)
				}
				if want := typ; r.Type == quant.F32 && len(r.Dims) == 1 {
					if ti.Type != quant.F32 {
						t.Errorf("%s: type %s, want f32", ti.Name, ti.Type)
					}
				} else if ti.Type != want {
					t.Errorf("%s: type %s, want %s", ti.Name, ti.Type, want)
				}
			}
			m, err := New(f, Options{Threads: 1, ContextLength: 8})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if mc := m.Config; mc.NLayer != 6 || mc.Window != 8 || mc.RopeScale != 1.0/8 || mc.NVocab != c.NVocab {
				t.Errorf("config %+v", mc)
			}
			logits, err := m.NewSession().Forward([]int32{2, 651, 1000, 42}, false)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range logits {
				if v != v || v > 1e30 || v < -1e30 {
					t.Fatalf("logit %d = %v", i, v)
				}
			}
			if slices.Min(logits) == slices.Max(logits) {
				t.Errorf("constant logits")
			}
		})
	}
}

// TestRandomDeterministic checks that a seed gives the same bytes and
// another seed different ones.
func TestRandomDeterministic(t *testing.T) {
	ref, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	small := smallVocab(t, ref, 1024)
	write := func(seed uint64) []byte {
		w, err := RandomWriter("x", smallTiny(), quant.Q4_0, small, seed)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.gguf")
		if err := w.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := write(1), write(1), write(2)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same file")
	}
}

// TestRandomErrors checks the refusals.
func TestRandomErrors(t *testing.T) {
	ref, err := gguf.Open(golden.Project(t, "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if _, err := RandomWriter("x", Presets["tiny"], quant.Type(9999), ref, 1); err == nil {
		t.Error("unknown type accepted")
	}
	small := Presets["tiny"]
	small.NVocab = 1000
	if _, err := RandomWriter("x", small, quant.Q4_0, ref, 1); err == nil {
		t.Error("vocabulary larger than the embedding accepted")
	}
	for _, p := range []string{"1b", "4b"} {
		c := Presets[p]
		if c.NHead*c.HeadDimK%32 != 0 || c.NEmbd%32 != 0 || c.NFF%32 != 0 {
			t.Errorf("preset %s: shapes not block-aligned", p)
		}
	}
}

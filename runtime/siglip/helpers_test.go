package siglip

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
)

// tinyDir is the HF folder of the tiny random SigLIP 2 model (see
// testdata/siglip2-tiny/README.md).
func tinyDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(golden.Project(t, "siglip2-tiny/config.json"))
}

// readF32 reads a raw little-endian float32 golden from testdata/siglip2-tiny.
func readF32(t testing.TB, name string) []float32 {
	t.Helper()
	b, err := os.ReadFile(golden.Project(t, "siglip2-tiny/"+name))
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not whole float32s", name, len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// goldenJSON is the part of testdata/siglip2-tiny/goldens.json the tests read.
type goldenJSON struct {
	InputIDs   [][]int32 `json:"input_ids"`
	ImageOrder []string  `json:"image_order"`
	LogitScale float64   `json:"logit_scale"`
	LogitBias  float64   `json:"logit_bias"`
}

func readGoldens(t testing.TB) goldenJSON {
	t.Helper()
	b, err := os.ReadFile(golden.Project(t, "siglip2-tiny/goldens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenJSON
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("goldens.json: %v", err)
	}
	return g
}

// convertTiny converts the tiny HF folder to a GGUF of matrix type typ in
// memory and parses it (name is the path errors show).
func convertTiny(t testing.TB, typ quant.Type) *gguf.File {
	t.Helper()
	w, err := convert.SigLIP(tinyDir(t), typ)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("tiny-"+typ.String()+".gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// rewrite copies f's keys and tensors into a new in-memory GGUF named name,
// with keys set (a nil value deletes the key), tensors in drop left out and
// tensors in dims given new dims over the same bytes.
func rewrite(t testing.TB, f *gguf.File, name string, keys map[string]any, drop []string, dims map[string][]int64) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range f.KV {
		if v, ok := keys[kv.Key]; ok {
			if v != nil {
				if err := w.Set(kv.Key, v); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		if err := w.Set(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range keys {
		if _, ok := f.Value(k); !ok && v != nil {
			if err := w.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	dropped := map[string]bool{}
	for _, n := range drop {
		dropped[n] = true
	}
	for _, ti := range f.Tensors {
		if dropped[ti.Name] {
			continue
		}
		data, err := f.Data(ti)
		if err != nil {
			t.Fatal(err)
		}
		d := ti.Dims
		if nd, ok := dims[ti.Name]; ok {
			d = nd
		}
		if err := w.AddTensor(ti.Name, ti.Type, d, data); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out, err := gguf.Parse(name, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// maxAbs returns max |a−b| (+Inf when the lengths differ).
func maxAbs(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > m || d != d {
			m = d
		}
	}
	return m
}

// cosine returns the cosine similarity of a and b in float64.
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// convertWriter converts the tiny HF folder with matrix type typ.
func convertWriter(t testing.TB, typ quant.Type) *gguf.Writer {
	t.Helper()
	w, err := convert.SigLIP(tinyDir(t), typ)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func nanF() float64 { return math.NaN() }

package convert

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
)

const tinyGemma = "gemma3-tiny/models/gemma3-tiny-q4_0.gguf"

// requantBytes runs Requantize on in and parses the file it writes.
func requantBytes(t *testing.T, in *gguf.File, o RequantizeOptions) (*gguf.File, []string) {
	t.Helper()
	w, notes, err := Requantize(in, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("requantized", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f, notes
}

// TestRequantizeRepack repacks the tiny Gemma 3 Q4_0 model
// (testdata/gemma3-tiny/models/gemma3-tiny-q4_0.gguf) into q4_0_4x4 and
// back: every Q4_0 matrix becomes RepackQ4_0_4x4 of its bytes, F32 tensors
// and metadata are copied (general.file_type becomes 33, llama.cpp's
// MOSTLY_Q4_0_4_4), and unpacking gives the original bytes. --embeddings
// q4_0 keeps the token embedding as it is.
func TestRequantizeRepack(t *testing.T) {
	in, err := gguf.Open(golden.Project(t, tinyGemma))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	f, notes := requantBytes(t, in, RequantizeOptions{Type: quant.Q4_0_4_4})
	if len(notes) != 0 {
		t.Errorf("notes: %v", notes)
	}
	if ft, err := f.Int("general.file_type"); err != nil || ft != 33 {
		t.Errorf("general.file_type = %d, %v; want 33", ft, err)
	}
	if len(f.KV) != len(in.KV) || len(f.Tensors) != len(in.Tensors) {
		t.Fatalf("%d keys and %d tensors, want %d and %d", len(f.KV), len(f.Tensors), len(in.KV), len(in.Tensors))
	}
	for i, kv := range in.KV {
		if kv.Key != "general.file_type" && (f.KV[i].Key != kv.Key || f.KV[i].Value.String() != kv.Value.String()) {
			t.Errorf("key %d: %s = %s, want %s = %s", i, f.KV[i].Key, f.KV[i].Value, kv.Key, kv.Value)
		}
	}
	repacked := 0
	for _, ti := range in.Tensors {
		src, _ := in.Data(ti)
		got, ok := f.Tensor(ti.Name)
		if !ok {
			t.Fatalf("tensor %s missing", ti.Name)
		}
		data, _ := f.Data(got)
		want, wantType := src, ti.Type
		if ti.Type == quant.Q4_0 {
			wantType = quant.Q4_0_4_4
			want = make([]byte, len(src))
			if err := quant.RepackQ4_0_4x4(want, src, int(ti.Dims[1]), int(ti.Dims[0])); err != nil {
				t.Fatal(err)
			}
			repacked++
		}
		if got.Type != wantType || !bytes.Equal(data, want) {
			t.Errorf("%s: %s, bytes equal %v; want %s", ti.Name, got.Type, bytes.Equal(data, want), wantType)
		}
	}
	if repacked == 0 {
		t.Fatal("no Q4_0 tensor in the tiny model")
	}

	back, _ := requantBytes(t, f, RequantizeOptions{Type: quant.Q4_0})
	for _, ti := range in.Tensors {
		src, _ := in.Data(ti)
		got, _ := back.Tensor(ti.Name)
		data, _ := back.Data(got)
		if got.Type != ti.Type || !bytes.Equal(data, src) {
			t.Errorf("round trip: %s is %s, bytes equal %v", ti.Name, got.Type, bytes.Equal(data, src))
		}
	}

	q4 := quant.Q4_0
	f, _ = requantBytes(t, in, RequantizeOptions{Type: quant.Q4_0_4_4, EmbeddingType: &q4})
	if ti, _ := f.Tensor("token_embd.weight"); ti.Type != quant.Q4_0 {
		t.Errorf("--embeddings q4_0: token_embd is %s", ti.Type)
	}
	if ti, _ := f.Tensor("blk.0.ffn_up.weight"); ti.Type != quant.Q4_0_4_4 {
		t.Errorf("--embeddings q4_0: ffn_up is %s", ti.Type)
	}
}

// TestRequantizeLossy: a quantized matrix converted to another lossy type
// needs AllowRequantize (the error names the tensor and the flag); with it,
// the bytes are the reference quantizer's output on the dequantized rows.
func TestRequantizeLossy(t *testing.T) {
	in, err := gguf.Open(golden.Project(t, tinyGemma))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	_, _, err = Requantize(in, RequantizeOptions{Type: quant.Q8_0})
	if err == nil || !strings.Contains(err.Error(), `"blk.0.attn_q.weight" is already q4_0`) || !strings.Contains(err.Error(), "--allow-requantize") {
		t.Fatalf("q4_0 → q8_0 without permission: %v", err)
	}
	f, _ := requantBytes(t, in, RequantizeOptions{Type: quant.Q8_0, AllowRequantize: true})
	ti, _ := in.Tensor("blk.0.attn_q.weight")
	src, _ := in.Data(ti)
	v := make([]float32, ti.Elements())
	if err := quant.DequantizeRows(quant.Q4_0, v, src, int(ti.Dims[0])); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, len(v)/32*34)
	quant.Formats[quant.Q8_0].Quantize(want, v)
	got, _ := f.Tensor(ti.Name)
	if data, _ := f.Data(got); got.Type != quant.Q8_0 || !bytes.Equal(data, want) {
		t.Errorf("%s: %s, bytes equal %v", ti.Name, got.Type, bytes.Equal(data, want))
	}
	// Widening to f32 is exact and needs no permission.
	if _, _, err := Requantize(in, RequantizeOptions{Type: quant.F32}); err != nil {
		t.Errorf("q4_0 → f32: %v", err)
	}
}

// TestRequantizeShapes builds a small GGUF with the cases Requantize must
// leave alone or redirect: an F16 matrix of 6 rows (q4_0, not q4_0_4x4),
// one whose rows are not whole blocks (stays f16), an F32 matrix and a 1-D
// tensor (copied), and a Q6_K matrix (an error naming it).
func TestRequantizeShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	f16 := func(n int) []byte {
		b := make([]byte, 2*n)
		for i := range n {
			binary.LittleEndian.PutUint16(b[2*i:], quant.F32ToF16(float32(r.NormFloat64())))
		}
		return b
	}
	six, odd, eight, norm := f16(64*6), f16(48*8), f16(64*8), f16(64)
	build := func(withK bool) *gguf.File {
		w := gguf.NewWriter()
		w.Set("general.architecture", "test")
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(w.AddTensor("six.weight", quant.F16, []int64{64, 6}, six))
		must(w.AddTensor("odd.weight", quant.F16, []int64{48, 8}, odd))
		must(w.AddTensor("eight.weight", quant.F16, []int64{64, 8}, eight))
		must(w.AddTensor("pos.weight", quant.F32, []int64{32, 8}, make([]byte, 4*32*8)))
		must(w.AddTensor("norm.weight", quant.F16, []int64{64}, norm))
		if withK {
			must(w.AddTensor("k.weight", quant.Q6_K, []int64{256, 4}, make([]byte, 4*210)))
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Parse("shapes.gguf", buf.Bytes())
		must(err)
		return f
	}
	f, notes := requantBytes(t, build(false), RequantizeOptions{Type: quant.Q4_0_4_4})
	for name, want := range map[string]quant.Type{"six.weight": quant.Q4_0, "odd.weight": quant.F16,
		"eight.weight": quant.Q4_0_4_4, "pos.weight": quant.F32, "norm.weight": quant.F16} {
		if ti, _ := f.Tensor(name); ti.Type != want {
			t.Errorf("%s: %s, want %s", name, ti.Type, want)
		}
	}
	if len(notes) != 2 || !strings.Contains(notes[0], `"six.weight" becomes q4_0`) || !strings.Contains(notes[1], `"odd.weight" stays f16`) {
		t.Errorf("notes: %q", notes)
	}
	// The 8-row matrix: f16 → Q4_0 by the reference quantizer, then repacked.
	ti, _ := f.Tensor("eight.weight")
	data, _ := f.Data(ti)
	v := make([]float32, 64*8)
	quant.Formats[quant.F16].Dequantize(v, eight)
	q4 := make([]byte, 8*2*18)
	quant.Formats[quant.Q4_0].Quantize(q4, v)
	want := make([]byte, len(q4))
	if err := quant.RepackQ4_0_4x4(want, q4, 8, 64); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Error("eight.weight: bytes differ from Q4_0 quantization + repack")
	}
	if _, _, err := Requantize(build(true), RequantizeOptions{Type: quant.Q8_0}); err == nil || !strings.Contains(err.Error(), `"k.weight" is q6_K`) {
		t.Errorf("Q6_K tensor: %v", err)
	}
	if _, _, err := Requantize(build(false), RequantizeOptions{Type: quant.Q4_K}); err == nil {
		t.Error("target q4_K: no error")
	}
}

// TestWriteRowsQ4_0_4x4 checks convert's chunked writer for Q4_0_4_4 over
// several chunks (rows a multiple of 4 but not of the chunk): it must equal
// the whole tensor quantized to Q4_0 and repacked.
func TestWriteRowsQ4_0_4x4(t *testing.T) {
	const rows, cols = 8196, 64
	r := rand.New(rand.NewPCG(5, 5))
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	fill := func(dst []float32, r0, r1 int64) error {
		copy(dst, v[r0*cols:r1*cols])
		return nil
	}
	var got bytes.Buffer
	if err := writeRows(&got, quant.Q4_0_4_4, rows, cols, fill); err != nil {
		t.Fatal(err)
	}
	q4 := make([]byte, rows*cols/32*18)
	quant.Formats[quant.Q4_0].Quantize(q4, v)
	want := make([]byte, len(q4))
	if err := quant.RepackQ4_0_4x4(want, q4, rows, cols); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("chunked q4_0_4x4 differs from Q4_0 + repack of the whole tensor")
	}
	if err := writeRows(&got, quant.Q4_0_4_4, 6, cols, fill); err == nil {
		t.Error("6 rows: no error")
	}
}

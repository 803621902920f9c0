package weights

import (
	"bytes"
	"strings"
	"testing"

	"lookout/quant"
	"lookout/quant/gguf"
)

// testFile builds a small GGUF in memory with the tensors the cases bind.
func testFile(t *testing.T) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	add := func(name string, typ quant.Type, dims ...int64) {
		n, err := quant.TensorBytes(typ, dims)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(name, typ, dims, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	add("norm.weight", quant.F32, 64)
	add("norm16.weight", quant.F16, 64)
	add("q.weight", quant.Q8_0, 64, 8)
	add("k.weight", quant.Q4_K, 256, 8)
	add("qkv.weight", quant.Q4_0_4_4, 64, 12)
	add("six.weight", quant.Q4_0_4_4, 64, 6)
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("bind-test.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBinder binds good tensors and every kind of bad one, and checks that
// the one error lists each problem with the tensor's name, after the model
// and file names.
func TestBinder(t *testing.T) {
	f := testFile(t)
	b := &Binder{File: f, Asked: map[string][]int64{}}
	if v := b.Vector("norm.weight", 64); len(v) != 64 {
		t.Errorf("norm.weight: %d values", len(v))
	}
	if m := b.Matrix("q.weight", 8, 64); m.Type != quant.Q8_0 || m.Rows != 8 || m.Cols != 64 {
		t.Errorf("q.weight: %+v", m)
	}
	qkv := b.Matrix("qkv.weight", 12, 64)
	if r := b.Rows("qkv.weight", qkv, 4, 12); r.Rows != 8 || len(r.Data) != 8*2*18 {
		t.Errorf("rows 4..12 of qkv.weight: %d rows, %d bytes", r.Rows, len(r.Data))
	}
	if err := b.Err("test"); err != nil {
		t.Fatalf("good tensors: %v", err)
	}
	if got := b.Asked["q.weight"]; len(got) != 2 || got[0] != 64 || got[1] != 8 {
		t.Errorf("Asked[q.weight] = %v", got)
	}

	cases := []struct {
		bind func(b *Binder)
		want string
	}{
		{func(b *Binder) { b.Vector("absent.weight", 64) }, `tensor "absent.weight": missing`},
		{func(b *Binder) { b.Vector("norm.weight", 32) }, `tensor "norm.weight": shape [64], want [32]`},
		{func(b *Binder) { b.Vector("norm16.weight", 64) }, `tensor "norm16.weight"`},
		{func(b *Binder) { b.Matrix("q.weight", 64, 8) }, `tensor "q.weight": shape [64 8], want [8 64]`},
		{func(b *Binder) { b.Matrix("k.weight", 8, 256) }, `tensor "k.weight": type q4_K, want one of`},
		{func(b *Binder) { b.Matrix("six.weight", 6, 64) }, `tensor "six.weight": kernels: q4_0_4x4 matrix 6×64: rows are interleaved in groups of 4`},
		{func(b *Binder) { b.Rows("qkv.weight", b.Matrix("qkv.weight", 12, 64), 2, 6) }, `tensor "qkv.weight": q4_0_4x4 rows are interleaved in groups of 4: cannot take rows 2..6`},
	}
	all := &Binder{File: f}
	for _, c := range cases {
		one := &Binder{File: f}
		c.bind(one)
		c.bind(all)
		err := one.Err("test")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "test: bind-test.gguf: 1 tensor problems:") {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	if err := all.Err("test"); err == nil || !strings.Contains(err.Error(), "7 tensor problems") {
		t.Errorf("all cases at once: %v", err)
	}
}

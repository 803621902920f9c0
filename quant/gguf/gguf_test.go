package gguf

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"lookout/quant"
)

// sampleMeta holds one value of every metadata type, nested arrays included.
var sampleMeta = []struct {
	key string
	v   any
}{
	{"general.architecture", "test"},
	{"t.u8", uint8(250)},
	{"t.i8", int8(-7)},
	{"t.u16", uint16(65000)},
	{"t.i16", int16(-32000)},
	{"t.u32", uint32(4000000000)},
	{"t.i32", int32(-2000000000)},
	{"t.f32", float32(1e-6)},
	{"t.bool", true},
	{"t.str", "héllo ▁world"},
	{"t.u64", uint64(math.MaxUint64)},
	{"t.i64", int64(math.MinInt64)},
	{"t.f64", math.Pi},
	{"t.empty", []int32{}},
	{"t.strings", []string{"<pad>", "", "▁the", "\x00bytes\xff"}},
	{"t.floats", []float32{0, -1, float32(math.Inf(1))}},
	{"t.bools", []bool{true, false}},
	{"t.u64s", []uint64{1, 1 << 63}},
	{"t.nested", []Array{
		{Elem: TypeInt32, Values: []int32{1, 2, 3}},
		{Elem: TypeString, Values: []string{"a"}},
		{Elem: TypeArray, Values: []Array{{Elem: TypeUint8, Values: []uint8{9}}}},
	}},
}

// sampleTensors covers each supported type; sizes are chosen so that the
// alignment padding between tensors is exercised.
var sampleTensors = []struct {
	name string
	typ  quant.Type
	dims []int64
}{
	{"a.f32", quant.F32, []int64{3, 2}},
	{"b.f16", quant.F16, []int64{5}},
	{"c.q8_0", quant.Q8_0, []int64{64, 1, 2}},
	{"d.q4_0", quant.Q4_0, []int64{32, 3}},
	{"e.bf16", quant.BF16, []int64{1, 1, 1, 7}},
}

func patterned(n int64, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)*7 + seed
	}
	return b
}

func sampleWriter(t testing.TB, align uint32) *Writer {
	w := NewWriter()
	if align != 0 {
		if err := w.Set(KeyAlignment, align); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range sampleMeta {
		if err := w.Set(kv.key, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	for i, ts := range sampleTensors {
		size, err := quant.TensorBytes(ts.typ, ts.dims)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(ts.name, ts.typ, ts.dims, patterned(size, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func sampleFile(t testing.TB) []byte {
	var buf bytes.Buffer
	if _, err := sampleWriter(t, 0).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for _, align := range []uint32{0, 1, 64, 4096} {
		t.Run("align"+strconv.Itoa(int(align)), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rt.gguf")
			if err := sampleWriter(t, align).WriteFile(path); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			wantAlign := int64(align)
			if align == 0 {
				wantAlign = DefaultAlignment
			}
			if f.Version != 3 || f.Alignment != wantAlign || f.DataOffset%wantAlign != 0 {
				t.Errorf("version %d alignment %d data offset %d", f.Version, f.Alignment, f.DataOffset)
			}
			for _, kv := range sampleMeta {
				v, ok := f.Value(kv.key)
				if !ok {
					t.Errorf("key %q missing", kv.key)
					continue
				}
				want, _ := toValue(kv.v)
				if !reflect.DeepEqual(v, want) {
					t.Errorf("key %q: got %#v, want %#v", kv.key, v, want)
				}
			}
			if len(f.Tensors) != len(sampleTensors) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(sampleTensors))
			}
			for i, ts := range sampleTensors {
				ti := f.Tensors[i]
				if ti.Name != ts.name || ti.Type != ts.typ || !reflect.DeepEqual(ti.Dims, ts.dims) {
					t.Errorf("tensor %d: got %+v, want %+v", i, ti, ts)
				}
				if ti.Offset%wantAlign != 0 {
					t.Errorf("tensor %q: offset %d not aligned to %d", ti.Name, ti.Offset, wantAlign)
				}
				b, err := f.Data(ti)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, patterned(ti.Size, byte(i))) {
					t.Errorf("tensor %q: data differs", ti.Name)
				}
			}
			a, _ := f.Tensor("a.f32")
			_, err = f.Float32s(a)
			if misaligned := (f.DataOffset+a.Offset)%4 != 0; misaligned != (err != nil) {
				t.Errorf("Float32s at file offset %d: %v", f.DataOffset+a.Offset, err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Data(a); !errors.Is(err, ErrClosed) {
				t.Errorf("Data after Close: %v, want ErrClosed", err)
			}
			// Metadata is copied, so it survives Close.
			if s, err := f.Strings("t.strings"); err != nil || s[2] != "▁the" {
				t.Errorf("Strings after Close: %q, %v", s, err)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	f, err := Parse("acc.gguf", sampleFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Int("t.u32"); err != nil || n != 4000000000 {
		t.Errorf("Int(t.u32) = %d, %v", n, err)
	}
	if n, err := f.Int("t.i8"); err != nil || n != -7 {
		t.Errorf("Int(t.i8) = %d, %v", n, err)
	}
	if _, err := f.Int("t.u64"); !errors.Is(err, ErrType) {
		t.Errorf("Int(max uint64): %v, want ErrType", err)
	}
	if x, err := f.Float("t.f32"); err != nil || x != float64(float32(1e-6)) {
		t.Errorf("Float = %v, %v", x, err)
	}
	if b, err := f.Bool("t.bool"); err != nil || !b {
		t.Errorf("Bool = %v, %v", b, err)
	}
	_, err = f.String("no.such.key")
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), `"no.such.key"`) || !strings.Contains(err.Error(), "acc.gguf") {
		t.Errorf("missing key error: %v", err)
	}
	if _, err := f.String("t.u8"); !errors.Is(err, ErrType) {
		t.Errorf("String of a uint8: %v, want ErrType", err)
	}
	if _, err := f.Strings("t.floats"); !errors.Is(err, ErrType) {
		t.Errorf("Strings of float array: %v, want ErrType", err)
	}
	b, _ := f.Tensor("b.f16")
	if _, err := f.Float32s(b); !errors.Is(err, ErrType) {
		t.Errorf("Float32s of f16: %v, want ErrType", err)
	}
	if _, err := f.Data(TensorInfo{Name: "zz"}); err == nil {
		t.Error("Data of a foreign tensor succeeded")
	}
	if got := f.KV[len(f.KV)-1].Value.String(); !strings.Contains(got, "array × 3") {
		t.Errorf("nested array formatted as %q", got)
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	cases := []struct {
		name string
		err  error
	}{
		{"empty key", w.Set("", uint8(1))},
		{"bad type", w.Set("k", struct{}{})},
		{"alignment type", w.Set(KeyAlignment, uint64(32))},
		{"alignment value", w.Set(KeyAlignment, uint32(24))},
		{"array mismatch", w.Set("k", Array{Elem: TypeUint8, Values: []int32{1}})},
		{"size mismatch", w.AddTensor("t", quant.F32, []int64{4}, make([]byte, 15))},
		{"row not blocks", w.AddTensor("t", quant.Q4_0, []int64{16}, make([]byte, 9))},
		{"no dims", w.AddTensor("t", quant.F32, nil, nil)},
		{"unknown type", w.AddTensor("t", 5, []int64{1}, make([]byte, 4))},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if err := w.AddTensor("t", quant.F32, []int64{1}, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("t", quant.F32, []int64{1}, make([]byte, 4)); err == nil {
		t.Error("duplicate tensor accepted")
	}
	if err := w.Set(KeyAlignment, uint32(64)); err == nil {
		t.Error("alignment change after a tensor accepted")
	}
	short := NewWriter()
	short.AddTensorFunc("t", quant.F32, []int64{4}, func(w io.Writer) error { _, err := w.Write(make([]byte, 8)); return err })
	if _, err := short.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), `tensor "t": wrote 8 bytes, want 16`) {
		t.Errorf("short tensor writer: %v", err)
	}
	// A failed WriteFile leaves nothing behind.
	dir := t.TempDir()
	fail := NewWriter()
	fail.AddTensorFunc("t", quant.F32, []int64{4}, func(io.Writer) error { return errors.New("boom") })
	if err := fail.WriteFile(filepath.Join(dir, "x.gguf")); err == nil {
		t.Error("WriteFile succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed WriteFile left %v", ents)
	}
}

// rssBytes reads the resident set size of this process (Linux only).
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	fields := strings.Fields(string(b))
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// TestOpenIsLazy writes a 256 MiB file and checks that opening it does not
// bring the tensor data into memory: the resident set grows by far less than
// the file. (A memory bound, not a timing: timings are never asserted.)
func TestOpenIsLazy(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 256 MiB")
	}
	const size = 256 << 20
	path := filepath.Join(t.TempDir(), "big.gguf")
	w := NewWriter()
	w.Set("general.architecture", "big")
	w.AddTensorFunc("big", quant.Q8_0, []int64{4096, size / 34 / 128}, func(out io.Writer) error {
		chunk := make([]byte, 34*128)
		for range size / 34 / 128 {
			if _, err := out.Write(chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := rssBytes(t)
	start := time.Now()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	after := rssBytes(t)
	defer f.Close()
	tb, _ := f.Tensor("big")
	b, err := f.Data(tb)
	if err != nil || int64(len(b)) != tb.Size {
		t.Fatalf("Data: %d bytes, %v", len(b), err)
	}
	if unsafe.SliceData(b) == nil {
		t.Fatal("nil view")
	}
	t.Logf("open %d MiB: %v, RSS +%d KiB", f.Size>>20, elapsed, (after-before)>>10)
	if grow := after - before; grow > size/8 {
		t.Errorf("RSS grew by %d MiB opening a %d MiB file", grow>>20, size>>20)
	}
}

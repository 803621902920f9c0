package gguf

import (
	"bytes"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"lookout/quant"
)

// TestRelease writes three 4 MiB tensors, reads them all, releases the first
// and the last and checks that the resident set shrank by about 8 MiB, that
// the bytes still read back as written, and the errors.
func TestRelease(t *testing.T) {
	const rows = 4 << 20 / 34 / 8 // Q8_0 rows of 256 values: 8 blocks of 34 bytes
	names := []string{"t.a", "v.b", "t.c"}
	w := NewWriter()
	w.Set("general.architecture", "release")
	want := map[string][]byte{}
	for i, n := range names {
		dims := []int64{256, rows}
		size, _ := quant.TensorBytes(quant.Q8_0, dims)
		want[n] = patterned(size, byte(i))
		if err := w.AddTensor(n, quant.Q8_0, dims, want[n]); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "release.gguf")
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := map[string][]byte{}
	for _, n := range names {
		ti, _ := f.Tensor(n)
		if data[n], err = f.Data(ti); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data[n], want[n]) { // brings every page in
			t.Fatalf("tensor %q differs from what was written", n)
		}
	}
	runtime.GC()
	before := rssBytes(t)
	a, _ := f.Tensor("t.a")
	c, _ := f.Tensor("t.c")
	if err := f.Release([]TensorInfo{a, c}); err != nil {
		t.Fatal(err)
	}
	after := rssBytes(t)
	if drop := before - after; drop < 6<<20 {
		t.Errorf("RSS %d KiB -> %d KiB after releasing 8 MiB of tensors", before>>10, after>>10)
	}
	for _, n := range names {
		if !bytes.Equal(data[n], want[n]) {
			t.Errorf("tensor %q reads back differently after Release", n)
		}
	}
	if err := f.Release(nil); err != nil {
		t.Errorf("Release of nothing: %v", err)
	}
	bad := a
	bad.Offset += 32
	if err := f.Release([]TensorInfo{bad}); err == nil || !strings.Contains(err.Error(), `"t.a"`) {
		t.Errorf("Release of a tensor that is not the file's: %v", err)
	}
	f.Close()
	if err := f.Release([]TensorInfo{a}); !errors.Is(err, ErrClosed) {
		t.Errorf("Release after Close: %v, want ErrClosed", err)
	}

	// A parsed image is not a mapping: nothing to release, no error.
	p, err := Parse("sample.gguf", sampleFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Release(p.Tensors); err != nil {
		t.Errorf("Release on a parsed image: %v", err)
	}
}

package mmap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte("lookout"), 5000) // spans several pages
	cases := []struct {
		name    string
		content []byte
	}{
		{"data.bin", want},
		{"empty.bin", nil},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, err := m.Bytes()
		if err != nil || !bytes.Equal(b, c.content) || m.Len() != len(c.content) || m.Path() != p {
			t.Errorf("%s: %d bytes, %v", c.name, len(b), err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("%s: Close: %v", c.name, err)
		}
		if _, err := m.Bytes(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Bytes after Close: %v, want ErrClosed", c.name, err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("%s: second Close: %v", c.name, err)
		}
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open of a directory succeeded")
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

package mmap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// residentKB returns the Rss of the mapping that starts at addr, from
// /proc/self/smaps.
func residentKB(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	head := fmt.Sprintf("%x-", addr)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, head) {
			in = true
			continue
		}
		if in && strings.HasPrefix(l, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(l)[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Skipf("mapping at %#x not in /proc/self/smaps", addr)
	return 0
}

// TestRelease maps a 64-page file, reads it all, releases pages 8..55 and
// checks that they left the resident set and that the bytes read back
// unchanged.
func TestRelease(t *testing.T) {
	page := os.Getpagesize()
	want := make([]byte, 64*page)
	for i := range want {
		want[i] = byte(i*7 + i/page)
	}
	p := filepath.Join(t.TempDir(), "pages.bin")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	b, _ := m.Bytes()
	if !bytes.Equal(b, want) { // touches every page
		t.Fatal("mapping differs from the file")
	}
	addr := uintptr(unsafe.Pointer(&b[0]))
	before := residentKB(t, addr)
	// [8 pages - 1 byte, 56 pages + 1 byte) holds pages 8..55 wholly.
	if err := m.Release(8*page-1, 48*page+2); err != nil {
		t.Fatal(err)
	}
	after := residentKB(t, addr)
	if dropped := before - after; dropped != 48*page/1024 {
		t.Errorf("Rss %d kB -> %d kB: dropped %d kB, want %d (48 pages)", before, after, dropped, 48*page/1024)
	}
	if !bytes.Equal(b, want) {
		t.Error("bytes changed after Release")
	}
	for _, c := range []struct{ off, n int }{{-1, 1}, {0, -1}, {0, len(want) + 1}, {len(want), 1}} {
		if err := m.Release(c.off, c.n); err == nil {
			t.Errorf("Release(%d, %d) of a %d-byte file succeeded", c.off, c.n, len(want))
		}
	}
	if err := m.Release(len(want), 0); err != nil {
		t.Errorf("empty Release at the end: %v", err)
	}
	m.Close()
	if err := m.Release(0, page); !errors.Is(err, ErrClosed) {
		t.Errorf("Release after Close: %v, want ErrClosed", err)
	}
}

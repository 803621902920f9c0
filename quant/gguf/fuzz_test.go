package gguf

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the parser. It must never panic, and a
// file it accepts must hand out views of exactly the sizes it promised. The
// seeds are the hand-made corrupt files and a valid sample; the committed
// corpus in testdata/fuzz/FuzzOpen holds the same (see TestFuzzCorpus).
func FuzzOpen(f *testing.F) {
	f.Add(sampleFile(f))
	for _, c := range corruptCases {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse("fuzz.gguf", data)
		if err != nil {
			return
		}
		defer g.Close()
		for _, kv := range g.KV {
			_ = kv.Value.String()
		}
		for _, ti := range g.Tensors {
			b, err := g.Data(ti)
			if err != nil {
				t.Fatalf("tensor %q: %v", ti.Name, err)
			}
			if int64(len(b)) != ti.Size || g.DataOffset+ti.Offset+ti.Size > int64(len(data)) {
				t.Fatalf("tensor %q: view of %d bytes, info says %d", ti.Name, len(b), ti.Size)
			}
		}
	})
}

// TestFuzzCorpus keeps the committed seed corpus equal to the seeds above.
// Run with LOOKOUT_WRITE_CORPUS=1 to rewrite it after changing the cases.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	seeds := map[string][]byte{"valid-sample": sampleFile(t)}
	for i, c := range corruptCases {
		seeds[fmt.Sprintf("corrupt-%02d", i)] = c.data
	}
	for name, data := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		path := filepath.Join(dir, name)
		if os.Getenv("LOOKOUT_WRITE_CORPUS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Errorf("seed corpus %s is missing or stale (rerun with LOOKOUT_WRITE_CORPUS=1): %v", path, err)
		}
	}
}

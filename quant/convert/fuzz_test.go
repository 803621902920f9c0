package convert

import (
	"os"
	"path/filepath"
	"testing"

	"lookout/internal/golden"
)

// FuzzParseConfig: any config.json bytes give a config that passed check or
// an error, never a panic. Seeds: testdata/siglip2-tiny/config.json and the
// real checkpoint's config.
func FuzzParseConfig(f *testing.F) {
	for _, n := range []string{"config.json", "real-siglip2-base-patch16-224.config.json"} {
		b, err := os.ReadFile(filepath.Join(golden.Project(f, tinyDir), n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"model_type":"siglip","vision_config":{"image_size":16777216,"patch_size":1}}`))
	f.Add([]byte(`{"model_type":"siglip2"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig("config.json", b)
		if err != nil {
			return
		}
		if err := c.check(); err != nil {
			t.Fatalf("accepted a config that fails check: %v", err)
		}
		// The table of an accepted config can be built.
		if len(SigLIPTensors(c)) == 0 {
			t.Fatal("no tensors")
		}
	})
}

// FuzzParsePreprocess: any preprocessor_config.json bytes give a result or
// an error. Seeds: the tiny and real preprocessor configs.
func FuzzParsePreprocess(f *testing.F) {
	for _, n := range []string{"preprocessor_config.json", "real-siglip2-base-patch16-224.preprocessor_config.json"} {
		b, err := os.ReadFile(filepath.Join(golden.Project(f, tinyDir), n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"image_mean":0.5,"image_std":[1,2],"size":{"height":3}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePreprocess("preprocessor_config.json", b)
		if err == nil && (p.Width <= 0 || p.Height <= 0 || !(p.RescaleFactor > 0)) {
			t.Fatalf("accepted %+v", p)
		}
	})
}

package siglip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lookout/quant"
)

// wantErr fails unless err is non-nil and mentions every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

// TestBadInput feeds the tiny model (testdata/siglip2-tiny, converted to
// F32) inputs of the wrong size or range.
func TestBadInput(t *testing.T) {
	m, err := New(convertTiny(t, quant.F32))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.NewSession(nil)
	okIDs := make([]int32, 16)
	okIDs[0] = 1
	for _, tc := range []struct {
		name  string
		run   func() error
		parts []string
	}{
		{"too few pixels", func() error { _, err := s.EncodeImage(make([]float32, 3*32*32-1)); return err }, []string{"3071 pixel values", "3072"}},
		{"too many pixels", func() error { _, err := s.EncodeImage(make([]float32, 3*224*224)); return err }, []string{"pixel values", "3072"}},
		{"no pixels", func() error { _, err := s.EncodeImage(nil); return err }, []string{"0 pixel values"}},
		{"short ids", func() error { _, err := s.EncodeTokens(okIDs[:15]); return err }, []string{"15 ids", "exactly 16"}},
		{"long ids", func() error { _, err := s.EncodeTokens(append(okIDs, 0)); return err }, []string{"17 ids", "exactly 16"}},
		{"id = vocab", func() error {
			ids := append([]int32(nil), okIDs...)
			ids[3] = 1024
			_, err := s.EncodeTokens(ids)
			return err
		}, []string{"id 1024", "position 3", "[0,1024)"}},
		{"negative id", func() error {
			ids := append([]int32(nil), okIDs...)
			ids[15] = -1
			_, err := s.EncodeTokens(ids)
			return err
		}, []string{"id -1", "position 15"}},
		{"text without tokenizer", func() error { _, err := s.EncodeText("a cat"); return err }, []string{"no tokenizer", "token ids"}},
		{"labels without tokenizer", func() error { _, err := s.EncodeLabels([]string{"cat"}, ""); return err }, []string{"no tokenizer"}},
		{"no labels", func() error { _, err := s.EncodeLabels(nil, ""); return err }, []string{"no labels"}},
		{"blank label", func() error { _, err := s.EncodeLabels([]string{"cat", " "}, ""); return err }, []string{"label 1 is empty"}},
		{"template without placeholder", func() error { _, err := s.EncodeLabels([]string{"cat"}, "a photo"); return err }, []string{`"a photo"`, "{label}"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.run(), tc.parts...) })
	}
}

// TestBadTensors checks that binding lists every missing or misshapen
// tensor in one error naming the file.
func TestBadTensors(t *testing.T) {
	f := convertTiny(t, quant.F32)
	for _, tc := range []struct {
		name  string
		drop  []string
		dims  map[string][]int64
		parts []string
	}{
		{"missing tensors", []string{"v.blk.1.attn_k.weight", "t.head.bias", "v.head.probe"}, nil,
			[]string{"broken.gguf", "3 tensor problems", `"v.blk.1.attn_k.weight": missing`, `"t.head.bias": missing`, `"v.head.probe": missing`}},
		{"wrong shapes", nil, map[string][]int64{"v.post_ln.weight": {16, 2}, "t.blk.0.ffn_up.weight": {64, 32}},
			[]string{"broken.gguf", "2 tensor problems", `"v.post_ln.weight": shape [16 2], want [32]`, `"t.blk.0.ffn_up.weight": shape [64 32], want [32 64]`}},
		{"vocab mismatch", nil, map[string][]int64{"t.token_embd.weight": {64, 512}},
			[]string{`"t.token_embd.weight": shape [64 512], want [32 1024]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(rewrite(t, f, "broken.gguf", nil, tc.drop, tc.dims))
			wantErr(t, err, tc.parts...)
		})
	}
}

// TestNaFlexRefused checks that a SigLIP 2 NaFlex folder (config.json
// model_type "siglip2", a different architecture) is refused with a message
// naming config.json and model_type.
func TestNaFlexRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"model_type": "siglip2", "text_config": {"model_type": "siglip2_text_model"}, "vision_config": {"model_type": "siglip2_vision_model", "num_patches": 256}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	wantErr(t, err, "config.json", "model_type", "siglip2")
}

// TestLoadMissing checks that a path that does not exist is an error that
// names it.
func TestLoadMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.gguf")
	_, err := Load(p)
	wantErr(t, err, "nope.gguf")
}

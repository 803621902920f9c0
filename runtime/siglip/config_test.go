package siglip

import (
	"testing"

	"lookout/device/frame"
	"lookout/quant"
)

// TestConfigFromGGUF reads the tiny model's keys (testdata/siglip2-tiny,
// converted to F32) and the defaults of the optional ones.
func TestConfigFromGGUF(t *testing.T) {
	f := convertTiny(t, quant.F32)
	c, err := ConfigFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Vision:     VisionConfig{Hidden: 32, FF: 64, Layers: 2, Heads: 2, ImageSize: 32, PatchSize: 16, Channels: 3, Eps: 1e-6},
		Text:       TextConfig{Hidden: 32, FF: 64, Layers: 2, Heads: 2, Context: 16, Vocab: 1024, Projection: 32, Eps: 1e-6},
		LogitScale: 2.3025851249694824, LogitBias: -1,
		Lowercase: true, PadID: -1, EOSID: -1,
		Image: frame.Preprocess{Width: 32, Height: 32, Resample: frame.Bilinear, DoResize: true, DoRescale: true, DoNormalize: true,
			RescaleFactor: 1.0 / 255, Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.5, 0.5, 0.5}},
	}
	if c != want {
		t.Errorf("config\n got %+v\nwant %+v", c, want)
	}

	// Optional keys left out take their documented defaults.
	g := rewrite(t, f, "sparse.gguf", map[string]any{
		"clip.text.projection_dim": nil, "siglip.text.lowercase": nil, "clip.vision.resample": nil,
		"clip.vision.image_width": nil, "clip.vision.image_height": nil, "clip.vision.num_channels": nil,
		"clip.vision.do_resize": nil, "clip.vision.rescale_factor": nil,
		"siglip.text.pad_token_id": uint32(0), "siglip.text.eos_token_id": uint32(1),
	}, nil, nil)
	c, err = ConfigFromGGUF(g)
	if err != nil {
		t.Fatal(err)
	}
	if c.Text.Projection != 32 || !c.Lowercase || c.Image.Resample != defaultResample || c.Image.Width != 32 || c.Image.Height != 32 ||
		c.Vision.Channels != 3 || !c.Image.DoResize || c.Image.RescaleFactor != defaultRescaleFactor || c.PadID != 0 || c.EOSID != 1 {
		t.Errorf("defaults: got %+v", c)
	}
}

// TestConfigErrors changes one or more keys of the tiny model and checks
// that the error names the file, the key and the problem.
func TestConfigErrors(t *testing.T) {
	f := convertTiny(t, quant.F32)
	for _, tc := range []struct {
		name  string
		keys  map[string]any
		parts []string
	}{
		{"wrong architecture", map[string]any{"general.architecture": "clip"}, []string{"bad.gguf", `"general.architecture"`, `"clip"`, `"siglip"`}},
		{"no architecture", map[string]any{"general.architecture": nil}, []string{"bad.gguf", `"general.architecture"`, "missing"}},
		{"missing hidden", map[string]any{"clip.vision.embedding_length": nil}, []string{"bad.gguf", `"clip.vision.embedding_length"`, "missing"}},
		{"count as string", map[string]any{"clip.text.block_count": "two"}, []string{"bad.gguf", `"clip.text.block_count"`}},
		{"zero image size", map[string]any{"clip.vision.image_size": uint32(0)}, []string{`"clip.vision.image_size"`, "out of range"}},
		{"huge vocab", map[string]any{"clip.text.vocab_size": uint64(1) << 40}, []string{`"clip.text.vocab_size"`, "out of range"}},
		{"negative eps", map[string]any{"clip.text.attention.layer_norm_epsilon": float32(-1e-6)}, []string{`"clip.text.attention.layer_norm_epsilon"`, "positive"}},
		{"NaN logit scale", map[string]any{"siglip.logit_scale": float32(nanF())}, []string{`"siglip.logit_scale"`, "finite"}},
		{"missing logit bias", map[string]any{"siglip.logit_bias": nil}, []string{`"siglip.logit_bias"`, "missing"}},
		{"two means", map[string]any{"clip.vision.image_mean": []float32{0.5, 0.5}}, []string{`"clip.vision.image_mean"`, "2 values, want 3"}},
		{"std of strings", map[string]any{"clip.vision.image_std": []string{"a", "b", "c"}}, []string{`"clip.vision.image_std"`, "not a finite number"}},
		{"text tower off", map[string]any{"clip.has_text_encoder": false}, []string{`"clip.has_text_encoder"`, "both towers"}},
		{"heads do not divide", map[string]any{"clip.vision.attention.head_count": uint32(3)}, []string{"embedding_length 32", "head_count 3"}},
		{"patch does not divide", map[string]any{"clip.vision.patch_size": uint32(12)}, []string{"image_size 32", "patch_size 12"}},
		{"resize not square", map[string]any{"clip.vision.image_width": uint32(48)}, []string{"48×32", "image_size 32"}},
		{"projection mismatch", map[string]any{"clip.text.projection_dim": uint32(16)}, []string{"projection_dim 16", "embedding_length 32"}},
		{"pad outside vocab", map[string]any{"siglip.text.pad_token_id": uint32(5000)}, []string{`"siglip.text.pad_token_id"`, "5000", "1024"}},
		{"zero std", map[string]any{"clip.vision.image_std": []float32{0.5, 0, 0.5}}, []string{"bad.gguf", "Std[1]"}},
		{"unknown filter", map[string]any{"clip.vision.resample": uint32(9)}, []string{"bad.gguf", "Resample"}},
		{"grey images", map[string]any{"clip.vision.num_channels": uint32(1)}, []string{"num_channels is 1"}},
		{"every problem listed", map[string]any{"clip.vision.block_count": nil, "clip.text.feed_forward_length": nil, "siglip.text.lowercase": "yes"},
			[]string{`"clip.vision.block_count"`, `"clip.text.feed_forward_length"`, `"siglip.text.lowercase"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromGGUF(rewrite(t, f, "bad.gguf", tc.keys, nil, nil))
			wantErr(t, err, tc.parts...)
		})
	}
}

package siglip

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/convert"
	"lookout/runtime/weights"
)

// TestRealTensorNames checks that the tensors this package binds for the
// real google/siglip2-base-patch16-224 shapes are exactly the 408 HF
// tensors of testdata/siglip2-tiny/real-siglip2-base-patch16-224.tensors.json
// (less the logit_scale/logit_bias scalars, which are keys), mapped to GGUF
// names by quant/convert, with the same shapes in ggml order (the patch
// conv [D,3,p,p] flattened to [3·p·p, D], the probe [1,1,D] to [D]).
func TestRealTensorNames(t *testing.T) {
	raw, err := os.ReadFile(golden.Project(t, "siglip2-tiny/real-siglip2-base-patch16-224.tensors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var real struct {
		Tensors map[string][]int64 `json:"tensors"`
	}
	if err := json.Unmarshal(raw, &real); err != nil {
		t.Fatal(err)
	}
	if len(real.Tensors) != 408 {
		t.Fatalf("real-siglip2-base-patch16-224.tensors.json lists %d tensors, want 408", len(real.Tensors))
	}
	// The tiny file's keys with the real checkpoint's sizes, and no tensors.
	u := func(n int) uint32 { return uint32(n) }
	keys := map[string]any{
		"clip.vision.embedding_length": u(768), "clip.vision.feed_forward_length": u(3072),
		"clip.vision.block_count": u(12), "clip.vision.attention.head_count": u(12),
		"clip.vision.image_size": u(224), "clip.vision.image_width": u(224), "clip.vision.image_height": u(224),
		"clip.text.embedding_length": u(768), "clip.text.feed_forward_length": u(3072),
		"clip.text.block_count": u(12), "clip.text.attention.head_count": u(12),
		"clip.text.context_length": u(64), "clip.text.vocab_size": u(256000), "clip.text.projection_dim": u(768),
	}
	tiny := convertTiny(t, quant.F32)
	var drop []string
	for _, ti := range tiny.Tensors {
		drop = append(drop, ti.Name)
	}
	f := rewrite(t, tiny, "real-keys.gguf", keys, drop, nil)
	c, err := ConfigFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	b := &weights.Binder{File: f, Asked: map[string][]int64{}}
	bindTowers(b, c)

	want := map[string][]int64{}
	for hf, shape := range real.Tensors {
		if hf == "logit_scale" || hf == "logit_bias" {
			continue
		}
		name, ok := convert.GGUFName(hf)
		if !ok {
			t.Errorf("convert.GGUFName(%q): no GGUF name", hf)
			continue
		}
		dims := slices.Clone(shape)
		slices.Reverse(dims)
		switch hf {
		case "vision_model.embeddings.patch_embedding.weight": // [D,3,p,p]
			dims = []int64{shape[1] * shape[2] * shape[3], shape[0]}
		case "vision_model.head.probe": // [1,1,D]
			dims = []int64{shape[2]}
		}
		want[name] = dims
	}
	for name, dims := range want {
		got, ok := b.Asked[name]
		switch {
		case !ok:
			t.Errorf("%s (from the real checkpoint) is not bound", name)
		case !slices.Equal(got, dims):
			t.Errorf("%s: bound with dims %v, the real checkpoint gives %v", name, got, dims)
		}
	}
	for name := range b.Asked {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is bound but not in the real checkpoint", name)
		}
	}
	if len(b.Asked) != 406 {
		t.Errorf("%d tensors bound, want 406 (408 less the two scalars)", len(b.Asked))
	}
}

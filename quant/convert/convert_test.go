package convert

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
	"lookout/quant/safetensors"
)

// tinyDir is the HF folder of the tiny SigLIP golden model.
const tinyDir = "siglip2-tiny"

// convertBytes converts dir with options o and parses the result.
func convertBytes(t *testing.T, dir string, o Options) (*gguf.File, *Conversion) {
	t.Helper()
	c, err := Convert(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var buf bytes.Buffer
	if _, err := c.Writer.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("converted.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func sourceFloats(t *testing.T, st *safetensors.Dir, name string) []float32 {
	t.Helper()
	tn, ok := st.Tensor(name)
	if !ok {
		t.Fatalf("source has no %q", name)
	}
	b, err := st.Data(tn)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, tn.Elements())
	quant.Formats[tn.Type].Dequantize(v, b)
	return v
}

// TestConvertTinyF32 converts testdata/siglip2-tiny (model.safetensors,
// config.json, preprocessor_config.json) to F32: every tensor must equal the
// safetensors data, and the keys the config values.
func TestConvertTinyF32(t *testing.T) {
	dir := golden.Project(t, tinyDir)
	f, c := convertBytes(t, dir, Options{Type: quant.F32})
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	st, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	specs := SigLIPTensors(c.Config)
	if len(f.Tensors) != len(specs) || len(specs) != 86 {
		t.Fatalf("%d tensors in the file, %d in the table, want 86 (88 minus the two scalars)", len(f.Tensors), len(specs))
	}
	for _, s := range specs {
		ti, ok := f.Tensor(s.GGUF)
		if !ok {
			t.Errorf("%s missing", s.GGUF)
			continue
		}
		if ti.Type != quant.F32 {
			t.Errorf("%s: type %s, want f32", s.GGUF, ti.Type)
		}
		got, err := f.Float32s(ti)
		if err != nil {
			t.Fatal(err)
		}
		want := sourceFloats(t, st, s.HF)
		if !slices.Equal(got, want) {
			t.Errorf("%s: data differs from %s", s.GGUF, s.HF)
		}
	}
	// The layout's special shapes, spelled out.
	for name, dims := range map[string][]int64{
		"v.patch_embd.weight":    {3 * 16 * 16, 32},
		"v.position_embd.weight": {32, 4},
		"v.head.probe":           {32},
		"v.head.attn_qkv.weight": {32, 96},
		"v.blk.1.ffn_up.weight":  {32, 64},
		"v.blk.1.ffn_down.bias":  {32},
		"t.token_embd.weight":    {32, 1024},
		"t.position_embd.weight": {32, 16},
		"t.head.weight":          {32, 32},
	} {
		ti, _ := f.Tensor(name)
		if !slices.Equal(ti.Dims, dims) {
			t.Errorf("%s: dims %v, want %v", name, ti.Dims, dims)
		}
	}
	// Patch embedding row 5 = output channel 5, flattened (c, ky, kx).
	pe, _ := f.Tensor("v.patch_embd.weight")
	pv, _ := f.Float32s(pe)
	src := sourceFloats(t, st, "vision_model.embeddings.patch_embedding.weight")
	c5, ky, kx := 2, 7, 9
	if got, want := pv[5*768+c5*256+ky*16+kx], src[((5*3+c5)*16+ky)*16+kx]; got != want {
		t.Errorf("patch embedding [5][c2,7,9] = %g, want %g", got, want)
	}

	checkKeys(t, f, map[string]any{
		"general.architecture":                     "siglip",
		"general.name":                             "siglip2-tiny",
		"general.file_type":                        int64(0),
		"clip.has_vision_encoder":                  true,
		"clip.has_text_encoder":                    true,
		"clip.vision.image_size":                   int64(32),
		"clip.vision.patch_size":                   int64(16),
		"clip.vision.embedding_length":             int64(32),
		"clip.vision.feed_forward_length":          int64(64),
		"clip.vision.block_count":                  int64(2),
		"clip.vision.attention.head_count":         int64(2),
		"clip.vision.attention.layer_norm_epsilon": float64(float32(1e-6)),
		"clip.vision.num_channels":                 int64(3),
		"clip.vision.image_width":                  int64(32),
		"clip.vision.image_height":                 int64(32),
		"clip.vision.resample":                     int64(2),
		"clip.vision.rescale_factor":               float64(float32(1.0 / 255)),
		"clip.vision.do_resize":                    true,
		"clip.vision.do_rescale":                   true,
		"clip.vision.do_normalize":                 true,
		"clip.text.context_length":                 int64(16),
		"clip.text.embedding_length":               int64(32),
		"clip.text.feed_forward_length":            int64(64),
		"clip.text.block_count":                    int64(2),
		"clip.text.attention.head_count":           int64(2),
		"clip.text.attention.layer_norm_epsilon":   float64(float32(1e-6)),
		"clip.text.projection_dim":                 int64(32),
		"clip.text.vocab_size":                     int64(1024),
		"siglip.logit_scale":                       float64(float32(math.Log(10))),
		"siglip.logit_bias":                        float64(-1),
		"siglip.text.lowercase":                    true,
	})
	for _, k := range []string{"clip.vision.image_mean", "clip.vision.image_std"} {
		a, err := f.Array(k)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := a.Values.([]float32); !ok || !slices.Equal(v, []float32{0.5, 0.5, 0.5}) {
			t.Errorf("%s = %v, want [0.5 0.5 0.5]", k, a.Values)
		}
	}
}

func checkKeys(t *testing.T, f *gguf.File, want map[string]any) {
	t.Helper()
	for k, w := range want {
		var got any
		var err error
		switch w.(type) {
		case string:
			got, err = f.String(k)
		case int64:
			got, err = f.Int(k)
		case float64:
			got, err = f.Float(k)
		case bool:
			got, err = f.Bool(k)
		}
		if err != nil {
			t.Errorf("%s: %v", k, err)
		} else if got != w {
			t.Errorf("%s = %v, want %v", k, got, w)
		}
	}
}

// TestConvertTinyTypes converts testdata/siglip2-tiny to each quantized type:
// norms, biases, position embeddings and the probe stay F32, matrices take
// the type (their bytes equal the reference quantizer's), and the token
// embedding is Q8_0 when Q4_0 is asked for.
func TestConvertTinyTypes(t *testing.T) {
	dir := golden.Project(t, tinyDir)
	st, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		typ, embd quant.Type
		ft        int64
	}{
		{quant.F16, quant.F16, 1},
		{quant.BF16, quant.BF16, 32},
		{quant.Q8_0, quant.Q8_0, 7},
		{quant.Q4_0, quant.Q8_0, 2},
		{quant.Q4_0_4_4, quant.Q8_0, 33},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			f, c := convertBytes(t, dir, Options{Type: tc.typ})
			checkKeys(t, f, map[string]any{"general.file_type": tc.ft})
			for _, s := range SigLIPTensors(c.Config) {
				ti, _ := f.Tensor(s.GGUF)
				want := quant.F32
				switch s.Kind {
				case Matrix:
					want = tc.typ
					if want == quant.Q4_0_4_4 && s.Rows()%4 != 0 {
						want = quant.Q4_0
					}
				case TokenEmbd:
					want = tc.embd
				}
				if ti.Type != want {
					t.Errorf("%s (%v): type %s, want %s", s.GGUF, s.Kind, ti.Type, want)
					continue
				}
				got, err := f.Data(ti)
				if err != nil {
					t.Fatal(err)
				}
				exp := make([]byte, len(got))
				if want == quant.Q4_0_4_4 {
					// Q4_0, then the rows interleaved in fours.
					q4 := make([]byte, len(got))
					quant.Formats[quant.Q4_0].Quantize(q4, sourceFloats(t, st, s.HF))
					if err := quant.RepackQ4_0_4x4(exp, q4, int(s.Rows()), int(s.Cols())); err != nil {
						t.Fatal(err)
					}
				} else {
					quant.Formats[want].Quantize(exp, sourceFloats(t, st, s.HF))
				}
				if !bytes.Equal(got, exp) {
					t.Errorf("%s: bytes differ from the reference %s quantizer", s.GGUF, want)
				}
			}
		})
	}
	// An explicit embedding type wins over the policy.
	f16 := quant.F16
	f, _ := convertBytes(t, dir, Options{Type: quant.Q4_0, EmbeddingType: &f16})
	if ti, _ := f.Tensor("t.token_embd.weight"); ti.Type != quant.F16 {
		t.Errorf("EmbeddingType f16: token embedding is %s", ti.Type)
	}
}

// TestTypeForOddWidth: a matrix whose rows are not whole Q8_0/Q4_0 blocks
// (the patch embedding of a patch-14 model: 3·14·14 = 588) falls back to F16.
func TestTypeForOddWidth(t *testing.T) {
	c := SigLIPPresets["tiny"]
	c.Vision.PatchSize, c.Vision.ImageSize = 14, 28
	for _, s := range SigLIPTensors(c) {
		if s.GGUF != "v.patch_embd.weight" {
			continue
		}
		if s.Cols() != 588 {
			t.Fatalf("cols %d", s.Cols())
		}
		for typ, want := range map[quant.Type]quant.Type{quant.Q4_0: quant.F16, quant.Q8_0: quant.F16, quant.F16: quant.F16, quant.F32: quant.F32, quant.BF16: quant.BF16} {
			if got := TypeFor(s, Options{Type: typ}); got != want {
				t.Errorf("%s: %s, want %s", typ, got, want)
			}
		}
	}
}

// TestRealCheckpointLayout checks the name table against the real
// google/siglip2-base-patch16-224 checkpoint: testdata/siglip2-tiny/
// real-siglip2-base-patch16-224.tensors.json (408 names and shapes) and its
// config.json / preprocessor_config.json.
func TestRealCheckpointLayout(t *testing.T) {
	b, err := os.ReadFile(golden.Project(t, tinyDir+"/real-siglip2-base-patch16-224.tensors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var real struct {
		NumTensors int                `json:"num_tensors"`
		NumParams  int64              `json:"num_params"`
		Tensors    map[string][]int64 `json:"tensors"`
	}
	if err := json.Unmarshal(b, &real); err != nil {
		t.Fatal(err)
	}
	cb, err := os.ReadFile(golden.Project(t, tinyDir+"/real-siglip2-base-patch16-224.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("real config.json", cb)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := os.ReadFile(golden.Project(t, tinyDir+"/real-siglip2-base-patch16-224.preprocessor_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Preprocess, err = ParsePreprocess("real preprocessor_config.json", pb); err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	params := int64(0)
	for _, s := range SigLIPTensors(cfg) {
		got[s.HF] = s.HFShape
		params += s.Rows() * s.Cols()
		if g, ok := GGUFName(s.HF); !ok || g != s.GGUF {
			t.Errorf("GGUFName(%q) = %q, %v; want %q", s.HF, g, ok, s.GGUF)
		}
		if h, ok := HFName(s.GGUF); !ok || h != s.HF {
			t.Errorf("HFName(%q) = %q, %v; want %q", s.GGUF, h, ok, s.HF)
		}
	}
	for _, n := range ScalarNames {
		got[n] = []int64{1}
		params++
	}
	if len(got) != real.NumTensors || len(real.Tensors) != real.NumTensors {
		t.Errorf("%d names in the table, %d in the file, num_tensors %d", len(got), len(real.Tensors), real.NumTensors)
	}
	for n, shape := range real.Tensors {
		if g, ok := got[n]; !ok {
			t.Errorf("%s %v: not in the table", n, shape)
		} else if !slices.Equal(g, shape) {
			t.Errorf("%s: table shape %v, checkpoint %v", n, g, shape)
		}
	}
	for n := range got {
		if _, ok := real.Tensors[n]; !ok {
			t.Errorf("%s: in the table but not in the checkpoint", n)
		}
	}
	if params != real.NumParams {
		t.Errorf("%d parameters, want %d", params, real.NumParams)
	}
	// The b16 preset is this config.
	if b16 := SigLIPPresets["b16"]; b16 != cfg {
		t.Errorf("b16 preset %+v\nreal config %+v", b16, cfg)
	}
}

func TestNameMapping(t *testing.T) {
	for _, tc := range []struct{ hf, gguf string }{
		{"vision_model.encoder.layers.11.mlp.fc2.bias", "v.blk.11.ffn_down.bias"},
		{"text_model.encoder.layers.0.self_attn.out_proj.weight", "t.blk.0.attn_out.weight"},
		{"vision_model.head.attention.in_proj_weight", "v.head.attn_qkv.weight"},
		{"text_model.final_layer_norm.weight", "t.post_ln.weight"},
	} {
		if g, ok := GGUFName(tc.hf); !ok || g != tc.gguf {
			t.Errorf("GGUFName(%q) = %q, %v", tc.hf, g, ok)
		}
		if h, ok := HFName(tc.gguf); !ok || h != tc.hf {
			t.Errorf("HFName(%q) = %q, %v", tc.gguf, h, ok)
		}
	}
	for _, bad := range []string{"logit_scale", "vision_model.encoder.layers.x.mlp.fc1.weight", "vision_model.encoder.layers.01.mlp.fc1.weight",
		"vision_model.encoder.layers.1.mlp.fc3.weight", "v.blk.-1.ln1.weight", "text_model.embeddings.position_ids", ""} {
		if g, ok := GGUFName(bad); ok {
			t.Errorf("GGUFName(%q) = %q, want no mapping", bad, g)
		}
		if g, ok := HFName(bad); ok {
			t.Errorf("HFName(%q) = %q, want no mapping", bad, g)
		}
	}
}

// copyTiny copies the tiny model folder into a temporary folder, applying
// edit to the files' contents (name → bytes; nil deletes the file).
func copyTiny(t *testing.T, edit func(files map[string][]byte)) string {
	t.Helper()
	src := golden.Project(t, tinyDir)
	files := map[string][]byte{}
	for _, n := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		files[n] = b
	}
	if edit != nil {
		edit(files)
	}
	dir := t.TempDir()
	for n, b := range files {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// editJSON rewrites a JSON object file through f.
func editJSON(t *testing.T, files map[string][]byte, name string, f func(m map[string]any)) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(files[name], &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	files[name] = b
}

// editSafetensors rewrites the tiny model.safetensors: header entries are
// changed by f (name → entry; delete to drop), data offsets recomputed and
// each tensor's bytes are kept (or zero-filled / truncated to the new size).
func editSafetensors(t *testing.T, files map[string][]byte, f func(h map[string]map[string]any)) {
	t.Helper()
	b := files["model.safetensors"]
	n := int(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		t.Fatal(err)
	}
	data := b[8+n:]
	h := map[string]map[string]any{}
	old := map[string][]byte{}
	for k, v := range raw {
		if k == "__metadata__" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatal(err)
		}
		off := e["data_offsets"].([]any)
		old[k] = data[int(off[0].(float64)):int(off[1].(float64))]
		h[k] = e
	}
	f(h)
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []byte
	hdr := map[string]any{}
	for _, k := range names {
		e := h[k]
		size := map[string]int{"F16": 2, "BF16": 2, "I16": 2, "I64": 8}[e["dtype"].(string)]
		if size == 0 {
			size = 4
		}
		for _, d := range e["shape"].([]any) {
			size *= int(toF(d))
		}
		buf := make([]byte, size)
		copy(buf, old[k])
		e["data_offsets"] = []int{len(out), len(out) + size}
		out = append(out, buf...)
		hdr[k] = e
	}
	hb, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	file := make([]byte, 8, 8+len(hb)+len(out))
	file[0], file[1], file[2], file[3] = byte(len(hb)), byte(len(hb)>>8), byte(len(hb)>>16), byte(len(hb)>>24)
	file = append(append(file, hb...), out...)
	files["model.safetensors"] = file
}

func toF(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	panic("not a number")
}

// TestConvertBadFolders: each broken copy of testdata/siglip2-tiny gets an
// error that names the file and says what is wrong.
func TestConvertBadFolders(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, files map[string][]byte)
		want []string // substrings of the error
	}{
		{"no config", func(t *testing.T, f map[string][]byte) { f["config.json"] = nil },
			[]string{"config.json", "no such file"}},
		{"bad json", func(t *testing.T, f map[string][]byte) { f["config.json"] = []byte(`{"model_type": "siglip",`) },
			[]string{"config.json", "unexpected EOF"}},
		{"bad preprocessor json", func(t *testing.T, f map[string][]byte) { f["preprocessor_config.json"] = []byte(`{"size": 3}`) },
			[]string{"preprocessor_config.json", "size"}},
		{"siglip2 naflex", func(t *testing.T, f map[string][]byte) {
			editJSON(t, f, "config.json", func(m map[string]any) { m["model_type"] = "siglip2" })
		}, []string{"config.json", "model_type \"siglip2\"", "NaFlex", "FixRes"}},
		{"clip", func(t *testing.T, f map[string][]byte) {
			editJSON(t, f, "config.json", func(m map[string]any) { m["model_type"] = "clip" })
		}, []string{"config.json", "model_type \"clip\" is not supported"}},
		{"hidden_act", func(t *testing.T, f map[string][]byte) {
			editJSON(t, f, "config.json", func(m map[string]any) { m["text_config"].(map[string]any)["hidden_act"] = "gelu" })
		}, []string{"config.json", "text_config.hidden_act = \"gelu\""}},
		{"heads", func(t *testing.T, f map[string][]byte) {
			editJSON(t, f, "config.json", func(m map[string]any) { m["vision_config"].(map[string]any)["num_attention_heads"] = 3 })
		}, []string{"config.json", "hidden_size 32 is not a multiple of num_attention_heads 3"}},
		{"missing tensor", func(t *testing.T, f map[string][]byte) {
			editSafetensors(t, f, func(h map[string]map[string]any) {
				delete(h, "vision_model.head.probe")
				delete(h, "logit_bias")
			})
		}, []string{"model.safetensors", "2 problems", `"vision_model.head.probe" (v.head.probe) is missing`, `"logit_bias" is missing`}},
		{"wrong shape", func(t *testing.T, f map[string][]byte) {
			editSafetensors(t, f, func(h map[string]map[string]any) {
				h["text_model.encoder.layers.1.mlp.fc1.weight"]["shape"] = []any{32, 64}
			})
		}, []string{"model.safetensors", `"text_model.encoder.layers.1.mlp.fc1.weight": shape [32 64], want [64 32]`}},
		{"dtype", func(t *testing.T, f map[string][]byte) {
			editSafetensors(t, f, func(h map[string]map[string]any) {
				h["text_model.head.bias"]["dtype"] = "I32"
			})
		}, []string{"model.safetensors", `"text_model.head.bias": dtype I32 is not supported`}},
		{"extra tensor", func(t *testing.T, f map[string][]byte) {
			editSafetensors(t, f, func(h map[string]map[string]any) {
				h["text_model.extra.weight"] = map[string]any{"dtype": "F32", "shape": []any{2}}
			})
		}, []string{"model.safetensors", `"text_model.extra.weight" is not part of a SigLIP checkpoint`}},
		{"no weights", func(t *testing.T, f map[string][]byte) { f["model.safetensors"] = nil },
			[]string{"no model.safetensors.index.json and no *.safetensors file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTiny(t, func(f map[string][]byte) { tc.edit(t, f) })
			c, err := Convert(dir, Options{Type: quant.Q8_0})
			if err == nil {
				c.Close()
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestConvertTolerated: position_ids buffers are ignored, F16/BF16 sources
// convert, a missing preprocessor_config.json gives the defaults and a warning.
func TestConvertTolerated(t *testing.T) {
	dir := copyTiny(t, func(f map[string][]byte) {
		f["preprocessor_config.json"] = nil
		editSafetensors(t, f, func(h map[string]map[string]any) {
			h["text_model.embeddings.position_ids"] = map[string]any{"dtype": "I64", "shape": []any{1, 16}}
		})
	})
	f, c := convertBytes(t, dir, Options{Type: quant.F32})
	if len(c.Warnings) != 2 || !strings.Contains(c.Warnings[0], "preprocessor_config.json is missing") ||
		!strings.Contains(c.Warnings[1], "differs from vision_config.image_size 32") {
		t.Errorf("warnings %q", c.Warnings)
	}
	checkKeys(t, f, map[string]any{"clip.vision.resample": int64(3), "clip.vision.image_width": int64(224)})

	// An F16 source: the converted F32 equals the F16 values widened.
	dir = copyTiny(t, func(f map[string][]byte) {
		editSafetensors(t, f, func(h map[string]map[string]any) {
			h["text_model.head.weight"]["dtype"] = "F16"
			h["text_model.head.bias"]["dtype"] = "BF16"
		})
	})
	f, _ = convertBytes(t, dir, Options{Type: quant.F32})
	st, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, n := range []string{"t.head.weight", "t.head.bias"} {
		ti, _ := f.Tensor(n)
		got, _ := f.Float32s(ti)
		hf, _ := HFName(n)
		want := sourceFloats(t, st, hf)
		// Compare bits: the reinterpreted F32 bytes include NaNs.
		if !slices.EqualFunc(got, want, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
			t.Errorf("%s: differs from the 16-bit source", n)
		}
	}
}

// TestSigLIPWriter: the convenience form writes the same bytes as Convert.
func TestSigLIPWriter(t *testing.T) {
	dir := golden.Project(t, tinyDir)
	w, err := SigLIP(dir, quant.Q8_0)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := w.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	c, err := Convert(dir, Options{Type: quant.Q8_0})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Writer.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("SigLIP and Convert wrote different files")
	}
	if _, err := SigLIP(dir, quant.Q4_1); err == nil {
		t.Error("q4_1 accepted")
	}
}

// TestRandomSigLIP: the tiny preset has the layout of a converted
// testdata/siglip2-tiny, is deterministic per seed, and has sane values.
func TestRandomSigLIP(t *testing.T) {
	write := func(preset string, typ quant.Type, seed uint64) []byte {
		w, err := RandomSigLIP(preset, typ, seed)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := write("tiny", quant.Q8_0, 1), write("tiny", quant.Q8_0, 1), write("tiny", quant.Q8_0, 2)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same file")
	}
	rf, err := gguf.Parse("random.gguf", a)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := convertBytes(t, golden.Project(t, tinyDir), Options{Type: quant.Q8_0})
	if len(rf.Tensors) != len(cf.Tensors) {
		t.Fatalf("%d tensors, converted tiny has %d", len(rf.Tensors), len(cf.Tensors))
	}
	for i, ti := range rf.Tensors {
		ci := cf.Tensors[i]
		if ti.Name != ci.Name || ti.Type != ci.Type || !slices.Equal(ti.Dims, ci.Dims) {
			t.Errorf("tensor %d: %s %s %v, converted %s %s %v", i, ti.Name, ti.Type, ti.Dims, ci.Name, ci.Type, ci.Dims)
		}
	}
	for _, kv := range cf.KV {
		if kv.Key == "general.name" {
			continue
		}
		if v, ok := rf.Value(kv.Key); !ok || v.String() != kv.Value.String() {
			t.Errorf("key %s = %v, converted tiny has %v", kv.Key, v, kv.Value)
		}
	}
	// Statistics: LayerNorm weights near 1, matrices with σ ≈ 1.5/√fan_in.
	stats := func(name string) (mean, sd float64) {
		ti, _ := rf.Tensor(name)
		b, _ := rf.Data(ti)
		v := make([]float32, ti.Elements())
		quant.Formats[ti.Type].Dequantize(v, b)
		for _, x := range v {
			mean += float64(x)
		}
		mean /= float64(len(v))
		for _, x := range v {
			sd += (float64(x) - mean) * (float64(x) - mean)
		}
		return mean, math.Sqrt(sd / float64(len(v)))
	}
	if m, _ := stats("v.blk.0.ln1.weight"); math.Abs(m-1) > 0.15 {
		t.Errorf("ln1 weight mean %g, want ≈1", m)
	}
	if _, sd := stats("t.blk.1.ffn_down.weight"); math.Abs(sd-1.5/8) > 0.03 {
		t.Errorf("ffn_down σ %g, want ≈%g", sd, 1.5/8)
	}
	if _, err := RandomSigLIP("l14", quant.F16, 1); err == nil || !strings.Contains(err.Error(), "b16, tiny") {
		t.Errorf("unknown preset: %v", err)
	}
}

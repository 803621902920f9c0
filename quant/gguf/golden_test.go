package gguf_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"lookout/internal/golden"
	"lookout/quant"
	"lookout/quant/gguf"
)

// The gemma3-tiny files and every number below come from
// ../shared/testdata/gemma3-tiny/README.md (written by llama.cpp's converter
// and llama-quantize --pure). The Q4_0 model and the projectors are copied
// into testdata/; the F16 and Q8_0 models (40 and 25 MB, over the ~20 MB
// limit for committed goldens) are read from the shared folder.

type modelFile struct {
	rel      string
	shared   bool
	size     int64
	sha16    string
	fileType int64
	matrix   quant.Type // type of the 2-D text weights
}

var textModels = []modelFile{
	{"gemma3-tiny/models/gemma3-tiny-f16.gguf", true, 40521312, "67466faec9402043", 1, quant.F16},
	{"gemma3-tiny/models/gemma3-tiny-q8_0.gguf", true, 24585312, "df03cad37b1c423b", 7, quant.Q8_0},
	{"gemma3-tiny/models/gemma3-tiny-q4_0.gguf", false, 16086112, "dd09c205fa4b39c1", 2, quant.Q4_0},
}

func (m modelFile) path(t *testing.T) string {
	if m.shared {
		return golden.Shared(t, m.rel)
	}
	return golden.Project(t, m.rel)
}

func open(t *testing.T, path string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func checkFile(t *testing.T, path string, size int64, sha16 string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil))[:16]; n != size || got != sha16 {
		t.Fatalf("%s: %d bytes sha256 %s…, README says %d bytes %s…", path, n, got, size, sha16)
	}
}

// textKeys are the hyper-parameters the README lists.
var textKeys = map[string]any{
	"general.architecture":                    "gemma3",
	"gemma3.block_count":                      int64(6),
	"gemma3.context_length":                   int64(512),
	"gemma3.embedding_length":                 int64(64),
	"gemma3.feed_forward_length":              int64(128),
	"gemma3.attention.head_count":             int64(4),
	"gemma3.attention.head_count_kv":          int64(2),
	"gemma3.attention.key_length":             int64(16),
	"gemma3.attention.value_length":           int64(16),
	"gemma3.attention.sliding_window":         int64(8),
	"gemma3.attention.layer_norm_rms_epsilon": 1e-6,
	"gemma3.rope.freq_base":                   1e6,
	"gemma3.rope.freq_base_swa":               1e4,
	"gemma3.rope.scaling.type":                "linear",
	"gemma3.rope.scaling.factor":              8.0,
	"tokenizer.ggml.model":                    "llama",
	"tokenizer.ggml.pre":                      "default",
	"tokenizer.ggml.bos_token_id":             int64(2),
	"tokenizer.ggml.eos_token_id":             int64(106),
	"tokenizer.ggml.unknown_token_id":         int64(3),
	"tokenizer.ggml.padding_token_id":         int64(0),
	"tokenizer.ggml.add_bos_token":            true,
	"tokenizer.ggml.add_eos_token":            false,
	"tokenizer.ggml.add_sep_token":            false,
	"tokenizer.ggml.add_space_prefix":         false,
}

func checkKeys(t *testing.T, f *gguf.File, keys map[string]any) {
	t.Helper()
	for key, want := range keys {
		var got any
		var err error
		switch want.(type) {
		case string:
			got, err = f.String(key)
		case int64:
			got, err = f.Int(key)
		case float64:
			var x float64
			x, err = f.Float(key)
			got = x
			if err == nil && math.Abs(x-want.(float64)) <= 1e-6*math.Abs(want.(float64)) {
				got = want // stored as float32
			}
		case bool:
			got, err = f.Bool(key)
		}
		if err != nil {
			t.Errorf("%v", err)
		} else if got != want {
			t.Errorf("key %q = %v, README says %v", key, got, want)
		}
	}
}

// textTensors lists the README's tensors in ggml dims order.
func textTensors() map[string][]int64 {
	m := map[string][]int64{"token_embd.weight": {64, 262144}, "output_norm.weight": {64}}
	for i := range 6 {
		for name, dims := range map[string][]int64{
			"attn_norm": {64}, "attn_q": {64, 64}, "attn_k": {64, 32}, "attn_v": {64, 32},
			"attn_output": {64, 64}, "attn_q_norm": {16}, "attn_k_norm": {16},
			"post_attention_norm": {64}, "ffn_norm": {64}, "ffn_gate": {64, 128},
			"ffn_up": {64, 128}, "ffn_down": {128, 64}, "post_ffw_norm": {64},
		} {
			m[fmt.Sprintf("blk.%d.%s.weight", i, name)] = dims
		}
	}
	return m
}

func TestGemma3TinyText(t *testing.T) {
	for _, m := range textModels {
		t.Run(m.rel, func(t *testing.T) {
			path := m.path(t)
			checkFile(t, path, m.size, m.sha16)
			f := open(t, path)
			checkKeys(t, f, textKeys)
			if ft, err := f.Int("general.file_type"); err != nil || ft != m.fileType {
				t.Errorf("general.file_type = %d (%v), want %d", ft, err, m.fileType)
			}
			if tmpl, err := f.String("tokenizer.chat_template"); err != nil || !strings.Contains(tmpl, "<start_of_turn>") {
				t.Errorf("chat template: %v", err)
			}
			for _, k := range []string{"gemma3.final_logit_softcapping", "gemma3.attn_logit_softcapping", "gemma3.attention.sliding_window_pattern"} {
				if _, ok := f.Value(k); ok {
					t.Errorf("key %q present; README says it is not", k)
				}
			}

			tokens, err := f.Strings("tokenizer.ggml.tokens")
			if err != nil || len(tokens) != 262144 {
				t.Fatalf("tokens: %d, %v", len(tokens), err)
			}
			if tokens[2] != "<bos>" || tokens[106] != "<end_of_turn>" || tokens[105] != "<start_of_turn>" {
				t.Errorf("special tokens: 2=%q 105=%q 106=%q", tokens[2], tokens[105], tokens[106])
			}
			types, err := f.Array("tokenizer.ggml.token_type")
			if err != nil || types.Len() != 262144 {
				t.Fatalf("token_type: %v", err)
			}
			counts := map[int32]int{}
			for _, ty := range types.Values.([]int32) {
				counts[ty]++
			}
			// NORMAL=1, CONTROL=3, USER_DEFINED=4, BYTE=6 (llama_token_type).
			if want := map[int32]int{1: 255474, 6: 256, 3: 6251, 4: 163}; !reflect.DeepEqual(counts, want) {
				t.Errorf("token type counts %v, README says %v", counts, want)
			}
			scores, err := f.Array("tokenizer.ggml.scores")
			if err != nil || scores.Len() != 262144 {
				t.Fatalf("scores: %v", err)
			}
			for id, tok := range tokens {
				if strings.HasPrefix(tok, "<0x") && len(tok) == 6 && scores.Values.([]float32)[id] != 0 {
					t.Errorf("byte token %q has score %v, want 0", tok, scores.Values.([]float32)[id])
				}
			}

			want := textTensors()
			if len(f.Tensors) != len(want) {
				t.Errorf("%d tensors, README lists %d", len(f.Tensors), len(want))
			}
			for _, ti := range f.Tensors {
				dims, ok := want[ti.Name]
				if !ok {
					t.Errorf("unexpected tensor %q", ti.Name)
					continue
				}
				if !reflect.DeepEqual(ti.Dims, dims) {
					t.Errorf("tensor %q: dims %v, want %v", ti.Name, ti.Dims, dims)
				}
				wantType := quant.F32
				if len(dims) == 2 {
					wantType = m.matrix
				}
				if ti.Type != wantType {
					t.Errorf("tensor %q: type %s, want %s", ti.Name, ti.Type, wantType)
				}
			}
		})
	}
}

func TestGemma3TinyProjector(t *testing.T) {
	keys := map[string]any{
		"general.architecture":                     "clip",
		"clip.projector_type":                      "gemma3",
		"clip.has_vision_encoder":                  true,
		"clip.use_gelu":                            true,
		"clip.vision.image_size":                   int64(224),
		"clip.vision.patch_size":                   int64(14),
		"clip.vision.embedding_length":             int64(96),
		"clip.vision.feed_forward_length":          int64(128),
		"clip.vision.block_count":                  int64(2),
		"clip.vision.attention.head_count":         int64(4),
		"clip.vision.projection_dim":               int64(64),
		"clip.vision.attention.layer_norm_epsilon": 1e-6,
	}
	files := []struct {
		rel, sha16 string
		size       int64
		matrix     quant.Type
	}{
		{"gemma3-tiny/models/mmproj-gemma3-tiny-f32.gguf", "9a705706627613a4", 840352, quant.F32},
		{"gemma3-tiny/models/mmproj-gemma3-tiny-f16.gguf", "7be53d5dfe383d81", 594592, quant.F16},
	}
	for _, fc := range files {
		t.Run(fc.rel, func(t *testing.T) {
			path := golden.Project(t, fc.rel)
			checkFile(t, path, fc.size, fc.sha16)
			f := open(t, path)
			checkKeys(t, f, keys)
			for _, k := range []string{"clip.vision.image_mean", "clip.vision.image_std"} {
				a, err := f.Array(k)
				if err != nil || !reflect.DeepEqual(a.Values, []float32{0.5, 0.5, 0.5}) {
					t.Errorf("%s = %v (%v), want [0.5 0.5 0.5]", k, a.Values, err)
				}
			}
			type spec struct {
				dims []int64
				typ  quant.Type
			}
			want := map[string]spec{
				"v.patch_embd.weight":        {[]int64{14, 14, 3, 96}, quant.F32},
				"v.patch_embd.bias":          {[]int64{96}, quant.F32},
				"v.position_embd.weight":     {[]int64{96, 256}, quant.F32},
				"v.post_ln.weight":           {[]int64{96}, quant.F32},
				"v.post_ln.bias":             {[]int64{96}, quant.F32},
				"mm.input_projection.weight": {[]int64{64, 96}, quant.F16}, // F16 in both files
				"mm.soft_emb_norm.weight":    {[]int64{96}, quant.F32},
			}
			for i := range 2 {
				blk := func(name string) string { return fmt.Sprintf("v.blk.%d.%s", i, name) }
				for _, n := range []string{"attn_q", "attn_k", "attn_v", "attn_out"} {
					want[blk(n+".weight")] = spec{[]int64{96, 96}, fc.matrix}
					want[blk(n+".bias")] = spec{[]int64{96}, quant.F32}
				}
				for _, n := range []string{"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "ffn_down.bias"} {
					want[blk(n)] = spec{[]int64{96}, quant.F32}
				}
				want[blk("ffn_up.weight")] = spec{[]int64{96, 128}, fc.matrix}
				want[blk("ffn_up.bias")] = spec{[]int64{128}, quant.F32}
				want[blk("ffn_down.weight")] = spec{[]int64{128, 96}, fc.matrix}
			}
			if len(f.Tensors) != len(want) {
				t.Errorf("%d tensors, want %d", len(f.Tensors), len(want))
			}
			for _, ti := range f.Tensors {
				w, ok := want[ti.Name]
				if !ok {
					t.Errorf("unexpected tensor %q", ti.Name)
				} else if !reflect.DeepEqual(ti.Dims, w.dims) || ti.Type != w.typ {
					t.Errorf("tensor %q: %s %v, want %s %v", ti.Name, ti.Type, ti.Dims, w.typ, w.dims)
				}
			}
		})
	}
}

// f16Values upcasts an F16 tensor of the F16 model to float32.
func f16Values(t *testing.T, f *gguf.File, name string) []float32 {
	t.Helper()
	ti, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("tensor %q missing from the F16 model", name)
	}
	b, err := f.Data(ti)
	if err != nil {
		t.Fatal(err)
	}
	if ti.Type == quant.F32 {
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	}
	out := make([]float32, ti.Elements())
	quant.Formats[ti.Type].Dequantize(out, b)
	return out
}

// TestRequantizeMatchesLlamaQuantize: the F32 master llama-quantize read is
// exactly the F16 model upcast (README), so quantizing the upcast values with
// our reference must reproduce every Q8_0 and Q4_0 block byte for byte, and
// the dequantized blocks must lie within each format's rounding error.
func TestRequantizeMatchesLlamaQuantize(t *testing.T) {
	f16 := open(t, golden.Shared(t, textModels[0].rel))
	for _, m := range textModels[1:] {
		t.Run(m.rel, func(t *testing.T) {
			q := open(t, m.path(t))
			format := quant.Formats[m.matrix]
			checked := 0
			for _, ti := range q.Tensors {
				if ti.Type != m.matrix {
					continue
				}
				src := f16Values(t, f16, ti.Name)
				got, err := q.Data(ti)
				if err != nil {
					t.Fatal(err)
				}
				mine := make([]byte, len(got))
				format.Quantize(mine, src)
				if !bytes.Equal(mine, got) {
					for b := int64(0); b < int64(len(got)); b += format.BlockBytes {
						if !bytes.Equal(mine[b:b+format.BlockBytes], got[b:b+format.BlockBytes]) {
							t.Fatalf("tensor %q block %d: ours % x, llama-quantize % x (inputs %v)", ti.Name, b/format.BlockBytes,
								mine[b:b+format.BlockBytes], got[b:b+format.BlockBytes], src[b/format.BlockBytes*32:][:32])
						}
					}
				}

				deq := make([]float32, len(src))
				format.Dequantize(deq, got)
				for blk := 0; blk < len(src)/32; blk++ {
					d := math.Abs(float64(quant.F16ToF32(binary.LittleEndian.Uint16(got[int64(blk)*format.BlockBytes:]))))
					// Q8_0 rounds to the nearest step (d/2) plus the fp16
					// rounding of d times |q| ≤ 127 (≈0.062 d); Q4_0's
					// largest value maps to -8 and the other extreme may
					// clamp at +7, so its error reaches d (+8 d·2⁻¹¹).
					bound := 0.6 * d
					if m.matrix == quant.Q4_0 {
						bound = 1.01 * d
					}
					for i := blk * 32; i < blk*32+32; i++ {
						if e := math.Abs(float64(deq[i] - src[i])); e > bound {
							t.Fatalf("tensor %q value %d: %v dequantized to %v, error %g > %g", ti.Name, i, src[i], deq[i], e, bound)
						}
					}
				}
				checked++
			}
			if checked != 1+6*7 {
				t.Errorf("checked %d %s tensors, want 43", checked, m.matrix)
			}
		})
	}
}

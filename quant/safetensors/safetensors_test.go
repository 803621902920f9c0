package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"lookout/quant"
)

func TestRoundTrip(t *testing.T) {
	f32 := seq(1, 24)  // [2,3] F32
	bf16 := seq(40, 8) // [4] BF16
	cases := []struct {
		name  string
		meta  map[string]string
		specs []spec
	}{
		{name: "empty"},
		{name: "metadata only", meta: map[string]string{"format": "pt"}},
		{
			name: "mixed dtypes",
			meta: map[string]string{"format": "pt", "note": "é \"quoted\""},
			specs: []spec{
				{"z.weight", "F32", []int64{2, 3}, f32},
				{"a.bias", "BF16", []int64{4}, bf16},
				{"scalar", "F16", nil, seq(80, 2)},
				{"ints", "I8", []int64{3}, seq(90, 3)},
				{"bytes", "U8", []int64{1, 2}, seq(100, 2)},
				{"empty", "F32", []int64{0, 5}, nil},
				{"fp4", "F4", []int64{2, 2}, seq(110, 2)},
				{"fp8", "F8_E4M3", []int64{2}, seq(120, 2)},
				{"flags", "BOOL", []int64{1}, []byte{1}},
				{"wide", "F64", []int64{1}, seq(130, 8)},
				{"名前/ünïcode", "I64", []int64{1}, seq(140, 8)},
			},
		},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, dir, "rt"+itoa(i)+".safetensors", encodeFile(c.meta, c.specs))
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Path != path {
				t.Errorf("Path = %q, want %q", f.Path, path)
			}
			if len(c.meta) == 0 && f.Metadata != nil {
				t.Errorf("Metadata = %v, want nil", f.Metadata)
			}
			for k, v := range c.meta {
				if f.Metadata[k] != v {
					t.Errorf("Metadata[%q] = %q, want %q", k, f.Metadata[k], v)
				}
			}
			if len(f.Metadata) != len(c.meta) {
				t.Errorf("Metadata = %v, want %v", f.Metadata, c.meta)
			}
			if len(f.Tensors) != len(c.specs) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(c.specs))
			}
			if !slices.IsSortedFunc(f.Tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("Tensors not sorted by name")
			}
			for _, s := range c.specs {
				got, ok := f.Tensor(s.name)
				if !ok {
					t.Fatalf("Tensor(%q) missing", s.name)
				}
				wantShape := s.shape
				if wantShape == nil {
					wantShape = []int64{}
				}
				if got.Name != s.name || got.DType != s.dtype || !slices.Equal(got.Shape, wantShape) ||
					got.Size != int64(len(s.data)) || got.File != path {
					t.Errorf("Tensor(%q) = %+v, want dtype %s shape %v size %d", s.name, got, s.dtype, wantShape, len(s.data))
				}
				data, err := f.Data(got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, s.data) {
					t.Errorf("Data(%q) = %v, want %v", s.name, data, s.data)
				}
				if cap(data) != len(data) {
					t.Errorf("Data(%q): cap %d > len %d lets appends write into the mapping", s.name, cap(data), len(data))
				}
			}
			if _, ok := f.Tensor("no such tensor"); ok {
				t.Error("Tensor of a missing name succeeded")
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			for _, tt := range f.Tensors {
				if _, err := f.Data(tt); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), path) {
					t.Errorf("Data after Close: %v, want ErrClosed naming %s", err, path)
				}
			}
		})
	}
}

// TestTypes checks the dtype table: the ggml counterpart, Supported, and that
// every size agrees with quant.Formats where ggml has the type.
func TestTypes(t *testing.T) {
	want := map[string]struct {
		typ       quant.Type
		supported bool
	}{
		"F32": {quant.F32, true}, "F16": {quant.F16, true}, "BF16": {quant.BF16, true},
		"I8": {quant.I8, false}, "I16": {quant.I16, false}, "I32": {quant.I32, false},
		"I64": {quant.I64, false}, "F64": {quant.F64, false},
		"U8": {NoType, false}, "BOOL": {NoType, false}, "F8_E4M3": {NoType, false},
		"F8_E5M2": {NoType, false}, "F4": {NoType, false}, "C64": {NoType, false},
	}
	for name, w := range want {
		dt, ok := dtypes[name]
		if !ok {
			t.Errorf("dtype %s missing", name)
			continue
		}
		if dt.typ != w.typ {
			t.Errorf("%s: type %v, want %v", name, dt.typ, w.typ)
		}
		if got := dt.typ.Known() && quant.Formats[dt.typ].Supported(); got != w.supported {
			t.Errorf("%s: supported %v, want %v", name, got, w.supported)
		}
	}
	for name, dt := range dtypes {
		if dt.typ == NoType {
			continue
		}
		f := quant.Formats[dt.typ]
		if f.BlockLen != 1 || f.BlockBytes*8 != dt.bits {
			t.Errorf("%s: %d bits, but quant.Formats[%v] is %d bytes per %d values", name, dt.bits, dt.typ, f.BlockBytes, f.BlockLen)
		}
	}
	if NoType.Known() {
		t.Error("NoType is a known quant.Type")
	}
}

func TestGGMLShape(t *testing.T) {
	for _, c := range []struct{ shape, ne []int64 }{
		{[]int64{}, []int64{1}},
		{[]int64{7}, []int64{7}},
		{[]int64{32, 3, 16, 16}, []int64{16, 16, 3, 32}},
	} {
		tt := Tensor{Shape: c.shape}
		if got := tt.GGMLShape(); !slices.Equal(got, c.ne) {
			t.Errorf("GGMLShape(%v) = %v, want %v", c.shape, got, c.ne)
		}
		if !slices.Equal(tt.Shape, c.shape) {
			t.Errorf("GGMLShape modified Shape to %v", tt.Shape)
		}
	}
}

// TestHeaderForms opens headers that are valid but unusual: whitespace
// around the object, a null __metadata__, escapes in names, and tensors
// listed in a different order than their offsets.
func TestHeaderForms(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, header string
		data         []byte
		tensors      []string
	}{
		{"leading whitespace", " \n\t{} ", nil, nil},
		{"null metadata", `{"__metadata__":null}`, nil, nil},
		{"escaped name", `{"a\u00e9\"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{7}, []string{"aé\"b"}},
		{"field order", `{"w":{"data_offsets":[0,1],"shape":[1],"dtype":"U8"}}`, []byte{7}, []string{"w"}},
		{"offset order differs from name order",
			`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`,
			[]byte{1, 2}, []string{"a", "b"}},
		{"zero-size tensors share an offset",
			`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]},"c":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`,
			[]byte{1}, []string{"a", "b", "c"}},
		{"scalar", `{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, seq(0, 4), []string{"s"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, dir, "form"+itoa(i)+".safetensors", rawFile(c.header, c.data))
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var names []string
			for _, tt := range f.Tensors {
				names = append(names, tt.Name)
				if _, err := f.Data(tt); err != nil {
					t.Error(err)
				}
			}
			if !slices.Equal(names, c.tensors) {
				t.Errorf("tensors %q, want %q", names, c.tensors)
			}
		})
	}
}

// TestDataRefusesForeignTensors: Data must only serve the tensors it parsed,
// so a Tensor from another file, or one whose fields were edited, gives an
// error instead of an arbitrary (or out-of-range) slice.
func TestDataRefusesForeignTensors(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.safetensors", encodeFile(nil, []spec{{"w", "U8", []int64{4}, seq(0, 4)}}))
	b := writeFile(t, dir, "b.safetensors", encodeFile(nil, []spec{{"w", "U8", []int64{4}, seq(0, 4)}}))
	fa, err := Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	w := fa.Tensors[0]
	bad := map[string]Tensor{"other file": fb.Tensors[0], "missing name": {Name: "x", File: a}}
	for name, mod := range map[string]func(*Tensor){
		"offset":   func(t *Tensor) { t.Offset += 1 },
		"size":     func(t *Tensor) { t.Size = 1 << 40 },
		"negative": func(t *Tensor) { t.Offset = -8 },
	} {
		tt := w
		mod(&tt)
		bad[name] = tt
	}
	for name, tt := range bad {
		if _, err := fa.Data(tt); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), a) {
			t.Errorf("%s: Data = %v, want ErrNotFound naming %s", name, err, a)
		}
	}
}

// siglipPath is the tiny SigLIP checkpoint copied from ../shared/testdata
// (see its README there).
const siglipPath = "../../testdata/siglip2-tiny/model.safetensors"

func TestSiglipTiny(t *testing.T) {
	f, err := Open(siglipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// README: 88 tensors, all F32, __metadata__ {"format":"pt"}.
	if len(f.Tensors) != 88 {
		t.Errorf("%d tensors, want 88", len(f.Tensors))
	}
	if len(f.Metadata) != 1 || f.Metadata["format"] != "pt" {
		t.Errorf("Metadata = %v, want map[format:pt]", f.Metadata)
	}
	var params, bytesTotal int64
	for _, tt := range f.Tensors {
		if tt.DType != "F32" || tt.Type != quant.F32 || !tt.Supported {
			t.Errorf("%s: dtype %s type %v supported %v, want F32", tt.Name, tt.DType, tt.Type, tt.Supported)
		}
		params += tt.Elements()
		bytesTotal += tt.Size
	}
	// The tensors tile the data section: everything after the header.
	st, err := os.Stat(siglipPath)
	if err != nil {
		t.Fatal(err)
	}
	var prefix [8]byte
	raw, _ := os.ReadFile(siglipPath)
	copy(prefix[:], raw)
	n := int64(binary.LittleEndian.Uint64(prefix[:]))
	if n%8 != 0 {
		t.Errorf("header length %d is not padded to 8 as the README says", n)
	}
	if want := st.Size() - 8 - n; bytesTotal != want || params*4 != want {
		t.Errorf("tensors hold %d bytes (%d params), data section is %d bytes", bytesTotal, params, want)
	}

	// Shapes from the README, in PyTorch order; config.json: hidden 32,
	// mlp 64, patch 16, 3 channels, 2x2 patches, vocab 1024, 16 positions.
	for name, shape := range map[string][]int64{
		"vision_model.embeddings.patch_embedding.weight":    {32, 3, 16, 16},
		"vision_model.embeddings.patch_embedding.bias":      {32},
		"vision_model.embeddings.position_embedding.weight": {4, 32},
		"vision_model.encoder.layers.1.mlp.fc1.weight":      {64, 32},
		"vision_model.encoder.layers.1.mlp.fc2.weight":      {32, 64},
		"vision_model.head.probe":                           {1, 1, 32},
		"vision_model.head.attention.in_proj_weight":        {96, 32},
		"text_model.embeddings.token_embedding.weight":      {1024, 32},
		"text_model.embeddings.position_embedding.weight":   {16, 32},
		"text_model.encoder.layers.0.self_attn.q_proj.bias": {32},
		"text_model.head.weight":                            {32, 32},
		"logit_scale":                                       {1},
		"logit_bias":                                        {1},
	} {
		tt, ok := f.Tensor(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if !slices.Equal(tt.Shape, shape) {
			t.Errorf("%s: shape %v, want %v", name, tt.Shape, shape)
		}
		if want := 4 * product(shape); tt.Size != want {
			t.Errorf("%s: %d bytes, want %d", name, tt.Size, want)
		}
	}
	patch, _ := f.Tensor("vision_model.embeddings.patch_embedding.weight")
	if got := patch.GGMLShape(); !slices.Equal(got, []int64{16, 16, 3, 32}) {
		t.Errorf("patch embedding GGMLShape %v, want [16 16 3 32]", got)
	}

	// README: logit_scale = ln(10), logit_bias = -1. Reading the right
	// values proves the offsets are applied from the end of the header.
	for name, want := range map[string]float32{"logit_scale": float32(math.Log(10)), "logit_bias": -1} {
		tt, _ := f.Tensor(name)
		b, err := f.Data(tt)
		if err != nil {
			t.Fatal(err)
		}
		if got := math.Float32frombits(binary.LittleEndian.Uint32(b)); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// The writer stores tensors in name order, so the first name is at the
	// start of the data section.
	if first := f.Tensors[0]; first.Name != "logit_bias" || first.Offset != 8+n {
		t.Errorf("first tensor %s at %d, want logit_bias at %d", first.Name, first.Offset, 8+n)
	}
}

func product(s []int64) int64 {
	p := int64(1)
	for _, d := range s {
		p *= d
	}
	return p
}

// corruptCase is a hand-made broken file and what Open must say about it.
type corruptCase struct {
	name string
	file []byte
	err  error    // sentinel
	want []string // substrings of the message besides the path
}

// tensorHeader is the header of one tensor "w" with the given fields.
func tensorHeader(fields string) string { return `{"w":{` + fields + `}}` }

func corruptCases() []corruptCase {
	data8 := seq(0, 8)
	const ok = `"dtype":"F32","shape":[2],"data_offsets":[0,8]`
	w := func(fields string) []byte { return rawFile(tensorHeader(fields), data8) }
	big := strings.Repeat("1,", MaxRank) + "1"
	return []corruptCase{
		{"truncated length prefix", []byte{1, 2, 3, 4, 5}, ErrCorrupt, []string{"header length"}},
		{"empty file", nil, ErrCorrupt, []string{"header length"}},
		{"length past end", withLength(100, "{}      "), ErrCorrupt, []string{"header length", "100"}},
		{"length huge", withLength(1<<63+5, "{}      "), ErrCorrupt, []string{"header length", "limit"}},
		{"length max uint64", withLength(math.MaxUint64, "{}"), ErrCorrupt, []string{"header length"}},
		{"length zero", withLength(0, "{}"), ErrCorrupt, []string{"header", "the end of the JSON, not a JSON object"}},
		{"not json", rawFile("hello   ", nil), ErrCorrupt, []string{"header", "invalid character 'h'"}},
		{"json array", rawFile("[]", nil), ErrCorrupt, []string{"header", "not a JSON object"}},
		{"json string", rawFile(`"{}"`, nil), ErrCorrupt, []string{"header", "not a JSON object"}},
		{"json null", rawFile(`null`, nil), ErrCorrupt, []string{"header", "not a JSON object"}},
		{"unterminated", rawFile(`{"w":{"dtype":"F32"`, nil), ErrCorrupt, []string{`tensor "w"`, "unexpected end of JSON"}},
		{"trailing garbage", rawFile(`{} x`, nil), ErrCorrupt, []string{"header", "after the JSON object"}},
		{"two objects", rawFile(`{}{}`, nil), ErrCorrupt, []string{"header", "after the JSON object"}},
		{"padding with NUL", rawFile("{}\x00\x00", nil), ErrCorrupt, []string{"header", "after the JSON object"}},
		{"invalid utf8", rawFile("{\"w\xff\":{}}", nil), ErrCorrupt, []string{"header", "UTF-8"}},
		{"tensor not object", rawFile(`{"w":[1]}`, nil), ErrCorrupt, []string{`tensor "w"`, "not a JSON object"}},
		{"tensor null", rawFile(`{"w":null}`, nil), ErrCorrupt, []string{`tensor "w"`, "null"}},
		{"dtype unknown", w(`"dtype":"F33","shape":[2],"data_offsets":[0,8]`), ErrUnsupported, []string{`tensor "w": dtype`, "F33"}},
		{"dtype lower case", w(`"dtype":"f32","shape":[2],"data_offsets":[0,8]`), ErrUnsupported, []string{`tensor "w": dtype`}},
		{"dtype not string", w(`"dtype":32,"shape":[2],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": dtype`, "not a string"}},
		{"dtype missing", w(`"shape":[2],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": dtype`, "missing"}},
		{"shape missing", w(`"dtype":"F32","data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape`, "missing"}},
		{"offsets missing", w(`"dtype":"F32","shape":[2]`), ErrCorrupt, []string{`tensor "w": data_offsets`, "missing"}},
		{"shape negative", w(`"dtype":"F32","shape":[-2],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "negative"}},
		{"shape float", w(`"dtype":"F32","shape":[2.0],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "not an integer"}},
		{"shape exponent", w(`"dtype":"F32","shape":[2e0],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "not an integer"}},
		{"shape string", w(`"dtype":"F32","shape":["2"],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "not a number"}},
		{"shape not array", w(`"dtype":"F32","shape":2,"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape`, "not a JSON array"}},
		{"shape nested", w(`"dtype":"F32","shape":[[2]],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "an array"}},
		{"shape product overflow", w(`"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape`, "overflows"}},
		{"shape bytes overflow", w(`"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape`, "overflows"}},
		{"shape too big for int64", w(`"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": shape[0]`, "int64"}},
		{"shape rank", w(`"dtype":"U8","shape":[` + big + `],"data_offsets":[0,1]`), ErrUnsupported, []string{`tensor "w": shape`, "dimensions"}},
		{"sub-byte size", w(`"dtype":"F4","shape":[3],"data_offsets":[0,2]`), ErrCorrupt, []string{`tensor "w": shape`, "whole number of bytes"}},
		{"offsets reversed", w(`"dtype":"F32","shape":[2],"data_offsets":[8,0]`), ErrCorrupt, []string{`tensor "w": data_offsets`, "begin is after end"}},
		{"offsets out of range", w(`"dtype":"F32","shape":[4],"data_offsets":[0,16]`), ErrCorrupt, []string{`tensor "w": data_offsets`, "past the 8-byte data"}},
		{"offsets huge", w(`"dtype":"F32","shape":[2],"data_offsets":[18446744073709551608,18446744073709551616]`), ErrCorrupt, []string{`tensor "w": data_offsets[0]`, "int64"}},
		{"offsets negative", w(`"dtype":"F32","shape":[2],"data_offsets":[-8,0]`), ErrCorrupt, []string{`tensor "w": data_offsets[0]`, "negative"}},
		{"offsets three", w(`"dtype":"F32","shape":[2],"data_offsets":[0,8,8]`), ErrCorrupt, []string{`tensor "w": data_offsets`, "more than 2"}},
		{"offsets one", w(`"dtype":"F32","shape":[2],"data_offsets":[8]`), ErrCorrupt, []string{`tensor "w": data_offsets`, "want [begin, end]"}},
		{"size mismatch", rawFile(tensorHeader(`"dtype":"F32","shape":[2],"data_offsets":[0,4]`), seq(0, 4)), ErrCorrupt, []string{`tensor "w": data_offsets`, "needs 8"}},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, seq(0, 12)),
			ErrCorrupt, []string{`tensor "b"`, `overlap tensor "a"`}},
		{"hole", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, seq(0, 12)),
			ErrCorrupt, []string{`tensor "b"`, "hole", `after tensor "a"`}},
		{"hole at start", w(`"dtype":"F32","shape":[1],"data_offsets":[4,8]`), ErrCorrupt, []string{`tensor "w"`, "hole", "start"}},
		{"bytes after last tensor", w(`"dtype":"F32","shape":[1],"data_offsets":[0,4]`), ErrCorrupt, []string{"data_offsets", "4 bytes of data after the last tensor"}},
		{"data without tensors", rawFile(`{}`, data8), ErrCorrupt, []string{"data_offsets", "8 bytes of data after the last tensor"}},
		{"duplicate tensor", rawFile(`{"w":{`+ok+`},"w":{`+ok+`}}`, data8), ErrCorrupt, []string{`tensor "w"`, "duplicate"}},
		{"duplicate field", w(`"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]`), ErrCorrupt, []string{`tensor "w": dtype`, "duplicate"}},
		{"unknown field", w(ok + `,"offset":0`), ErrCorrupt, []string{`tensor "w"`, `unknown field "offset"`}},
		{"metadata duplicate key", rawFile(`{"__metadata__":{"k":"a","k":"b"}}`, nil), ErrCorrupt, []string{`__metadata__["k"]`, "duplicate"}},
		{"metadata non-string", rawFile(`{"__metadata__":{"k":1}}`, nil), ErrCorrupt, []string{`__metadata__["k"]`, "not a string"}},
		{"metadata nested", rawFile(`{"__metadata__":{"k":{"x":"y"}}}`, nil), ErrCorrupt, []string{`__metadata__["k"]`, "not a string"}},
		{"metadata array", rawFile(`{"__metadata__":["k"]}`, nil), ErrCorrupt, []string{`__metadata__`, "not a JSON object"}},
		{"metadata true", rawFile(`{"__metadata__":true}`, nil), ErrCorrupt, []string{`__metadata__: true, not a JSON object`}},
		{"metadata twice", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), ErrCorrupt, []string{`__metadata__`, "duplicate"}},
	}
}

func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	for i, c := range corruptCases() {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, dir, "bad"+itoa(i)+".safetensors", c.file)
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, c.err) {
				t.Errorf("error %q does not wrap %v", err, c.err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "safetensors: "+path+": ") {
				t.Errorf("error %q does not start with safetensors: %s", msg, path)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// TestHeaderCap writes a sparse file just long enough for a header one byte
// over MaxHeaderBytes: the length alone must refuse it.
func TestHeaderCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.safetensors")
	if err := os.WriteFile(path, withLength(MaxHeaderBytes+1, "{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 8+MaxHeaderBytes+1); err != nil {
		t.Skip("cannot make a sparse file:", err)
	}
	f, err := Open(path)
	if err == nil {
		f.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("error %v, want ErrCorrupt about the limit", err)
	}
}

// hostileInputs returns valid and invalid headers built to cost the parser
// the most memory per byte: many tiny tensors, long shapes, many metadata
// keys, deep nesting.
func hostileInputs() map[string][]byte {
	var many strings.Builder
	many.WriteByte('{')
	for i := range 20000 {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteString(`"` + itoa(i) + `":{"dtype":"U8","shape":[],"data_offsets":[` + itoa(i) + `,` + itoa(i+1) + `]}`)
	}
	many.WriteByte('}')

	var wide strings.Builder
	wide.WriteByte('{')
	zeros := strings.TrimSuffix(strings.Repeat("0,", MaxRank), ",")
	for i := range 2000 {
		if i > 0 {
			wide.WriteByte(',')
		}
		wide.WriteString(`"` + itoa(i) + `":{"dtype":"F32","shape":[` + zeros + `],"data_offsets":[0,0]}`)
	}
	wide.WriteByte('}')

	var meta strings.Builder
	meta.WriteString(`{"__metadata__":{`)
	for i := range 50000 {
		if i > 0 {
			meta.WriteByte(',')
		}
		meta.WriteString(`"` + itoa(i) + `":""`)
	}
	meta.WriteString(`}}`)

	return map[string][]byte{
		"many tensors":   rawFile(many.String(), make([]byte, 20000)),
		"wide shapes":    rawFile(wide.String(), nil),
		"many metadata":  rawFile(meta.String(), nil),
		"deep nesting":   rawFile(`{"__metadata__":{"k":`+strings.Repeat("[", 100000)+`}}`, nil),
		"long string":    rawFile(`{"`+strings.Repeat("x", 1<<20)+`":1}`, nil),
		"huge shape":     rawFile(tensorHeader(`"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,8]`), seq(0, 8)),
		"claimed length": withLength(MaxHeaderBytes, `{"w":{"dtype":"U8"`),
	}
}

// TestAllocationBound checks that parsing allocates in proportion to the
// bytes of the file, never to a size the file claims. The bound (32 bytes
// per input byte plus 64 KiB; the worst input here, a header of tiny metadata
// entries, costs about 10) is loose: it is there to catch an allocation
// driven by a header field, which would be off by orders of magnitude.
func TestAllocationBound(t *testing.T) {
	inputs := hostileInputs()
	for _, c := range corruptCases() {
		inputs["corrupt: "+c.name] = c.file
	}
	raw, err := os.ReadFile(siglipPath)
	if err != nil {
		t.Fatal(err)
	}
	inputs["siglip"] = raw
	worst, worstName := 0.0, ""
	for name, b := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		parse("hostile.safetensors", b)
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		if limit := 32*uint64(len(b)) + 64<<10; alloc > limit {
			t.Errorf("%s: %d-byte file made the parser allocate %d bytes (limit %d)", name, len(b), alloc, limit)
		}
		if len(b) > 4096 {
			if r := float64(alloc) / float64(len(b)); r > worst {
				worst, worstName = r, name
			}
		}
	}
	t.Logf("worst allocation ratio over large inputs: %.1f bytes per file byte (%s)", worst, worstName)
}

// BenchmarkOpen opens and closes the tiny SigLIP file: map, parse the
// 9.5 kB header, unmap. The tensor bytes are never read.
func BenchmarkOpen(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(siglipPath)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkParse isolates the header parser from mmap and the file system.
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile(siglipPath)
	if err != nil {
		b.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parse(siglipPath, raw); err != nil {
			b.Fatal(err)
		}
	}
}

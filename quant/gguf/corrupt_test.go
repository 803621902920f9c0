package gguf

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"lookout/quant"
)

// raw builds GGUF bytes by hand, so tests can write what no correct writer
// would.
type raw struct{ b []byte }

func (r *raw) u32(v uint32) *raw { r.b = binary.LittleEndian.AppendUint32(r.b, v); return r }
func (r *raw) u64(v uint64) *raw { r.b = binary.LittleEndian.AppendUint64(r.b, v); return r }
func (r *raw) str(s string) *raw { r.u64(uint64(len(s))); r.b = append(r.b, s...); return r }
func (r *raw) bytes(b ...byte) *raw {
	r.b = append(r.b, b...)
	return r
}

// head starts a v3 file with the given counts.
func head(nTensors, nKV uint64) *raw {
	r := &raw{b: []byte(Magic)}
	return r.u32(3).u64(nTensors).u64(nKV)
}

// kvU32 appends a uint32 metadata entry.
func (r *raw) kvU32(key string, v uint32) *raw { return r.str(key).u32(uint32(TypeUint32)).u32(v) }

// tensor appends a tensor info.
func (r *raw) tensor(name string, typ quant.Type, off uint64, dims ...uint64) *raw {
	r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r.u64(d)
	}
	return r.u32(uint32(typ)).u64(off)
}

// data pads to 32 bytes and appends n zero bytes of tensor data.
func (r *raw) data(n int) *raw {
	for len(r.b)%DefaultAlignment != 0 {
		r.b = append(r.b, 0)
	}
	r.b = append(r.b, make([]byte, n)...)
	return r
}

// corruptCases are hand-made broken files, in the categories of llama.cpp's
// test-gguf.cpp plus the allocation attacks a hostile file can attempt. They
// also seed FuzzOpen.
var corruptCases = []struct {
	name string
	data []byte
	err  error  // sentinel the error must wrap
	want string // text the error must contain (besides the file name)
}{
	{"empty", nil, ErrCorrupt, "not a GGUF file"},
	{"short magic", []byte("GGU"), ErrCorrupt, "not a GGUF file"},
	{"wrong magic", []byte("GGML\x03\x00\x00\x00"), ErrCorrupt, "magic"},
	{"no version", []byte("GGUF\x03\x00"), ErrCorrupt, "version"},
	{"version 1", (&raw{b: []byte(Magic)}).u32(1).u64(0).u64(0).b, ErrUnsupported, "version 1"},
	{"version 4", (&raw{b: []byte(Magic)}).u32(4).u64(0).u64(0).b, ErrUnsupported, "version 4"},
	{"big endian", (&raw{b: []byte(Magic)}).u32(0x03000000).u64(0).u64(0).b, ErrUnsupported, "big-endian"},
	{"tensor count huge", head(1<<40, 0).b, ErrCorrupt, "tensor count"},
	{"kv count huge", head(0, math.MaxUint64).b, ErrCorrupt, "metadata count"},
	{"kv truncated", head(0, 1).str("general.name").b, ErrCorrupt, `key "general.name": type`},
	{"key length huge", head(0, 1).u64(1 << 62).u32(0).u32(0).b, ErrCorrupt, "metadata key #0"},
	{"key empty", head(0, 1).str("").u32(uint32(TypeUint8)).bytes(1).b, ErrCorrupt, "metadata key #0 is empty"},
	{"duplicate key", head(0, 2).kvU32("a.b", 1).kvU32("a.b", 2).b, ErrCorrupt, `key "a.b": duplicate`},
	{"unknown value type", head(0, 1).str("a.b").u32(13).u32(0).b, ErrCorrupt, `key "a.b": unknown value type 13`},
	{"bool byte 2", head(0, 1).str("a.b").u32(uint32(TypeBool)).bytes(2).b, ErrCorrupt, `key "a.b": bool`},
	{"string length huge", head(0, 1).str("a.b").u32(uint32(TypeString)).u64(1 << 50).b, ErrCorrupt, `key "a.b"`},
	{"array elem unknown", head(0, 1).str("a.b").u32(uint32(TypeArray)).u32(99).u64(1).b, ErrCorrupt, "unknown array element type 99"},
	{"array count huge", head(0, 1).str("a.b").u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(1 << 60).b, ErrCorrupt, `key "a.b": array length`},
	{"string array count huge", head(0, 1).str("tokens").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(1 << 40).b, ErrCorrupt, `key "tokens": array length`},
	{"string array elem huge", head(0, 1).str("tokens").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(2).str("a").u64(1 << 40).b, ErrCorrupt, `key "tokens": element 1`},
	{"array nested too deep", func() []byte {
		r := head(0, 1).str("deep").u32(uint32(TypeArray))
		for range maxArrayDepth + 1 {
			r.u32(uint32(TypeArray)).u64(1)
		}
		return r.u32(uint32(TypeUint8)).u64(0).b
	}(), ErrCorrupt, "nested deeper"},
	{"alignment not power of two", head(0, 1).kvU32(KeyAlignment, 48).b, ErrCorrupt, "not a power of two"},
	{"alignment zero", head(0, 1).kvU32(KeyAlignment, 0).b, ErrCorrupt, "not a power of two"},
	{"alignment wrong type", head(0, 1).str(KeyAlignment).u32(uint32(TypeUint64)).u64(32).b, ErrCorrupt, "want uint32"},
	{"tensor name empty", head(1, 0).tensor("", quant.F32, 0, 4).data(16).b, ErrCorrupt, "tensor #0: empty name"},
	{"tensor zero dims", head(1, 0).tensor("w", quant.F32, 0).data(16).b, ErrCorrupt, `tensor "w": 0 dimensions`},
	{"tensor five dims", head(1, 0).tensor("w", quant.F32, 0, 1, 1, 1, 1, 1).data(16).b, ErrCorrupt, `tensor "w": 5 dimensions`},
	{"tensor dim beyond int64", head(1, 0).tensor("w", quant.F32, 0, 1<<63).data(16).b, ErrCorrupt, `tensor "w": dimension 0`},
	{"tensor retired type", head(1, 0).tensor("w", 4, 0, 32).data(16).b, quant.ErrUnknownType, `tensor "w": type id 4`},
	{"tensor unknown type", head(1, 0).tensor("w", 1000, 0, 32).data(16).b, quant.ErrUnknownType, `tensor "w": type id 1000`},
	{"tensor row not whole blocks", head(1, 0).tensor("w", quant.Q4_0, 0, 33).data(64).b, ErrCorrupt, `tensor "w": shape [33]`},
	{"tensor size overflow", head(1, 0).tensor("w", quant.F32, 0, 1<<40, 1<<40).data(16).b, ErrCorrupt, `tensor "w": shape`},
	{"tensor offset misaligned", head(1, 0).tensor("w", quant.F32, 4, 4).data(32).b, ErrCorrupt, `tensor "w": offset 4 is not a multiple`},
	{"tensor info truncated", head(1, 0).str("blk.0.attn_q.weight").u32(2).u64(4).b, ErrCorrupt, `tensor "blk.0.attn_q.weight": dimension 1`},
	{"tensor data truncated", head(1, 0).tensor("w", quant.F32, 0, 8).data(31).b, ErrCorrupt, `tensor "w": data [0, 32)`},
	{"tensor offset past end", head(1, 0).tensor("w", quant.F32, 1<<40, 8).data(32).b, ErrCorrupt, `tensor "w": data`},
	{"data section missing", head(1, 0).tensor("w", quant.F32, 0, 8).b, ErrCorrupt, "data section"},
	{"tensors overlap", head(2, 0).tensor("a", quant.F32, 0, 16).tensor("b", quant.F32, 32, 8).data(96).b, ErrCorrupt, `tensor "b": data [32, 64) overlaps tensor "a"`},
	{"duplicate tensor", head(2, 0).tensor("a", quant.F32, 0, 8).tensor("a", quant.F32, 32, 8).data(64).b, ErrCorrupt, `tensor "a": duplicate`},
}

func TestCorruptFiles(t *testing.T) {
	for _, tc := range corruptCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("bad.gguf", tc.data)
			if err == nil {
				f.Close()
				t.Fatalf("Parse succeeded, want error wrapping %v", tc.err)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q does not wrap %v", err, tc.err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "bad.gguf") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want the file name and %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans several lines", msg)
			}
		})
	}
}

// TestValidHandMade checks the builder itself produces files the reader
// accepts, so the corrupt cases above fail for the reason they name.
func TestValidHandMade(t *testing.T) {
	data := head(2, 1).kvU32(KeyAlignment, 32).tensor("a", quant.F32, 0, 8).tensor("b", quant.Q8_0, 32, 32).data(32 + 34).b
	f, err := Parse("ok.gguf", data)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := f.Tensor("b")
	if b.Size != 34 || b.Offset != 32 {
		t.Errorf("tensor b: size %d offset %d, want 34 and 32", b.Size, b.Offset)
	}
}

// TestTruncatedPrefixes cuts a valid file at every length: each prefix must
// give an error, never a panic, and the full file must open.
func TestTruncatedPrefixes(t *testing.T) {
	data := sampleFile(t)
	for n := range len(data) {
		if f, err := Parse("cut.gguf", data[:n]); err == nil {
			f.Close()
			t.Fatalf("prefix of %d/%d bytes parsed without error", n, len(data))
		}
	}
	f, err := Parse("cut.gguf", data)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// Package safetensors reads Hugging Face safetensors files and model folders,
// the form SigLIP 2 and Gemma 3 checkpoints are published in, so that the
// runtime and the GGUF converter can use HF weights without Python.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON header
// (tensor name -> dtype, shape, data_offsets, plus an optional
// "__metadata__" object of strings), then the tensor bytes. Open maps the file
// read-only (lookout/quant/mmap) and parses only the header; Data hands out
// zero-copy slices of the mapping, so opening a multi-gigabyte checkpoint
// touches only the header pages.
//
// Every file is treated as hostile. The header length is checked against the
// file size and capped before anything is read; the JSON is read by a small
// scanner, value by value against the schema, so that duplicate keys (which
// encoding/json would silently resolve to the last one) are refused; every
// size is computed with overflow checks; and
// the tensors must tile the data section exactly, with no hole, overlap or
// trailing byte, as the reference implementation requires. Nothing is
// allocated from a size the file claims, only in proportion to the bytes it
// actually has. Errors name the file and the tensor or header field at fault
// and wrap one of the sentinel errors below.
//
// Shapes are kept in PyTorch order (row-major: the last dimension is the
// contiguous one), which is the reverse of ggml's ne order; see
// Tensor.GGMLShape.
package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"lookout/quant"
	"lookout/quant/mmap"
)

// Errors about what a file or folder contains wrap one of these; test them
// with errors.Is. (Errors of the file system, such as a missing path, wrap the
// os error instead.)
var (
	// ErrCorrupt: the bytes break the format (bad header length, bad JSON,
	// inconsistent sizes or offsets, duplicate keys, a broken index).
	ErrCorrupt = errors.New("corrupt safetensors")
	// ErrUnsupported: well-formed as far as can be told, but beyond this
	// reader (an unknown dtype, an absurd rank).
	ErrUnsupported = errors.New("unsupported safetensors")
	// ErrNotFound: a tensor or file that was asked for is not there.
	ErrNotFound = errors.New("not found")
	// ErrClosed: Data was called after Close.
	ErrClosed = errors.New("file is closed")
)

// MaxHeaderBytes caps the JSON header, as the reference implementation does
// (100 MB). Real headers are a few hundred kilobytes even for the largest
// checkpoints; the cap bounds the memory a crafted length can make us spend.
const MaxHeaderBytes = 100_000_000

// MaxRank caps the number of dimensions of a tensor. PyTorch and NumPy stop
// at 64; the cap keeps a crafted shape from growing without bound.
const MaxRank = 64

// NoType is Tensor.Type for dtypes that have no ggml counterpart (U8, BOOL,
// the F8/F6/F4 formats, C64, unsigned ints). It is not a known quant.Type, so
// quant.Type.Format rejects it.
const NoType = quant.Type(math.MaxInt32)

// dtype describes one safetensors element type.
type dtype struct {
	name string     // as the header spells it
	bits int64      // bits per element; F4 and F6 are packed below a byte
	typ  quant.Type // ggml counterpart, or NoType
}

// dtypes lists every dtype the reference implementation defines. Sizes of the
// types ggml also has are taken from quant.Formats so that the two tables
// cannot disagree.
var dtypes = func() map[string]dtype {
	m := map[string]dtype{}
	add := func(name string, bits int64, typ quant.Type) { m[name] = dtype{name, bits, typ} }
	ggml := func(name string, typ quant.Type) { add(name, 8*quant.Formats[typ].BlockBytes, typ) }
	add("BOOL", 8, NoType) // one byte per value
	add("F4", 4, NoType)   // E2M1, two per byte
	add("F6_E2M3", 6, NoType)
	add("F6_E3M2", 6, NoType)
	add("U8", 8, NoType)
	ggml("I8", quant.I8)
	add("F8_E5M2", 8, NoType)
	add("F8_E4M3", 8, NoType)
	add("F8_E8M0", 8, NoType)
	ggml("I16", quant.I16)
	add("U16", 16, NoType)
	ggml("F16", quant.F16)
	ggml("BF16", quant.BF16)
	ggml("I32", quant.I32)
	add("U32", 32, NoType)
	ggml("F32", quant.F32)
	add("C64", 64, NoType) // two F32
	ggml("F64", quant.F64)
	ggml("I64", quant.I64)
	add("U64", 64, NoType)
	return m
}()

// Tensor describes one tensor of a file. Its fields are plain data and stay
// valid after Close; only the bytes returned by Data do not.
type Tensor struct {
	Name  string // the header key, e.g. "model.layers.0.mlp.up_proj.weight"
	DType string // as written in the file: "BF16", "F8_E4M3", ...
	// Type is the ggml type with the same encoding (F32, F16, BF16, and
	// I8, I16, I32, I64, F64), or NoType.
	Type quant.Type
	// Supported reports whether Lookout has a codec for Type, that is
	// quant.Formats[Type].Supported(): today F32, F16 and BF16.
	Supported bool
	// Shape is in PyTorch order: Shape[len-1] is the contiguous dimension.
	// A scalar has an empty Shape and one element.
	Shape  []int64
	Offset int64  // absolute offset in File of the first byte
	Size   int64  // bytes
	File   string // path of the file (shard) holding the tensor
}

// Elements returns the number of values (1 for a scalar).
func (t Tensor) Elements() int64 {
	n, _ := quant.Elements(t.Shape) // checked when the file was parsed
	return n
}

// GGMLShape returns the shape in ggml's ne order (the reverse of Shape:
// element 0 is the contiguous row length), as GGUF tensor infos store it.
// A scalar gives [1], since ggml has no rank-0 tensors.
func (t Tensor) GGMLShape() []int64 {
	if len(t.Shape) == 0 {
		return []int64{1}
	}
	ne := slices.Clone(t.Shape)
	slices.Reverse(ne)
	return ne
}

// File is one open safetensors file. The header is parsed onto the heap;
// tensor bytes stay in the read-only mapping until Close. Its methods may be
// called from several goroutines, but not concurrently with Close.
type File struct {
	Path     string            // as given to Open
	Metadata map[string]string // the "__metadata__" object; nil when absent
	Tensors  []Tensor          // sorted by name

	m *mmap.File
}

// Open maps path and parses and validates its header.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	b, err := m.Bytes()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	meta, tensors, err := parse(path, b)
	if err != nil {
		m.Close()
		return nil, err
	}
	return &File{Path: path, Metadata: meta, Tensors: tensors, m: m}, nil
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := slices.BinarySearchFunc(f.Tensors, name, func(t Tensor, name string) int {
		return strings.Compare(t.Name, name)
	})
	if !ok {
		return Tensor{}, false
	}
	return f.Tensors[i], true
}

// Data returns the bytes of t, a tensor of this file, as a view of the
// mapping: no copy is made, it must not be written (where the file is mapped,
// writing faults), and it must not be used after Close. As with any mapping,
// a file truncated by another process while open faults when read. t must be
// one of f.Tensors: a Tensor from another file, or one whose Offset or Size
// was changed, is refused rather than trusted.
func (f *File) Data(t Tensor) ([]byte, error) {
	own, ok := f.Tensor(t.Name)
	if !ok || t.File != f.Path || own.Offset != t.Offset || own.Size != t.Size {
		return nil, fmt.Errorf("safetensors: %s: tensor %q (in %s at %d, %d bytes) is not a tensor of this file: %w",
			f.Path, t.Name, t.File, t.Offset, t.Size, ErrNotFound)
	}
	b, err := f.m.Bytes()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: %w", f.Path, t.Name, ErrClosed)
	}
	// parse checked Offset+Size against the file size; check again so that
	// a bug here can only produce an error, never a panic.
	if own.Offset < 0 || own.Size < 0 || own.Offset > int64(len(b)) || own.Size > int64(len(b))-own.Offset {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: bytes [%d, +%d) are outside the %d-byte mapping: %w",
			f.Path, t.Name, own.Offset, own.Size, len(b), ErrCorrupt)
	}
	end := own.Offset + own.Size
	// The full slice expression caps the capacity so that an append by the
	// caller reallocates instead of writing into (read-only) neighbours.
	return b[own.Offset:end:end], nil
}

// Close unmaps the file. Slices returned by Data must not be used afterwards.
// It is safe to call more than once.
func (f *File) Close() error {
	if err := f.m.Close(); err != nil {
		return fmt.Errorf("safetensors: %s: %w", f.Path, err)
	}
	return nil
}

// parse validates the whole file b (header and the layout of the data
// section) and returns its metadata and tensors sorted by name.
func parse(path string, b []byte) (map[string]string, []Tensor, error) {
	if len(b) < 8 {
		return nil, nil, corrupt(path, "header length: the file has %d bytes, fewer than the 8 of the length itself", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderBytes {
		return nil, nil, corrupt(path, "header length: %d bytes exceeds the %d-byte limit", n, MaxHeaderBytes)
	}
	if n > uint64(len(b)-8) {
		return nil, nil, corrupt(path, "header length: %d bytes, but only %d bytes follow it", n, len(b)-8)
	}
	base := 8 + int64(n)
	p := headerParser{path: path, base: base, bufLen: int64(len(b)) - base}
	meta, tensors, err := p.parse(b[8:base])
	if err != nil {
		return nil, nil, err
	}
	if err := checkLayout(path, tensors, base, p.bufLen); err != nil {
		return nil, nil, err
	}
	return meta, tensors, nil
}

// checkLayout requires the tensors, sorted by name, to have unique names and
// to tile the data section [base, base+bufLen) exactly. The reference
// implementation refuses holes and trailing bytes too: allowing them would let
// a file hide bytes that no tensor accounts for. Offsets in messages are the
// header's, relative to base.
func checkLayout(path string, tensors []Tensor, base, bufLen int64) error {
	for i := 1; i < len(tensors); i++ {
		if tensors[i].Name == tensors[i-1].Name {
			return corrupt(path, "tensor %q: duplicate key in the header", tensors[i].Name)
		}
	}
	byOffset := make([]int, len(tensors))
	for i := range byOffset {
		byOffset[i] = i
	}
	// Zero-size tensors may share an offset; the name breaks ties so that
	// errors do not depend on the order of the header.
	slices.SortFunc(byOffset, func(a, b int) int {
		ta, tb := &tensors[a], &tensors[b]
		if c := cmpInt64(ta.Offset, tb.Offset); c != 0 {
			return c
		}
		if c := cmpInt64(ta.Size, tb.Size); c != 0 {
			return c
		}
		return strings.Compare(ta.Name, tb.Name)
	})
	next := int64(0) // where the next tensor must begin
	prev := ""
	for _, i := range byOffset {
		t := &tensors[i]
		begin, end := t.Offset-base, t.Offset-base+t.Size
		switch {
		case begin < next:
			return corrupt(path, "tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d", t.Name, begin, end, prev, next)
		case begin > next && prev == "":
			return corrupt(path, "tensor %q: data_offsets [%d, %d] leave a hole of %d bytes at the start of the data", t.Name, begin, end, begin-next)
		case begin > next:
			return corrupt(path, "tensor %q: data_offsets [%d, %d] leave a hole of %d bytes after tensor %q", t.Name, begin, end, begin-next, prev)
		}
		next = end
		prev = t.Name
	}
	if next != bufLen {
		return corrupt(path, "data_offsets: %d bytes of data after the last tensor (the data section has %d bytes, the tensors cover %d)", bufLen-next, bufLen, next)
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// corrupt formats an ErrCorrupt error about path.
func corrupt(path, format string, args ...any) error {
	return fmt.Errorf("safetensors: %s: %s: %w", path, fmt.Sprintf(format, args...), ErrCorrupt)
}

// unsupported formats an ErrUnsupported error about path.
func unsupported(path, format string, args ...any) error {
	return fmt.Errorf("safetensors: %s: %s: %w", path, fmt.Sprintf(format, args...), ErrUnsupported)
}

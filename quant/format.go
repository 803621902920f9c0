// Package quant describes the tensor element types Lookout reads (F32, F16,
// BF16 and the ggml block formats Q8_0 and Q4_0) as one table, and holds the
// reference quantizers and dequantizers that every faster kernel is checked
// against.
//
// Type ids are ggml's (they are what a GGUF tensor info stores). The table
// also knows the block geometry of the other ggml types, so that files which
// contain them (K-quants in llama.cpp's default mixes, for instance) can be
// opened and inspected; those entries have no codec yet, and code that needs
// one asks Format.Supported.
package quant

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Type is a tensor element type, numbered as ggml's enum ggml_type.
type Type uint32

// The ggml type ids. Gaps (4, 5, 32, 33, 36-38) are ids ggml has retired; a
// file that uses them is rejected as an unknown type. Q4_0_4_4 (31) is one
// of the retired ids too, ggml's offline-repacked Q4_0 for ARM dotprod cores
// (2024), which Lookout keeps as its own interleaved weight layout (see
// q4_0_4x4.go).
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	// Q4_0_4_4 is Q4_0 with four rows interleaved (ggml's retired
	// GGML_TYPE_Q4_0_4_4, type name "q4_0_4x4"); see q4_0_4x4.go.
	Q4_0_4_4 Type = 31
	TQ1_0    Type = 34
	TQ2_0    Type = 35
	MXFP4    Type = 39
)

// Format describes how values of one Type are laid out in memory: BlockLen
// values are stored in BlockBytes bytes, and a row must hold a whole number of
// blocks. Quantize and Dequantize are the reference codecs; they are nil for
// types Lookout can size but not yet decode.
type Format struct {
	Type       Type
	Name       string // lower-case ggml name: "q4_0", "f16"
	BlockLen   int64  // values per block
	BlockBytes int64  // bytes per block

	// Interleave is the number of rows stored interleaved, block by
	// block, for the repacked types (4 for Q4_0_4_4), and 0 for the
	// row-major ones. A tensor of an interleaved type has a multiple of
	// Interleave rows; Dequantize is nil because one block's bytes belong
	// to several rows: DequantizeRows decodes such tensors.
	Interleave int

	// Dequantize expands len(dst) values (a multiple of BlockLen) from src,
	// which holds exactly len(dst)/BlockLen blocks.
	Dequantize func(dst []float32, src []byte)
	// Quantize is the weight quantizer llama-quantize uses, bit for bit:
	// src (a multiple of BlockLen values) into len(src)/BlockLen blocks.
	Quantize func(dst []byte, src []float32)
}

// Supported reports whether Lookout can decode the format (with
// Format.Dequantize or, for an interleaved type, DequantizeRows).
func (f Format) Supported() bool { return f.Dequantize != nil || f.Interleave > 1 }

// Formats is the table of every type Lookout knows, indexed by Type. Entries
// with an empty Name are retired or unused ids.
var Formats = [...]Format{
	F32:  {Type: F32, Name: "f32", BlockLen: 1, BlockBytes: 4, Dequantize: dequantizeF32, Quantize: quantizeF32},
	F16:  {Type: F16, Name: "f16", BlockLen: 1, BlockBytes: 2, Dequantize: dequantizeF16, Quantize: quantizeF16},
	BF16: {Type: BF16, Name: "bf16", BlockLen: 1, BlockBytes: 2, Dequantize: dequantizeBF16, Quantize: quantizeBF16},
	Q8_0: {Type: Q8_0, Name: "q8_0", BlockLen: 32, BlockBytes: 34, Dequantize: dequantizeQ8_0, Quantize: quantizeQ8_0},
	Q4_0: {Type: Q4_0, Name: "q4_0", BlockLen: 32, BlockBytes: 18, Dequantize: dequantizeQ4_0, Quantize: quantizeQ4_0},
	// Q4_0 repacked offline: same bytes per value, four rows interleaved.
	Q4_0_4_4: {Type: Q4_0_4_4, Name: "q4_0_4x4", BlockLen: 32, BlockBytes: 18, Interleave: 4},

	// Geometry only (ggml-common.h block structs); codecs come with the
	// issues that need them.
	Q4_1:    {Type: Q4_1, Name: "q4_1", BlockLen: 32, BlockBytes: 20},
	Q5_0:    {Type: Q5_0, Name: "q5_0", BlockLen: 32, BlockBytes: 22},
	Q5_1:    {Type: Q5_1, Name: "q5_1", BlockLen: 32, BlockBytes: 24},
	Q8_1:    {Type: Q8_1, Name: "q8_1", BlockLen: 32, BlockBytes: 36},
	Q2_K:    {Type: Q2_K, Name: "q2_K", BlockLen: 256, BlockBytes: 84},
	Q3_K:    {Type: Q3_K, Name: "q3_K", BlockLen: 256, BlockBytes: 110},
	Q4_K:    {Type: Q4_K, Name: "q4_K", BlockLen: 256, BlockBytes: 144},
	Q5_K:    {Type: Q5_K, Name: "q5_K", BlockLen: 256, BlockBytes: 176},
	Q6_K:    {Type: Q6_K, Name: "q6_K", BlockLen: 256, BlockBytes: 210},
	Q8_K:    {Type: Q8_K, Name: "q8_K", BlockLen: 256, BlockBytes: 292},
	IQ2_XXS: {Type: IQ2_XXS, Name: "iq2_xxs", BlockLen: 256, BlockBytes: 66},
	IQ2_XS:  {Type: IQ2_XS, Name: "iq2_xs", BlockLen: 256, BlockBytes: 74},
	IQ3_XXS: {Type: IQ3_XXS, Name: "iq3_xxs", BlockLen: 256, BlockBytes: 98},
	IQ1_S:   {Type: IQ1_S, Name: "iq1_s", BlockLen: 256, BlockBytes: 50},
	IQ4_NL:  {Type: IQ4_NL, Name: "iq4_nl", BlockLen: 32, BlockBytes: 18},
	IQ3_S:   {Type: IQ3_S, Name: "iq3_s", BlockLen: 256, BlockBytes: 110},
	IQ2_S:   {Type: IQ2_S, Name: "iq2_s", BlockLen: 256, BlockBytes: 82},
	IQ4_XS:  {Type: IQ4_XS, Name: "iq4_xs", BlockLen: 256, BlockBytes: 136},
	I8:      {Type: I8, Name: "i8", BlockLen: 1, BlockBytes: 1},
	I16:     {Type: I16, Name: "i16", BlockLen: 1, BlockBytes: 2},
	I32:     {Type: I32, Name: "i32", BlockLen: 1, BlockBytes: 4},
	I64:     {Type: I64, Name: "i64", BlockLen: 1, BlockBytes: 8},
	F64:     {Type: F64, Name: "f64", BlockLen: 1, BlockBytes: 8},
	IQ1_M:   {Type: IQ1_M, Name: "iq1_m", BlockLen: 256, BlockBytes: 56},
	TQ1_0:   {Type: TQ1_0, Name: "tq1_0", BlockLen: 256, BlockBytes: 54},
	TQ2_0:   {Type: TQ2_0, Name: "tq2_0", BlockLen: 256, BlockBytes: 66},
	MXFP4:   {Type: MXFP4, Name: "mxfp4", BlockLen: 32, BlockBytes: 17},
}

// ErrUnknownType is wrapped by errors about type ids not in Formats.
var ErrUnknownType = errors.New("unknown tensor type")

// ErrSize is wrapped by errors about shapes whose byte size is not a whole
// number of blocks or does not fit in an int64.
var ErrSize = errors.New("bad tensor size")

// Known reports whether t is a type in the table.
func (t Type) Known() bool { return uint64(t) < uint64(len(Formats)) && Formats[t].Name != "" }

// Format returns the table entry of t.
func (t Type) Format() (Format, error) {
	if !t.Known() {
		return Format{}, fmt.Errorf("quant: type id %d: %w", uint32(t), ErrUnknownType)
	}
	return Formats[t], nil
}

// String returns the ggml name ("q4_0") or "type(N)" for unknown ids.
func (t Type) String() string {
	if t.Known() {
		return Formats[t].Name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType returns the Type whose name is s ("q4_0", "F16"; case-insensitive).
func ParseType(s string) (Type, error) {
	for _, f := range Formats {
		if f.Name != "" && equalFold(f.Name, s) {
			return f.Type, nil
		}
	}
	return 0, fmt.Errorf("quant: %q: %w", s, ErrUnknownType)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// RowBytes returns the bytes taken by n values of type t. n must be a
// non-negative multiple of the block length.
func RowBytes(t Type, n int64) (int64, error) {
	f, err := t.Format()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("quant: %s: %d values: %w", f.Name, n, ErrSize)
	}
	if n%f.BlockLen != 0 {
		return 0, fmt.Errorf("quant: %s: %d values is not a multiple of the block length %d: %w", f.Name, n, f.BlockLen, ErrSize)
	}
	return mulInt64(n/f.BlockLen, f.BlockBytes, f.Name)
}

// TensorBytes returns the bytes of a tensor of type t with dimensions dims in
// ggml order (dims[0] is the contiguous row length, which must be a multiple of
// the block length). Every product is checked for int64 overflow.
func TensorBytes(t Type, dims []int64) (int64, error) {
	f, err := t.Format()
	if err != nil {
		return 0, err
	}
	if len(dims) == 0 {
		return 0, fmt.Errorf("quant: %s: tensor with no dimensions: %w", f.Name, ErrSize)
	}
	row, err := RowBytes(t, dims[0])
	if err != nil {
		return 0, err
	}
	total := row
	for _, d := range dims[1:] {
		if d < 0 {
			return 0, fmt.Errorf("quant: %s: negative dimension %d: %w", f.Name, d, ErrSize)
		}
		if total, err = mulInt64(total, d, f.Name); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// Elements returns the product of dims, checked for overflow.
func Elements(dims []int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("quant: negative dimension %d: %w", d, ErrSize)
		}
		var err error
		if n, err = mulInt64(n, d, "shape"); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func mulInt64(a, b int64, what string) (int64, error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, fmt.Errorf("quant: %s: %d × %d overflows int64: %w", what, a, b, ErrSize)
	}
	return int64(lo), nil
}

package convert

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"lookout/quant"
	"lookout/quant/gguf"
)

// RequantizeOptions are the choices of Requantize.
type RequantizeOptions struct {
	// Type is the new type of the weight matrices: F32, F16, BF16, Q8_0,
	// Q4_0 or Q4_0_4_4.
	Type quant.Type
	// EmbeddingType, when not nil, is the type of the token embedding
	// (names ending in "token_embd.weight"; Gemma 3's is also its tied LM
	// head). By default it is Type.
	EmbeddingType *quant.Type
	// AllowRequantize permits converting a quantized matrix (Q8_0, Q4_0)
	// to another lossy type, which rounds it a second time (llama-quantize's
	// --allow-requantize). Moving between Q4_0 and Q4_0_4_4, and any
	// conversion from F32, F16 or BF16, needs no permission.
	AllowRequantize bool
}

// RequantTypes are the types Requantize writes.
var RequantTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4}

// Requantize returns a writer that copies in (all metadata, in order, and
// every tensor) with its weight matrices converted to o.Type, and notes for
// the user (tensors left in another type, and why). A weight matrix is a
// two-dimensional tensor whose name ends in ".weight" and whose type is
// not F32: the converters keep in F32 exactly what must stay exact (norms,
// biases, position embeddings, Gemma 3's norm weights are one-dimensional
// anyway), so F32 tensors are copied as they are. A matrix whose rows are
// not whole blocks of the new type keeps its type; one with a row count
// that is not a multiple of 4 becomes Q4_0 instead of Q4_0_4_4.
//
// Q4_0 ↔ Q4_0_4_4 only moves bytes (the values are unchanged). Other
// conversions dequantize each row and quantize it with quant's reference
// quantizers (llama-quantize's, byte for byte); from a quantized type they
// need o.AllowRequantize. general.file_type is set to llama.cpp's
// llama_ftype of o.Type. Tensor data is read from in while the writer
// writes, 64 rows at a time, and each tensor's pages are released once
// written, so in must stay open until then and the resident set stays
// small.
func Requantize(in *gguf.File, o RequantizeOptions) (*gguf.Writer, []string, error) {
	if !isRequantType(o.Type) {
		return nil, nil, fmt.Errorf("convert: requantize: type %s not supported (want one of %v)", o.Type, RequantTypes)
	}
	if o.EmbeddingType != nil && !isRequantType(*o.EmbeddingType) {
		return nil, nil, fmt.Errorf("convert: requantize: embedding type %s not supported (want one of %v)", *o.EmbeddingType, RequantTypes)
	}
	w := gguf.NewWriter()
	// The alignment key must come before any tensor; Set keeps file order.
	for _, kv := range in.KV {
		if err := w.Set(kv.Key, kv.Value); err != nil {
			return nil, nil, fmt.Errorf("convert: requantize %s: %w", in.Path, err)
		}
	}
	if err := w.Set("general.file_type", fileTypes[o.Type]); err != nil {
		return nil, nil, err
	}
	var notes, errs []string
	for _, t := range in.Tensors {
		data, err := in.Data(t)
		if err != nil {
			return nil, nil, fmt.Errorf("convert: requantize %s: tensor %q: %w", in.Path, t.Name, err)
		}
		to := t.Type
		if isMatrix(t) {
			var note string
			if to, note = target(t, o); note != "" {
				notes = append(notes, note)
			}
		}
		write := copyBytes(data)
		if to != t.Type {
			switch {
			case !quant.Formats[t.Type].Supported():
				errs = append(errs, fmt.Sprintf("tensor %q is %s, which Lookout cannot decode", t.Name, t.Type))
				continue
			case lossy(t.Type, to) && !o.AllowRequantize:
				errs = append(errs, fmt.Sprintf("tensor %q is already %s: converting it to %s rounds it twice (pass --allow-requantize, or start from an f16/bf16/f32 file)", t.Name, t.Type, to))
				continue
			}
			write = requantWriter(t, to, data, int(t.Dims[1]), int(t.Dims[0]))
		}
		if err := w.AddTensorFunc(t.Name, to, t.Dims, released(in, t, write)); err != nil {
			return nil, nil, err
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("convert: requantize %s to %s:\n  %s", in.Path, o.Type, strings.Join(errs, "\n  "))
	}
	return w, notes, nil
}

func isRequantType(t quant.Type) bool { return slices.Contains(RequantTypes, t) }

// target returns the type Requantize gives the weight matrix t, and a note
// when that is not the type asked for: a matrix whose rows are not whole
// blocks of it keeps its type, one whose row count is not a multiple of 4
// becomes Q4_0 instead of Q4_0_4_4.
func target(t gguf.TensorInfo, o RequantizeOptions) (quant.Type, string) {
	to := o.Type
	if o.EmbeddingType != nil && strings.HasSuffix(t.Name, "token_embd.weight") {
		to = *o.EmbeddingType
	}
	if to == t.Type {
		return to, ""
	}
	cols, rows := t.Dims[0], t.Dims[1]
	if cols%quant.Formats[to].BlockLen != 0 {
		return t.Type, fmt.Sprintf("tensor %q stays %s: its %d columns are not whole %s blocks", t.Name, t.Type, cols, to)
	}
	if to == quant.Q4_0_4_4 && rows%4 != 0 {
		return quant.Q4_0, fmt.Sprintf("tensor %q becomes q4_0, not q4_0_4x4: its %d rows are not whole groups of 4", t.Name, rows)
	}
	return to, ""
}

// isMatrix reports whether t is a weight matrix Requantize converts.
func isMatrix(t gguf.TensorInfo) bool {
	return len(t.Dims) == 2 && strings.HasSuffix(t.Name, ".weight") && t.Type != quant.F32
}

// q4Bytes reports whether t stores Q4_0 blocks (row-major or interleaved),
// between which Requantize only moves bytes.
func q4Bytes(t quant.Type) bool { return t == quant.Q4_0 || t == quant.Q4_0_4_4 }

// lossy reports whether converting from to to rounds values that were
// already rounded by a quantizer.
func lossy(from, to quant.Type) bool {
	if q4Bytes(from) && q4Bytes(to) {
		return false
	}
	switch from {
	case quant.Q4_0, quant.Q8_0, quant.Q4_0_4_4:
		return to != quant.F32 // widening to f32 is exact
	}
	return false
}

// copyBytes returns an AddTensorFunc callback writing data as it is.
func copyBytes(data []byte) func(io.Writer) error {
	return func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	}
}

// released wraps write so that the pages of tensor t of in are dropped from
// the resident set once written (gguf.File.Release): requantizing a 4B
// model then holds a tensor at a time, not the whole input, in memory.
func released(in *gguf.File, t gguf.TensorInfo, write func(io.Writer) error) func(io.Writer) error {
	return func(out io.Writer) error {
		if err := write(out); err != nil {
			return err
		}
		return in.Release([]gguf.TensorInfo{t})
	}
}

// requantRows is how many rows requantWriter converts at a time: a multiple
// of 4 (Q4_0_4_4 groups), a few hundred KiB of float32 for typical widths.
const requantRows = 64

// requantWriter returns the AddTensorFunc callback that writes the rows×cols
// tensor t (bytes data) as type to.
func requantWriter(t gguf.TensorInfo, to quant.Type, data []byte, rows, cols int) func(io.Writer) error {
	return func(out io.Writer) error {
		inRow := int(int64(cols) / quant.Formats[t.Type].BlockLen * quant.Formats[t.Type].BlockBytes)
		outRow := int(int64(cols) / quant.Formats[to].BlockLen * quant.Formats[to].BlockBytes)
		var f []float32
		buf := make([]byte, requantRows*outRow)
		tmp := make([]byte, requantRows*max(inRow, outRow))
		for r0 := 0; r0 < rows; r0 += requantRows {
			n := min(requantRows, rows-r0)
			src := data[r0*inRow : (r0+n)*inRow]
			dst := buf[:n*outRow]
			var err error
			switch {
			case q4Bytes(t.Type) && q4Bytes(to): // only moved
				if t.Type == quant.Q4_0 {
					err = quant.RepackQ4_0_4x4(dst, src, n, cols)
				} else {
					err = quant.UnpackQ4_0_4x4(dst, src, n, cols)
				}
			default:
				if f == nil {
					f = make([]float32, requantRows*cols)
				}
				v := f[:n*cols]
				if err = quant.DequantizeRows(t.Type, v, src, cols); err != nil {
					break
				}
				if to == quant.Q4_0_4_4 {
					q := tmp[:n*outRow]
					quant.Formats[quant.Q4_0].Quantize(q, v)
					err = quant.RepackQ4_0_4x4(dst, q, n, cols)
				} else {
					quant.Formats[to].Quantize(dst, v)
				}
			}
			if err != nil {
				return fmt.Errorf("tensor %q rows %d..%d: %w", t.Name, r0, r0+n, err)
			}
			if _, err := out.Write(dst); err != nil {
				return err
			}
		}
		return nil
	}
}

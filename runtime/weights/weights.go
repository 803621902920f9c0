// Package weights binds a model's tensors in a GGUF file by name. Each
// lookup checks the tensor's ggml shape (and, for matrices, its type) and
// returns a zero-copy view of the mapping: a kernels.Matrix or a []float32.
// Problems are collected rather than returned one at a time, so that a
// wrong or truncated file is reported with every missing or mismatched
// tensor in one error. The model packages (gemma3, siglip) describe their
// weights as a list of such lookups.
package weights

import (
	"errors"
	"fmt"
	"slices"

	"lookout/kernels"
	"lookout/quant"
	"lookout/quant/gguf"
)

// MatrixTypes are the weight types the matrix kernels multiply, and so the
// types Binder.Matrix accepts.
var MatrixTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4}

// Binder looks tensors of File up by name. The zero value is not usable:
// set File.
type Binder struct {
	File *gguf.File
	// Asked, when not nil, records every tensor looked up, with the ggml
	// dims asked for (a test compares it with a real checkpoint's list).
	Asked map[string][]int64

	errs []error
}

// Fail records a problem with the named tensor.
func (b *Binder) Fail(name, format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf("tensor %q: %s", name, fmt.Sprintf(format, args...)))
}

// Info returns the named tensor after checking its ggml dims (dims[0] is
// the contiguous row length).
func (b *Binder) Info(name string, dims ...int) (gguf.TensorInfo, bool) {
	want := make([]int64, len(dims))
	for i, d := range dims {
		want[i] = int64(d)
	}
	if b.Asked != nil {
		b.Asked[name] = want
	}
	t, ok := b.File.Tensor(name)
	if !ok {
		b.Fail(name, "missing")
		return t, false
	}
	if !slices.Equal(t.Dims, want) {
		b.Fail(name, "shape %v, want %v", t.Dims, want)
		return t, false
	}
	return t, true
}

// Vector binds an F32 tensor of the given ggml dims as a flat view.
func (b *Binder) Vector(name string, dims ...int) []float32 {
	t, ok := b.Info(name, dims...)
	if !ok {
		return nil
	}
	v, err := b.File.Float32s(t)
	if err != nil {
		b.Fail(name, "%v", err)
		return nil
	}
	return v
}

// Matrix binds a rows×cols weight (ggml dims [cols, rows]) of one of
// MatrixTypes as a zero-copy view.
func (b *Binder) Matrix(name string, rows, cols int) kernels.Matrix {
	t, ok := b.Info(name, cols, rows)
	if !ok {
		return kernels.Matrix{}
	}
	if !slices.Contains(MatrixTypes, t.Type) {
		b.Fail(name, "type %s, want one of %v", t.Type, MatrixTypes)
		return kernels.Matrix{}
	}
	data, err := b.File.Data(t)
	if err != nil {
		b.Fail(name, "%v", err)
		return kernels.Matrix{}
	}
	m, err := kernels.NewMatrix(t.Type, rows, cols, data)
	if err != nil {
		b.Fail(name, "%v", err)
	}
	return m
}

// Rows returns rows [r0, r1) of the matrix bound as name, as a matrix of
// its own (a sub-slice of the same mapping), for a tensor that stores
// several weights one after another (SigLIP's fused q/k/v projection). An
// interleaved type (q4_0_4x4) can only be cut between groups of rows; a cut
// elsewhere is a problem of the file's tensor. m may be the zero Matrix of
// a tensor that failed to bind.
func (b *Binder) Rows(name string, m kernels.Matrix, r0, r1 int) kernels.Matrix {
	if m.Data == nil {
		return kernels.Matrix{}
	}
	if g := quant.Formats[m.Type].Interleave; g > 1 && (r0%g != 0 || r1%g != 0) {
		b.Fail(name, "%s rows are interleaved in groups of %d: cannot take rows %d..%d", m.Type, g, r0, r1)
		return kernels.Matrix{}
	}
	rb := m.RowBytes()
	return kernels.Matrix{Type: m.Type, Rows: r1 - r0, Cols: m.Cols, Data: m.Data[r0*rb : r1*rb : r1*rb]}
}

// Err returns nil, or one error naming model and the file that lists every
// problem recorded.
func (b *Binder) Err(model string) error {
	if len(b.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s: %d tensor problems:\n%w", model, b.File.Path, len(b.errs), errors.Join(b.errs...))
}

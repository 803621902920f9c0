package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"lookout/quant"
)

// Writer builds a GGUF version 3 file: metadata in the order it was set, then
// tensor infos and data in the order tensors were added, each tensor's data
// aligned to the file's alignment.
type Writer struct {
	alignment int64
	kv        []KV
	kvIndex   map[string]int
	tensors   []wtensor
	names     map[string]bool
	offset    int64 // next tensor offset in the data section
}

type wtensor struct {
	info  TensorInfo
	data  []byte
	write func(io.Writer) error
}

// NewWriter returns an empty writer with the default alignment.
func NewWriter() *Writer {
	return &Writer{alignment: DefaultAlignment, kvIndex: map[string]int{}, names: map[string]bool{}}
}

// Set adds or replaces a metadata value. v may be a Value, an Array, a Go
// scalar (uint8 … float64, bool, string) or a slice of one ([]string,
// []float32, ...). Setting general.alignment (uint32, a power of two) also
// changes the alignment of the tensors added afterwards; it must be set
// before the first tensor.
func (w *Writer) Set(key string, v any) error {
	if key == "" {
		return errors.New("gguf: writer: empty metadata key")
	}
	val, err := toValue(v)
	if err != nil {
		return fmt.Errorf("gguf: writer: key %q: %w", key, err)
	}
	if key == KeyAlignment {
		a, ok := val.V.(uint32)
		if !ok || a == 0 || a&(a-1) != 0 {
			return fmt.Errorf("gguf: writer: key %q: want a uint32 power of two, got %s %v", key, val.Type, val.V)
		}
		if len(w.tensors) > 0 {
			return fmt.Errorf("gguf: writer: key %q: set after tensors were added", key)
		}
		w.alignment = int64(a)
	}
	if i, ok := w.kvIndex[key]; ok {
		w.kv[i].Value = val
		return nil
	}
	w.kvIndex[key] = len(w.kv)
	w.kv = append(w.kv, KV{Key: key, Value: val})
	return nil
}

// AddTensor adds a tensor whose bytes are in data (ggml dims order). The size
// of data must match the type and shape.
func (w *Writer) AddTensor(name string, typ quant.Type, dims []int64, data []byte) error {
	return w.add(name, typ, dims, int64(len(data)), data, nil)
}

// AddTensorFunc adds a tensor whose bytes are produced by write when the file
// is written, so that large tensors need not be held in memory. write must
// write exactly the tensor's size.
func (w *Writer) AddTensorFunc(name string, typ quant.Type, dims []int64, write func(io.Writer) error) error {
	size, err := quant.TensorBytes(typ, dims)
	if err != nil {
		return fmt.Errorf("gguf: writer: tensor %q: %w", name, err)
	}
	return w.add(name, typ, dims, size, nil, write)
}

func (w *Writer) add(name string, typ quant.Type, dims []int64, n int64, data []byte, write func(io.Writer) error) error {
	if name == "" {
		return errors.New("gguf: writer: empty tensor name")
	}
	if w.names[name] {
		return fmt.Errorf("gguf: writer: tensor %q: duplicate name", name)
	}
	if len(dims) == 0 || len(dims) > maxDims {
		return fmt.Errorf("gguf: writer: tensor %q: %d dimensions, want 1..%d", name, len(dims), maxDims)
	}
	size, err := quant.TensorBytes(typ, dims)
	if err != nil {
		return fmt.Errorf("gguf: writer: tensor %q: %w", name, err)
	}
	if size != n {
		return fmt.Errorf("gguf: writer: tensor %q: %s %v needs %d bytes, got %d", name, typ, dims, size, n)
	}
	w.names[name] = true
	info := TensorInfo{Name: name, Dims: append([]int64(nil), dims...), Type: typ, Offset: w.offset, Size: size}
	w.tensors = append(w.tensors, wtensor{info: info, data: data, write: write})
	w.offset = alignUp(w.offset+size, w.alignment)
	return nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// WriteTo writes the file to out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(out, 1<<20)}
	e := encoder{w: cw}
	e.raw([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kv)))
	for _, kv := range w.kv {
		e.str(kv.Key)
		e.u32(uint32(kv.Value.Type))
		e.value(kv.Value)
	}
	for _, t := range w.tensors {
		e.str(t.info.Name)
		e.u32(uint32(len(t.info.Dims)))
		for _, d := range t.info.Dims {
			e.u64(uint64(d))
		}
		e.u32(uint32(t.info.Type))
		e.u64(uint64(t.info.Offset))
	}
	if e.err != nil {
		return cw.n, e.err
	}
	e.pad(w.alignment)
	dataStart := cw.n
	for _, t := range w.tensors {
		e.raw(make([]byte, dataStart+t.info.Offset-cw.n)) // alignment padding
		before := cw.n
		if t.write != nil && e.err == nil {
			if err := t.write(cw); err != nil {
				return cw.n, fmt.Errorf("gguf: writer: tensor %q: %w", t.info.Name, err)
			}
		} else {
			e.raw(t.data)
		}
		if e.err == nil && cw.err == nil && cw.n-before != t.info.Size {
			return cw.n, fmt.Errorf("gguf: writer: tensor %q: wrote %d bytes, want %d", t.info.Name, cw.n-before, t.info.Size)
		}
	}
	if e.err == nil && cw.err != nil {
		e.err = cw.err
	}
	if e.err != nil {
		return cw.n, fmt.Errorf("gguf: writer: %w", e.err)
	}
	return cw.n, cw.w.(*bufio.Writer).Flush()
}

// WriteFile writes the file to path through a temporary file in the same
// folder that is renamed into place only when complete, so a failed write
// never leaves a truncated model behind.
func (w *Writer) WriteFile(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("gguf: writer: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = w.WriteTo(tmp); err != nil {
		return fmt.Errorf("gguf: writer: %s: %w", path, err)
	}
	// CreateTemp makes the file private (0600); a model is not a secret.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("gguf: writer: %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("gguf: writer: %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("gguf: writer: %w", err)
	}
	return nil
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// encoder writes little-endian values and remembers the first error.
type encoder struct {
	w   *countWriter
	err error
	buf [8]byte
}

func (e *encoder) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.raw(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.raw(e.buf[:8])
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.raw([]byte(s))
}

func (e *encoder) pad(a int64) {
	if rem := e.w.n % a; rem != 0 {
		e.raw(make([]byte, a-rem))
	}
}

func (e *encoder) value(v Value) {
	switch x := v.V.(type) {
	case uint8:
		e.raw([]byte{x})
	case int8:
		e.raw([]byte{byte(x)})
	case bool:
		b := byte(0)
		if x {
			b = 1
		}
		e.raw([]byte{b})
	case uint16:
		binary.LittleEndian.PutUint16(e.buf[:2], x)
		e.raw(e.buf[:2])
	case int16:
		binary.LittleEndian.PutUint16(e.buf[:2], uint16(x))
		e.raw(e.buf[:2])
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case string:
		e.str(x)
	case Array:
		e.u32(uint32(x.Elem))
		n := x.Len()
		e.u64(uint64(n))
		for i := 0; i < n; i++ {
			// A nested array element is encoded as its own element type,
			// count and values, which is what value writes for an Array.
			e.value(x.Index(i))
		}
	default:
		if e.err == nil {
			e.err = fmt.Errorf("cannot encode %T", v.V)
		}
	}
}

// toValue converts a Go value to a typed metadata Value.
func toValue(v any) (Value, error) {
	switch x := v.(type) {
	case Value:
		if _, err := toValue(x.V); err != nil {
			return Value{}, err
		}
		return x, nil
	case Array:
		if !x.Elem.known() {
			return Value{}, fmt.Errorf("array of unknown element type %d", x.Elem)
		}
		want, _ := toValue(sliceZero(x.Values))
		if x.Values != nil && want.Type != x.Elem {
			return Value{}, fmt.Errorf("array declared as %s holds %T", x.Elem, x.Values)
		}
		return Value{Type: TypeArray, V: x}, nil
	case uint8:
		return Value{TypeUint8, x}, nil
	case int8:
		return Value{TypeInt8, x}, nil
	case uint16:
		return Value{TypeUint16, x}, nil
	case int16:
		return Value{TypeInt16, x}, nil
	case uint32:
		return Value{TypeUint32, x}, nil
	case int32:
		return Value{TypeInt32, x}, nil
	case float32:
		return Value{TypeFloat32, x}, nil
	case bool:
		return Value{TypeBool, x}, nil
	case string:
		return Value{TypeString, x}, nil
	case uint64:
		return Value{TypeUint64, x}, nil
	case int64:
		return Value{TypeInt64, x}, nil
	case float64:
		return Value{TypeFloat64, x}, nil
	case []uint8:
		return arrayValue(TypeUint8, x), nil
	case []int8:
		return arrayValue(TypeInt8, x), nil
	case []uint16:
		return arrayValue(TypeUint16, x), nil
	case []int16:
		return arrayValue(TypeInt16, x), nil
	case []uint32:
		return arrayValue(TypeUint32, x), nil
	case []int32:
		return arrayValue(TypeInt32, x), nil
	case []float32:
		return arrayValue(TypeFloat32, x), nil
	case []bool:
		return arrayValue(TypeBool, x), nil
	case []string:
		return arrayValue(TypeString, x), nil
	case []uint64:
		return arrayValue(TypeUint64, x), nil
	case []int64:
		return arrayValue(TypeInt64, x), nil
	case []float64:
		return arrayValue(TypeFloat64, x), nil
	case []Array:
		return arrayValue(TypeArray, x), nil
	}
	return Value{}, fmt.Errorf("unsupported metadata type %T", v)
}

func arrayValue(t ValueType, s any) Value {
	return Value{Type: TypeArray, V: Array{Elem: t, Values: s}}
}

// sliceZero returns the zero element of a typed slice, so toValue can name the
// slice's element type.
func sliceZero(s any) any {
	switch s.(type) {
	case []uint8:
		return uint8(0)
	case []int8:
		return int8(0)
	case []uint16:
		return uint16(0)
	case []int16:
		return int16(0)
	case []uint32:
		return uint32(0)
	case []int32:
		return int32(0)
	case []float32:
		return float32(0)
	case []bool:
		return false
	case []string:
		return ""
	case []uint64:
		return uint64(0)
	case []int64:
		return int64(0)
	case []float64:
		return float64(0)
	case []Array:
		return Array{Elem: TypeUint8}
	}
	return nil
}

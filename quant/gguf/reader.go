// Package gguf reads and writes GGUF files, the container llama.cpp, ollama
// and Lookout keep model weights in (versions 2 and 3, little-endian).
//
// Open maps the file read-only and parses only the header: metadata, tensor
// infos and the position of the data section. Tensor data stays in the page
// cache and is handed out as zero-copy slices of the mapping, so opening a
// multi-gigabyte model takes milliseconds and touches only the header pages.
//
// The parser treats every file as hostile: each count, length and offset is
// checked against the bytes that remain before anything is allocated, and
// every error names the file and the key or tensor at fault.
package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
	"unsafe"

	"lookout/quant"
	"lookout/quant/mmap"
)

// Magic is the four bytes every GGUF file starts with.
const Magic = "GGUF"

// DefaultAlignment is the data alignment of files without general.alignment.
const DefaultAlignment = 32

// KeyAlignment is the metadata key that overrides DefaultAlignment.
const KeyAlignment = "general.alignment"

// maxDims is ggml's GGML_MAX_DIMS.
const maxDims = 4

// maxArrayDepth bounds nested arrays so that a crafted file cannot recurse the
// parser into a huge stack; real files nest at most once.
const maxArrayDepth = 8

// Errors wrapped by Open and the accessors; test them with errors.Is.
var (
	ErrCorrupt     = errors.New("corrupt GGUF")
	ErrUnsupported = errors.New("unsupported GGUF")
	ErrMissing     = errors.New("missing key")
	ErrType        = errors.New("wrong value type")
	ErrClosed      = errors.New("file is closed")
)

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor. Dims are in ggml order: Dims[0] is the
// length of a contiguous row (ne[0]), so a PyTorch (rows, cols) weight is
// Dims = [cols, rows].
type TensorInfo struct {
	Name   string
	Dims   []int64
	Type   quant.Type
	Offset int64 // from the start of the data section
	Size   int64 // bytes
}

// Elements returns the number of values in the tensor.
func (t TensorInfo) Elements() int64 {
	n, _ := quant.Elements(t.Dims) // checked when the file was parsed
	return n
}

// File is an open GGUF file. Metadata and tensor infos are copied onto the
// heap and stay valid after Close; tensor data is a view of the mapping and
// does not.
type File struct {
	Path       string
	Version    uint32
	Alignment  int64
	KV         []KV         // in file order
	Tensors    []TensorInfo // in file order
	DataOffset int64        // absolute offset of the data section
	Size       int64        // file size

	kvIndex     map[string]int
	tensorIndex map[string]int
	data        []byte     // whole file; nil after Close
	m           *mmap.File // nil for Parse
}

// Open maps path and parses its header.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	data, err := m.Bytes()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	f, err := Parse(path, data)
	if err != nil {
		m.Close()
		return nil, err
	}
	f.m = m
	// Parse copied every key and tensor info onto the heap, so the header
	// pages it read (15 MB for a 256k vocabulary with merges) are not read
	// again: drop them from the resident set. Advice only; the pages re-fault
	// if anything does read them.
	_ = m.Release(0, int(min(f.DataOffset, f.Size)))
	return f, nil
}

// Release drops the data pages of the given tensors from the process's
// resident set, for weights that will not be used for a while (a SigLIP
// text tower once the label embeddings are cached). The views returned by
// Data stay valid: the pages remain in the page cache and touching them
// again faults them back in, so Release never changes a result, only what
// is resident. Pages shared with a tensor not in ts are kept. It does
// nothing for a File from Parse, whose data is not a mapping.
func (f *File) Release(ts []TensorInfo) error {
	if f.data == nil {
		return fmt.Errorf("gguf: %s: release: %w", f.Path, ErrClosed)
	}
	if f.m == nil || len(ts) == 0 {
		return nil
	}
	// Join tensors that follow one another in the file (only alignment
	// padding between them) into runs, so the pages they share are dropped
	// too.
	sel := make(map[int]bool, len(ts))
	for _, t := range ts {
		i, ok := f.tensorIndex[t.Name]
		if !ok || f.Tensors[i].Offset != t.Offset || f.Tensors[i].Size != t.Size {
			return fmt.Errorf("gguf: %s: release: tensor %q: not a tensor of this file", f.Path, t.Name)
		}
		sel[i] = true
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	for k := 0; k < len(order); {
		if !sel[order[k]] {
			k++
			continue
		}
		start := f.Tensors[order[k]].Offset
		end := start + f.Tensors[order[k]].Size
		for k++; k < len(order) && sel[order[k]]; k++ {
			end = f.Tensors[order[k]].Offset + f.Tensors[order[k]].Size
		}
		if err := f.m.Release(int(f.DataOffset+start), int(end-start)); err != nil {
			return fmt.Errorf("gguf: %w", err)
		}
	}
	return nil
}

// Parse reads a GGUF image held in memory; name is used in errors. The File
// keeps data (without copying) for its tensor views.
func Parse(name string, data []byte) (*File, error) {
	r := &reader{name: name, b: data}
	f := &File{Path: name, Size: int64(len(data)), data: data, Alignment: DefaultAlignment}
	if err := r.header(f); err != nil {
		return nil, err
	}
	return f, nil
}

// Close releases the mapping. Views returned by Data must not be used after.
func (f *File) Close() error {
	f.data = nil
	if f.m != nil {
		m := f.m
		f.m = nil
		return m.Close()
	}
	return nil
}

// reader is a cursor over the file's bytes. Every read checks what remains.
type reader struct {
	name string
	b    []byte
	pos  int64
}

func (r *reader) remaining() int64 { return int64(len(r.b)) - r.pos }

func (r *reader) errf(format string, args ...any) error {
	return fmt.Errorf("gguf: %s: %s: %w", r.name, fmt.Sprintf(format, args...), ErrCorrupt)
}

func (r *reader) bytes(n int64, what string) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, r.errf("%s: need %d bytes at offset %d, only %d left", what, n, r.pos, max(r.remaining(), 0))
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s, nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.bytes(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.bytes(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// count reads a u64 element count and refuses it unless the remaining bytes
// could hold that many elements of at least minSize bytes each.
func (r *reader) count(what string, minSize int64) (int64, error) {
	n, err := r.u64(what)
	if err != nil {
		return 0, err
	}
	if n > uint64(r.remaining()/minSize) {
		return 0, r.errf("%s: count %d cannot fit in the %d bytes left", what, n, r.remaining())
	}
	return int64(n), nil
}

func (r *reader) str(what string) (string, error) {
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	if n > uint64(r.remaining()) {
		return "", r.errf("%s: string of %d bytes at offset %d, only %d left", what, n, r.pos-8, r.remaining())
	}
	b, _ := r.bytes(int64(n), what)
	return string(b), nil
}

func (r *reader) header(f *File) error {
	head, err := r.bytes(4, "magic")
	if err != nil {
		return fmt.Errorf("gguf: %s: not a GGUF file (%d bytes): %w", r.name, len(r.b), ErrCorrupt)
	}
	if string(head) != Magic {
		return fmt.Errorf("gguf: %s: not a GGUF file (magic %q): %w", r.name, head, ErrCorrupt)
	}
	v, err := r.u32("version")
	if err != nil {
		return err
	}
	switch {
	case v == 2 || v == 3:
	case v == 1:
		return fmt.Errorf("gguf: %s: version 1 files (32-bit counts, 2023) are not supported; re-convert the model: %w", r.name, ErrUnsupported)
	case bits.ReverseBytes32(v) == 2 || bits.ReverseBytes32(v) == 3:
		return fmt.Errorf("gguf: %s: big-endian GGUF files are not supported: %w", r.name, ErrUnsupported)
	default:
		return fmt.Errorf("gguf: %s: version %d: %w", r.name, v, ErrUnsupported)
	}
	f.Version = v

	// Minimal encodings: a tensor info with one dim is name length (8) +
	// n_dims (4) + dim (8) + type (4) + offset (8); a KV is key length (8) +
	// type (4) + a one-byte value.
	nTensors, err := r.count("tensor count", 32)
	if err != nil {
		return err
	}
	nKV, err := r.count("metadata count", 13)
	if err != nil {
		return err
	}

	f.KV = make([]KV, 0, nKV)
	f.kvIndex = make(map[string]int, nKV)
	for i := int64(0); i < nKV; i++ {
		key, err := r.str(fmt.Sprintf("metadata key #%d", i))
		if err != nil {
			return err
		}
		if key == "" {
			return r.errf("metadata key #%d is empty", i)
		}
		if _, dup := f.kvIndex[key]; dup {
			return r.errf("key %q: duplicate key", key)
		}
		t, err := r.u32(fmt.Sprintf("key %q: type", key))
		if err != nil {
			return err
		}
		val, err := r.value(ValueType(t), key, 0)
		if err != nil {
			return err
		}
		f.kvIndex[key] = len(f.KV)
		f.KV = append(f.KV, KV{Key: key, Value: val})
	}

	if i, ok := f.kvIndex[KeyAlignment]; ok {
		a, ok := f.KV[i].Value.V.(uint32)
		if !ok {
			return r.errf("key %q: type %s, want uint32", KeyAlignment, f.KV[i].Value.Type)
		}
		if a == 0 || a&(a-1) != 0 {
			return r.errf("key %q: alignment %d is not a power of two", KeyAlignment, a)
		}
		f.Alignment = int64(a)
	}

	f.Tensors = make([]TensorInfo, 0, nTensors)
	f.tensorIndex = make(map[string]int, nTensors)
	for i := int64(0); i < nTensors; i++ {
		t, err := r.tensorInfo(i, f.Alignment)
		if err != nil {
			return err
		}
		if _, dup := f.tensorIndex[t.Name]; dup {
			return r.errf("tensor %q: duplicate tensor name", t.Name)
		}
		f.tensorIndex[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}

	// The data section starts at the next multiple of the alignment.
	start := r.pos
	if rem := start % f.Alignment; rem != 0 {
		start += f.Alignment - rem
	}
	f.DataOffset = start
	if nTensors == 0 {
		return nil
	}
	if start > int64(len(r.b)) {
		return r.errf("data section: starts at %d, past the end of the %d-byte file (truncated?)", start, len(r.b))
	}
	return checkLayout(r, f.Tensors, int64(len(r.b))-start)
}

// checkLayout verifies every tensor lies inside the data section and that no
// two overlap.
func checkLayout(r *reader, tensors []TensorInfo, dataSize int64) error {
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	for _, t := range tensors {
		if t.Size > dataSize || t.Offset > dataSize-t.Size {
			return r.errf("tensor %q: data [%d, %d) is beyond the %d-byte data section (truncated file?)", t.Name, t.Offset, uint64(t.Offset)+uint64(t.Size), dataSize)
		}
	}
	sort.Slice(order, func(i, j int) bool { return tensors[order[i]].Offset < tensors[order[j]].Offset })
	for k := 1; k < len(order); k++ {
		a, b := tensors[order[k-1]], tensors[order[k]]
		if a.Offset+a.Size > b.Offset {
			return r.errf("tensor %q: data [%d, %d) overlaps tensor %q at [%d, %d)", b.Name, b.Offset, b.Offset+b.Size, a.Name, a.Offset, a.Offset+a.Size)
		}
	}
	return nil
}

func (r *reader) tensorInfo(i int64, align int64) (TensorInfo, error) {
	name, err := r.str(fmt.Sprintf("tensor #%d: name", i))
	if err != nil {
		return TensorInfo{}, err
	}
	if name == "" {
		return TensorInfo{}, r.errf("tensor #%d: empty name", i)
	}
	nd, err := r.u32(fmt.Sprintf("tensor %q: dimension count", name))
	if err != nil {
		return TensorInfo{}, err
	}
	if nd == 0 || nd > maxDims {
		return TensorInfo{}, r.errf("tensor %q: %d dimensions, want 1..%d", name, nd, maxDims)
	}
	dims := make([]int64, nd)
	for d := range dims {
		v, err := r.u64(fmt.Sprintf("tensor %q: dimension %d", name, d))
		if err != nil {
			return TensorInfo{}, err
		}
		if v > math.MaxInt64 {
			return TensorInfo{}, r.errf("tensor %q: dimension %d is %d, beyond int64", name, d, v)
		}
		dims[d] = int64(v)
	}
	typ, err := r.u32(fmt.Sprintf("tensor %q: type", name))
	if err != nil {
		return TensorInfo{}, err
	}
	off, err := r.u64(fmt.Sprintf("tensor %q: offset", name))
	if err != nil {
		return TensorInfo{}, err
	}
	t := TensorInfo{Name: name, Dims: dims, Type: quant.Type(typ)}
	if !t.Type.Known() {
		return TensorInfo{}, fmt.Errorf("gguf: %s: tensor %q: type id %d: %w", r.name, name, typ, quant.ErrUnknownType)
	}
	if t.Size, err = quant.TensorBytes(t.Type, dims); err != nil {
		return TensorInfo{}, fmt.Errorf("gguf: %s: tensor %q: shape %v: %w (%w)", r.name, name, dims, ErrCorrupt, err)
	}
	if off > math.MaxInt64 || int64(off)%align != 0 {
		return TensorInfo{}, r.errf("tensor %q: offset %d is not a multiple of the alignment %d", name, off, align)
	}
	t.Offset = int64(off)
	return t, nil
}

// value reads one value of type t for key.
func (r *reader) value(t ValueType, key string, depth int) (Value, error) {
	if !t.known() {
		return Value{}, fmt.Errorf("gguf: %s: key %q: unknown value type %d: %w", r.name, key, uint32(t), ErrCorrupt)
	}
	if t == TypeArray {
		a, err := r.array(key, depth)
		return Value{Type: TypeArray, V: a}, err
	}
	if t == TypeString {
		s, err := r.str(fmt.Sprintf("key %q", key))
		return Value{Type: t, V: s}, err
	}
	b, err := r.bytes(valueTypes[t].size, fmt.Sprintf("key %q", key))
	if err != nil {
		return Value{}, err
	}
	var v any
	switch t {
	case TypeUint8:
		v = b[0]
	case TypeInt8:
		v = int8(b[0])
	case TypeUint16:
		v = binary.LittleEndian.Uint16(b)
	case TypeInt16:
		v = int16(binary.LittleEndian.Uint16(b))
	case TypeUint32:
		v = binary.LittleEndian.Uint32(b)
	case TypeInt32:
		v = int32(binary.LittleEndian.Uint32(b))
	case TypeFloat32:
		v = math.Float32frombits(binary.LittleEndian.Uint32(b))
	case TypeBool:
		if b[0] > 1 {
			return Value{}, r.errf("key %q: bool byte %d", key, b[0])
		}
		v = b[0] == 1
	case TypeUint64:
		v = binary.LittleEndian.Uint64(b)
	case TypeInt64:
		v = int64(binary.LittleEndian.Uint64(b))
	case TypeFloat64:
		v = math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	return Value{Type: t, V: v}, nil
}

func (r *reader) array(key string, depth int) (Array, error) {
	if depth >= maxArrayDepth {
		return Array{}, r.errf("key %q: arrays nested deeper than %d", key, maxArrayDepth)
	}
	et, err := r.u32(fmt.Sprintf("key %q: array element type", key))
	if err != nil {
		return Array{}, err
	}
	elem := ValueType(et)
	if !elem.known() {
		return Array{}, r.errf("key %q: unknown array element type %d", key, et)
	}
	n, err := r.count(fmt.Sprintf("key %q: array length", key), elem.minSize())
	if err != nil {
		return Array{}, err
	}
	a := Array{Elem: elem}
	switch elem {
	case TypeString:
		a.Values, err = r.strings(key, n)
	case TypeArray:
		vs := make([]Array, n)
		for i := range vs {
			if vs[i], err = r.array(key, depth+1); err != nil {
				break
			}
		}
		a.Values = vs
	default:
		b, _ := r.bytes(n*valueTypes[elem].size, key) // count checked the size
		a.Values, err = decodeScalars(elem, b, int(n))
		if err != nil {
			err = r.errf("key %q: %v", key, err)
		}
	}
	return a, err
}

// strings reads n strings in two passes: one to validate the lengths, then
// one that copies their bytes, without the length fields between them, into
// a single buffer that the elements slice, so a 262144-entry vocabulary
// costs two allocations instead of 262144 (and the 580k merges of a
// tokenizer.json 4.6 MB less than copying the region whole).
func (r *reader) strings(key string, n int64) ([]string, error) {
	start := r.pos
	for i := int64(0); i < n; i++ {
		// Inline length read: this loop runs once per vocabulary entry, so it
		// must not format an error context it will almost never need.
		if r.remaining() < 8 {
			return nil, r.errf("key %q: element %d length: need 8 bytes at offset %d, only %d left", key, i, r.pos, r.remaining())
		}
		l := binary.LittleEndian.Uint64(r.b[r.pos:])
		r.pos += 8
		if l > uint64(r.remaining()) {
			return nil, r.errf("key %q: element %d: string of %d bytes, only %d left", key, i, l, r.remaining())
		}
		r.pos += int64(l)
	}
	var sb strings.Builder
	sb.Grow(int(r.pos - start - 8*n))
	for p := start; p < r.pos; {
		l := int64(binary.LittleEndian.Uint64(r.b[p:]))
		sb.Write(r.b[p+8 : p+8+l])
		p += 8 + l
	}
	all := sb.String()
	out := make([]string, n)
	p := 0
	for i := range out {
		l := int(binary.LittleEndian.Uint64(r.b[start:]))
		out[i] = all[p : p+l]
		p += l
		start += 8 + int64(l)
	}
	return out, nil
}

func decodeScalars(t ValueType, b []byte, n int) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return append([]uint8(nil), b...), nil
	case TypeInt8:
		v := make([]int8, n)
		for i := range v {
			v[i] = int8(b[i])
		}
		return v, nil
	case TypeUint16:
		v := make([]uint16, n)
		for i := range v {
			v[i] = le.Uint16(b[2*i:])
		}
		return v, nil
	case TypeInt16:
		v := make([]int16, n)
		for i := range v {
			v[i] = int16(le.Uint16(b[2*i:]))
		}
		return v, nil
	case TypeUint32:
		v := make([]uint32, n)
		for i := range v {
			v[i] = le.Uint32(b[4*i:])
		}
		return v, nil
	case TypeInt32:
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(le.Uint32(b[4*i:]))
		}
		return v, nil
	case TypeFloat32:
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		return v, nil
	case TypeBool:
		v := make([]bool, n)
		for i := range v {
			if b[i] > 1 {
				return nil, fmt.Errorf("element %d: bool byte %d", i, b[i])
			}
			v[i] = b[i] == 1
		}
		return v, nil
	case TypeUint64:
		v := make([]uint64, n)
		for i := range v {
			v[i] = le.Uint64(b[8*i:])
		}
		return v, nil
	case TypeInt64:
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(le.Uint64(b[8*i:]))
		}
		return v, nil
	case TypeFloat64:
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		return v, nil
	}
	return nil, fmt.Errorf("no scalar decoder for %s", t)
}

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.tensorIndex[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// Data returns the bytes of t as a view of the mapping (no copy). The view is
// valid until Close.
func (f *File) Data(t TensorInfo) ([]byte, error) {
	if f.data == nil {
		return nil, fmt.Errorf("gguf: %s: tensor %q: %w", f.Path, t.Name, ErrClosed)
	}
	i, ok := f.tensorIndex[t.Name]
	if !ok || f.Tensors[i].Offset != t.Offset || f.Tensors[i].Size != t.Size {
		return nil, fmt.Errorf("gguf: %s: tensor %q: not a tensor of this file", f.Path, t.Name)
	}
	start := f.DataOffset + t.Offset // bounds were checked by checkLayout
	return f.data[start : start+t.Size : start+t.Size], nil
}

// Float32s returns an F32 tensor as a []float32 view of the mapping, after
// checking its type and its 4-byte alignment in memory.
func (f *File) Float32s(t TensorInfo) ([]float32, error) {
	if t.Type != quant.F32 {
		return nil, fmt.Errorf("gguf: %s: tensor %q: type %s, want f32: %w", f.Path, t.Name, t.Type, ErrType)
	}
	b, err := f.Data(t)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return []float32{}, nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		return nil, fmt.Errorf("gguf: %s: tensor %q: data at offset %d is not 4-byte aligned in memory", f.Path, t.Name, f.DataOffset+t.Offset)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4), nil
}

// Value returns the metadata value of key.
func (f *File) Value(key string) (Value, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

func (f *File) lookup(key string) (Value, error) {
	v, ok := f.Value(key)
	if !ok {
		return Value{}, fmt.Errorf("gguf: %s: key %q: %w", f.Path, key, ErrMissing)
	}
	return v, nil
}

func (f *File) typeErr(key string, v Value, want string) error {
	return fmt.Errorf("gguf: %s: key %q: type %s, want %s: %w", f.Path, key, v.Type, want, ErrType)
}

// String returns a string value.
func (f *File) String(key string) (string, error) {
	v, err := f.lookup(key)
	if err != nil {
		return "", err
	}
	s, ok := v.V.(string)
	if !ok {
		return "", f.typeErr(key, v, "string")
	}
	return s, nil
}

// Int returns an integer value of any width.
func (f *File) Int(key string) (int64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	i, err := v.Int()
	if err != nil {
		return 0, fmt.Errorf("gguf: %s: key %q: %v: %w", f.Path, key, err, ErrType)
	}
	return i, nil
}

// Float returns a numeric value as float64.
func (f *File) Float(key string) (float64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	x, err := v.Float()
	if err != nil {
		return 0, fmt.Errorf("gguf: %s: key %q: %v: %w", f.Path, key, err, ErrType)
	}
	return x, nil
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.lookup(key)
	if err != nil {
		return false, err
	}
	b, ok := v.V.(bool)
	if !ok {
		return false, f.typeErr(key, v, "bool")
	}
	return b, nil
}

// Array returns an array value.
func (f *File) Array(key string) (Array, error) {
	v, err := f.lookup(key)
	if err != nil {
		return Array{}, err
	}
	a, ok := v.V.(Array)
	if !ok {
		return Array{}, f.typeErr(key, v, "array")
	}
	return a, nil
}

// Strings returns an array of strings.
func (f *File) Strings(key string) ([]string, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	s, ok := a.Values.([]string)
	if !ok {
		return nil, fmt.Errorf("gguf: %s: key %q: array of %s, want array of string: %w", f.Path, key, a.Elem, ErrType)
	}
	return s, nil
}

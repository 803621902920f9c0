package kernels

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"lookout/quant"
)

// Matrix is a row-major weight matrix over raw tensor bytes, typically a
// slice of a memory-mapped GGUF file: Rows rows of Cols values of Type, each
// row RowBytes() bytes, Data exactly Rows rows long. In ggml terms Cols is
// ne0 and Rows ne1. Make one with NewMatrix, which checks all of that;
// MatVec and MatMul check it again (cheaply) and panic on a bad literal.
type Matrix struct {
	Type       quant.Type
	Rows, Cols int
	Data       []byte
}

// ErrUnsupportedType is wrapped by NewMatrix's error for a weight type the
// matrix kernels cannot multiply (they take F32, F16, BF16, Q8_0, Q4_0 and
// Q4_0_4_4).
var ErrUnsupportedType = errors.New("weight type not supported by the matrix kernels")

// littleEndian reports whether this CPU stores multi-byte values the way
// tensor files do; float matrices are read in place only then.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// NewMatrix returns a view of data as a rows×cols matrix of type t. It fails
// if t is not one of F32, F16, BF16, Q8_0, Q4_0, Q4_0_4_4, if cols is not a
// whole number of blocks, if data is not exactly rows rows long, if an
// interleaved type's rows are not whole groups of four, or if float data
// cannot be read in place (start not aligned to the element size, or a
// big-endian CPU). The error names the type, shape and what is wrong.
func NewMatrix(t quant.Type, rows, cols int, data []byte) (Matrix, error) {
	m := Matrix{Type: t, Rows: rows, Cols: cols, Data: data}
	if err := m.check(); err != nil {
		return Matrix{}, err
	}
	return m, nil
}

// RowBytes returns the bytes of one row: Cols values of Type. It is 0 for a
// type or column count NewMatrix would reject.
func (m Matrix) RowBytes() int {
	n, err := quant.RowBytes(m.Type, int64(m.Cols))
	if err != nil || int64(int(n)) != n {
		return 0
	}
	return int(n)
}

// Row returns the bytes of row i. It panics if i is out of range or the
// type interleaves rows (Q4_0_4_4), whose rows are not contiguous: use
// DequantizeRow.
func (m Matrix) Row(i int) []byte {
	if i < 0 || i >= m.Rows {
		panic(fmt.Sprintf("kernels: Matrix.Row(%d) of a matrix with %d rows", i, m.Rows))
	}
	if m.Type == quant.Q4_0_4_4 {
		panic(fmt.Sprintf("kernels: Matrix.Row(%d) of a %s matrix, whose rows are interleaved", i, m.Type))
	}
	rb := m.RowBytes()
	return m.Data[i*rb : (i+1)*rb : (i+1)*rb]
}

// DequantizeRow sets dst (Cols values) to row i as float32, as ggml's
// get_rows does (Q4_0: d·(q−8); the row of a Q4_0_4_4 matrix gets the same
// values as in its Q4_0 form). It panics if i is out of range or len(dst)
// is not Cols.
func (m Matrix) DequantizeRow(dst []float32, i int) {
	if i < 0 || i >= m.Rows || len(dst) != m.Cols {
		panic(fmt.Sprintf("kernels: Matrix.DequantizeRow(%d) into %d values, matrix %d×%d", i, len(dst), m.Rows, m.Cols))
	}
	if m.Type == quant.Q4_0_4_4 {
		rb := m.RowBytes()
		g := i &^ 3
		quant.DequantizeRowQ4_0_4x4(dst, m.Data[g*rb:(g+4)*rb], i&3)
		return
	}
	quant.Formats[m.Type].Dequantize(dst, m.Row(i))
}

// check returns what is wrong with m, or nil.
func (m Matrix) check() error {
	switch m.Type {
	case quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_0_4_4:
	default:
		if !m.Type.Known() {
			return fmt.Errorf("kernels: matrix of type id %d: %w", uint32(m.Type), quant.ErrUnknownType)
		}
		return fmt.Errorf("kernels: %s matrix: %w", m.Type, ErrUnsupportedType)
	}
	if m.Rows < 0 || m.Cols < 0 {
		return fmt.Errorf("kernels: %s matrix %d×%d: negative dimension: %w", m.Type, m.Rows, m.Cols, quant.ErrSize)
	}
	rb, err := quant.RowBytes(m.Type, int64(m.Cols))
	if err != nil {
		return fmt.Errorf("kernels: %s matrix %d×%d: %w", m.Type, m.Rows, m.Cols, err)
	}
	total, err := quant.TensorBytes(m.Type, []int64{int64(m.Cols), int64(m.Rows)})
	if err != nil || int64(int(total)) != total {
		return fmt.Errorf("kernels: %s matrix %d×%d: size overflows: %w", m.Type, m.Rows, m.Cols, quant.ErrSize)
	}
	if m.Type == quant.Q4_0_4_4 && m.Rows%4 != 0 {
		return fmt.Errorf("kernels: %s matrix %d×%d: rows are interleaved in groups of 4, %d is not a multiple: %w",
			m.Type, m.Rows, m.Cols, m.Rows, quant.ErrSize)
	}
	if int64(len(m.Data)) != total {
		return fmt.Errorf("kernels: %s matrix %d×%d: data has %d bytes, want %d rows × %d bytes = %d: %w",
			m.Type, m.Rows, m.Cols, len(m.Data), m.Rows, rb, total, quant.ErrSize)
	}
	if size := floatSize(m.Type); size > 0 && len(m.Data) > 0 {
		if !littleEndian {
			return fmt.Errorf("kernels: %s matrix: float weights are read in place, which needs a little-endian CPU", m.Type)
		}
		if addr := uintptr(unsafe.Pointer(unsafe.SliceData(m.Data))); addr%uintptr(size) != 0 {
			return fmt.Errorf("kernels: %s matrix: data at %#x is not aligned to %d bytes", m.Type, addr, size)
		}
	}
	return nil
}

// floatSize returns the element size of the float types, which the kernels
// read through typed views, and 0 for block types.
func floatSize(t quant.Type) int {
	switch t {
	case quant.F32:
		return 4
	case quant.F16, quant.BF16:
		return 2
	}
	return 0
}

// f32View and u16View reinterpret tensor bytes in place (check has made sure
// the start is aligned and the CPU little-endian).
func f32View(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func u16View(b []byte) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2)
}

// Scratch holds the buffers a MatVec or MatMul call needs besides its
// output (quantized or rounded activations, the state handed to the pool),
// so that a decode loop that reuses one Scratch allocates nothing per call.
// The zero value is ready to use. A Scratch serves one call at a time.
type Scratch struct {
	q    []byte    // Q8_0 activation rows
	f    []float32 // f16- or bf16-rounded activation rows
	mul  mulTask
	prep prepTask
}

func (s *Scratch) bytes(n int) []byte {
	if cap(s.q) < n {
		s.q = make([]byte, n)
	}
	return s.q[:n]
}

func (s *Scratch) floats(n int) []float32 {
	if cap(s.f) < n {
		s.f = make([]float32, n)
	}
	return s.f[:n]
}

// Work-splitting parameters.
const (
	// panelBytes is the target size of the block of weight rows (a panel)
	// that MatMul keeps in cache while every activation row passes over it.
	// It assumes at least 256 KiB of L2 per core (Cortex-A72 in the Pi 4:
	// 1 MiB shared by 4 cores; Cortex-A78AE in the Orin: 256 KiB; Cortex-A76
	// in the Pi 5 and Zen cores: 512 KiB or more) and uses half of it,
	// leaving room for the activation tile and the rows streaming past. For
	// Gemma 3's 1152-wide rows that is about 200 Q4_0 rows or 100 Q8_0 rows.
	panelBytes = 128 << 10
	// actTile is how many activation rows MatMul runs against one group of
	// four F16 or BF16 weight rows while that group is in L1 (F32 weights
	// use fTileRows, Q4_0 and Q8_0 weights qTileRows).
	actTile = 4
	// fTileBytes is the size of the tile of F32 activation rows that
	// MatMul and GemmF32 keep in L1 while three weight rows at a time pass
	// over it: 64 rows of SigLIP's 64-wide heads, 5 rows of 768 values.
	fTileBytes = 16 << 10
	// qTileBytes is the size of the tile of Q8_0 activation rows that
	// MatMul keeps in L1 (32 KiB or more on every target core) while a
	// weight panel passes over it, leaving room for the group of four
	// weight rows the micro-kernel is working on: 20 rows of 768 values,
	// 4 of 3072.
	qTileBytes = 16 << 10
	// quantSplitValues is the activation count above which MatMul quantizes
	// activation rows on the pool rather than on the caller.
	quantSplitValues = 1 << 15
)

// minSplitBytes is the least weight data worth a thread of its own in
// MatVec: below it, waking a worker costs more than it saves (16 KiB stream
// in about a microsecond). A variable so that tests can split tiny matrices.
var minSplitBytes = 16 << 10

// MatVec sets out[r] to the dot product of weight row r with x, for every row
// of w: out = W·x, the decode-time product. len(out) must be w.Rows and
// len(x) w.Cols.
//
// As in llama.cpp, the activations are first brought to the format the
// weight kernels take: Q4_0 and Q8_0 weights quantize x once to Q8_0
// (QuantizeQ8_0) and use the int8 kernels; F16 and BF16 weights round x to
// f16 or bf16 (kept in float32, which makes every product exact); F32 weights
// use x as it is. The rows are then split over p in contiguous chunks of
// whole 4-row groups, each computed with the four-row kernel, the last
// Rows%4 rows with the one-row kernel. Every output is the same whatever the
// thread count, and equal to MatMul's.
//
// p may be nil (run on the caller's goroutine). scratch may be nil, in which
// case the call allocates its buffers. out must not overlap x or w.Data.
// MatVec panics if w is not a valid Matrix or a length does not match.
func MatVec(p *Pool, out []float32, w Matrix, x []float32, scratch *Scratch) {
	checkMul("MatVec", out, w, x, 1)
	if scratch == nil {
		scratch = new(Scratch)
	}
	groups := (w.Rows + 3) / 4
	parts := min(p.Threads(), groups)
	if minSplitBytes > 0 {
		parts = min(parts, max(1, len(w.Data)/minSplitBytes))
	}
	mul(p, out, w, x, 1, scratch, parts)
}

// MatMul multiplies m activation rows by the transposed weights: out is
// m×w.Rows and row i of out is MatVec of row i of x (m×w.Cols), bit for bit,
// so a prompt's logits do not depend on how its tokens were batched.
//
// It is a tiled GEMM, not a loop of matvecs: all m activation rows are
// prepared (quantized) once; the weight rows are cut into panels of about
// panelBytes (128 KiB, a share of L2), and for each panel every tile of
// activation rows runs against each group of four weight rows. For Q4_0 and
// Q8_0 weights a tile is as many rows as fit in qTileBytes (16 KiB of L1)
// and runs in one call of the Impl's micro-kernel (DotQ4_0Q8_0x4xM,
// DotQ8_0Q8_0x4xM), which register-blocks it: two activation rows × four
// weight rows per pass in the assembly sets, so that each weight block is
// loaded (and unpacked) once per two activation rows and each activation
// block once per four weight rows, while every output keeps the float
// sequence of the four-row kernel MatVec uses. F32 weights run the Impl's
// F32 micro-kernel (DotF32x3xM: three weight rows against a tile of
// activation rows that fits fTileBytes of L1, each activation chunk loaded
// once for the three rows) and DotF32 on the last one or two rows of a
// unit, both giving DotF32's bits; F16 and BF16 weights run the dot kernels
// on tiles of four rows. So each weight panel is read from memory
// once and reused by all m rows from L2, each group of four weight rows is
// reused by the tile from L1, and each activation tile by the whole panel.
// Panels are split over p in contiguous runs, so every worker streams
// contiguous weight rows; their count is rounded up to a multiple of the
// thread count so the workers get equal shares.
//
// p and scratch may be nil as for MatVec. MatMul panics if m < 0, w is not a
// valid Matrix or a length does not match.
func MatMul(p *Pool, out []float32, w Matrix, x []float32, m int, scratch *Scratch) {
	checkMul("MatMul", out, w, x, m)
	if scratch == nil {
		scratch = new(Scratch)
	}
	groups := (w.Rows + 3) / 4
	panels := max(1, (len(w.Data)+panelBytes-1)/panelBytes)
	if t := p.Threads(); t > 1 {
		panels = (panels + t - 1) / t * t
	}
	mul(p, out, w, x, m, scratch, min(panels, groups))
}

// checkMul panics unless w is valid and out and x fit m rows.
func checkMul(op string, out []float32, w Matrix, x []float32, m int) {
	if err := w.check(); err != nil {
		panic(fmt.Sprintf("kernels: %s: bad weights: %s", op, strings.TrimPrefix(err.Error(), "kernels: ")))
	}
	if m < 0 {
		panic(fmt.Sprintf("kernels: %s: m = %d rows is negative", op, m))
	}
	if len(out) != m*w.Rows {
		panic(fmt.Sprintf("kernels: %s: out has %d values, want %d × %d rows = %d", op, len(out), m, w.Rows, m*w.Rows))
	}
	if len(x) != m*w.Cols {
		panic(fmt.Sprintf("kernels: %s: x has %d values, want %d × %d columns = %d", op, len(x), m, w.Cols, m*w.Cols))
	}
}

// mul runs the product with the weight rows cut into units (a multiple of
// four rows each, the remainder in the last) that are split over p.
func mul(p *Pool, out []float32, w Matrix, x []float32, m int, s *Scratch, units int) {
	if m == 0 || w.Rows == 0 {
		return
	}
	im := cur
	t := &s.mul
	*t = mulTask{im: im, w: w, rb: w.RowBytes(), out: out, m: m,
		groups: (w.Rows + 3) / 4, units: units}

	// Bring the activations to the weights' dot format, on the pool when
	// there are many.
	pre := &s.prep
	*pre = prepTask{im: im, typ: w.Type, x: x, cols: w.Cols}
	switch w.Type {
	case quant.Q4_0, quant.Q8_0, quant.Q4_0_4_4:
		t.qb = w.Cols / blockLen * blockBytesQ8_0
		t.qa = s.bytes(m * t.qb)
		pre.q, pre.qb = t.qa, t.qb
	case quant.F16, quant.BF16:
		t.xf = s.floats(m * w.Cols)
		pre.f = t.xf
	case quant.F32:
		t.xf = x
	}
	if w.Type != quant.F32 {
		if m*w.Cols >= quantSplitValues {
			p.run(m, pre)
		} else {
			pre.run(0, m)
		}
	}
	switch w.Type {
	case quant.F32:
		t.wf = f32View(w.Data)
	case quant.F16, quant.BF16:
		t.w16 = u16View(w.Data)
	}
	p.run(units, t)
	*t, *pre = mulTask{}, prepTask{} // drop references to the caller's slices
}

// prepTask converts activation rows [start,end) for the weight format.
type prepTask struct {
	im   *Impl
	typ  quant.Type
	x    []float32
	cols int
	q    []byte // Q formats: quantized rows, qb bytes each
	qb   int
	f    []float32 // F16, BF16: rounded rows
}

func (t *prepTask) run(start, end int) {
	for i := start; i < end; i++ {
		x := t.x[i*t.cols : (i+1)*t.cols]
		switch t.typ {
		case quant.Q4_0, quant.Q8_0, quant.Q4_0_4_4:
			q := t.q[i*t.qb : (i+1)*t.qb]
			raceReadFloats(x)
			raceWriteBytes(q)
			t.im.QuantizeQ8_0(q, x)
		case quant.F16:
			// ggml converts src1 to vec_dot_type F16 (GGML_CPU_FP32_TO_FP16)
			// before ggml_vec_dot_f16.
			f := t.f[i*t.cols : (i+1)*t.cols]
			for j, v := range x {
				f[j] = f16ToF32(quant.F32ToF16(v))
			}
		case quant.BF16:
			// Likewise with vec_dot_type BF16 (round to nearest even).
			f := t.f[i*t.cols : (i+1)*t.cols]
			for j, v := range x {
				f[j] = quant.BF16ToF32(quant.F32ToBF16(v))
			}
		}
	}
}

// mulTask is one MatVec or MatMul call, run unit by unit.
type mulTask struct {
	im     *Impl
	w      Matrix
	rb     int       // bytes per weight row
	out    []float32 // m rows of w.Rows
	m      int
	groups int // 4-row groups of weights (the last may be partial)
	units  int // the groups are split evenly into this many units

	qa  []byte // Q formats: m Q8_0 activation rows of qb bytes
	qb  int
	xf  []float32 // float formats: m activation rows of w.Cols
	wf  []float32 // F32 weights
	w16 []uint16  // F16 or BF16 weights
}

func (t *mulTask) run(start, end int) {
	for u := start; u < end; u++ {
		r0 := 4 * (u * t.groups / t.units)
		r1 := min(4*((u+1)*t.groups/t.units), t.w.Rows)
		t.panel(r0, r1)
	}
}

// panel computes out[i][r] for every activation row i and weight rows
// [r0,r1). r0 is a multiple of 4, and r1 is one too unless it is w.Rows, so
// a row is always computed by the same kernel (the four-row one unless it is
// among the last Rows%4), whatever the split.
func (t *mulTask) panel(r0, r1 int) {
	n, cols := t.w.Rows, t.w.Cols
	full := r0 + (r1-r0)&^3 // end of the whole 4-row groups
	raceReadBytes(t.w.Data[r0*t.rb : r1*t.rb])
	raceReadBytes(t.qa)
	raceReadFloats(t.xf)
	for i := range t.m {
		raceWriteFloats(t.out[i*n+r0 : i*n+r1])
	}
	switch t.w.Type {
	case quant.Q4_0, quant.Q8_0:
		t.panelQ(r0, r1, full)
		return
	case quant.Q4_0_4_4:
		t.panelQ4x4(r0, r1)
		return
	}
	if t.w.Type == quant.F32 {
		// The micro-kernel on three weight rows at a time, DotF32 on the
		// rest: every output has DotF32's bits, whatever the split.
		gemmF32(t.im, t.out, n, t.xf, cols, t.wf, cols, t.m, r0, r1, cols)
		return
	}
	for i0 := 0; i0 < t.m; i0 += actTile {
		i1 := min(i0+actTile, t.m)
		switch t.w.Type {
		case quant.F16:
			for r := r0; r < r1; r++ {
				w := t.w16[r*cols : (r+1)*cols]
				for i := i0; i < i1; i++ {
					t.out[i*n+r] = t.im.DotF16F32(w, t.xf[i*cols:(i+1)*cols])
				}
			}
		case quant.BF16:
			for r := r0; r < r1; r++ {
				w := t.w16[r*cols : (r+1)*cols]
				for i := i0; i < i1; i++ {
					t.out[i*n+r] = dotBF16F32Generic(w, t.xf[i*cols:(i+1)*cols])
				}
			}
		}
	}
}

// panelQ is panel for Q4_0 and Q8_0 weights. The activation rows go in
// tiles of qTileRows(qb) rows, small enough to stay in L1 while the whole
// panel passes over them (from L2); each group of four weight rows runs
// against a tile in one call of the micro-kernel (Impl.DotQ4_0Q8_0x4xM or
// DotQ8_0Q8_0x4xM), which register-blocks the tile's rows. The micro-kernel
// gives every output the four-row kernel's bits, and the last Rows%4 rows
// use the one-row kernel as in MatVec, so MatMul equals MatVec.
func (t *mulTask) panelQ(r0, r1, full int) {
	n := t.w.Rows
	nb := t.w.Cols / blockLen
	xm, x1 := t.im.DotQ4_0Q8_0x4xM, t.im.DotQ4_0Q8_0
	if t.w.Type == quant.Q8_0 {
		xm, x1 = t.im.DotQ8_0Q8_0x4xM, t.im.DotQ8_0Q8_0
	}
	tile := qTileRows(t.qb)
	for i0 := 0; i0 < t.m; i0 += tile {
		i1 := min(i0+tile, t.m)
		a := t.qa[i0*t.qb : i1*t.qb]
		for r := r0; r < full; r += 4 {
			xm(t.out[i0*n+r:], n, t.w.Data[r*t.rb:(r+4)*t.rb], t.rb, a, i1-i0, nb)
		}
		for r := full; r < r1; r++ {
			w := t.w.Data[r*t.rb : (r+1)*t.rb]
			for i := i0; i < i1; i++ {
				t.out[i*n+r] = x1(w, t.qa[i*t.qb:(i+1)*t.qb], nb)
			}
		}
	}
}

// panelQ4x4 is panelQ for Q4_0_4_4 weights, whose rows come in whole
// groups of four (one 4·rb-byte run each), all computed by the Impl's
// DotQ4_0_4x4Q8_0xM, which gives DotQ4_0_4x4Q8_0's (MatVec's) bits.
func (t *mulTask) panelQ4x4(r0, r1 int) {
	n := t.w.Rows
	nb := t.w.Cols / blockLen
	tile := qTileRows(t.qb)
	for i0 := 0; i0 < t.m; i0 += tile {
		i1 := min(i0+tile, t.m)
		a := t.qa[i0*t.qb : i1*t.qb]
		for r := r0; r < r1; r += 4 {
			t.im.DotQ4_0_4x4Q8_0xM(t.out[i0*n+r:], n, t.w.Data[r*t.rb:(r+4)*t.rb], a, i1-i0, nb)
		}
	}
}

// qTileRows returns how many Q8_0 activation rows of qb bytes MatMul runs
// against a weight panel at a time: as many as fit in qTileBytes, a multiple
// of four (the micro-kernels block two or four rows), at least four.
func qTileRows(qb int) int {
	return max(4, qTileBytes/max(qb, 1)&^3)
}

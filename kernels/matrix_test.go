package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/quant"
)

var matrixTypes = []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0}

// randMatrix returns a rows×cols matrix of type t made with the format's
// reference quantizer from normal weights.
func randMatrix(r *rand.Rand, t quant.Type, rows, cols int) Matrix {
	f := quant.Formats[t]
	rb := int(int64(cols) / f.BlockLen * f.BlockBytes)
	data := make([]byte, rows*rb)
	f.Quantize(data, randFloats(r, rows*cols, 0.05))
	m, err := NewMatrix(t, rows, cols, data)
	if err != nil {
		panic(err)
	}
	return m
}

// matvecRef returns W·x in float64, from the weights dequantized and the
// activations as the kernels see them (quantized to Q8_0 by QuantizeQ8_0,
// or rounded to f16/bf16), with Σ|w_j·x_j| per row for the tolerance.
func matvecRef(w Matrix, x []float32) (ref, abs []float64) {
	ref, abs = make([]float64, w.Rows), make([]float64, w.Rows)
	xs := make([]float32, len(x))
	switch w.Type {
	case quant.Q4_0, quant.Q8_0:
		q := make([]byte, len(x)/blockLen*blockBytesQ8_0)
		quant.QuantizeQ8_0Act(q, x)
		quant.Formats[quant.Q8_0].Dequantize(xs, q)
	case quant.F16:
		for i, v := range x {
			xs[i] = quant.F16ToF32(quant.F32ToF16(v))
		}
	case quant.BF16:
		for i, v := range x {
			xs[i] = quant.BF16ToF32(quant.F32ToBF16(v))
		}
	default:
		copy(xs, x)
	}
	row := make([]float32, w.Cols)
	for r := range w.Rows {
		quant.Formats[w.Type].Dequantize(row, w.Row(r))
		for j, v := range row {
			p := float64(v) * float64(xs[j])
			ref[r] += p
			abs[r] += math.Abs(p)
		}
	}
	return ref, abs
}

// rowBound is the tolerance of one row of w against its exact value with
// Σ|w_j·x_j| = abs: Impl's block-dot contract for the Q formats, dotBound
// over the values otherwise.
func rowBound(w Matrix, abs float64) float64 {
	if w.Type == quant.Q4_0 || w.Type == quant.Q8_0 {
		return blockDotBound(w.Cols/blockLen, abs)
	}
	return dotBound(w.Cols, abs)
}

// withSplitting lets MatVec split even tiny matrices over the pool.
func withSplitting(t *testing.T) {
	prev := minSplitBytes
	minSplitBytes = 0
	t.Cleanup(func() { minSplitBytes = prev })
}

var testRowCounts = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 37}

// TestMatVec checks MatVec for every weight format, Impl and thread count
// against the float64 product of the dequantized weights and the activations
// as the kernels see them, within dotBound(cols, Σ|w_j·x_j|) per row for the
// float formats and blockDotBound(blocks, Σ|w_j·x_j|) for Q4_0 and Q8_0 (the
// products of the dequantized values are exactly the products of the quants
// times the block scales, so Σ|w_j·x_j| is the contract's A).
// It also checks that the result does not depend on the thread count.
func TestMatVec(t *testing.T) {
	withSplitting(t)
	pools := map[int]*Pool{1: NewPool(1), 2: NewPool(2), 3: NewPool(3)}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(21)
		var s Scratch
		for _, typ := range matrixTypes {
			for _, cols := range []int{32, 288} {
				for _, rows := range testRowCounts {
					w := randMatrix(r, typ, rows, cols)
					x := randFloats(r, cols, 1)
					ref, abs := matvecRef(w, x)
					var first []float32
					for threads := 1; threads <= 3; threads++ {
						what := fmt.Sprintf("%s %d×%d threads=%d", typ, rows, cols, threads)
						out, check := guardedFloats(rows, 2)
						MatVec(pools[threads], out, w, x, &s)
						check(t, what)
						for i := range out {
							if b := rowBound(w, abs[i]); math.Abs(float64(out[i])-ref[i]) > b {
								t.Fatalf("%s: row %d = %v, reference %v (bound %g)", what, i, out[i], ref[i], b)
							}
						}
						if first == nil {
							first = append([]float32(nil), out...)
						} else if !equalBits(out, first) {
							t.Fatalf("%s: result differs from the one-thread result", what)
						}
					}
				}
			}
		}
	})
}

// TestMatMulEqualsMatVec checks that every row of MatMul equals MatVec bit
// for bit, for every format, Impl, thread count and batch size m = 1..9
// (odd ones and ones past every register block of the micro-kernels),
// including matrices large enough to need several panels and rows long
// enough that m spans several activation tiles.
func TestMatMulEqualsMatVec(t *testing.T) {
	withSplitting(t)
	pools := []*Pool{NewPool(1), NewPool(2), NewPool(3)}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	type shape struct{ rows, cols int }
	// {7, 4096}: rows long enough that MatMul's activation tiles hold four
	// rows (qTileRows), so m > 4 spans several tiles.
	shapes := []shape{{1, 32}, {3, 64}, {4, 32}, {5, 96}, {7, 64}, {9, 288}, {37, 64}, {7, 4096}}
	big := []shape{{601, 256}} // 150 KiB–600 KiB: two to five panels
	forEachImpl(t, func(t *testing.T, im Impl) {
		r := newRand(23)
		var s Scratch
		for _, typ := range matrixTypes {
			for _, sh := range append(shapes, big...) {
				w := randMatrix(r, typ, sh.rows, sh.cols)
				for m := 1; m <= 9; m++ {
					x := randFloats(r, m*sh.cols, 1)
					want := make([]float32, m*sh.rows)
					for i := range m {
						MatVec(nil, want[i*sh.rows:(i+1)*sh.rows], w, x[i*sh.cols:(i+1)*sh.cols], &s)
					}
					for _, p := range pools {
						what := fmt.Sprintf("%s %d×%d m=%d threads=%d", typ, sh.rows, sh.cols, m, p.Threads())
						out, check := guardedFloats(m*sh.rows, 1)
						MatMul(p, out, w, x, m, &s)
						check(t, what)
						if !equalBits(out, want) {
							for i := range out {
								if math.Float32bits(out[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%s: out[%d][%d] = %v, MatVec %v", what, i/sh.rows, i%sh.rows, out[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestMatMulLargeBatch covers a batch large enough that MatMul quantizes
// the activations on the pool, against MatVec.
func TestMatMulLargeBatch(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	r := newRand(29)
	const rows, cols, m = 13, 1024, 40 // 40·1024 values ≥ quantSplitValues
	for _, typ := range matrixTypes {
		w := randMatrix(r, typ, rows, cols)
		x := randFloats(r, m*cols, 1)
		out := make([]float32, m*rows)
		MatMul(p, out, w, x, m, nil)
		want := make([]float32, rows)
		for i := range m {
			MatVec(nil, want, w, x[i*cols:(i+1)*cols], nil)
			if !equalBits(out[i*rows:(i+1)*rows], want) {
				t.Fatalf("%s: row %d of MatMul differs from MatVec", typ, i)
			}
		}
	}
}

func TestMatMulEmpty(t *testing.T) {
	r := newRand(31)
	w := randMatrix(r, quant.Q4_0, 5, 64)
	MatMul(nil, nil, w, nil, 0, nil) // m = 0: nothing to do
	empty := Matrix{Type: quant.Q8_0}
	MatVec(nil, nil, empty, nil, nil)
	wide := Matrix{Type: quant.F32, Rows: 3}
	out := []float32{1, 2, 3}
	MatVec(nil, out, wide, nil, nil) // zero columns: zero dot products
	for _, v := range out {
		if v != 0 {
			t.Fatalf("0-column MatVec = %v, want zeros", out)
		}
	}
}

// TestMatVecAllocations checks that a decode step with a reused Scratch
// allocates nothing.
func TestMatVecAllocations(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	r := newRand(37)
	var s Scratch
	for _, typ := range matrixTypes {
		w := randMatrix(r, typ, 64, 1024) // large enough to be split
		x := randFloats(r, 1024, 1)
		out := make([]float32, 64)
		MatVec(p, out, w, x, &s)
		if n := testing.AllocsPerRun(20, func() { MatVec(p, out, w, x, &s) }); n != 0 {
			t.Errorf("%s: MatVec allocates %v times per call", typ, n)
		}
		xm := randFloats(r, 3*1024, 1)
		outm := make([]float32, 3*64)
		MatMul(p, outm, w, xm, 3, &s)
		if n := testing.AllocsPerRun(20, func() { MatMul(p, outm, w, xm, 3, &s) }); n != 0 {
			t.Errorf("%s: MatMul allocates %v times per call", typ, n)
		}
	}
}

func TestNewMatrix(t *testing.T) {
	aligned := make([]byte, 4*64+4) // heap blocks are at least 8-aligned
	for _, c := range []struct {
		name       string
		typ        quant.Type
		rows, cols int
		data       []byte
		err        error  // wrapped sentinel, if any
		msg        string // part of the message
	}{
		{"ok f32", quant.F32, 2, 8, aligned[:64], nil, ""},
		{"ok q4_0", quant.Q4_0, 2, 64, aligned[:72], nil, ""},
		{"ok empty", quant.Q8_0, 0, 64, nil, nil, ""},
		{"unknown type", quant.Type(99), 1, 32, aligned[:34], quant.ErrUnknownType, "type id 99"},
		{"unsupported type", quant.Q4_K, 1, 256, aligned[:144], ErrUnsupportedType, "q4_K"},
		{"partial block", quant.Q4_0, 1, 48, aligned[:27], quant.ErrSize, "multiple of the block length"},
		{"short data", quant.Q8_0, 2, 32, aligned[:67], quant.ErrSize, "data has 67 bytes, want 2 rows × 34 bytes = 68"},
		{"long data", quant.F16, 2, 4, aligned[:18], quant.ErrSize, "data has 18 bytes"},
		{"negative rows", quant.F32, -1, 4, nil, quant.ErrSize, "negative"},
		{"misaligned f32", quant.F32, 1, 2, aligned[2:10], nil, "not aligned to 4 bytes"},
		{"misaligned f16", quant.F16, 1, 2, aligned[1:5], nil, "not aligned to 2 bytes"},
		{"misaligned q8_0 is fine", quant.Q8_0, 1, 32, aligned[1:35], nil, ""},
	} {
		m, err := NewMatrix(c.typ, c.rows, c.cols, c.data)
		switch {
		case c.msg == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.msg == "" && (m.Rows != c.rows || m.Cols != c.cols || m.Type != c.typ):
			t.Errorf("%s: got %+v", c.name, m)
		case c.msg != "" && err == nil:
			t.Errorf("%s: no error", c.name)
		case c.msg != "" && !strings.Contains(err.Error(), c.msg):
			t.Errorf("%s: error %q does not say %q", c.name, err, c.msg)
		case c.err != nil && !errors.Is(err, c.err):
			t.Errorf("%s: error %q does not wrap %v", c.name, err, c.err)
		}
	}
}

// TestMatrixPanics checks that the products reject bad shapes with a clear
// message.
func TestMatrixPanics(t *testing.T) {
	w := randMatrix(newRand(41), quant.Q4_0, 3, 64)
	for _, c := range []struct {
		name, msg string
		f         func()
	}{
		{"MatVec out", "out has 2 values, want 1 × 3 rows = 3", func() { MatVec(nil, make([]float32, 2), w, make([]float32, 64), nil) }},
		{"MatVec x", "x has 63 values", func() { MatVec(nil, make([]float32, 3), w, make([]float32, 63), nil) }},
		{"MatMul m", "m = -1", func() { MatMul(nil, nil, w, nil, -1, nil) }},
		{"MatMul x", "x has 64 values, want 2 × 64 columns = 128", func() { MatMul(nil, make([]float32, 6), w, make([]float32, 64), 2, nil) }},
		{"bad matrix", "data has 53 bytes", func() {
			bad := w
			bad.Data = bad.Data[:53]
			MatVec(nil, make([]float32, 3), bad, make([]float32, 64), nil)
		}},
		{"Row", "Matrix.Row(3)", func() { w.Row(3) }},
	} {
		if msg := panicMessage(c.f); !strings.Contains(msg, c.msg) {
			t.Errorf("%s: panic %q does not say %q", c.name, msg, c.msg)
		}
	}
}

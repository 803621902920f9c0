package quant

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQ4_0_4x4Layout builds a Q4_0 tensor whose every byte says where it
// comes from and checks the repacked bytes against the layout written out
// in q4_0_4x4.go (ggml's block_q4_0x4 with an interleave of 4): per 72-byte
// block the four rows' scales, then quant byte i from row (i%16)/4, byte
// 4·(i/16)+i%4, XORed with 0x88.
func TestQ4_0_4x4Layout(t *testing.T) {
	const rows, cols = 8, 64
	nb := cols / 32
	src := make([]byte, rows*nb*18)
	for r := range rows {
		for b := range nb {
			blk := src[(r*nb+b)*18:]
			binary.LittleEndian.PutUint16(blk, uint16(0x3c00+r*16+b)) // scale names row and block
			for j := range 16 {
				blk[2+j] = byte(r<<5 | b<<4 | j) // quant byte names row, block and index
			}
		}
	}
	dst := make([]byte, len(src))
	if err := RepackQ4_0_4x4(dst, src, rows, cols); err != nil {
		t.Fatal(err)
	}
	for g := range rows / 4 {
		for b := range nb {
			blk := dst[(g*nb+b)*72 : (g*nb+b+1)*72]
			for r := range 4 {
				if got, want := binary.LittleEndian.Uint16(blk[2*r:]), uint16(0x3c00+(4*g+r)*16+b); got != want {
					t.Fatalf("group %d block %d: scale %d = %#x, want %#x", g, b, r, got, want)
				}
			}
			for i := range 64 {
				row, j := 4*g+(i%16)/4, 4*(i/16)+i%4
				if got, want := blk[8+i], byte(row<<5|b<<4|j)^0x88; got != want {
					t.Fatalf("group %d block %d: quant byte %d = %#x, want %#x (row %d byte %d)", g, b, i, got, want, row, j)
				}
			}
		}
	}
	back := make([]byte, len(src))
	if err := UnpackQ4_0_4x4(back, dst, rows, cols); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, src) {
		t.Fatal("UnpackQ4_0_4x4 does not invert RepackQ4_0_4x4")
	}
}

// TestQ4_0_4x4Dequantize checks that every row of a repacked tensor
// decodes, through DequantizeRows and DequantizeRowQ4_0_4x4, to the bits of
// the Q4_0 original's row.
func TestQ4_0_4x4Dequantize(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, shape := range [][2]int{{4, 32}, {12, 96}, {8, 1152}} {
		rows, cols := shape[0], shape[1]
		x := make([]float32, rows*cols)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		src := make([]byte, rows*cols/32*18)
		Formats[Q4_0].Quantize(src, x)
		want := make([]float32, len(x))
		Formats[Q4_0].Dequantize(want, src)
		packed := make([]byte, len(src))
		if err := RepackQ4_0_4x4(packed, src, rows, cols); err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(x))
		if err := DequantizeRows(Q4_0_4_4, got, packed, cols); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d×%d: value %d = %v, Q4_0 %v", rows, cols, i, got[i], want[i])
			}
		}
		viaQ4 := make([]float32, len(x))
		if err := DequantizeRows(Q4_0, viaQ4, src, cols); err != nil {
			t.Fatal(err)
		}
		if !equalFloatBits(viaQ4, want) {
			t.Fatalf("%d×%d: DequantizeRows(Q4_0) differs from Format.Dequantize", rows, cols)
		}
	}
}

func equalFloatBits(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// TestQ4_0_4x4Errors checks the shape and size errors of the codec and the
// table entry (ggml's id 31, "q4_0_4x4", 18 bytes per 32 values).
func TestQ4_0_4x4Errors(t *testing.T) {
	f, err := Q4_0_4_4.Format()
	if err != nil || f.Name != "q4_0_4x4" || f.BlockLen != 32 || f.BlockBytes != 18 || f.Interleave != 4 || !f.Supported() || uint32(Q4_0_4_4) != 31 {
		t.Fatalf("table entry %+v, %v", f, err)
	}
	if p, err := ParseType("Q4_0_4X4"); err != nil || p != Q4_0_4_4 {
		t.Fatalf("ParseType: %v, %v", p, err)
	}
	cases := []struct {
		name       string
		rows, cols int
		dst, src   int
	}{
		{"rows not a multiple of 4", 6, 32, 6 * 18, 6 * 18},
		{"cols not a multiple of 32", 4, 48, 4 * 27, 4 * 27},
		{"short source", 4, 32, 4 * 18, 4*18 - 1},
		{"short destination", 4, 32, 4*18 - 1, 4 * 18},
	}
	for _, c := range cases {
		if err := RepackQ4_0_4x4(make([]byte, c.dst), make([]byte, c.src), c.rows, c.cols); !errors.Is(err, ErrSize) {
			t.Errorf("Repack %s: err = %v, want ErrSize", c.name, err)
		}
		if err := UnpackQ4_0_4x4(make([]byte, c.dst), make([]byte, c.src), c.rows, c.cols); !errors.Is(err, ErrSize) {
			t.Errorf("Unpack %s: err = %v, want ErrSize", c.name, err)
		}
	}
	if err := DequantizeRows(Q4_0_4_4, make([]float32, 6*32), make([]byte, 6*18), 32); !errors.Is(err, ErrSize) {
		t.Errorf("DequantizeRows of 6 interleaved rows: err = %v, want ErrSize", err)
	}
	if err := DequantizeRows(Q4_K, make([]float32, 256), make([]byte, 144), 256); err == nil {
		t.Error("DequantizeRows of q4_K: no error")
	}
}

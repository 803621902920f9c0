package quant

import (
	"encoding/binary"
	"fmt"
)

// Q4_0_4_4 ("q4_0_4x4") is Q4_0 repacked for the ARM dotprod kernels: the
// layout of ggml's GGML_TYPE_Q4_0_4_4 (id 31, llama.cpp 2024, block_q4_0x4
// with an interleave of 4 bytes), which llama.cpp has since retired in
// favour of repacking at load time. Lookout writes it offline (`lookout
// quantize --type q4_0_4x4`) so that a board maps it from disk with no
// anonymous copy.
//
// A tensor of R rows (a multiple of 4) and C columns (a multiple of 32)
// takes exactly the bytes of its Q4_0 form. Its rows go in groups of four:
// group g (rows 4g..4g+3) is the C/32 blocks of 72 bytes at g·4·(C/32)·18,
// and block b of the group holds
//
//	bytes 0..7    the f16 scales d of block b of rows 4g, 4g+1, 4g+2, 4g+3
//	              (little-endian, in row order);
//	bytes 8..71   the 64 quant bytes: byte 8+i comes from row 4g+(i%16)/4,
//	              Q4_0 quant byte 4·(i/16)+i%4, XORed with 0x88.
//
// So each 16 quant bytes hold four bytes of each row, and a 16-byte vector
// register multiplies four rows at once with SDOT by element. The XOR makes
// every nibble q−8 in 4-bit two's complement: the low nibble shifted left by
// 4, or the high nibble masked with 0xF0, is 16·(q−8) as an int8 with no
// subtraction. Values are those of the Q4_0 form, d·(q−8).
const (
	groupRowsQ4_0_4x4  = 4
	groupBlockQ4_0_4x4 = groupRowsQ4_0_4x4 * blockBytesQ4_0 // 72
)

// checkQ4_0_4x4 checks the shape and both buffer sizes of a repack.
func checkQ4_0_4x4(op string, dst, src int, rows, cols int) error {
	if rows < 0 || cols < 0 || rows%groupRowsQ4_0_4x4 != 0 || cols%blockLenQ4_0 != 0 {
		return fmt.Errorf("quant: %s: %d×%d: q4_0_4x4 needs a multiple of 4 rows and of 32 columns: %w", op, rows, cols, ErrSize)
	}
	n := rows * (cols / blockLenQ4_0) * blockBytesQ4_0
	if src != n || dst != n {
		return fmt.Errorf("quant: %s: %d×%d takes %d bytes, got %d in and %d out: %w", op, rows, cols, n, src, dst, ErrSize)
	}
	return nil
}

// RepackQ4_0_4x4 writes the Q4_0_4_4 form of the row-major Q4_0 tensor src
// (rows×cols values) into dst, which must be as long as src. The bytes are
// only moved (and their nibbles XORed), so the values do not change.
func RepackQ4_0_4x4(dst, src []byte, rows, cols int) error {
	if err := checkQ4_0_4x4("RepackQ4_0_4x4", len(dst), len(src), rows, cols); err != nil {
		return err
	}
	nb := cols / blockLenQ4_0
	rb := nb * blockBytesQ4_0
	for g := 0; g < rows/groupRowsQ4_0_4x4; g++ {
		in := src[g*4*rb : (g+1)*4*rb]
		out := dst[g*4*rb : (g+1)*4*rb]
		for b := range nb {
			o := out[b*groupBlockQ4_0_4x4 : (b+1)*groupBlockQ4_0_4x4]
			for r := range groupRowsQ4_0_4x4 {
				blk := in[r*rb+b*blockBytesQ4_0:]
				copy(o[2*r:2*r+2], blk[:2])
				for i := range 4 {
					for j := range 4 {
						o[8+16*i+4*r+j] = blk[2+4*i+j] ^ 0x88
					}
				}
			}
		}
	}
	return nil
}

// UnpackQ4_0_4x4 is the inverse of RepackQ4_0_4x4: the row-major Q4_0 form
// of the Q4_0_4_4 tensor src.
func UnpackQ4_0_4x4(dst, src []byte, rows, cols int) error {
	if err := checkQ4_0_4x4("UnpackQ4_0_4x4", len(dst), len(src), rows, cols); err != nil {
		return err
	}
	nb := cols / blockLenQ4_0
	rb := nb * blockBytesQ4_0
	for g := 0; g < rows/groupRowsQ4_0_4x4; g++ {
		for r := range groupRowsQ4_0_4x4 {
			unpackRowQ4_0_4x4(dst[(4*g+r)*rb:(4*g+r+1)*rb], src[g*4*rb:(g+1)*4*rb], r)
		}
	}
	return nil
}

// unpackRowQ4_0_4x4 writes row r (0..3) of the group of Q4_0_4_4 blocks in
// group as len(dst)/18 row-major Q4_0 blocks.
func unpackRowQ4_0_4x4(dst, group []byte, r int) {
	for b := range len(dst) / blockBytesQ4_0 {
		o := dst[b*blockBytesQ4_0 : (b+1)*blockBytesQ4_0]
		g := group[b*groupBlockQ4_0_4x4 : (b+1)*groupBlockQ4_0_4x4]
		copy(o[:2], g[2*r:2*r+2])
		for i := range 4 {
			for j := range 4 {
				o[2+4*i+j] = g[8+16*i+4*r+j] ^ 0x88
			}
		}
	}
}

// DequantizeRowQ4_0_4x4 sets dst (a multiple of 32 values) to row r (0..3)
// of the Q4_0_4_4 row group that starts at group (len(dst)/32 blocks of 72
// bytes), with the values Q4_0's Dequantize gives that row, bit for bit.
func DequantizeRowQ4_0_4x4(dst []float32, group []byte, r int) {
	if len(dst)%blockLenQ4_0 != 0 || r < 0 || r >= groupRowsQ4_0_4x4 || len(group) < len(dst)/blockLenQ4_0*groupBlockQ4_0_4x4 {
		panic(fmt.Sprintf("quant: DequantizeRowQ4_0_4x4: %d values of row %d from %d bytes", len(dst), r, len(group)))
	}
	var blk BlockQ4_0
	for b := range len(dst) / blockLenQ4_0 {
		g := group[b*groupBlockQ4_0_4x4 : (b+1)*groupBlockQ4_0_4x4]
		blk.D = binary.LittleEndian.Uint16(g[2*r:])
		for i := range 4 {
			for j := range 4 {
				blk.Qs[4*i+j] = g[8+16*i+4*r+j] ^ 0x88
			}
		}
		blk.Dequantize(dst[b*blockLenQ4_0:])
	}
}

// DequantizeRows decodes the tensor src of type t, len(dst)/cols rows of
// cols values, into dst: Format.Dequantize for the row-major types, row by
// row for the interleaved ones (whose row count must then be a multiple of
// their Interleave).
func DequantizeRows(t Type, dst []float32, src []byte, cols int) error {
	f, err := t.Format()
	if err != nil {
		return err
	}
	if !f.Supported() {
		return fmt.Errorf("quant: %s: no decoder", f.Name)
	}
	if cols <= 0 || len(dst)%cols != 0 {
		return fmt.Errorf("quant: DequantizeRows: %d values are not whole rows of %d: %w", len(dst), cols, ErrSize)
	}
	rows := len(dst) / cols
	n, err := TensorBytes(t, []int64{int64(cols), int64(rows)})
	if err != nil {
		return err
	}
	if int64(len(src)) != n {
		return fmt.Errorf("quant: DequantizeRows: %s %d×%d takes %d bytes, got %d: %w", f.Name, rows, cols, n, len(src), ErrSize)
	}
	if f.Interleave <= 1 {
		f.Dequantize(dst, src)
		return nil
	}
	if rows%f.Interleave != 0 {
		return fmt.Errorf("quant: DequantizeRows: %s needs a multiple of %d rows, got %d: %w", f.Name, f.Interleave, rows, ErrSize)
	}
	gb := int(n) / rows * f.Interleave // bytes per row group
	for i := range rows {
		g := i / f.Interleave
		DequantizeRowQ4_0_4x4(dst[i*cols:(i+1)*cols], src[g*gb:(g+1)*gb], i%f.Interleave)
	}
	return nil
}

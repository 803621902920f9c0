package kernels

import (
	"encoding/binary"
	"math"

	"lookout/quant"
)

// Block geometry of the two ggml block formats the int8 kernels read. They
// duplicate quant.Formats on purpose: constants let the compiler drop bounds
// checks in the loops below, and TestBlockGeometry ties them to the table.
const (
	blockLen       = 32       // values per Q4_0 and Q8_0 block
	blockBytesQ4_0 = 2 + 32/2 // f16 scale + 16 bytes of nibbles
	blockBytesQ8_0 = 2 + 32   // f16 scale + 32 int8
)

// Generic is the pure-Go reference implementation of every hot kernel. It is
// always compiled, it is what LOOKOUT_KERNELS=generic selects, and every
// assembly Impl is tested against it.
//
// Float arithmetic is written so that every architecture computes the same
// bits: each product that is added to something is wrapped in an explicit
// float32() conversion. The Go spec lets a compiler fuse x*y + z into one FMA
// (the gc compiler does so on arm64, and on amd64 with GOAMD64=v3), which skips
// the product's rounding; an explicit conversion forces that rounding, so the
// references give identical results on amd64, arm64 and under purego.
var Generic = Impl{
	Name:          "generic",
	DotQ4_0Q8_0x4: dotQ4_0Q8_0x4Generic,
	DotQ4_0Q8_0:   dotQ4_0Q8_0Generic,
	DotQ8_0Q8_0x4: dotQ8_0Q8_0x4Generic,
	DotQ8_0Q8_0:   dotQ8_0Q8_0Generic,
	// The generic x4 kernels are four independent rows, so the loops over
	// them are the references of the micro-kernels.
	DotQ4_0Q8_0x4xM: x4xM(dotQ4_0Q8_0x4Generic),
	DotQ8_0Q8_0x4xM: x4xM(dotQ8_0Q8_0x4Generic),
	// Likewise the loop over the Q4_0_4_4 kernel.
	DotQ4_0_4x4Q8_0:   dotQ4_0_4x4Q8_0Generic,
	DotQ4_0_4x4Q8_0xM: q4x4xM(dotQ4_0_4x4Q8_0Generic),
	DotF16F32:         dotF16F32Generic,
	DotF32:            dotF32Generic,
	// Like the x4xM kernels, the loop over DotF32 is the reference of the
	// F32 micro-kernel.
	DotF32x3xM:       dotF32x3xM(dotF32Generic),
	ExpF32:           expF32Generic,
	GELUTanhF32:      geluTanhF32Generic,
	SoftmaxScaledF32: softmaxScaledF32Generic,
	QuantizeQ8_0:     quant.QuantizeQ8_0Act,
	MadF16:           madF16Generic,
	ScaleF16:         scaleF16Generic,
	WidenF16:         widenF16Generic,
}

// dotF32x3xM returns the Impl.DotF32x3xM that calls dot once per output:
// the reference of the F32 micro-kernel, and the micro-kernel of an
// assembly set that has none of its own (equal to its DotF32 by
// construction).
func dotF32x3xM(dot func(a, b []float32) float32) func(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int) {
	return func(out []float32, ldo int, w []float32, ldw int, a []float32, lda, m, k int) {
		for i := range m {
			x := a[i*lda : i*lda+k]
			o := out[i*ldo : i*ldo+3]
			for r := range 3 {
				o[r] = dot(w[r*ldw:r*ldw+k], x)
			}
		}
	}
}

// x4xM returns the Impl.DotQ4_0Q8_0x4xM (or DotQ8_0Q8_0x4xM) that runs the
// four-row kernel x4 once per activation row: the reference of the
// micro-kernels, and the micro-kernel of an assembly set that has none of
// its own (equal to its x4 kernel by construction).
func x4xM(x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)) func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int) {
	return func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int) {
		ab := nb * blockBytesQ8_0
		for i := range m {
			x4((*[4]float32)(out[i*ldo:]), w, stride, a[i*ab:], nb)
		}
	}
}

// scaleF16 reads the little-endian f16 block scale at the start of a block.
func scaleF16(block []byte) float32 {
	return f16ToF32(binary.LittleEndian.Uint16(block))
}

// f16ToF32 is quant.F16ToF32 (TestF16ToF32 checks all 65536 inputs) made
// small enough for the compiler to inline into the loops here (quant's costs
// 112, over the budget of 80), which makes the generic f16 dot about twice
// as fast. The magnitude bits shifted
// into place read as a float32 2¹¹² times too small, for normal and
// subnormal f16 alike, and the multiplication that fixes that is exact;
// infinities and NaNs (exponent 31) then get the all-ones exponent, and
// NaNs the quiet bit, as quant gives them.
func f16ToF32(h uint16) float32 {
	bits := math.Float32bits(math.Float32frombits(uint32(h&0x7fff)<<13)*0x1p112) | uint32(h&0x8000)<<16
	if h&0x7c00 == 0x7c00 {
		bits |= 0x7f800000
		if h&0x3ff != 0 {
			bits |= 0x400000
		}
	}
	return math.Float32frombits(bits)
}

// dotQ4_0Q8_0Generic is the reference for Impl.DotQ4_0Q8_0:
//
//	for each block b: isum = Σ_j (q_w[j]−8)·q_a[j] (exact int32)
//	                  sum += float32(d_w·d_a) · float32(isum)   (in block order)
//
// d_w·d_a is exact in float32 (two 11-bit significands; the smallest product
// of f16 subnormals, 2⁻⁴⁸, is a float32 normal), so each block costs one
// rounding for the product with isum (|isum| ≤ 32·8·128 < 2²⁴, exact) and one
// for the add. ggml's generic C rounds (isum·d_w)·d_a twice instead; its SIMD
// paths, like ours, scale by d_w·d_a once.
func dotQ4_0Q8_0Generic(w, a []byte, nb int) float32 {
	var sum float32
	for b := range nb {
		wb := (*[blockBytesQ4_0]byte)(w[b*blockBytesQ4_0:])
		ab := (*[blockBytesQ8_0]byte)(a[b*blockBytesQ8_0:])
		var isum int32
		for j := range 16 {
			q := wb[2+j]
			isum += (int32(q&0x0f)-8)*int32(int8(ab[2+j])) +
				(int32(q>>4)-8)*int32(int8(ab[2+16+j]))
		}
		d := scaleF16(wb[:]) * scaleF16(ab[:])
		sum += float32(d * float32(isum))
	}
	return sum
}

// dotQ4_0Q8_0x4Generic is the reference for Impl.DotQ4_0Q8_0x4: four
// independent dotQ4_0Q8_0Generic calls, so a row gives the same bits whether
// it is computed in a group of four or alone.
func dotQ4_0Q8_0x4Generic(out *[4]float32, w []byte, stride int, a []byte, nb int) {
	for r := range out {
		out[r] = dotQ4_0Q8_0Generic(w[r*stride:], a, nb)
	}
}

// dotQ8_0Q8_0Generic is the reference for Impl.DotQ8_0Q8_0, the same as
// dotQ4_0Q8_0Generic with isum = Σ_j q_w[j]·q_a[j] (|isum| ≤ 32·128·128 =
// 2¹⁹, exact).
func dotQ8_0Q8_0Generic(w, a []byte, nb int) float32 {
	var sum float32
	for b := range nb {
		wb := (*[blockBytesQ8_0]byte)(w[b*blockBytesQ8_0:])
		ab := (*[blockBytesQ8_0]byte)(a[b*blockBytesQ8_0:])
		var isum int32
		for j := range 32 {
			isum += int32(int8(wb[2+j])) * int32(int8(ab[2+j]))
		}
		d := scaleF16(wb[:]) * scaleF16(ab[:])
		sum += float32(d * float32(isum))
	}
	return sum
}

// dotQ8_0Q8_0x4Generic is the reference for Impl.DotQ8_0Q8_0x4.
func dotQ8_0Q8_0x4Generic(out *[4]float32, w []byte, stride int, a []byte, nb int) {
	for r := range out {
		out[r] = dotQ8_0Q8_0Generic(w[r*stride:], a, nb)
	}
}

// dotF16F32Generic is the reference for Impl.DotF16F32: a float32 sum in
// index order of the rounded products. When x holds f16-rounded values, as
// MatVec passes it, every product is exact and only the additions round.
func dotF16F32Generic(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var sum float32
	for i, h := range w {
		sum += float32(f16ToF32(h) * x[i])
	}
	return sum
}

// dotBF16F32Generic is dotF16F32Generic for bf16 weights. It has no assembly
// twin (BF16 weights are rare in the models Lookout runs), so it is not part
// of Impl.
func dotBF16F32Generic(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var sum float32
	for i, h := range w {
		sum += float32(quant.BF16ToF32(h) * x[i])
	}
	return sum
}

// dotF32Generic is the reference for Impl.DotF32: a float32 sum in index
// order of the rounded products.
func dotF32Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var sum float32
	for i, v := range a {
		sum += float32(v * b[i])
	}
	return sum
}

// x4x2M returns the Impl.DotQ4_0Q8_0x4xM (or DotQ8_0Q8_0x4xM) of an
// assembly set whose micro-kernel x4x2 takes activation rows in pairs: x4x2
// on the pairs of the m rows, and on an odd last row the four-row kernel x4,
// whose bits x4x2 reproduces.
func x4x2M(x4x2 func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int),
	x4 func(out *[4]float32, w []byte, stride int, a []byte, nb int)) func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int) {
	return func(out []float32, ldo int, w []byte, stride int, a []byte, m, nb int) {
		if m >= 2 {
			x4x2(out, ldo, w, stride, a, m/2, nb)
		}
		if m%2 == 1 {
			i := m - 1
			x4((*[4]float32)(out[i*ldo:]), w, stride, a[i*nb*blockBytesQ8_0:], nb)
		}
	}
}

// blockBytesQ4x4 is one block of a Q4_0_4_4 row group: four f16 scales and
// 64 quant bytes.
const blockBytesQ4x4 = 4 * blockBytesQ4_0

// dotQ4_0_4x4Q8_0Generic is the reference for Impl.DotQ4_0_4x4Q8_0: the four
// rows of the group each summed as dotQ4_0Q8_0Generic sums a Q4_0 row, read
// from the interleaved layout. Quant byte 8+16i+4r+j of a block is byte
// 4i+j of row r's Q4_0 quants XORed with 0x88, so its nibbles, XORed back,
// are q (values 4i+j and 4i+j+16).
func dotQ4_0_4x4Q8_0Generic(out *[4]float32, w []byte, a []byte, nb int) {
	var sum [4]float32
	for b := range nb {
		wb := (*[blockBytesQ4x4]byte)(w[b*blockBytesQ4x4:])
		ab := (*[blockBytesQ8_0]byte)(a[b*blockBytesQ8_0:])
		da := scaleF16(ab[:])
		for r := range 4 {
			var isum int32
			for i := range 4 {
				for j := range 4 {
					q := wb[8+16*i+4*r+j] ^ 0x88
					k := 4*i + j
					isum += (int32(q&0x0f)-8)*int32(int8(ab[2+k])) +
						(int32(q>>4)-8)*int32(int8(ab[2+16+k]))
				}
			}
			d := scaleF16(wb[2*r:]) * da
			sum[r] += float32(d * float32(isum))
		}
	}
	*out = sum
}

// q4x4xM returns the Impl.DotQ4_0_4x4Q8_0xM that calls x4 once per
// activation row: the reference of the micro-kernel.
func q4x4xM(x4 func(out *[4]float32, w []byte, a []byte, nb int)) func(out []float32, ldo int, w []byte, a []byte, m, nb int) {
	return func(out []float32, ldo int, w []byte, a []byte, m, nb int) {
		ab := nb * blockBytesQ8_0
		for i := range m {
			x4((*[4]float32)(out[i*ldo:]), w, a[i*ab:], nb)
		}
	}
}

// q4x4GroupM returns Impl.DotQ4_0_4x4Q8_0xM from an assembly micro-kernel
// that runs groups of rows activation rows against one Q4_0_4_4 row group
// and the MatVec kernel x4, which takes the last m%rows rows: both give x4's
// bits, so MatMul equals MatVec.
func q4x4GroupM(xm func(out []float32, ldo int, w []byte, a []byte, groups, nb int), rows int,
	x4 func(out *[4]float32, w []byte, a []byte, nb int)) func(out []float32, ldo int, w []byte, a []byte, m, nb int) {
	return func(out []float32, ldo int, w []byte, a []byte, m, nb int) {
		if m >= rows {
			xm(out, ldo, w, a, m/rows, nb)
		}
		ab := nb * blockBytesQ8_0
		for i := m - m%rows; i < m; i++ {
			x4((*[4]float32)(out[i*ldo:]), w, a[i*ab:], nb)
		}
	}
}

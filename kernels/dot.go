package kernels

import "fmt"

// The exported single-row kernels. Each checks its lengths once and panics
// with a message naming the mismatch (lengths come from shape arithmetic, so
// a mismatch is a programming error), then runs the active Impl.

// QuantizeQ8_0 quantizes the activations x (a multiple of 32 values) into
// len(x)/32 Q8_0 blocks in dst, exactly as llama.cpp's CPU backend does
// before a Q4_0 or Q8_0 matmul (quant.QuantizeQ8_0Act: d = amax/127 as f16,
// q = x·(127/amax) rounded half to even). Every Impl gives the same bytes.
func QuantizeQ8_0(dst []byte, x []float32) {
	if len(x)%blockLen != 0 {
		panic(fmt.Sprintf("kernels: QuantizeQ8_0: %d values is not a multiple of %d", len(x), blockLen))
	}
	if want := len(x) / blockLen * blockBytesQ8_0; len(dst) != want {
		panic(fmt.Sprintf("kernels: QuantizeQ8_0: %d values need %d bytes of Q8_0 blocks, dst has %d", len(x), want, len(dst)))
	}
	raceReadFloats(x)
	raceWriteBytes(dst)
	cur.QuantizeQ8_0(dst, x)
}

// DotQ4_0Q8_0 returns the dot product of a row of Q4_0 weight blocks w with a
// row of Q8_0 activation blocks a (from QuantizeQ8_0) of the same length:
// Σ_b d_w·d_a·Σ_j (q_w−8)·q_a. It panics unless len(w) is a whole number of
// 18-byte blocks and a holds as many 34-byte blocks.
func DotQ4_0Q8_0(w, a []byte) float32 {
	nb := checkBlocks("DotQ4_0Q8_0", "Q4_0", len(w), blockBytesQ4_0, len(a))
	raceReadBytes(w)
	raceReadBytes(a)
	return cur.DotQ4_0Q8_0(w, a, nb)
}

// DotQ8_0Q8_0 returns the dot product of a row of Q8_0 weight blocks w with a
// row of Q8_0 activation blocks a of the same length: Σ_b d_w·d_a·Σ_j q_w·q_a.
// It panics unless both hold the same whole number of 34-byte blocks.
func DotQ8_0Q8_0(w, a []byte) float32 {
	nb := checkBlocks("DotQ8_0Q8_0", "Q8_0", len(w), blockBytesQ8_0, len(a))
	raceReadBytes(w)
	raceReadBytes(a)
	return cur.DotQ8_0Q8_0(w, a, nb)
}

// checkBlocks returns the number of weight blocks in wBytes and panics
// unless it is whole and aBytes holds as many Q8_0 blocks.
func checkBlocks(op, wName string, wBytes, wBlockBytes, aBytes int) int {
	if wBytes%wBlockBytes != 0 {
		panic(fmt.Sprintf("kernels: %s: weights of %d bytes are not whole %s blocks of %d bytes", op, wBytes, wName, wBlockBytes))
	}
	nb := wBytes / wBlockBytes
	if want := nb * blockBytesQ8_0; aBytes != want {
		panic(fmt.Sprintf("kernels: %s: %d %s blocks need %d bytes of Q8_0 activations, got %d", op, nb, wName, want, aBytes))
	}
	return nb
}

// DotF16F32 returns Σ_i f16(w[i])·x[i], accumulated in float32 (w holds f16
// bit patterns). It panics unless len(w) == len(x).
func DotF16F32(w []uint16, x []float32) float32 {
	checkSameLen("DotF16F32", "w", len(w), "x", len(x))
	raceReadU16(w)
	raceReadFloats(x)
	return cur.DotF16F32(w, x)
}

// DotBF16F32 returns Σ_i bf16(w[i])·x[i], accumulated in float32 (w holds
// bf16 bit patterns). It always runs the Go reference. It panics unless
// len(w) == len(x).
func DotBF16F32(w []uint16, x []float32) float32 {
	checkSameLen("DotBF16F32", "w", len(w), "x", len(x))
	return dotBF16F32Generic(w, x)
}

// DotF32 returns Σ_i a[i]·b[i], accumulated in float32. It panics unless
// len(a) == len(b).
func DotF32(a, b []float32) float32 {
	checkSameLen("DotF32", "a", len(a), "b", len(b))
	raceReadFloats(a)
	raceReadFloats(b)
	return cur.DotF32(a, b)
}

// checkSameLen panics unless two slices that must match in length do.
func checkSameLen(op, aName string, a int, bName string, b int) {
	if a != b {
		panic(fmt.Sprintf("kernels: %s: len(%s) = %d but len(%s) = %d", op, aName, a, bName, b))
	}
}

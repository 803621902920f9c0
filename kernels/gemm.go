package kernels

import "fmt"

// GemmF32 sets out[i*ldo+j], for i < m and j < n, to DotF32 of the k
// values at a[i*lda:] and the k values at b[j*ldb:], bit for bit: out =
// A·Bᵀ for row-major A (m×k, row stride lda) and B (n×k, row stride ldb),
// the shape of attention's Q·Kᵀ, where the strides let a head's columns be
// read in place. It runs the Impl's register-blocked micro-kernel
// (DotF32x3xM) on tiles of activation rows that stay in L1, on the
// caller's goroutine. Nothing else in out is written. It panics if a
// dimension is negative, a stride is shorter than k (or ldo than n), or a
// slice is too short.
func GemmF32(out []float32, ldo int, a []float32, lda int, b []float32, ldb int, m, n, k int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: GemmF32: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	if lda < k || ldb < k || ldo < n {
		panic(fmt.Sprintf("kernels: GemmF32: strides lda=%d ldb=%d ldo=%d, want lda, ldb ≥ k = %d and ldo ≥ n = %d", lda, ldb, ldo, k, n))
	}
	if need := (m-1)*lda + k; len(a) < need {
		panic(fmt.Sprintf("kernels: GemmF32: a has %d values, want (m−1)·lda+k = %d", len(a), need))
	}
	if need := (n-1)*ldb + k; len(b) < need {
		panic(fmt.Sprintf("kernels: GemmF32: b has %d values, want (n−1)·ldb+k = %d", len(b), need))
	}
	if need := (m-1)*ldo + n; len(out) < need {
		panic(fmt.Sprintf("kernels: GemmF32: out has %d values, want (m−1)·ldo+n = %d", len(out), need))
	}
	for i := range m {
		raceReadFloats(a[i*lda : i*lda+k])
		raceWriteFloats(out[i*ldo : i*ldo+n])
	}
	for j := range n {
		raceReadFloats(b[j*ldb : j*ldb+k])
	}
	gemmF32(cur, out, ldo, a, lda, b, ldb, m, 0, n, k)
}

// fTileRows returns how many float activation rows of k values a
// micro-kernel call takes: as many as fit in fTileBytes of L1, at least 4.
func fTileRows(k int) int {
	return max(4, fTileBytes/max(4*k, 1))
}

// gemmF32 computes columns [j0, j1) of GemmF32's product (weight rows of
// MatMul) with im: groups of three with the micro-kernel, the rest with
// DotF32, which gives the same bits.
func gemmF32(im *Impl, out []float32, ldo int, a []float32, lda int, b []float32, ldb int, m, j0, j1, k int) {
	tile := fTileRows(k)
	full := j0 + (j1-j0)/3*3
	for i0 := 0; i0 < m; i0 += tile {
		i1 := min(i0+tile, m)
		for j := j0; j < full; j += 3 {
			im.DotF32x3xM(out[i0*ldo+j:], ldo, b[j*ldb:], ldb, a[i0*lda:], lda, i1-i0, k)
		}
		for j := full; j < j1; j++ {
			w := b[j*ldb : j*ldb+k]
			for i := i0; i < i1; i++ {
				out[i*ldo+j] = im.DotF32(w, a[i*lda:i*lda+k])
			}
		}
	}
}

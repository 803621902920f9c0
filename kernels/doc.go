// Package kernels holds Lookout's numeric primitives over raw slices: row
// quantization of activations, dot products, matvec and tiled matmul per
// weight format, RMSNorm, softmax, GELU-tanh, RoPE and f16<->f32 rows. Each
// has a pure-Go reference that is always compiled; the fast paths live in
// kernels/arm64 (NEON, with and without SDOT) and kernels/amd64 (AVX2), and
// this package picks one once at start-up from golang.org/x/sys/cpu
// (LOOKOUT_KERNELS=generic forces the references).
package kernels

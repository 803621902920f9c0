// Package amd64 holds the AVX2/FMA (and AVX-VNNI) assembly kernels for x86
// mini PCs and development machines, with the same shape as kernels/arm64.
package amd64

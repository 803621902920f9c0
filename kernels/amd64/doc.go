// Package amd64 holds the AVX2/FMA (and AVX-VNNI) assembly kernels for x86
// mini PCs and development machines, with the same shape as kernels/arm64.
//
// It exports raw kernels and nothing else: each has exactly the signature of
// the kernels.Impl field it fills (but for the MatMul micro-kernels
// Dot…x4x2AVX2 in gemm_avx2_amd64.s, Dot…x4x2AVX(512)VNNI in vnni_amd64.h
// and DotQ4_0_4x4Q8_0x2AVX2 in q4x4_avx2_amd64.s, which take activation rows
// in pairs and which package kernels completes with the four-row kernel for
// an odd last row). The F32 micro-kernel DotF32x3xMAVX2 is in
// gemm_f32_amd64.s, the vector e^x, GELU-tanh and softmax in mathf_amd64.s,
// the Q4_0_4_4 (interleaved Q4_0) kernels in q4x4_avx2_amd64.s. Each kernel
// trusts its arguments (package kernels checks lengths before calling),
// and must only be called on a CPU with the features its name says
// (package kernels decides, from golang.org/x/sys/cpu):
//
//	…AVX2        AVX2, FMA and F16C (every x86-64-v3 CPU: Haswell, Zen 1 on)
//	…AVXVNNI     the AVX2 set plus AVX-VNNI (VEX VPDPBUSD: Alder Lake, Zen 5)
//	…AVX512VNNI  the AVX2 set plus AVX512F/VL/BW and AVX512-VNNI (EVEX
//	             VPDPBUSD on 256-bit registers: Ice Lake server, Zen 4)
//
// The declarations exist only on amd64 without the purego tag; elsewhere the
// package is this comment alone, so it compiles everywhere.
package amd64

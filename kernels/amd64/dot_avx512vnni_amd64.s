//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// VNNI kernels for AVX512-VNNI CPUs (Ice Lake server, Zen 4 and later): the
// bodies in vnni_amd64.h with the EVEX-encoded VPDPBUSD on Y registers, which
// needs AVX512VL as well. Go's "VPDPBUSD S, U, D" is D += U(unsigned)·S(signed).
#define DPBUSD(S, SN, U, UN, D, DN) VPDPBUSD S, U, D

#include "vnni_amd64.h"

// The kernels of vnni_amd64.h (register maps there):
//
//	DotQ4_0Q8_0x4AVX512VNNI, DotQ8_0Q8_0x4AVX512VNNI
//		func(out *[4]float32, w []byte, stride int, a []byte, nb int)
//	DotQ4_0Q8_0AVX512VNNI, DotQ8_0Q8_0AVX512VNNI
//		func(w, a []byte, nb int) float32
//	DotQ4_0Q8_0x4x2AVX512VNNI, DotQ8_0Q8_0x4x2AVX512VNNI
//		func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
VNNI_KERNELS(·DotQ4_0Q8_0x4AVX512VNNI, ·DotQ4_0Q8_0AVX512VNNI, ·DotQ8_0Q8_0x4AVX512VNNI, ·DotQ8_0Q8_0AVX512VNNI, ·DotQ4_0Q8_0x4x2AVX512VNNI, ·DotQ8_0Q8_0x4x2AVX512VNNI, 0)

//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// VNNI kernels for AVX512-VNNI CPUs (Ice Lake server, Zen 4 and later): the
// bodies in vnni_amd64.h with the EVEX-encoded VPDPBUSD on Y registers, which
// needs AVX512VL as well. Go's "VPDPBUSD S, U, D" is D += U(unsigned)·S(signed).
#define DPBUSD(S, SN, U, UN, D, DN) VPDPBUSD S, U, D

#include "vnni_amd64.h"

// func DotQ4_0Q8_0x4AVX512VNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map: Q4X4_VNNI in vnni_amd64.h (DI out, SI w, DX stride, CX a,
// AX nb).
TEXT ·DotQ4_0Q8_0x4AVX512VNNI(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	Q4X4_VNNI
	RET

// func DotQ4_0Q8_0AVX512VNNI(w, a []byte, nb int) float32
//
// Register map: Q4X1_VNNI in vnni_amd64.h (SI w, CX a, AX nb; X0 result).
TEXT ·DotQ4_0Q8_0AVX512VNNI(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	Q4X1_VNNI
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

// func DotQ8_0Q8_0x4AVX512VNNI(out *[4]float32, w []byte, stride int, a []byte, nb int)
//
// Register map: Q8X4_VNNI in vnni_amd64.h (DI out, SI w, DX stride, CX a,
// AX nb).
TEXT ·DotQ8_0Q8_0x4AVX512VNNI(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ w_base+8(FP), SI
	MOVQ stride+32(FP), DX
	MOVQ a_base+40(FP), CX
	MOVQ nb+64(FP), AX
	Q8X4_VNNI
	RET

// func DotQ8_0Q8_0AVX512VNNI(w, a []byte, nb int) float32
//
// Register map: Q8X1_VNNI in vnni_amd64.h (SI w, CX a, AX nb; X0 result).
TEXT ·DotQ8_0Q8_0AVX512VNNI(SB), NOSPLIT, $0-60
	MOVQ w_base+0(FP), SI
	MOVQ a_base+24(FP), CX
	MOVQ nb+48(FP), AX
	Q8X1_VNNI
	VMOVSS X0, ret+56(FP)
	VZEROUPPER
	RET

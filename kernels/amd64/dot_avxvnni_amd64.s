//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// VNNI kernels for AVX-VNNI CPUs (Alder Lake and later, Zen 5): the bodies in
// vnni_amd64.h with the VEX-encoded VPDPBUSD, which the Go assembler does not
// emit (it only knows the EVEX form), written as bytes:
//
//	{vex} vpdpbusd ymmD, ymmU, ymmS =
//	    C4 | R̄ X̄ B̄ 00010 | 0 v̄v̄v̄v̄ 1 01 | 50 | 11 ddd sss
//
// R̄ and B̄ are the inverted bit 3 of D and S, v̄v̄v̄v̄ = 15−U (all four bits:
// the "0x45 | (15-U)<<3" of research/arm-infra.md holds for U ≤ 7 only),
// ddd/sss the low three bits of D and S. e.g. DPBUSD(Y4, 4, Y6, 6, Y7, 7) is
// c4 e2 4d 50 fc, as llvm-mc encodes "{vex} vpdpbusd %ymm4, %ymm6, %ymm7";
// TestVNNIEncoding checks every use against the Go-assembled EVEX twin with
// GNU objdump.
#define DPBUSD(S, SN, U, UN, D, DN) \
	BYTE $0xc4; BYTE $(0xe2 ^ (((DN)&8)<<4) ^ (((SN)&8)<<2)); BYTE $(0x05 | ((15-(UN))<<3)); BYTE $0x50; BYTE $(0xc0 | (((DN)&7)<<3) | ((SN)&7))

#include "vnni_amd64.h"

// The kernels of vnni_amd64.h (register maps there):
//
//	DotQ4_0Q8_0x4AVXVNNI, DotQ8_0Q8_0x4AVXVNNI
//		func(out *[4]float32, w []byte, stride int, a []byte, nb int)
//	DotQ4_0Q8_0AVXVNNI, DotQ8_0Q8_0AVXVNNI
//		func(w, a []byte, nb int) float32
//	DotQ4_0Q8_0x4x2AVXVNNI, DotQ8_0Q8_0x4x2AVXVNNI
//		func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
VNNI_KERNELS(·DotQ4_0Q8_0x4AVXVNNI, ·DotQ4_0Q8_0AVXVNNI, ·DotQ8_0Q8_0x4AVXVNNI, ·DotQ8_0Q8_0AVXVNNI, ·DotQ4_0Q8_0x4x2AVXVNNI, ·DotQ8_0Q8_0x4x2AVXVNNI, 0)

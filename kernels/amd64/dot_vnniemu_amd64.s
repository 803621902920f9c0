//go:build !purego

#include "textflag.h"
#include "avx_amd64.h"

// The VNNI kernel bodies of vnni_amd64.h with VPDPBUSD emulated by AVX2, so
// that the tests run every instruction of those bodies but VPDPBUSD itself on
// CPUs without VNNI. For tests only: the emulation is slow.
//
// Emulation of D += VPDPBUSD(U, S): save Y13-Y15 and spill S and U to the
// frame; widen the low 16 bytes (U zero-, S sign-extended) to int16 and
// VPMADDWD them into 8 int32 pair sums (bytes 2k, 2k+1), the same for the
// high 16 bytes; VPHADDD then gives the sums of bytes 4j..4j+3 in the dword
// order 0 1 4 5 | 2 3 6 7, which VPERMQ $0xD8 (qwords 0 2 1 3) restores. No
// step saturates (|u·s| ≤ 255·128). D must not be Y13-Y15.
#define DPBUSD(S, SN, U, UN, D, DN) \
	VMOVDQU Y13, 0(SP) \
	VMOVDQU Y14, 32(SP) \
	VMOVDQU Y15, 64(SP) \
	VMOVDQU S, 96(SP) \
	VMOVDQU U, 128(SP) \
	VPMOVZXBW 128(SP), Y13 \
	VPMOVSXBW 96(SP), Y14 \
	VPMADDWD Y14, Y13, Y13 \
	VPMOVZXBW 144(SP), Y14 \
	VPMOVSXBW 112(SP), Y15 \
	VPMADDWD Y15, Y14, Y14 \
	VPHADDD Y14, Y13, Y13 \
	VPERMQ $0xD8, Y13, Y13 \
	VPADDD Y13, D, D \
	VMOVDQU 0(SP), Y13 \
	VMOVDQU 32(SP), Y14 \
	VMOVDQU 64(SP), Y15

#include "vnni_amd64.h"

// The kernels of vnni_amd64.h (register maps there):
//
//	dotQ4_0Q8_0x4VNNIEmu, dotQ8_0Q8_0x4VNNIEmu
//		func(out *[4]float32, w []byte, stride int, a []byte, nb int)
//	dotQ4_0Q8_0VNNIEmu, dotQ8_0Q8_0VNNIEmu
//		func(w, a []byte, nb int) float32
//	dotQ4_0Q8_0x4x2VNNIEmu, dotQ8_0Q8_0x4x2VNNIEmu
//		func(out []float32, ldo int, w []byte, stride int, a []byte, pairs, nb int)
VNNI_KERNELS(·dotQ4_0Q8_0x4VNNIEmu, ·dotQ4_0Q8_0VNNIEmu, ·dotQ8_0Q8_0x4VNNIEmu, ·dotQ8_0Q8_0VNNIEmu, ·dotQ4_0Q8_0x4x2VNNIEmu, ·dotQ8_0Q8_0x4x2VNNIEmu, 160)

//go:build amd64 && !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"lookout/kernels/amd64"
)

// archImpls returns the assembly Impls this x86-64 CPU supports, best first.
//
//   - "avx-vnni": the AVX2 set with VEX VPDPBUSD block dots (Alder Lake and
//     later Intel cores, Zen 5).
//   - "avx512-vnni": the same code with the EVEX VPDPBUSD on 256-bit
//     registers (Ice Lake server, Sapphire Rapids, Zen 4, Zen 5). It runs at
//     the same speed as "avx-vnni", so it comes second and matters where
//     AVX-VNNI is missing.
//   - "avx2": AVX2 + FMA + F16C (x86-64-v3: Haswell, Zen 1 and later).
//
// Every set needs AVX2, FMA and F16C, because the F16·F32 dot, the quantizer
// and the scale conversions of the block dots use them; x/sys/cpu's AVX flags
// already include the OS's consent (XGETBV) to save the YMM (and, for
// AVX-512, the opmask and ZMM) state. The VNNI sets share the F16, F32 and
// quantizer kernels of the AVX2 set.
func archImpls() []Impl {
	x := &cpu.X86
	if !x.HasAVX2 || !x.HasFMA || !x.HasF16C {
		return nil
	}
	avx2 := Impl{
		Name:              "avx2",
		DotQ4_0Q8_0x4:     amd64.DotQ4_0Q8_0x4AVX2,
		DotQ4_0Q8_0:       amd64.DotQ4_0Q8_0AVX2,
		DotQ8_0Q8_0x4:     amd64.DotQ8_0Q8_0x4AVX2,
		DotQ8_0Q8_0:       amd64.DotQ8_0Q8_0AVX2,
		DotQ4_0Q8_0x4xM:   x4x2M(amd64.DotQ4_0Q8_0x4x2AVX2, amd64.DotQ4_0Q8_0x4AVX2),
		DotQ8_0Q8_0x4xM:   x4x2M(amd64.DotQ8_0Q8_0x4x2AVX2, amd64.DotQ8_0Q8_0x4AVX2),
		DotQ4_0_4x4Q8_0:   amd64.DotQ4_0_4x4Q8_0AVX2,
		DotQ4_0_4x4Q8_0xM: q4x4GroupM(amd64.DotQ4_0_4x4Q8_0x2AVX2, 2, amd64.DotQ4_0_4x4Q8_0AVX2),
		DotF16F32:         amd64.DotF16F32AVX2,
		DotF32:            amd64.DotF32AVX2,
		DotF32x3xM:        amd64.DotF32x3xMAVX2,
		ExpF32:            amd64.ExpF32AVX2,
		GELUTanhF32:       amd64.GELUTanhF32AVX2,
		SoftmaxScaledF32:  amd64.SoftmaxScaledF32AVX2,
		QuantizeQ8_0:      amd64.QuantizeQ8_0AVX2,
		MadF16:            amd64.MadF16AVX2,
		ScaleF16:          amd64.ScaleF16AVX2,
		WidenF16:          amd64.WidenF16AVX2,
	}
	// The VNNI sets keep the AVX2 Q4_0_4_4 kernels: every amd64 Q4_0 kernel
	// forms the same exact block sums and runs the same float instructions
	// on them (ggml's q4_0_8x8 order), so the AVX2 ones give the VNNI x4
	// kernels' bits, as the contract asks (TestDotQ4_0_4x4Q8_0VNNI in
	// kernels/amd64).
	var impls []Impl
	if x.HasAVXVNNI {
		im := avx2
		im.Name = "avx-vnni"
		im.DotQ4_0Q8_0x4 = amd64.DotQ4_0Q8_0x4AVXVNNI
		im.DotQ4_0Q8_0 = amd64.DotQ4_0Q8_0AVXVNNI
		im.DotQ8_0Q8_0x4 = amd64.DotQ8_0Q8_0x4AVXVNNI
		im.DotQ8_0Q8_0 = amd64.DotQ8_0Q8_0AVXVNNI
		im.DotQ4_0Q8_0x4xM = x4x2M(amd64.DotQ4_0Q8_0x4x2AVXVNNI, im.DotQ4_0Q8_0x4)
		im.DotQ8_0Q8_0x4xM = x4x2M(amd64.DotQ8_0Q8_0x4x2AVXVNNI, im.DotQ8_0Q8_0x4)
		impls = append(impls, im)
	}
	if x.HasAVX512F && x.HasAVX512VL && x.HasAVX512BW && x.HasAVX512VNNI {
		im := avx2
		im.Name = "avx512-vnni"
		im.DotQ4_0Q8_0x4 = amd64.DotQ4_0Q8_0x4AVX512VNNI
		im.DotQ4_0Q8_0 = amd64.DotQ4_0Q8_0AVX512VNNI
		im.DotQ8_0Q8_0x4 = amd64.DotQ8_0Q8_0x4AVX512VNNI
		im.DotQ8_0Q8_0 = amd64.DotQ8_0Q8_0AVX512VNNI
		im.DotQ4_0Q8_0x4xM = x4x2M(amd64.DotQ4_0Q8_0x4x2AVX512VNNI, im.DotQ4_0Q8_0x4)
		im.DotQ8_0Q8_0x4xM = x4x2M(amd64.DotQ8_0Q8_0x4x2AVX512VNNI, im.DotQ8_0Q8_0x4)
		impls = append(impls, im)
	}
	return append(impls, avx2)
}

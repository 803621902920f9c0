//go:build arm64 && !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"lookout/kernels/arm64"
	"lookout/quant"
)

// archImpls returns the assembly Impls this arm64 CPU supports, best first.
//
//   - "neon-dotprod": SDOT block dots (Pi 5 Cortex-A76, Jetson Orin
//     Cortex-A78AE). x/sys/cpu's comment calls HasASIMDDP "double precision";
//     it is HWCAP_ASIMDDP, the dot-product extension.
//   - "neon": plain ARMv8.0 NEON (SMULL/SMLAL + SADALP), every arm64 core
//     (Pi 4 Cortex-A72). It executes no SDOT, which would be SIGILL there.
//
// Both share the F16, F32, quantizer and vector math kernels, which need no
// extension.
func archImpls() []Impl {
	neon := Impl{
		Name:             "neon",
		DotQ4_0Q8_0x4:    arm64.DotQ4_0Q8_0x4NEON,
		DotQ4_0Q8_0:      arm64.DotQ4_0Q8_0NEON,
		DotQ8_0Q8_0x4:    arm64.DotQ8_0Q8_0x4NEON,
		DotQ8_0Q8_0:      arm64.DotQ8_0Q8_0NEON,
		DotQ4_0Q8_0x4xM:  x4x2M(arm64.DotQ4_0Q8_0x4x2NEON, arm64.DotQ4_0Q8_0x4NEON),
		DotQ8_0Q8_0x4xM:  x4x2M(arm64.DotQ8_0Q8_0x4x2NEON, arm64.DotQ8_0Q8_0x4NEON),
		DotF16F32:        arm64.DotF16F32NEON,
		DotF32:           arm64.DotF32NEON,
		DotF32x3xM:       arm64.DotF32x3xMNEON,
		ExpF32:           vec8(arm64.ExpF32NEON),
		GELUTanhF32:      vec8(arm64.GELUTanhF32NEON),
		SoftmaxScaledF32: softmax8(arm64.ScaleMaxF32NEON, arm64.ExpSumF32NEON),
		QuantizeQ8_0:     quantizeQ8_0NEON,
		MadF16:           arm64.MadF16NEON,
		ScaleF16:         arm64.ScaleF16NEON,
		WidenF16:         arm64.WidenF16NEON,
	}
	neon.DotQ4_0_4x4Q8_0 = arm64.DotQ4_0_4x4Q8_0NEON
	neon.DotQ4_0_4x4Q8_0xM = q4x4GroupM(arm64.DotQ4_0_4x4Q8_0x4x2NEON, 2, arm64.DotQ4_0_4x4Q8_0NEON)
	if !cpu.ARM64.HasASIMDDP {
		return []Impl{neon}
	}
	dotprod := neon
	dotprod.Name = "neon-dotprod"
	dotprod.DotQ4_0Q8_0x4 = arm64.DotQ4_0Q8_0x4DotProd
	dotprod.DotQ4_0Q8_0 = arm64.DotQ4_0Q8_0DotProd
	dotprod.DotQ8_0Q8_0x4 = arm64.DotQ8_0Q8_0x4DotProd
	dotprod.DotQ8_0Q8_0 = arm64.DotQ8_0Q8_0DotProd
	dotprod.DotQ4_0Q8_0x4xM = x4x2M(arm64.DotQ4_0Q8_0x4x2DotProd, arm64.DotQ4_0Q8_0x4DotProd)
	dotprod.DotQ8_0Q8_0x4xM = x4x2M(arm64.DotQ8_0Q8_0x4x2DotProd, arm64.DotQ8_0Q8_0x4DotProd)
	dotprod.DotQ4_0_4x4Q8_0 = arm64.DotQ4_0_4x4Q8_0DotProd
	dotprod.DotQ4_0_4x4Q8_0xM = q4x4GroupM(arm64.DotQ4_0_4x4Q8_0x4x4DotProd, 4, arm64.DotQ4_0_4x4Q8_0DotProd)
	return []Impl{dotprod, neon}
}

// quantizeQ8_0NEON is Impl.QuantizeQ8_0 on arm64: the assembly quantizes
// every block it can reproduce bit for bit and stops at a block holding a NaN
// or an infinity (or one so small that 127/amax overflows), where ARM's
// conversions differ from the x86 ones quant.QuantizeQ8_0Act reproduces; that
// block goes to the reference. It panics, as the reference does, when dst
// does not hold exactly len(x)/32 blocks.
func quantizeQ8_0NEON(dst []byte, x []float32) {
	const bs = blockBytesQ8_0
	if len(x)%blockLen != 0 || len(dst) != len(x)/blockLen*bs {
		quant.QuantizeQ8_0Act(dst, x) // panics with the reference's message
		return
	}
	nb := len(x) / blockLen
	for i := 0; i < nb; i++ {
		i += arm64.QuantizeQ8_0NEON(dst[i*bs:], x[i*blockLen:])
		if i < nb {
			quant.QuantizeQ8_0Act(dst[i*bs:(i+1)*bs], x[i*blockLen:(i+1)*blockLen])
		}
	}
}

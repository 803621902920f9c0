package kernels

import (
	"fmt"
	"os"
	"strings"
)

// envKernels names the environment variable that overrides the kernel choice:
// "generic" forces the pure-Go references, any other value names an Impl
// (see Impls) to use instead of the best one.
const envKernels = "LOOKOUT_KERNELS"

var (
	// cur is the Impl every exported function runs. It is set once by init
	// and changed afterwards only by tests (useImpl), between calls.
	cur *Impl
	// supported lists the complete Impls this CPU can run, best first,
	// Generic last.
	supported []Impl
	// activeDesc is what Active reports.
	activeDesc string
)

func init() {
	var im Impl
	im, supported, activeDesc = choose(archImpls(), os.Getenv(envKernels))
	cur = &im
}

// choose picks the Impl to run from the assembly sets the CPU supports
// (arch, best first) and the value of LOOKOUT_KERNELS (env, "" when unset).
// It returns the choice, every usable Impl (arch then Generic) and the text
// Active reports. It never fails: an incomplete assembly set is skipped and an
// unknown or unsupported name falls back to Generic, each with a warning in
// the description, because a kernel choice is no reason to stop a device.
func choose(arch []Impl, env string) (Impl, []Impl, string) {
	var all []Impl
	var warnings []string
	for _, im := range arch {
		if missing := im.missing(); missing != "" {
			warnings = append(warnings, fmt.Sprintf("warning: %s skipped, its %s is nil", im.Name, missing))
			continue
		}
		all = append(all, im)
	}
	all = append(all, Generic)

	chosen := all[0]
	var reason string
	switch env {
	case "":
		if chosen.Name == Generic.Name {
			reason = "no assembly kernels for this CPU or build"
		}
	default:
		found := false
		for _, im := range all {
			if im.Name == env {
				chosen, found = im, true
				break
			}
		}
		if found {
			reason = envKernels + "=" + env
		} else {
			chosen = Generic
			names := make([]string, len(all))
			for i, im := range all {
				names[i] = im.Name
			}
			warnings = append(warnings, fmt.Sprintf("warning: %s=%q is not supported on this CPU (choices: %s)",
				envKernels, env, strings.Join(names, ", ")))
		}
	}

	desc := chosen.Name
	notes := warnings
	if reason != "" {
		notes = append([]string{reason}, warnings...)
	}
	if len(notes) > 0 {
		desc += " (" + strings.Join(notes, "; ") + ")"
	}
	return chosen, all, desc
}

// missing returns the name of the first function field of im that is nil, or
// "" when im is complete.
func (im *Impl) missing() string {
	switch {
	case im.DotQ4_0Q8_0x4 == nil:
		return "DotQ4_0Q8_0x4"
	case im.DotQ4_0Q8_0 == nil:
		return "DotQ4_0Q8_0"
	case im.DotQ8_0Q8_0x4 == nil:
		return "DotQ8_0Q8_0x4"
	case im.DotQ8_0Q8_0 == nil:
		return "DotQ8_0Q8_0"
	case im.DotQ4_0Q8_0x4xM == nil:
		return "DotQ4_0Q8_0x4xM"
	case im.DotQ8_0Q8_0x4xM == nil:
		return "DotQ8_0Q8_0x4xM"
	case im.DotQ4_0_4x4Q8_0 == nil:
		return "DotQ4_0_4x4Q8_0"
	case im.DotQ4_0_4x4Q8_0xM == nil:
		return "DotQ4_0_4x4Q8_0xM"
	case im.DotF16F32 == nil:
		return "DotF16F32"
	case im.DotF32 == nil:
		return "DotF32"
	case im.DotF32x3xM == nil:
		return "DotF32x3xM"
	case im.ExpF32 == nil:
		return "ExpF32"
	case im.GELUTanhF32 == nil:
		return "GELUTanhF32"
	case im.SoftmaxScaledF32 == nil:
		return "SoftmaxScaledF32"
	case im.QuantizeQ8_0 == nil:
		return "QuantizeQ8_0"
	case im.MadF16 == nil:
		return "MadF16"
	case im.ScaleF16 == nil:
		return "ScaleF16"
	case im.WidenF16 == nil:
		return "WidenF16"
	}
	return ""
}

// Active names the kernels that run, for logs, `lookout bench` and the
// server's start-up line: the Impl name ("neon-dotprod", "avx2", "generic"),
// followed in parentheses by why it was chosen when that is not simply "the
// best this CPU supports", and by any warning (an unknown LOOKOUT_KERNELS
// value, an incomplete assembly set). Examples: "neon-dotprod",
// "generic (LOOKOUT_KERNELS=generic)".
func Active() string { return activeDesc }

// Impls returns every implementation this CPU supports, best first, Generic
// last. Tests and benchmarks run each of them; the slice is a copy.
func Impls() []Impl { return append([]Impl(nil), supported...) }

// useImpl makes the exported functions run im until the returned function
// restores the previous choice. It is for tests and benchmarks, and must not
// be called while kernels run on other goroutines.
func useImpl(im Impl) (restore func()) {
	prev := cur
	cur = &im
	return func() { cur = prev }
}

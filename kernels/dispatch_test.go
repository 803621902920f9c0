package kernels

import (
	"os"
	"strings"
	"testing"
)

// TestExpectedKernels fails when LOOKOUT_EXPECT_KERNELS names an Impl other
// than the one that runs, so that CI notices a fast path that was silently
// not selected (the Makefile expects "neon" under QEMU_CPU=cortex-a72 and
// "neon-dotprod" under cortex-a76).
func TestExpectedKernels(t *testing.T) {
	t.Logf("kernels: %s", Active())
	want := os.Getenv("LOOKOUT_EXPECT_KERNELS")
	if want == "" {
		t.Skip("LOOKOUT_EXPECT_KERNELS not set")
	}
	if cur.Name != want {
		t.Fatalf("kernels %q run (Active: %s), LOOKOUT_EXPECT_KERNELS=%s", cur.Name, Active(), want)
	}
}

// TestImplsComplete checks that every assembly set this CPU offers is
// complete (an incomplete one is skipped at start-up with only a warning),
// that names are unique and that Generic comes last.
func TestImplsComplete(t *testing.T) {
	for _, im := range archImpls() {
		if m := im.missing(); m != "" {
			t.Errorf("Impl %q has no %s", im.Name, m)
		}
	}
	all := Impls()
	seen := map[string]bool{}
	for _, im := range all {
		if seen[im.Name] || im.Name == "" {
			t.Errorf("Impl name %q empty or repeated", im.Name)
		}
		seen[im.Name] = true
	}
	if last := all[len(all)-1]; last.Name != Generic.Name {
		t.Errorf("Impls() ends with %q, want generic", last.Name)
	}
	if !strings.HasPrefix(Active(), cur.Name) {
		t.Errorf("Active() = %q does not start with the running Impl %q", Active(), cur.Name)
	}
}

func TestChoose(t *testing.T) {
	fake := func(name string) Impl { im := Generic; im.Name = name; return im }
	broken := fake("neon")
	broken.DotF32 = nil
	dotprod, neon := fake("neon-dotprod"), fake("neon")
	for _, c := range []struct {
		name   string
		arch   []Impl
		env    string
		chosen string
		desc   string   // exact Active text, when given
		says   []string // parts of the Active text
		all    int
	}{
		{name: "no assembly", env: "", chosen: "generic",
			desc: "generic (no assembly kernels for this CPU or build)", all: 1},
		{name: "best first", arch: []Impl{dotprod, neon}, chosen: "neon-dotprod", desc: "neon-dotprod", all: 3},
		{name: "forced generic", arch: []Impl{dotprod, neon}, env: "generic", chosen: "generic",
			desc: "generic (LOOKOUT_KERNELS=generic)", all: 3},
		{name: "forced other", arch: []Impl{dotprod, neon}, env: "neon", chosen: "neon",
			desc: "neon (LOOKOUT_KERNELS=neon)", all: 3},
		{name: "unknown name", arch: []Impl{neon}, env: "avx9", chosen: "generic",
			says: []string{"generic (warning", `LOOKOUT_KERNELS="avx9"`, "choices: neon, generic"}, all: 2},
		{name: "unsupported here", arch: []Impl{neon}, env: "neon-dotprod", chosen: "generic",
			says: []string{"neon-dotprod", "not supported"}, all: 2},
		{name: "incomplete set", arch: []Impl{dotprod, broken}, chosen: "neon-dotprod",
			says: []string{"neon-dotprod (warning: neon skipped, its DotF32 is nil)"}, all: 2},
		{name: "only set incomplete", arch: []Impl{broken}, chosen: "generic",
			says: []string{"no assembly kernels", "neon skipped"}, all: 1},
	} {
		chosen, all, desc := choose(c.arch, c.env)
		if chosen.Name != c.chosen || len(all) != c.all {
			t.Errorf("%s: chose %q of %d, want %q of %d", c.name, chosen.Name, len(all), c.chosen, c.all)
		}
		if c.desc != "" && desc != c.desc {
			t.Errorf("%s: Active text %q, want %q", c.name, desc, c.desc)
		}
		for _, s := range c.says {
			if !strings.Contains(desc, s) {
				t.Errorf("%s: Active text %q does not say %q", c.name, desc, s)
			}
		}
	}
}

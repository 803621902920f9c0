package asmgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// samples returns every encoder applied to a few register choices (including
// 0 and 31, so every field boundary is hit), in a fixed order.
func samples() []inst {
	var out []inst
	for _, r := range [][3]int{{0, 0, 0}, {31, 31, 31}, {1, 2, 3}, {17, 9, 30}, {24, 4, 20}} {
		d, n, m := r[0], r[1], r[2]
		out = append(out, sdot(d, n, m), smull(d, n, m), smull2(d, n, m), smlal(d, n, m), smlal2(d, n, m),
			sadalp(d, n), scvtf(d, n), scvtfFix(d, n, 4), scvtfFix(d, n, 1), scvtfFix(d, n, 32), fcvtl(d, n), fcvtl2(d, n),
			fmulElem(d, n, m, 0), fmulElem(d, n, m, 1), fmulElem(d, n, m, 2), fmulElem(d, n, m, 3), fmul(d, n, m), fadd(d, n, m), faddp(d, n, m),
			fabs(d, n), fmax(d, n, m), fmaxv(d, n), fcvtns(d, n), sqxtnH(d, n), sqxtn2H(d, n), sqxtnB(d, n), sqxtn2B(d, n))
	}
	// The encoders of the vector math (mathf.go), after the others so that
	// the golden list above only grew.
	for _, r := range [][3]int{{0, 0, 0}, {31, 31, 31}, {1, 2, 3}, {17, 9, 30}, {24, 4, 20}} {
		d, n, m := r[0], r[1], r[2]
		out = append(out, fmin(d, n, m), fsub(d, n, m), fdiv(d, n, m), fmls(d, n, m),
			sshrS(d, n, 1), sshrS(d, n, 23), sshrS(d, n, 32), dupS0(d, n))
	}
	// The encoders of the Q4_0_4_4 kernels (q4x4.go).
	for _, r := range [][3]int{{0, 0, 0}, {31, 31, 31}, {1, 2, 3}, {17, 9, 30}, {24, 4, 20}} {
		d, n, m := r[0], r[1], r[2]
		out = append(out, sdotElem(d, n, m, 0), sdotElem(d, n, m, 1), sdotElem(d, n, m, 2), sdotElem(d, n, m, 3),
			sshrB(d, n, 1), sshrB(d, n, 4), sshrB(d, n, 8), saddlpH(d, n))
	}
	return out
}

// gnuGolden is what `aarch64-linux-gnu-as -march=armv8.2-a+dotprod` (GNU
// binutils 2.40) assembles samples() to, as printed by objdump.
var gnuGolden = []struct {
	gnu string
	enc uint32
}{
	{"sdot v0.4s, v0.16b, v0.16b", 0x4e809400},
	{"smull v0.8h, v0.8b, v0.8b", 0x0e20c000},
	{"smull2 v0.8h, v0.16b, v0.16b", 0x4e20c000},
	{"smlal v0.8h, v0.8b, v0.8b", 0x0e208000},
	{"smlal2 v0.8h, v0.16b, v0.16b", 0x4e208000},
	{"sadalp v0.4s, v0.8h", 0x4e606800},
	{"scvtf v0.4s, v0.4s", 0x4e21d800},
	{"scvtf v0.4s, v0.4s, #4", 0x4f3ce400},
	{"scvtf v0.4s, v0.4s, #1", 0x4f3fe400},
	{"scvtf v0.4s, v0.4s, #32", 0x4f20e400},
	{"fcvtl v0.4s, v0.4h", 0x0e217800},
	{"fcvtl2 v0.4s, v0.8h", 0x4e217800},
	{"fmul v0.4s, v0.4s, v0.s[0]", 0x4f809000},
	{"fmul v0.4s, v0.4s, v0.s[1]", 0x4fa09000},
	{"fmul v0.4s, v0.4s, v0.s[2]", 0x4f809800},
	{"fmul v0.4s, v0.4s, v0.s[3]", 0x4fa09800},
	{"fmul v0.4s, v0.4s, v0.4s", 0x6e20dc00},
	{"fadd v0.4s, v0.4s, v0.4s", 0x4e20d400},
	{"faddp v0.4s, v0.4s, v0.4s", 0x6e20d400},
	{"fabs v0.4s, v0.4s", 0x4ea0f800},
	{"fmax v0.4s, v0.4s, v0.4s", 0x4e20f400},
	{"fmaxv s0, v0.4s", 0x6e30f800},
	{"fcvtns v0.4s, v0.4s", 0x4e21a800},
	{"sqxtn v0.4h, v0.4s", 0x0e614800},
	{"sqxtn2 v0.8h, v0.4s", 0x4e614800},
	{"sqxtn v0.8b, v0.8h", 0x0e214800},
	{"sqxtn2 v0.16b, v0.8h", 0x4e214800},
	{"sdot v31.4s, v31.16b, v31.16b", 0x4e9f97ff},
	{"smull v31.8h, v31.8b, v31.8b", 0x0e3fc3ff},
	{"smull2 v31.8h, v31.16b, v31.16b", 0x4e3fc3ff},
	{"smlal v31.8h, v31.8b, v31.8b", 0x0e3f83ff},
	{"smlal2 v31.8h, v31.16b, v31.16b", 0x4e3f83ff},
	{"sadalp v31.4s, v31.8h", 0x4e606bff},
	{"scvtf v31.4s, v31.4s", 0x4e21dbff},
	{"scvtf v31.4s, v31.4s, #4", 0x4f3ce7ff},
	{"scvtf v31.4s, v31.4s, #1", 0x4f3fe7ff},
	{"scvtf v31.4s, v31.4s, #32", 0x4f20e7ff},
	{"fcvtl v31.4s, v31.4h", 0x0e217bff},
	{"fcvtl2 v31.4s, v31.8h", 0x4e217bff},
	{"fmul v31.4s, v31.4s, v31.s[0]", 0x4f9f93ff},
	{"fmul v31.4s, v31.4s, v31.s[1]", 0x4fbf93ff},
	{"fmul v31.4s, v31.4s, v31.s[2]", 0x4f9f9bff},
	{"fmul v31.4s, v31.4s, v31.s[3]", 0x4fbf9bff},
	{"fmul v31.4s, v31.4s, v31.4s", 0x6e3fdfff},
	{"fadd v31.4s, v31.4s, v31.4s", 0x4e3fd7ff},
	{"faddp v31.4s, v31.4s, v31.4s", 0x6e3fd7ff},
	{"fabs v31.4s, v31.4s", 0x4ea0fbff},
	{"fmax v31.4s, v31.4s, v31.4s", 0x4e3ff7ff},
	{"fmaxv s31, v31.4s", 0x6e30fbff},
	{"fcvtns v31.4s, v31.4s", 0x4e21abff},
	{"sqxtn v31.4h, v31.4s", 0x0e614bff},
	{"sqxtn2 v31.8h, v31.4s", 0x4e614bff},
	{"sqxtn v31.8b, v31.8h", 0x0e214bff},
	{"sqxtn2 v31.16b, v31.8h", 0x4e214bff},
	{"sdot v1.4s, v2.16b, v3.16b", 0x4e839441},
	{"smull v1.8h, v2.8b, v3.8b", 0x0e23c041},
	{"smull2 v1.8h, v2.16b, v3.16b", 0x4e23c041},
	{"smlal v1.8h, v2.8b, v3.8b", 0x0e238041},
	{"smlal2 v1.8h, v2.16b, v3.16b", 0x4e238041},
	{"sadalp v1.4s, v2.8h", 0x4e606841},
	{"scvtf v1.4s, v2.4s", 0x4e21d841},
	{"scvtf v1.4s, v2.4s, #4", 0x4f3ce441},
	{"scvtf v1.4s, v2.4s, #1", 0x4f3fe441},
	{"scvtf v1.4s, v2.4s, #32", 0x4f20e441},
	{"fcvtl v1.4s, v2.4h", 0x0e217841},
	{"fcvtl2 v1.4s, v2.8h", 0x4e217841},
	{"fmul v1.4s, v2.4s, v3.s[0]", 0x4f839041},
	{"fmul v1.4s, v2.4s, v3.s[1]", 0x4fa39041},
	{"fmul v1.4s, v2.4s, v3.s[2]", 0x4f839841},
	{"fmul v1.4s, v2.4s, v3.s[3]", 0x4fa39841},
	{"fmul v1.4s, v2.4s, v3.4s", 0x6e23dc41},
	{"fadd v1.4s, v2.4s, v3.4s", 0x4e23d441},
	{"faddp v1.4s, v2.4s, v3.4s", 0x6e23d441},
	{"fabs v1.4s, v2.4s", 0x4ea0f841},
	{"fmax v1.4s, v2.4s, v3.4s", 0x4e23f441},
	{"fmaxv s1, v2.4s", 0x6e30f841},
	{"fcvtns v1.4s, v2.4s", 0x4e21a841},
	{"sqxtn v1.4h, v2.4s", 0x0e614841},
	{"sqxtn2 v1.8h, v2.4s", 0x4e614841},
	{"sqxtn v1.8b, v2.8h", 0x0e214841},
	{"sqxtn2 v1.16b, v2.8h", 0x4e214841},
	{"sdot v17.4s, v9.16b, v30.16b", 0x4e9e9531},
	{"smull v17.8h, v9.8b, v30.8b", 0x0e3ec131},
	{"smull2 v17.8h, v9.16b, v30.16b", 0x4e3ec131},
	{"smlal v17.8h, v9.8b, v30.8b", 0x0e3e8131},
	{"smlal2 v17.8h, v9.16b, v30.16b", 0x4e3e8131},
	{"sadalp v17.4s, v9.8h", 0x4e606931},
	{"scvtf v17.4s, v9.4s", 0x4e21d931},
	{"scvtf v17.4s, v9.4s, #4", 0x4f3ce531},
	{"scvtf v17.4s, v9.4s, #1", 0x4f3fe531},
	{"scvtf v17.4s, v9.4s, #32", 0x4f20e531},
	{"fcvtl v17.4s, v9.4h", 0x0e217931},
	{"fcvtl2 v17.4s, v9.8h", 0x4e217931},
	{"fmul v17.4s, v9.4s, v30.s[0]", 0x4f9e9131},
	{"fmul v17.4s, v9.4s, v30.s[1]", 0x4fbe9131},
	{"fmul v17.4s, v9.4s, v30.s[2]", 0x4f9e9931},
	{"fmul v17.4s, v9.4s, v30.s[3]", 0x4fbe9931},
	{"fmul v17.4s, v9.4s, v30.4s", 0x6e3edd31},
	{"fadd v17.4s, v9.4s, v30.4s", 0x4e3ed531},
	{"faddp v17.4s, v9.4s, v30.4s", 0x6e3ed531},
	{"fabs v17.4s, v9.4s", 0x4ea0f931},
	{"fmax v17.4s, v9.4s, v30.4s", 0x4e3ef531},
	{"fmaxv s17, v9.4s", 0x6e30f931},
	{"fcvtns v17.4s, v9.4s", 0x4e21a931},
	{"sqxtn v17.4h, v9.4s", 0x0e614931},
	{"sqxtn2 v17.8h, v9.4s", 0x4e614931},
	{"sqxtn v17.8b, v9.8h", 0x0e214931},
	{"sqxtn2 v17.16b, v9.8h", 0x4e214931},
	{"sdot v24.4s, v4.16b, v20.16b", 0x4e949498},
	{"smull v24.8h, v4.8b, v20.8b", 0x0e34c098},
	{"smull2 v24.8h, v4.16b, v20.16b", 0x4e34c098},
	{"smlal v24.8h, v4.8b, v20.8b", 0x0e348098},
	{"smlal2 v24.8h, v4.16b, v20.16b", 0x4e348098},
	{"sadalp v24.4s, v4.8h", 0x4e606898},
	{"scvtf v24.4s, v4.4s", 0x4e21d898},
	{"scvtf v24.4s, v4.4s, #4", 0x4f3ce498},
	{"scvtf v24.4s, v4.4s, #1", 0x4f3fe498},
	{"scvtf v24.4s, v4.4s, #32", 0x4f20e498},
	{"fcvtl v24.4s, v4.4h", 0x0e217898},
	{"fcvtl2 v24.4s, v4.8h", 0x4e217898},
	{"fmul v24.4s, v4.4s, v20.s[0]", 0x4f949098},
	{"fmul v24.4s, v4.4s, v20.s[1]", 0x4fb49098},
	{"fmul v24.4s, v4.4s, v20.s[2]", 0x4f949898},
	{"fmul v24.4s, v4.4s, v20.s[3]", 0x4fb49898},
	{"fmul v24.4s, v4.4s, v20.4s", 0x6e34dc98},
	{"fadd v24.4s, v4.4s, v20.4s", 0x4e34d498},
	{"faddp v24.4s, v4.4s, v20.4s", 0x6e34d498},
	{"fabs v24.4s, v4.4s", 0x4ea0f898},
	{"fmax v24.4s, v4.4s, v20.4s", 0x4e34f498},
	{"fmaxv s24, v4.4s", 0x6e30f898},
	{"fcvtns v24.4s, v4.4s", 0x4e21a898},
	{"sqxtn v24.4h, v4.4s", 0x0e614898},
	{"sqxtn2 v24.8h, v4.4s", 0x4e614898},
	{"sqxtn v24.8b, v4.8h", 0x0e214898},
	{"sqxtn2 v24.16b, v4.8h", 0x4e214898},
	{"fmin v0.4s, v0.4s, v0.4s", 0x4ea0f400},
	{"fsub v0.4s, v0.4s, v0.4s", 0x4ea0d400},
	{"fdiv v0.4s, v0.4s, v0.4s", 0x6e20fc00},
	{"fmls v0.4s, v0.4s, v0.4s", 0x4ea0cc00},
	{"sshr v0.4s, v0.4s, #1", 0x4f3f0400},
	{"sshr v0.4s, v0.4s, #23", 0x4f290400},
	{"sshr v0.4s, v0.4s, #32", 0x4f200400},
	{"dup v0.4s, v0.s[0]", 0x4e040400},
	{"fmin v31.4s, v31.4s, v31.4s", 0x4ebff7ff},
	{"fsub v31.4s, v31.4s, v31.4s", 0x4ebfd7ff},
	{"fdiv v31.4s, v31.4s, v31.4s", 0x6e3fffff},
	{"fmls v31.4s, v31.4s, v31.4s", 0x4ebfcfff},
	{"sshr v31.4s, v31.4s, #1", 0x4f3f07ff},
	{"sshr v31.4s, v31.4s, #23", 0x4f2907ff},
	{"sshr v31.4s, v31.4s, #32", 0x4f2007ff},
	{"dup v31.4s, v31.s[0]", 0x4e0407ff},
	{"fmin v1.4s, v2.4s, v3.4s", 0x4ea3f441},
	{"fsub v1.4s, v2.4s, v3.4s", 0x4ea3d441},
	{"fdiv v1.4s, v2.4s, v3.4s", 0x6e23fc41},
	{"fmls v1.4s, v2.4s, v3.4s", 0x4ea3cc41},
	{"sshr v1.4s, v2.4s, #1", 0x4f3f0441},
	{"sshr v1.4s, v2.4s, #23", 0x4f290441},
	{"sshr v1.4s, v2.4s, #32", 0x4f200441},
	{"dup v1.4s, v2.s[0]", 0x4e040441},
	{"fmin v17.4s, v9.4s, v30.4s", 0x4ebef531},
	{"fsub v17.4s, v9.4s, v30.4s", 0x4ebed531},
	{"fdiv v17.4s, v9.4s, v30.4s", 0x6e3efd31},
	{"fmls v17.4s, v9.4s, v30.4s", 0x4ebecd31},
	{"sshr v17.4s, v9.4s, #1", 0x4f3f0531},
	{"sshr v17.4s, v9.4s, #23", 0x4f290531},
	{"sshr v17.4s, v9.4s, #32", 0x4f200531},
	{"dup v17.4s, v9.s[0]", 0x4e040531},
	{"fmin v24.4s, v4.4s, v20.4s", 0x4eb4f498},
	{"fsub v24.4s, v4.4s, v20.4s", 0x4eb4d498},
	{"fdiv v24.4s, v4.4s, v20.4s", 0x6e34fc98},
	{"fmls v24.4s, v4.4s, v20.4s", 0x4eb4cc98},
	{"sshr v24.4s, v4.4s, #1", 0x4f3f0498},
	{"sshr v24.4s, v4.4s, #23", 0x4f290498},
	{"sshr v24.4s, v4.4s, #32", 0x4f200498},
	{"dup v24.4s, v4.s[0]", 0x4e040498},
	{"sdot v0.4s, v0.16b, v0.4b[0]", 0x4f80e000},
	{"sdot v0.4s, v0.16b, v0.4b[1]", 0x4fa0e000},
	{"sdot v0.4s, v0.16b, v0.4b[2]", 0x4f80e800},
	{"sdot v0.4s, v0.16b, v0.4b[3]", 0x4fa0e800},
	{"sshr v0.16b, v0.16b, #1", 0x4f0f0400},
	{"sshr v0.16b, v0.16b, #4", 0x4f0c0400},
	{"sshr v0.16b, v0.16b, #8", 0x4f080400},
	{"saddlp v0.4s, v0.8h", 0x4e602800},
	{"sdot v31.4s, v31.16b, v31.4b[0]", 0x4f9fe3ff},
	{"sdot v31.4s, v31.16b, v31.4b[1]", 0x4fbfe3ff},
	{"sdot v31.4s, v31.16b, v31.4b[2]", 0x4f9febff},
	{"sdot v31.4s, v31.16b, v31.4b[3]", 0x4fbfebff},
	{"sshr v31.16b, v31.16b, #1", 0x4f0f07ff},
	{"sshr v31.16b, v31.16b, #4", 0x4f0c07ff},
	{"sshr v31.16b, v31.16b, #8", 0x4f0807ff},
	{"saddlp v31.4s, v31.8h", 0x4e602bff},
	{"sdot v1.4s, v2.16b, v3.4b[0]", 0x4f83e041},
	{"sdot v1.4s, v2.16b, v3.4b[1]", 0x4fa3e041},
	{"sdot v1.4s, v2.16b, v3.4b[2]", 0x4f83e841},
	{"sdot v1.4s, v2.16b, v3.4b[3]", 0x4fa3e841},
	{"sshr v1.16b, v2.16b, #1", 0x4f0f0441},
	{"sshr v1.16b, v2.16b, #4", 0x4f0c0441},
	{"sshr v1.16b, v2.16b, #8", 0x4f080441},
	{"saddlp v1.4s, v2.8h", 0x4e602841},
	{"sdot v17.4s, v9.16b, v30.4b[0]", 0x4f9ee131},
	{"sdot v17.4s, v9.16b, v30.4b[1]", 0x4fbee131},
	{"sdot v17.4s, v9.16b, v30.4b[2]", 0x4f9ee931},
	{"sdot v17.4s, v9.16b, v30.4b[3]", 0x4fbee931},
	{"sshr v17.16b, v9.16b, #1", 0x4f0f0531},
	{"sshr v17.16b, v9.16b, #4", 0x4f0c0531},
	{"sshr v17.16b, v9.16b, #8", 0x4f080531},
	{"saddlp v17.4s, v9.8h", 0x4e602931},
	{"sdot v24.4s, v4.16b, v20.4b[0]", 0x4f94e098},
	{"sdot v24.4s, v4.16b, v20.4b[1]", 0x4fb4e098},
	{"sdot v24.4s, v4.16b, v20.4b[2]", 0x4f94e898},
	{"sdot v24.4s, v4.16b, v20.4b[3]", 0x4fb4e898},
	{"sshr v24.16b, v4.16b, #1", 0x4f0f0498},
	{"sshr v24.16b, v4.16b, #4", 0x4f0c0498},
	{"sshr v24.16b, v4.16b, #8", 0x4f080498},
	{"saddlp v24.4s, v4.8h", 0x4e602898},
}

// TestEncodersGolden checks every encoder against GNU as's encodings.
func TestEncodersGolden(t *testing.T) {
	s := samples()
	if len(s) != len(gnuGolden) {
		t.Fatalf("%d samples, %d golden encodings", len(s), len(gnuGolden))
	}
	for i, in := range s {
		if g := gnuGolden[i]; in.gnu != g.gnu || in.enc != g.enc {
			t.Errorf("sample %d: %q = %#08x, GNU as: %q = %#08x", i, in.gnu, in.enc, g.gnu, g.enc)
		}
	}
}

var wordLine = regexp.MustCompile(`^\tWORD \$0x([0-9a-f]{8}) +// (.*)$`)

// TestGeneratedWordsAssemble assembles the GNU comment of every WORD in the
// generated files with GNU as and checks it gives the same encoding. It skips
// when aarch64-linux-gnu-as is not installed (apt-get install
// binutils-aarch64-linux-gnu).
func TestGeneratedWordsAssemble(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Skip("aarch64-linux-gnu-as not installed")
	}
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		t.Skip("aarch64-linux-gnu-objdump not installed")
	}
	var words []uint32
	var src strings.Builder
	for _, f := range Generate() {
		sc := bufio.NewScanner(bytes.NewReader(f.Data))
		for sc.Scan() {
			m := wordLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			w, _ := strconv.ParseUint(m[1], 16, 32)
			words = append(words, uint32(w))
			fmt.Fprintln(&src, m[2])
		}
	}
	dir := t.TempDir()
	s, o := filepath.Join(dir, "w.S"), filepath.Join(dir, "w.o")
	if err := os.WriteFile(s, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-march=armv8.2-a+dotprod", s, "-o", o).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", o).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []uint32
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		w, err := strconv.ParseUint(strings.TrimSpace(f[1]), 16, 32)
		if err != nil {
			continue
		}
		got = append(got, uint32(w))
	}
	lines := strings.Split(strings.TrimSpace(src.String()), "\n")
	if len(got) != len(words) {
		t.Fatalf("GNU as gave %d instructions for %d WORDs", len(got), len(words))
	}
	for i := range words {
		if got[i] != words[i] {
			t.Errorf("%q: WORD %#08x, GNU as %#08x", lines[i], words[i], got[i])
		}
	}
	t.Logf("%d WORD encodings match GNU as", len(words))
}

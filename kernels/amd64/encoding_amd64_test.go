//go:build !purego

package amd64

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestVNNIEncoding checks the hand-written VEX bytes of VPDPBUSD, which no
// test can execute on a CPU without AVX-VNNI: the AVX-VNNI and AVX512-VNNI
// kernels are the same bodies (vnni_amd64.h), the second assembled by Go from
// the mnemonic, so GNU objdump must show the same operands, in the same order,
// for each "{vex} vpdpbusd" of an AVX-VNNI kernel as for the EVEX vpdpbusd of
// its AVX512-VNNI twin. It disassembles the kernels in this test binary (found
// through the runtime's function table, since go test strips the symbol
// table) and skips when objdump is not installed.
func TestVNNIEncoding(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("objdump (GNU binutils) not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	type pair struct {
		name      string
		vex, evex any
	}
	for _, p := range []pair{
		{"DotQ4_0Q8_0x4", DotQ4_0Q8_0x4AVXVNNI, DotQ4_0Q8_0x4AVX512VNNI},
		{"DotQ4_0Q8_0", DotQ4_0Q8_0AVXVNNI, DotQ4_0Q8_0AVX512VNNI},
		{"DotQ8_0Q8_0x4", DotQ8_0Q8_0x4AVXVNNI, DotQ8_0Q8_0x4AVX512VNNI},
		{"DotQ8_0Q8_0", DotQ8_0Q8_0AVXVNNI, DotQ8_0Q8_0AVX512VNNI},
		{"DotQ4_0Q8_0x4x2", DotQ4_0Q8_0x4x2AVXVNNI, DotQ4_0Q8_0x4x2AVX512VNNI},
		{"DotQ8_0Q8_0x4x2", DotQ8_0Q8_0x4x2AVXVNNI, DotQ8_0Q8_0x4x2AVX512VNNI},
	} {
		vex, err := vpdpbusdOperands(objdump, exe, p.vex)
		if err != nil {
			t.Skip(err)
		}
		evex, err := vpdpbusdOperands(objdump, exe, p.evex)
		if err != nil {
			t.Skip(err)
		}
		if len(vex) == 0 || len(vex) != len(evex) {
			t.Errorf("%s: %d VEX and %d EVEX vpdpbusd", p.name, len(vex), len(evex))
			continue
		}
		for i := range vex {
			if vex[i] != "{vex} "+evex[i] || strings.Contains(evex[i], "{") {
				t.Errorf("%s: vpdpbusd #%d: AVX-VNNI %q, AVX512-VNNI %q", p.name, i, vex[i], evex[i])
			}
		}
		t.Logf("%s: %d vpdpbusd agree, e.g. %q", p.name, len(vex), vex[0])
	}
}

// vpdpbusdOperands disassembles the assembly body of the kernel fn with
// objdump and returns what follows "vpdpbusd" on each line that has it, with
// a "{vex} " prefix where objdump prints one.
func vpdpbusdOperands(objdump, exe string, fn any) ([]string, error) {
	start, end, err := asmBody(fn)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(objdump, "-d", "--no-show-raw-insn",
		fmt.Sprintf("--start-address=%#x", start), fmt.Sprintf("--stop-address=%#x", end), exe).Output()
	if err != nil {
		return nil, fmt.Errorf("objdump: %v", err)
	}
	var ops []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if i := strings.Index(line, "vpdpbusd "); i >= 0 {
			op := strings.TrimSpace(line[i+len("vpdpbusd "):])
			if strings.Contains(line[:i], "{vex}") {
				op = "{vex} " + op
			}
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// asmBody returns the code range of the ABI0 assembly function behind the Go
// func value fn: the value points at the compiler's ABIInternal wrapper, whose
// CALL rel32 to a function of the same name is the body.
func asmBody(fn any) (start, end uintptr, err error) {
	pc := reflect.ValueOf(fn).Pointer()
	wrapper := runtime.FuncForPC(pc)
	if wrapper == nil {
		return 0, 0, fmt.Errorf("no function at %#x", pc)
	}
	name := wrapper.Name()
	for a := wrapper.Entry(); runtime.FuncForPC(a) == wrapper; a++ {
		if *bytesAt(a) != 0xe8 {
			continue
		}
		rel := int32(binary.LittleEndian.Uint32(unsafe.Slice(bytesAt(a+1), 4)))
		target := uintptr(int64(a) + 5 + int64(rel))
		body := runtime.FuncForPC(target)
		if body == nil || body == wrapper || body.Name() != name || body.Entry() != target {
			continue
		}
		end = target
		for runtime.FuncForPC(end) == body {
			end++
		}
		return target, end, nil
	}
	return 0, 0, fmt.Errorf("%s: no call to the assembly body found in its wrapper", name)
}

// bytesAt returns a pointer to the code byte at address a.
func bytesAt(a uintptr) *byte {
	return *(**byte)(unsafe.Pointer(&a))
}

package arm64

import (
	"bytes"
	"os"
	"testing"

	"lookout/kernels/arm64/internal/asmgen"
)

// TestGeneratedFilesUpToDate regenerates the assembly in memory and compares
// it with the committed files, so that an edit to the generator (or by hand to
// a generated file) cannot go unnoticed.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, f := range asmgen.Generate() {
		got, err := os.ReadFile(f.Name)
		if err != nil {
			t.Errorf("%v (run go generate ./kernels/arm64/)", err)
			continue
		}
		if bytes.Equal(got, f.Data) {
			continue
		}
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(f.Data, []byte("\n"))
		line := 0
		for line < len(gl) && line < len(wl) && bytes.Equal(gl[line], wl[line]) {
			line++
		}
		t.Errorf("%s is stale from line %d (run go generate ./kernels/arm64/)", f.Name, line+1)
	}
}

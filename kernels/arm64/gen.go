//go:build ignore

// Gen writes the generated assembly files of package arm64 from
// internal/asmgen. Run it with `go generate ./kernels/arm64/` (see doc.go).
package main

import (
	"log"
	"os"

	"lookout/kernels/arm64/internal/asmgen"
)

func main() {
	// go generate runs this in the package directory; refuse to scatter
	// files anywhere else.
	if _, err := os.Stat("kernels_arm64.go"); err != nil {
		log.Fatal("gen: run in kernels/arm64 (go generate ./kernels/arm64/): ", err)
	}
	for _, f := range asmgen.Generate() {
		if err := os.WriteFile(f.Name, f.Data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"lookout/quant"
	"lookout/quant/convert"
	"lookout/quant/gguf"
	"lookout/runtime/model"
)

// runQuantize is `lookout quantize IN.gguf OUT.gguf --type T [--embeddings
// T2] [--allow-requantize]`: the weight matrices of a GGUF in another type,
// everything else copied. Its main use is repacking a Q4_0 model (ollama's
// and llama.cpp's usual file) into q4_0_4x4 for the ARM kernels, which only
// moves bytes.
func runQuantize(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("quantize", flag.ContinueOnError)
	typName := fset.String("type", "", "new type of the weight matrices: "+matrixTypeNames+" (required)")
	embName := fset.String("embeddings", "", "type of the token embedding (Gemma 3's tied LM head); default --type")
	allow := fset.Bool("allow-requantize", false, "allow converting already-quantized matrices to another lossy type")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), `usage: lookout quantize IN.gguf OUT.gguf --type T [--embeddings T2] [--allow-requantize]

Writes IN with its weight matrices (2-D *.weight tensors not stored as f32)
in type T; metadata and every other tensor are copied. q4_0 <-> q4_0_4x4 only
moves bytes: q4_0_4x4 interleaves rows in fours for the Pi 5 / Orin SDOT
kernels and computes exactly the same results. IN may be ollama:NAME[:TAG].`)
		fset.PrintDefaults()
	}
	pos, err := parseFlags(fset, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("%w: want IN.gguf and OUT.gguf, got %d arguments", errUsage, len(pos))
	}
	if *typName == "" {
		return fmt.Errorf("%w: --type is required (%s)", errUsage, matrixTypeNames)
	}
	o := convert.RequantizeOptions{AllowRequantize: *allow}
	if o.Type, err = parseMatrixType("--type", *typName); err != nil {
		return err
	}
	if *embName != "" {
		et, err := parseMatrixType("--embeddings", *embName)
		if err != nil {
			return err
		}
		o.EmbeddingType = &et
	}
	inPath, err := model.Resolve(pos[0])
	if err != nil {
		return err
	}
	out := pos[1]
	if same, err := sameFile(inPath, out); err != nil {
		return err
	} else if same {
		return fmt.Errorf("%w: OUT %s is the input file; write to another path", errUsage, out)
	}
	start := time.Now()
	in, err := gguf.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	w, notes, err := convert.Requantize(in, o)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "lookout quantize: note: %s\n", n)
	}
	if err := w.WriteFile(out); err != nil {
		return err
	}
	f, err := gguf.Open(out)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", out, err)
	}
	defer f.Close()
	// Read back: the summary is of what the file holds, and a file that
	// does not parse is caught here rather than on the board.
	var types []quant.Type
	for _, t := range f.Tensors {
		types = append(types, t.Type)
	}
	fmt.Fprintf(stderr, "lookout: wrote %s: %s, %.1f MiB in %v\n", out, countTypes(types),
		float64(f.Size)/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

// sameFile reports whether out names the file at in (overwriting the model
// being read would corrupt it: its tensors are read while OUT is written).
func sameFile(in, out string) (bool, error) {
	a, err := os.Stat(in)
	if err != nil {
		return false, err
	}
	b, err := os.Stat(out)
	if os.IsNotExist(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

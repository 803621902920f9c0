package model

import (
	"fmt"

	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
)

// Load opens the GGUF file at path and builds a Gemma 3 text model from it
// with opts. A file of another architecture is refused with an error naming
// the file and the general.architecture key. The model owns the mapping;
// call its Close when done.
func Load(path string, opts gemma3.Options) (*gemma3.Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	arch, err := f.String("general.architecture")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("model: %w", err)
	}
	if arch != gemma3.Arch {
		f.Close()
		return nil, fmt.Errorf("model: %s: key \"general.architecture\" is %q; only %q text models are supported", path, arch, gemma3.Arch)
	}
	m, err := gemma3.New(f, opts)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("model: %w", err)
	}
	return m, nil
}

package model

import (
	"fmt"
	"os"

	"lookout/quant/gguf"
	"lookout/runtime/gemma3"
)

// Load opens the GGUF file at path and builds a Gemma 3 text model from it
// with opts. path may also be "ollama:NAME[:TAG]" (see Resolve). A folder is
// refused with a hint (Gemma 3 Hugging Face folders are converted by
// llama.cpp's convert_hf_to_gguf.py; Lookout's convert handles SigLIP), and a
// file of another architecture with an error naming the file and the
// general.architecture key. The model owns the mapping; call its Close when
// done.
func Load(path string, opts gemma3.Options) (*gemma3.Model, error) {
	path, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("model: %s is a folder: Gemma 3 needs a GGUF file (convert a Hugging Face folder with llama.cpp's convert_hf_to_gguf.py, or pass ollama:NAME)", path)
	}
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

package convert

import (
	"errors"
	"fmt"
	"log"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"lookout/quant"
	"lookout/quant/gguf"
	"lookout/quant/safetensors"
)

// Conversion is a SigLIP checkpoint ready to be written: Writer streams the
// tensors from the checkpoint's mapping when its WriteTo/WriteFile runs, so
// Close must come after writing.
type Conversion struct {
	Writer   *gguf.Writer
	Config   Config
	Warnings []string // things the caller should show the user

	src *safetensors.Dir
	h   *source
}

// Close releases the mapped checkpoint. The Writer must not be written
// afterwards.
func (c *Conversion) Close() error {
	if c.src == nil {
		return nil
	}
	err := c.src.Close()
	c.src = nil
	return err
}

// Convert prepares the conversion of the Hugging Face SigLIP folder dir
// (config.json, preprocessor_config.json, *.safetensors or a sharded index).
// Every tensor of the layout must be present with the shape the config
// implies, in F32, F16 or BF16; all problems are reported in one error. Extra
// tensors are refused (they would mean a different architecture), except the
// non-persistent "*position_ids" buffers some exports include, which are
// ignored. The tokenizer is not part of this package (see
// runtime/tokenizer's AddToGGUF).
func Convert(dir string, o Options) (*Conversion, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	cfg, warnings, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	st, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	specs := SigLIPTensors(cfg)
	scalars, err := check(st, cfg, specs)
	if err != nil {
		st.Close()
		return nil, err
	}
	if o.Name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			abs = dir
		}
		o.Name = filepath.Base(abs)
	}
	m := model{name: o.Name, cfg: cfg, logitScale: scalars[0], logitBias: scalars[1]}
	// Every filler reaches the checkpoint through h, so h stays reachable
	// exactly as long as the writer can still write (see SigLIP).
	h := &source{st}
	m.fill = func(s TensorSpec) rowFiller {
		t, _ := st.Tensor(s.HF) // check made sure it is there
		f := quant.Formats[t.Type]
		es := f.BlockBytes // F32/F16/BF16: one value per block
		return func(dst []float32, r0, r1 int64) error {
			b, err := h.dir.Data(t)
			if err != nil {
				return err
			}
			cols := s.Cols()
			src := b[r0*cols*es : r1*cols*es]
			f.Dequantize(dst, src)
			// Streamed once: keep the resident set to the chunks in flight.
			dropPages(src)
			return nil
		}
	}
	w, err := build(m, o)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Conversion{Writer: w, Config: cfg, Warnings: warnings, src: st, h: h}, nil
}

// source is the checkpoint as the tensor fillers hold it.
type source struct{ dir *safetensors.Dir }

// SigLIP is Convert with default options for matrix type t, for callers that
// only want a writer: warnings go to the standard logger, and the mapped
// checkpoint is released when the writer is garbage collected (use Convert
// to release it at a time of your choosing).
func SigLIP(dir string, t quant.Type) (*gguf.Writer, error) {
	c, err := Convert(dir, Options{Type: t})
	if err != nil {
		return nil, err
	}
	for _, w := range c.Warnings {
		log.Printf("convert: warning: %s", w)
	}
	// The cleanup hangs on the fillers' handle, not on the Writer: WriteTo
	// stops using its receiver once it has the tensor list, and the mapping
	// must outlive the last tensor written.
	runtime.AddCleanup(c.h, func(d *safetensors.Dir) { d.Close() }, c.src)
	return c.Writer, nil
}

// check compares the checkpoint's tensors with the layout and returns the
// logit scale and bias. The error lists every problem.
func check(st *safetensors.Dir, cfg Config, specs []TensorSpec) ([2]float32, error) {
	var problems []string
	var scalars [2]float32
	want := map[string]bool{}
	dtypeOK := func(t safetensors.Tensor) bool {
		switch t.Type {
		case quant.F32, quant.F16, quant.BF16:
			return true
		}
		problems = append(problems, fmt.Sprintf("tensor %q: dtype %s is not supported (F32, F16 or BF16)", t.Name, t.DType))
		return false
	}
	for _, s := range specs {
		want[s.HF] = true
		t, ok := st.Tensor(s.HF)
		if !ok {
			problems = append(problems, fmt.Sprintf("tensor %q (%s) is missing", s.HF, s.GGUF))
			continue
		}
		if !slices.Equal(t.Shape, s.HFShape) {
			problems = append(problems, fmt.Sprintf("tensor %q: shape %v, want %v from config.json", s.HF, t.Shape, s.HFShape))
			continue
		}
		dtypeOK(t)
	}
	for i, name := range ScalarNames {
		want[name] = true
		t, ok := st.Tensor(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("tensor %q is missing", name))
			continue
		}
		if t.Elements() != 1 {
			problems = append(problems, fmt.Sprintf("tensor %q: shape %v, want [1]", name, t.Shape))
			continue
		}
		if !dtypeOK(t) {
			continue
		}
		b, err := st.Data(t)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v := make([]float32, 1)
		quant.Formats[t.Type].Dequantize(v, b)
		if math.IsNaN(float64(v[0])) || math.IsInf(float64(v[0]), 0) {
			problems = append(problems, fmt.Sprintf("tensor %q: value %g is not finite", name, v[0]))
		}
		scalars[i] = v[0]
	}
	for _, t := range st.Tensors() {
		if !want[t.Name] && !strings.HasSuffix(t.Name, "position_ids") {
			problems = append(problems, fmt.Sprintf("tensor %q is not part of a SigLIP checkpoint", t.Name))
		}
	}
	if len(problems) == 0 {
		return scalars, nil
	}
	where := st.Path
	if len(st.Files) == 1 {
		where = st.Files[0].Path
	}
	const maxShown = 20
	shown := problems
	if len(shown) > maxShown {
		shown = append(shown[:maxShown:maxShown], fmt.Sprintf("… and %d more", len(problems)-maxShown))
	}
	return scalars, errors.New("convert: " + where + ": " + plural(len(problems), "problem") +
		" (config.json: vision " + towerSummary(cfg.Vision) + ", text " + towerSummary(cfg.Text) + "):\n  " +
		strings.Join(shown, "\n  "))
}

func towerSummary(t Tower) string {
	return fmt.Sprintf("hidden %d, %d layers", t.Hidden, t.Layers)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

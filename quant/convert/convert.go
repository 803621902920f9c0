// Package convert turns Hugging Face checkpoints into GGUF files. Today it
// knows SigLIP (FixRes SigLIP and SigLIP 2, model_type "siglip"): both towers
// go into one file whose key and tensor names follow llama.cpp's clip.*
// naming for the vision tower and the old CLIP-style clip.text.* for the text
// tower (see SigLIPTensors for the table).
//
// Tensors are streamed from the memory-mapped safetensors into the output row
// by row while the file is written, so a 1.5 GB checkpoint is never held in
// memory a second time; matrices are quantized with quant's reference
// quantizers, which match llama-quantize byte for byte. RandomSigLIP writes a
// model of the same layout with random weights, through the same code.
package convert

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"lookout/quant"
	"lookout/quant/gguf"
)

// Arch is general.architecture of a SigLIP GGUF.
const Arch = "siglip"

// Options are the choices of a conversion.
type Options struct {
	// Type is the type of the matrices: F32, F16, BF16, Q8_0 or Q4_0.
	Type quant.Type
	// EmbeddingType, when not nil, overrides the type of the token
	// embedding (by default Type, except Q8_0 for Q4_0).
	EmbeddingType *quant.Type
	// Name is general.name; by default the folder's base name (or the
	// preset's name for RandomSigLIP).
	Name string
}

// fileTypes maps a matrix type to llama.cpp's general.file_type (llama_ftype).
var fileTypes = map[quant.Type]uint32{quant.F32: 0, quant.F16: 1, quant.Q4_0: 2, quant.Q8_0: 7, quant.BF16: 32, quant.Q4_0_4_4: 33}

func (o Options) check() error {
	if _, ok := fileTypes[o.Type]; !ok {
		return fmt.Errorf("convert: type %s not supported (f32, f16, bf16, q8_0, q4_0, q4_0_4x4)", o.Type)
	}
	if o.EmbeddingType != nil {
		if _, ok := fileTypes[*o.EmbeddingType]; !ok {
			return fmt.Errorf("convert: embedding type %s not supported (f32, f16, bf16, q8_0, q4_0, q4_0_4x4)", *o.EmbeddingType)
		}
	}
	return nil
}

// TypeFor returns the GGUF type of tensor s when the matrices are requested
// as o.Type. The policy:
//   - norms, biases, position embeddings and the probe stay F32 (small, and
//     precision there is cheap);
//   - matrices take the requested type when their row length (input width)
//     is a multiple of 32; otherwise F16 (F32 when F32 was asked for, BF16
//     when BF16 was), since Q8_0/Q4_0 blocks need whole 32-value rows;
//   - the token embedding takes the requested type, except Q8_0 for Q4_0
//     and Q4_0_4_4: only looked-up rows are read, so its size costs little
//     speed, while its precision feeds every text embedding;
//   - Q4_0_4_4 (rows interleaved in fours for the ARM kernels) falls back
//     to Q4_0 for a matrix whose row count is not a multiple of 4.
func TypeFor(s TensorSpec, o Options) quant.Type {
	switch s.Kind {
	case Matrix, TokenEmbd:
		t := o.Type
		if s.Kind == TokenEmbd {
			if o.EmbeddingType != nil {
				t = *o.EmbeddingType
			} else if t == quant.Q4_0 || t == quant.Q4_0_4_4 {
				t = quant.Q8_0
			}
		}
		if bl := quant.Formats[t].BlockLen; bl > 1 && s.Cols()%bl != 0 {
			return quant.F16
		}
		if t == quant.Q4_0_4_4 && s.Rows()%4 != 0 {
			return quant.Q4_0
		}
		return t
	}
	return quant.F32
}

// model is what the shared writing code needs to know about a source of
// weights: the config, the scalars that become keys, and for every tensor a
// function filling rows [r0, r1) of it (as a Rows × Cols matrix) into dst.
type model struct {
	name       string
	cfg        Config
	logitScale float32
	logitBias  float32
	fill       func(s TensorSpec) rowFiller
}

// rowFiller writes rows [r0, r1) of a tensor into dst ((r1-r0)·Cols values).
// It is called from several goroutines at once, for disjoint rows.
type rowFiller func(dst []float32, r0, r1 int64) error

// build writes the keys and adds every tensor of the layout to a new writer.
func build(m model, o Options) (*gguf.Writer, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	c := m.cfg
	w := gguf.NewWriter()
	var errs []error
	set := func(k string, v any) {
		if err := w.Set(k, v); err != nil {
			errs = append(errs, err)
		}
	}
	u := func(n int) uint32 { return uint32(n) }
	set("general.architecture", Arch)
	set("general.name", m.name)
	set("general.file_type", fileTypes[o.Type])
	set("general.quantization_version", uint32(2))
	set("clip.has_vision_encoder", true)
	set("clip.has_text_encoder", true)
	v, t, p := c.Vision, c.Text, c.Preprocess
	set("clip.vision.image_size", u(v.ImageSize))
	set("clip.vision.patch_size", u(v.PatchSize))
	set("clip.vision.embedding_length", u(v.Hidden))
	set("clip.vision.feed_forward_length", u(v.Intermediate))
	set("clip.vision.block_count", u(v.Layers))
	set("clip.vision.attention.head_count", u(v.Heads))
	set("clip.vision.attention.layer_norm_epsilon", float32(v.Eps))
	set("clip.vision.num_channels", u(v.Channels))
	set("clip.vision.image_mean", p.Mean[:])
	set("clip.vision.image_std", p.Std[:])
	set("clip.vision.image_width", u(p.Width))
	set("clip.vision.image_height", u(p.Height))
	set("clip.vision.resample", u(p.Resample))
	set("clip.vision.rescale_factor", float32(p.RescaleFactor))
	set("clip.vision.do_resize", p.DoResize)
	set("clip.vision.do_rescale", p.DoRescale)
	set("clip.vision.do_normalize", p.DoNormalize)
	set("clip.text.context_length", u(t.MaxPos))
	set("clip.text.embedding_length", u(t.Hidden))
	set("clip.text.feed_forward_length", u(t.Intermediate))
	set("clip.text.block_count", u(t.Layers))
	set("clip.text.attention.head_count", u(t.Heads))
	set("clip.text.attention.layer_norm_epsilon", float32(t.Eps))
	set("clip.text.projection_dim", u(t.Projection))
	set("clip.text.vocab_size", u(t.Vocab))
	set("siglip.logit_scale", m.logitScale)
	set("siglip.logit_bias", m.logitBias)
	set("siglip.text.lowercase", true)

	for _, s := range SigLIPTensors(c) {
		typ := TypeFor(s, o)
		fill := m.fill(s)
		if err := w.AddTensorFunc(s.GGUF, typ, s.Dims, func(out io.Writer) error {
			return writeRows(out, typ, s.Rows(), s.Cols(), fill)
		}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("convert: %w", errs[0])
	}
	return w, nil
}

// chunkValues bounds the values one goroutine converts at a time, so memory
// stays a few MiB per CPU whatever the tensor.
const chunkValues = 1 << 18

// writeRows writes a rows × cols tensor of type typ, filling and quantizing
// chunks of rows in parallel and writing them in order, so the bytes do not
// depend on the number of CPUs.
//
// Q4_0_4_4 is quantized as Q4_0 and repacked, in chunks of whole groups of
// four rows (rows must then be a multiple of 4, which TypeFor ensures).
func writeRows(out io.Writer, typ quant.Type, rows, cols int64, fill rowFiller) error {
	f := quant.Formats[typ]
	rowBytes := cols / f.BlockLen * f.BlockBytes
	cr := min(max(1, chunkValues/cols), rows)
	quantize := f.Quantize
	if typ == quant.Q4_0_4_4 {
		if rows%4 != 0 {
			return fmt.Errorf("q4_0_4x4 needs a multiple of 4 rows, got %d", rows)
		}
		cr = max(4, cr&^3)
		q4 := quant.Formats[quant.Q4_0].Quantize
		quantize = func(dst []byte, src []float32) {
			tmp := make([]byte, len(dst))
			q4(tmp, src)
			n := int(int64(len(src)) / cols)
			if err := quant.RepackQ4_0_4x4(dst, tmp, n, int(cols)); err != nil {
				panic(err) // whole groups by construction
			}
		}
	}
	nChunks := (rows + cr - 1) / cr
	par := int64(min(runtime.GOMAXPROCS(0), 8))
	par = min(par, nChunks)
	bufs := make([][]byte, par)
	vals := make([][]float32, par)
	for i := range bufs {
		bufs[i] = make([]byte, cr*rowBytes)
		vals[i] = make([]float32, cr*cols)
	}
	errs := make([]error, par)
	for first := int64(0); first < nChunks; first += par {
		n := min(par, nChunks-first)
		var wg sync.WaitGroup
		for j := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r0 := (first + j) * cr
				r1 := min(rows, r0+cr)
				v := vals[j][:(r1-r0)*cols]
				if errs[j] = fill(v, r0, r1); errs[j] == nil {
					quantize(bufs[j][:(r1-r0)*rowBytes], v)
				}
			}()
		}
		wg.Wait()
		for j := range n {
			if errs[j] != nil {
				return errs[j]
			}
			r0 := (first + j) * cr
			r1 := min(rows, r0+cr)
			if _, err := out.Write(bufs[j][:(r1-r0)*rowBytes]); err != nil {
				return err
			}
		}
	}
	return nil
}

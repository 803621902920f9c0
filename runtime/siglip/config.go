package siglip

import (
	"errors"
	"fmt"
	"math"

	"lookout/device/frame"
	"lookout/quant/gguf"
)

// Arch is the general.architecture value of SigLIP GGUF files.
const Arch = "siglip"

// VisionConfig holds the image tower's hyper-parameters (clip.vision.*).
type VisionConfig struct {
	Hidden    int     // embedding_length (D)
	FF        int     // feed_forward_length (MLP width)
	Layers    int     // block_count
	Heads     int     // attention.head_count
	ImageSize int     // image_size: the square input side in pixels
	PatchSize int     // patch_size: ImageSize/PatchSize patches per side
	Channels  int     // num_channels (3)
	Eps       float32 // attention.layer_norm_epsilon
}

// Patches returns the number of patches (positions) of the image tower.
func (c VisionConfig) Patches() int { g := c.ImageSize / c.PatchSize; return g * g }

// TextConfig holds the text tower's hyper-parameters (clip.text.*).
type TextConfig struct {
	Hidden     int     // embedding_length
	FF         int     // feed_forward_length
	Layers     int     // block_count
	Heads      int     // attention.head_count
	Context    int     // context_length: every prompt is exactly this many ids
	Vocab      int     // vocab_size
	Projection int     // projection_dim: width of the text embedding (default Hidden)
	Eps        float32 // attention.layer_norm_epsilon
}

// Config holds everything the towers and the scores need, all from GGUF
// metadata.
type Config struct {
	Vision VisionConfig
	Text   TextConfig
	// LogitScale is the stored log of the temperature (siglip.logit_scale):
	// logits are exp(LogitScale)·cos + LogitBias.
	LogitScale, LogitBias float32
	// Lowercase (siglip.text.lowercase, default true) lowercases label text
	// before tokenizing, as SigLIP 2 was trained.
	Lowercase bool
	// PadID and EOSID are siglip.text.pad_token_id / eos_token_id, or the
	// tokenizer's when the keys are absent, or −1 when neither says.
	PadID, EOSID int32
	// Image is the preprocessing of clip.vision.image_* and friends.
	Image frame.Preprocess
}

// HF SiglipImageProcessor's defaults, used for preprocessing keys a file
// leaves out (quant/convert always writes them).
const (
	defaultResample      = frame.Bicubic // the class default (SigLIP 2 files say 2, bilinear)
	defaultRescaleFactor = 1.0 / 255
)

// ConfigFromGGUF reads the config from f's metadata. Every key is checked
// for type and range; the error lists every problem and names the file and
// key.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	arch, err := f.String("general.architecture")
	if err != nil {
		return Config{}, fmt.Errorf("siglip: %w", err)
	}
	if arch != Arch {
		return Config{}, fmt.Errorf("siglip: %s: key \"general.architecture\" is %q, want %q", f.Path, arch, Arch)
	}
	r := keyReader{f: f}
	for _, k := range []string{"clip.has_vision_encoder", "clip.has_text_encoder"} {
		if !r.boolean(k, true, false) {
			r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q is false: a SigLIP model needs both towers", f.Path, k))
		}
	}
	c := Config{
		Vision: VisionConfig{
			Hidden:    r.count("clip.vision.embedding_length", 0, true),
			FF:        r.count("clip.vision.feed_forward_length", 0, true),
			Layers:    r.count("clip.vision.block_count", 0, true),
			Heads:     r.count("clip.vision.attention.head_count", 0, true),
			ImageSize: r.count("clip.vision.image_size", 0, true),
			PatchSize: r.count("clip.vision.patch_size", 0, true),
			Channels:  r.count("clip.vision.num_channels", 3, false),
			Eps:       r.eps("clip.vision.attention.layer_norm_epsilon"),
		},
		Text: TextConfig{
			Hidden:  r.count("clip.text.embedding_length", 0, true),
			FF:      r.count("clip.text.feed_forward_length", 0, true),
			Layers:  r.count("clip.text.block_count", 0, true),
			Heads:   r.count("clip.text.attention.head_count", 0, true),
			Context: r.count("clip.text.context_length", 0, true),
			Vocab:   r.count("clip.text.vocab_size", 0, true),
			Eps:     r.eps("clip.text.attention.layer_norm_epsilon"),
		},
		LogitScale: r.float("siglip.logit_scale", 0, true),
		LogitBias:  r.float("siglip.logit_bias", 0, true),
		Lowercase:  r.boolean("siglip.text.lowercase", true, false),
		PadID:      r.id("siglip.text.pad_token_id"),
		EOSID:      r.id("siglip.text.eos_token_id"),
	}
	c.Text.Projection = r.count("clip.text.projection_dim", c.Text.Hidden, false)
	v := &c.Vision
	size := v.ImageSize
	c.Image = frame.Preprocess{
		Width:         r.count("clip.vision.image_width", size, false),
		Height:        r.count("clip.vision.image_height", size, false),
		Resample:      frame.Filter(r.code("clip.vision.resample", int(defaultResample))),
		DoResize:      r.boolean("clip.vision.do_resize", true, false),
		DoRescale:     r.boolean("clip.vision.do_rescale", true, false),
		DoNormalize:   r.boolean("clip.vision.do_normalize", true, false),
		RescaleFactor: rescaleFactor(r.float("clip.vision.rescale_factor", defaultRescaleFactor, false)),
		Mean:          r.triple("clip.vision.image_mean"),
		Std:           r.triple("clip.vision.image_std"),
	}
	if len(r.errs) > 0 {
		return Config{}, errors.Join(r.errs...)
	}
	if err := c.Image.Validate(); err != nil {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: clip.vision preprocessing keys: %w", f.Path, err))
	}
	// Shape rules the forward pass relies on.
	bad := func(format string, args ...any) {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: "+format, append([]any{f.Path}, args...)...))
	}
	if v.ImageSize%v.PatchSize != 0 {
		bad("clip.vision.image_size %d is not a multiple of clip.vision.patch_size %d", v.ImageSize, v.PatchSize)
	}
	if v.Hidden%v.Heads != 0 {
		bad("clip.vision.embedding_length %d is not a multiple of clip.vision.attention.head_count %d", v.Hidden, v.Heads)
	}
	if t := c.Text; t.Hidden%t.Heads != 0 {
		bad("clip.text.embedding_length %d is not a multiple of clip.text.attention.head_count %d", t.Hidden, t.Heads)
	}
	if c.Text.Projection != v.Hidden {
		bad("clip.text.projection_dim %d differs from clip.vision.embedding_length %d: image and text embeddings must have one width to be compared", c.Text.Projection, v.Hidden)
	}
	if v.Channels != 3 {
		// The preprocessing (frame.RGB) produces three channels.
		bad("clip.vision.num_channels is %d, only 3 (RGB) is supported", v.Channels)
	}
	if c.Image.Width != v.ImageSize || c.Image.Height != v.ImageSize {
		bad("clip.vision.image_width × image_height %d×%d differ from clip.vision.image_size %d: the tower takes square %d-px images",
			c.Image.Width, c.Image.Height, v.ImageSize, v.ImageSize)
	}
	for _, id := range []struct {
		key string
		v   int32
	}{{"siglip.text.pad_token_id", c.PadID}, {"siglip.text.eos_token_id", c.EOSID}} {
		if int(id.v) >= c.Text.Vocab {
			bad("key %q: id %d is outside the vocabulary of %d", id.key, id.v, c.Text.Vocab)
		}
	}
	if len(r.errs) > 0 {
		return Config{}, errors.Join(r.errs...)
	}
	return c, nil
}

// keyReader reads typed keys and collects every problem.
type keyReader struct {
	f    *gguf.File
	errs []error
}

// maxDim bounds sizes read from a file, so that a corrupt key cannot make
// the shape arithmetic overflow or a session allocate without bound.
const maxDim = 1 << 20

func (r *keyReader) fail(err error) { r.errs = append(r.errs, fmt.Errorf("siglip: %w", err)) }

// count reads a positive integer key; def is used when it is absent and not
// required.
func (r *keyReader) count(key string, def int, required bool) int {
	v, err := r.f.Int(key)
	if err != nil {
		if !required && errors.Is(err, gguf.ErrMissing) {
			return def
		}
		r.fail(err)
		return def
	}
	if v <= 0 || v > maxDim {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: %d out of range 1..%d", r.f.Path, key, v, maxDim))
		return def
	}
	return int(v)
}

// code reads an optional small non-negative integer key (a PIL filter code).
func (r *keyReader) code(key string, def int) int {
	v, err := r.f.Int(key)
	if err != nil {
		if !errors.Is(err, gguf.ErrMissing) {
			r.fail(err)
		}
		return def
	}
	if v < 0 || v > 255 {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: %d out of range 0..255", r.f.Path, key, v))
		return def
	}
	return int(v)
}

// rescaleFactor returns the float64 factor HF multiplies pixels by. The
// key is a float32, but HF's 1/255 is a Python float, and
// float32(u8·float32(1/255)) is not always float32(u8·(1/255)); so a
// float32-rounded 1/255 means exactly 1/255.
func rescaleFactor(v float32) float64 {
	if v == float32(1.0/255) {
		return 1.0 / 255
	}
	return float64(v)
}

// id reads an optional token id key: −1 when absent.
func (r *keyReader) id(key string) int32 {
	v, err := r.f.Int(key)
	if err != nil {
		if !errors.Is(err, gguf.ErrMissing) {
			r.fail(err)
		}
		return -1
	}
	if v < 0 || v > math.MaxInt32 {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: token id %d out of range", r.f.Path, key, v))
		return -1
	}
	return int32(v)
}

// float reads a finite float key.
func (r *keyReader) float(key string, def float64, required bool) float32 {
	v, err := r.f.Float(key)
	if err != nil {
		if !required && errors.Is(err, gguf.ErrMissing) {
			return float32(def)
		}
		r.fail(err)
		return float32(def)
	}
	if math.IsNaN(v) || math.IsInf(float64(float32(v)), 0) {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: %g is not a finite float32", r.f.Path, key, v))
		return float32(def)
	}
	return float32(v)
}

// eps reads a required layer-norm epsilon, which must be positive.
func (r *keyReader) eps(key string) float32 {
	v := r.float(key, 0, true)
	if !(v > 0) {
		if _, err := r.f.Float(key); err == nil {
			r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: epsilon %g must be positive", r.f.Path, key, v))
		}
	}
	return v
}

func (r *keyReader) boolean(key string, def, required bool) bool {
	v, err := r.f.Bool(key)
	if err != nil {
		if !required && errors.Is(err, gguf.ErrMissing) {
			return def
		}
		r.fail(err)
		return def
	}
	return v
}

// triple reads a required array of 3 finite numbers (per RGB channel mean
// or std).
func (r *keyReader) triple(key string) [3]float32 {
	var out [3]float32
	a, err := r.f.Array(key)
	if err != nil {
		r.fail(err)
		return out
	}
	if a.Len() != len(out) {
		r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: %d values, want %d (one per RGB channel)", r.f.Path, key, a.Len(), len(out)))
		return out
	}
	for i := range out {
		x, err := a.Index(i).Float()
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			r.errs = append(r.errs, fmt.Errorf("siglip: %s: key %q: value %d is not a finite number", r.f.Path, key, i))
			return out
		}
		out[i] = float32(x)
	}
	return out
}

package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Tower is the shape of one SigLIP transformer tower (vision or text), with
// Hugging Face's defaults filled in for every field config.json leaves out.
type Tower struct {
	Hidden       int     // hidden_size (D)
	Intermediate int     // intermediate_size (M)
	Layers       int     // num_hidden_layers
	Heads        int     // num_attention_heads
	Eps          float64 // layer_norm_eps
	Act          string  // hidden_act; only gelu_pytorch_tanh is accepted

	// Vision only.
	ImageSize int // image_size
	PatchSize int // patch_size
	Channels  int // num_channels

	// Text only.
	Vocab      int // vocab_size
	MaxPos     int // max_position_embeddings (T)
	Projection int // projection_size (defaults to Hidden)
}

// Patches is the number of patch positions of a vision tower.
func (t Tower) Patches() int { return (t.ImageSize / t.PatchSize) * (t.ImageSize / t.PatchSize) }

// Preprocess is SiglipImageProcessor's configuration (preprocessor_config.json).
type Preprocess struct {
	Width, Height int        // size: the resize target (no crop, aspect not kept)
	Resample      int        // PIL filter code: 2 = bilinear, 3 = bicubic
	RescaleFactor float64    // 1/255
	Mean, Std     [3]float32 // per RGB channel
	DoResize      bool
	DoRescale     bool
	DoNormalize   bool
}

// Config is everything the GGUF keys say about a SigLIP model.
type Config struct {
	Vision     Tower
	Text       Tower
	Preprocess Preprocess
}

// HF defaults: SiglipVisionConfig, SiglipTextConfig and SiglipImageProcessor
// in transformers. The text vocabulary default (32000) is HF's, not SigLIP
// 2's: the real config.json sets 256000.
const (
	defaultAct = "gelu_pytorch_tanh"
	defaultEps = 1e-6
)

// DefaultVision and DefaultText are the HF class defaults.
var (
	DefaultVision = Tower{Hidden: 768, Intermediate: 3072, Layers: 12, Heads: 12, Eps: defaultEps, Act: defaultAct,
		ImageSize: 224, PatchSize: 16, Channels: 3}
	DefaultText = Tower{Hidden: 768, Intermediate: 3072, Layers: 12, Heads: 12, Eps: defaultEps, Act: defaultAct,
		Vocab: 32000, MaxPos: 64}
	// DefaultPreprocess is SiglipImageProcessor's class default; note the
	// BICUBIC resample, where SigLIP 2's file says 2 (BILINEAR).
	DefaultPreprocess = Preprocess{Width: 224, Height: 224, Resample: 3, RescaleFactor: 1.0 / 255,
		Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.5, 0.5, 0.5}, DoResize: true, DoRescale: true, DoNormalize: true}
)

// maxDim bounds every size read from a config so that a crafted file gets an
// error instead of arithmetic overflow or absurd tables further on.
const maxDim = 1 << 24

type hfConfig struct {
	ModelType *string  `json:"model_type"`
	Vision    *hfTower `json:"vision_config"`
	Text      *hfTower `json:"text_config"`
}

type hfTower struct {
	Hidden       *int     `json:"hidden_size"`
	Intermediate *int     `json:"intermediate_size"`
	Layers       *int     `json:"num_hidden_layers"`
	Heads        *int     `json:"num_attention_heads"`
	Eps          *float64 `json:"layer_norm_eps"`
	Act          *string  `json:"hidden_act"`
	ImageSize    *int     `json:"image_size"`
	PatchSize    *int     `json:"patch_size"`
	Channels     *int     `json:"num_channels"`
	Vocab        *int     `json:"vocab_size"`
	MaxPos       *int     `json:"max_position_embeddings"`
	Projection   *int     `json:"projection_size"`
}

func setInt(dst *int, src *int) {
	if src != nil {
		*dst = *src
	}
}

func (h *hfTower) apply(t *Tower) {
	if h == nil {
		return
	}
	setInt(&t.Hidden, h.Hidden)
	setInt(&t.Intermediate, h.Intermediate)
	setInt(&t.Layers, h.Layers)
	setInt(&t.Heads, h.Heads)
	setInt(&t.ImageSize, h.ImageSize)
	setInt(&t.PatchSize, h.PatchSize)
	setInt(&t.Channels, h.Channels)
	setInt(&t.Vocab, h.Vocab)
	setInt(&t.MaxPos, h.MaxPos)
	setInt(&t.Projection, h.Projection)
	if h.Eps != nil {
		t.Eps = *h.Eps
	}
	if h.Act != nil {
		t.Act = *h.Act
	}
}

// ReadConfig reads dir/config.json and dir/preprocessor_config.json. A
// missing preprocessor_config.json is not an error: the class defaults are
// used and a warning says so.
func ReadConfig(dir string) (Config, []string, error) {
	var warnings []string
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, nil, fmt.Errorf("convert: %w", err)
	}
	c, err := ParseConfig(path, b)
	if err != nil {
		return Config{}, nil, err
	}
	ppath := filepath.Join(dir, "preprocessor_config.json")
	pb, err := os.ReadFile(ppath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Preprocess = DefaultPreprocess
		warnings = append(warnings, fmt.Sprintf("%s is missing: using SiglipImageProcessor's defaults (%d×%d, resample %d = bicubic, mean/std 0.5); SigLIP 2 checkpoints use bilinear, so check the result", ppath, c.Preprocess.Width, c.Preprocess.Height, c.Preprocess.Resample))
	case err != nil:
		return Config{}, nil, fmt.Errorf("convert: %w", err)
	default:
		if c.Preprocess, err = ParsePreprocess(ppath, pb); err != nil {
			return Config{}, nil, err
		}
	}
	if p := c.Preprocess; p.Width != c.Vision.ImageSize || p.Height != c.Vision.ImageSize {
		warnings = append(warnings, fmt.Sprintf("%s: size %d×%d differs from vision_config.image_size %d in config.json; the model has %d position embeddings, so images must be resized to %d×%d",
			ppath, p.Width, p.Height, c.Vision.ImageSize, c.Vision.Patches(), c.Vision.ImageSize, c.Vision.ImageSize))
	}
	return c, warnings, nil
}

// ParseConfig parses the bytes of a SigLIP config.json read from path (the
// name used in errors), filling in HF defaults, and checks the result.
func ParseConfig(path string, b []byte) (Config, error) {
	var h hfConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&h); err != nil {
		return Config{}, fmt.Errorf("convert: %s: %w", path, err)
	}
	switch {
	case h.ModelType == nil:
		return Config{}, fmt.Errorf("convert: %s: no model_type (want \"siglip\")", path)
	case *h.ModelType == "siglip2":
		return Config{}, fmt.Errorf("convert: %s: model_type \"siglip2\" is the NaFlex variant, a different architecture (variable resolution and aspect, patch embedding as a linear layer); only FixRes checkpoints with model_type \"siglip\" (such as google/siglip2-base-patch16-224) are supported", path)
	case *h.ModelType != "siglip":
		return Config{}, fmt.Errorf("convert: %s: model_type %q is not supported (want \"siglip\")", path, *h.ModelType)
	}
	c := Config{Vision: DefaultVision, Text: DefaultText}
	h.Vision.apply(&c.Vision)
	h.Text.apply(&c.Text)
	if h.Text == nil || h.Text.Projection == nil {
		c.Text.Projection = c.Text.Hidden
	}
	if err := c.check(); err != nil {
		return Config{}, fmt.Errorf("convert: %s: %w", path, err)
	}
	return c, nil
}

// check validates the shapes of both towers.
func (c Config) check() error {
	var errs []error
	dim := func(tower, key string, v int) {
		if v <= 0 || v > maxDim {
			errs = append(errs, fmt.Errorf("%s.%s = %d, want 1..%d", tower, key, v, maxDim))
		}
	}
	for _, x := range []struct {
		name string
		t    Tower
	}{{"vision_config", c.Vision}, {"text_config", c.Text}} {
		t := x.t
		dim(x.name, "hidden_size", t.Hidden)
		dim(x.name, "intermediate_size", t.Intermediate)
		dim(x.name, "num_attention_heads", t.Heads)
		if t.Layers <= 0 || t.Layers > 1024 {
			errs = append(errs, fmt.Errorf("%s.num_hidden_layers = %d, want 1..1024", x.name, t.Layers))
		}
		if t.Heads > 0 && t.Hidden%t.Heads != 0 {
			errs = append(errs, fmt.Errorf("%s: hidden_size %d is not a multiple of num_attention_heads %d", x.name, t.Hidden, t.Heads))
		}
		if !(t.Eps > 0 && t.Eps < 1) || math.IsNaN(t.Eps) {
			errs = append(errs, fmt.Errorf("%s.layer_norm_eps = %g, want a small positive number", x.name, t.Eps))
		}
		if t.Act != defaultAct {
			errs = append(errs, fmt.Errorf("%s.hidden_act = %q is not supported (SigLIP uses %q)", x.name, t.Act, defaultAct))
		}
	}
	v, t := c.Vision, c.Text
	dim("vision_config", "image_size", v.ImageSize)
	dim("vision_config", "patch_size", v.PatchSize)
	if v.Channels != 3 {
		errs = append(errs, fmt.Errorf("vision_config.num_channels = %d, want 3", v.Channels))
	}
	if v.PatchSize > 0 && v.ImageSize%v.PatchSize != 0 {
		errs = append(errs, fmt.Errorf("vision_config: image_size %d is not a multiple of patch_size %d", v.ImageSize, v.PatchSize))
	}
	// image_size and patch_size are at most maxDim (2^24), so the patch
	// count cannot overflow before it is checked.
	if v.PatchSize > 0 && v.ImageSize > 0 && v.ImageSize <= maxDim && v.Patches() > maxDim {
		errs = append(errs, fmt.Errorf("vision_config: image_size %d / patch_size %d gives %d patches, more than %d", v.ImageSize, v.PatchSize, v.Patches(), maxDim))
	}
	dim("text_config", "vocab_size", t.Vocab)
	dim("text_config", "max_position_embeddings", t.MaxPos)
	dim("text_config", "projection_size", t.Projection)
	return errors.Join(errs...)
}

type hfPreprocess struct {
	Size *struct {
		Height *int `json:"height"`
		Width  *int `json:"width"`
	} `json:"size"`
	Resample      *int            `json:"resample"`
	RescaleFactor *float64        `json:"rescale_factor"`
	Mean          json.RawMessage `json:"image_mean"`
	Std           json.RawMessage `json:"image_std"`
	DoResize      *bool           `json:"do_resize"`
	DoRescale     *bool           `json:"do_rescale"`
	DoNormalize   *bool           `json:"do_normalize"`
}

// ParsePreprocess parses a SiglipImageProcessor preprocessor_config.json read
// from path, filling in the class defaults.
func ParsePreprocess(path string, b []byte) (Preprocess, error) {
	var h hfPreprocess
	if err := json.Unmarshal(b, &h); err != nil {
		return Preprocess{}, fmt.Errorf("convert: %s: %w", path, err)
	}
	p := DefaultPreprocess
	if h.Size != nil {
		if h.Size.Height == nil || h.Size.Width == nil {
			return Preprocess{}, fmt.Errorf("convert: %s: size: want {\"height\": H, \"width\": W}", path)
		}
		p.Height, p.Width = *h.Size.Height, *h.Size.Width
	}
	setInt(&p.Resample, h.Resample)
	if h.RescaleFactor != nil {
		p.RescaleFactor = *h.RescaleFactor
	}
	for _, x := range []struct {
		key string
		raw json.RawMessage
		dst *[3]float32
	}{{"image_mean", h.Mean, &p.Mean}, {"image_std", h.Std, &p.Std}} {
		if err := parseTriple(x.raw, x.dst); err != nil {
			return Preprocess{}, fmt.Errorf("convert: %s: %s: %w", path, x.key, err)
		}
	}
	for _, x := range []struct {
		src *bool
		dst *bool
	}{{h.DoResize, &p.DoResize}, {h.DoRescale, &p.DoRescale}, {h.DoNormalize, &p.DoNormalize}} {
		if x.src != nil {
			*x.dst = *x.src
		}
	}
	var errs []error
	if p.Width <= 0 || p.Height <= 0 || p.Width > 1<<16 || p.Height > 1<<16 {
		errs = append(errs, fmt.Errorf("size %d×%d, want 1..65536 each", p.Width, p.Height))
	}
	if p.Resample < 0 || p.Resample > 5 {
		errs = append(errs, fmt.Errorf("resample = %d is not a PIL filter (0..5)", p.Resample))
	}
	if !(p.RescaleFactor > 0) || math.IsInf(p.RescaleFactor, 0) {
		errs = append(errs, fmt.Errorf("rescale_factor = %g, want a positive number", p.RescaleFactor))
	}
	for i, s := range p.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			errs = append(errs, fmt.Errorf("image_std[%d] = %g, want a positive number", i, s))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Preprocess{}, fmt.Errorf("convert: %s: %w", path, err)
	}
	return p, nil
}

// parseTriple reads a mean or std: absent/null (keep the default), one number
// for all channels, or a list of three.
func parseTriple(raw json.RawMessage, dst *[3]float32) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one float32
	if err := json.Unmarshal(raw, &one); err == nil {
		*dst = [3]float32{one, one, one}
		return nil
	}
	var list []float32
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("want a number or a list of 3 numbers: %w", err)
	}
	if len(list) != 3 {
		return fmt.Errorf("%d values, want 3 (RGB)", len(list))
	}
	copy(dst[:], list)
	return nil
}

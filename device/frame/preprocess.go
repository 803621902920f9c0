package frame

import (
	"fmt"
	"math"
	"sync"
)

// Preprocess describes Hugging Face's SiglipImageProcessor (its slow, PIL
// path), whose fields mirror preprocessor_config.json: "size" gives Width
// and Height, "resample" the Filter, then do_resize, do_rescale,
// do_normalize, rescale_factor, image_mean and image_std.
type Preprocess struct {
	Width, Height int // the model's input size
	Resample      Filter
	DoResize      bool
	DoRescale     bool
	DoNormalize   bool
	RescaleFactor float64 // a Python float in HF: the multiply is in float64
	Mean, Std     [3]float32
}

// SigLIP2 returns the preprocessing of the SigLIP 2 FixRes checkpoints
// (google/siglip2-base-patch16-224 and its siblings) at size×size: bilinear
// squash, 1/255, mean = std = 0.5, giving values in [-1, 1].
func SigLIP2(size int) Preprocess {
	return Preprocess{
		Width: size, Height: size, Resample: Bilinear,
		DoResize: true, DoRescale: true, DoNormalize: true,
		RescaleFactor: 1.0 / 255,
		Mean:          [3]float32{0.5, 0.5, 0.5},
		Std:           [3]float32{0.5, 0.5, 0.5},
	}
}

// Validate reports the first unusable field, by name.
func (p Preprocess) Validate() error {
	if p.Width <= 0 || p.Height <= 0 {
		return fmt.Errorf("frame: Preprocess.Width×Height = %d×%d, want both > 0", p.Width, p.Height)
	}
	if err := checkSize(p.Width, p.Height); err != nil {
		return fmt.Errorf("frame: Preprocess.Width×Height: %w", err)
	}
	if p.DoResize && !p.Resample.valid() {
		return fmt.Errorf("frame: Preprocess.Resample = %v, want a PIL code 0-5", p.Resample)
	}
	if p.DoRescale && (p.RescaleFactor <= 0 || math.IsInf(p.RescaleFactor, 0) || math.IsNaN(p.RescaleFactor)) {
		return fmt.Errorf("frame: Preprocess.RescaleFactor = %v, want a finite value > 0", p.RescaleFactor)
	}
	if p.DoNormalize {
		for c := range 3 {
			if m := float64(p.Mean[c]); math.IsInf(m, 0) || math.IsNaN(m) {
				return fmt.Errorf("frame: Preprocess.Mean[%d] = %v, want a finite value", c, m)
			}
			if s := float64(p.Std[c]); s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
				return fmt.Errorf("frame: Preprocess.Std[%d] = %v, want a finite non-zero value", c, s)
			}
		}
	}
	return nil
}

// Len is the number of float32 values Pixels returns: 3·Height·Width.
func (p Preprocess) Len() int { return 3 * p.Width * p.Height }

// Pixels returns the model input for img as the HF processor computes it:
// resize to Width×Height with Resize (a squash, no crop), then per sample
// float32(float64(u8)·RescaleFactor), then (x − Mean[c]) / Std[c] in float32,
// laid out CHW ([3][Height][Width]). Given the same resized bytes the result
// is bit-identical to HF's pixel_values. Without DoResize img must already
// be Width×Height. Without DoRescale the sample is float32(u8).
func (p Preprocess) Pixels(img *RGB) ([]float32, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	dst := make([]float32, p.Len())
	if err := p.PixelsInto(dst, img); err != nil {
		return nil, err
	}
	return dst, nil
}

// scratch is what PixelsInto borrows per call: the resizer, its output and
// the value table with the settings it was built for.
type scratch struct {
	r       Resizer
	resized RGB
	lut     [3][256]float32
	lutFor  Preprocess
	lutOK   bool
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// PixelsInto is Pixels writing into dst, which must hold exactly Len()
// values. Its buffers are pooled, so a loop over same-sized frames does not
// allocate.
func (p Preprocess) PixelsInto(dst []float32, img *RGB) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := img.check("Preprocess.Pixels image"); err != nil {
		return err
	}
	if len(dst) != p.Len() {
		return fmt.Errorf("frame: Preprocess.PixelsInto: dst holds %d values, want 3×%d×%d = %d", len(dst), p.Height, p.Width, p.Len())
	}
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	src := img
	if p.DoResize {
		if err := s.r.setup(img.W, img.H, p.Width, p.Height, p.Resample); err != nil {
			return err
		}
		if err := s.r.Resize(&s.resized, img); err != nil {
			return err
		}
		src = &s.resized
	} else if img.W != p.Width || img.H != p.Height {
		return fmt.Errorf("frame: Preprocess: DoResize is false but the image is %d×%d, not Width×Height = %d×%d", img.W, img.H, p.Width, p.Height)
	}
	if !s.lutOK || s.lutFor != p {
		p.fillTable(&s.lut)
		s.lutFor, s.lutOK = p, true
	}
	lut := &s.lut
	plane := p.Width * p.Height
	r, g, b := dst[:plane:plane], dst[plane:2*plane:2*plane], dst[2*plane:3*plane:3*plane]
	pix := src.Pix[: plane*3 : plane*3]
	for i := range plane {
		q := pix[i*3:][:3:3]
		r[i], g[i], b[i] = lut[0][q[0]], lut[1][q[1]], lut[2][q[2]]
	}
	return nil
}

// fillTable maps every channel value 0..255 to its output. The input is
// 8-bit, so tabulating the exact per-value arithmetic costs 768 evaluations
// and keeps the per-pixel loop free of float work.
func (p Preprocess) fillTable(t *[3][256]float32) {
	for c := range 3 {
		for v := range 256 {
			x := float32(v)
			if p.DoRescale {
				x = float32(float64(v) * p.RescaleFactor)
			}
			if p.DoNormalize {
				x = (x - p.Mean[c]) / p.Std[c]
			}
			t[c][v] = x
		}
	}
}

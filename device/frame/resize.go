package frame

import (
	"fmt"
	"math"
	"sync"
)

// Filter is a resampling filter, numbered as PIL's Image.Resampling codes
// (the "resample" field of a Hugging Face preprocessor_config.json).
type Filter int

// PIL resampling codes.
const (
	Nearest  Filter = 0
	Lanczos  Filter = 1
	Bilinear Filter = 2
	Bicubic  Filter = 3
	Box      Filter = 4
	Hamming  Filter = 5
)

var filterNames = [...]string{"nearest", "lanczos", "bilinear", "bicubic", "box", "hamming"}

// String returns the filter's lower-case PIL name, or "Filter(N)".
func (f Filter) String() string {
	if f.valid() {
		return filterNames[f]
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

func (f Filter) valid() bool { return f >= 0 && int(f) < len(filterNames) }

// kernel is one convolution filter of Pillow's resampler: its weight function
// and its support (half-width in source pixels at scale 1).
type kernel struct {
	weight  func(x float64) float64
	support float64
}

// kernels is indexed by Filter; Nearest has no kernel (PIL maps it through
// an affine transform instead, see nearestIndex).
//
// The weight functions follow Pillow's src/libImaging/Resample.c. Explicit
// float64(...) conversions round products where C rounds them, so that the Go
// compiler cannot fuse them into FMA instructions (arm64) and drift from
// Pillow's double arithmetic. Box, Bilinear and Bicubic therefore give the
// same coefficients as Pillow bit for bit; Hamming and Lanczos call sin/cos,
// where Go's math and the C library can differ in the last bit of a weight.
var kernels = [...]kernel{
	Lanczos: {lanczos, 3},
	Bilinear: {func(x float64) float64 {
		x = math.Abs(x)
		if x < 1 {
			return 1 - x
		}
		return 0
	}, 1},
	Bicubic: {bicubic, 2},
	Box: {func(x float64) float64 {
		if x > -0.5 && x <= 0.5 {
			return 1
		}
		return 0
	}, 0.5},
	Hamming: {hamming, 1},
}

// bicubic is the Keys cubic convolution kernel with a = -0.5, as Pillow
// evaluates it.
func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	if x < 1 {
		t := float64((a+2)*x) - (a + 3)
		return float64(float64(t*x)*x) + 1
	}
	if x < 2 {
		t := float64((x-5)*x) + 8
		t = float64(t*x) - 4
		return t * a
	}
	return 0
}

// hamming is sinc windowed by a Hamming window. Pillow writes the window's
// constants as C floats (0.54f, 0.46f), so they are float32 values here too.
func hamming(x float64) float64 {
	x = math.Abs(x)
	if x == 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	x *= math.Pi
	win := float64(float32(0.54)) + float64(float64(float32(0.46))*math.Cos(x))
	return float64(math.Sin(x)/x) * win
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// lanczos is sinc windowed by sinc over three lobes.
func lanczos(x float64) float64 {
	if -3 <= x && x < 3 {
		return sinc(x) * sinc(x/3)
	}
	return 0
}

// precisionBits is Pillow's fixed-point precision for 8-bit images:
// 32 bits minus 8 for the sample, minus 2 of headroom for negative lobes
// and sums above 1.
const precisionBits = 22

// axis holds the fixed-point weights of one resampling direction: output
// index o reads count[o] source samples from start[o] with weights
// k[o*ksize : o*ksize+count[o]].
type axis struct {
	ksize        int
	start, count []int32
	k            []int32
}

// setup computes the weights for resampling in source samples to out with
// kernel kn, the way Pillow's precompute_coeffs and normalize_coeffs_8bpc
// do: the kernel is stretched by the scale when downscaling (antialiasing),
// each output's weights are normalised to sum 1 in double precision, then
// rounded half away from zero to 22 fractional bits.
func (a *axis) setup(in, out int, kn kernel) {
	// Pillow gets the source extent from a float box: (double)(float)in.
	scale := float64(float32(in)) / float64(out)
	fscale := max(scale, 1)
	support := kn.support * fscale
	a.ksize = int(math.Ceil(support))*2 + 1
	a.start = grow(a.start, out)
	a.count = grow(a.count, out)
	a.k = grow(a.k, out*a.ksize)
	clear(a.k)
	var wbuf [64]float64
	w := wbuf[:0]
	if a.ksize > len(wbuf) {
		w = make([]float64, 0, a.ksize)
	}
	inv := 1 / fscale
	for o := 0; o < out; o++ {
		center := (float64(o) + 0.5) * scale
		lo := int(center - support + 0.5) // C (int): truncation toward zero
		lo = max(lo, 0)
		hi := min(int(center+support+0.5), in)
		n := max(hi-lo, 0)
		w = w[:n]
		sum := 0.0
		for j := range w {
			w[j] = kn.weight(float64(float64(j+lo)-center+0.5) * inv)
			sum += w[j]
		}
		k := a.k[o*a.ksize:][:n]
		for j, v := range w {
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				k[j] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				k[j] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		a.start[o], a.count[o] = int32(lo), int32(n)
	}
}

// nearestIndex maps each of out positions to a source index the way PIL's
// NEAREST resize does (an affine transform, ImagingScaleAffine): the source
// coordinate starts at scale/2 and is advanced by repeated addition of
// scale, then truncated. Positions that fall outside the source get -1
// (PIL fills them with black; it does not happen for sane sizes).
func nearestIndex(dst []int32, in, out int) []int32 {
	dst = grow(dst, out)
	scale := float64(float32(in)) / float64(out)
	pos := scale * 0.5
	for o := range dst {
		i := int32(-1)
		if pos >= 0 && int(pos) < in {
			i = int32(pos)
		}
		dst[o] = i
		pos += scale
	}
	return dst
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Resizer resizes inW×inH images to outW×outH with one filter. It keeps the
// weights and scratch buffers, so a camera loop that reuses one allocates
// nothing per frame. A Resizer is not safe for concurrent use.
type Resizer struct {
	inW, inH, outW, outH int
	filter               Filter

	needH, needV   bool
	h, v           axis
	yFirst, yLast  int     // source rows the vertical pass reads
	tmp            []uint8 // horizontal pass output, rows yFirst..yLast-1
	acc            []int32 // one output row of vertical sums
	nearX, nearY   []int32
	configuredOnce bool
}

// NewResizer returns a Resizer for the given sizes and filter, or an error
// naming the bad argument.
func NewResizer(inW, inH, outW, outH int, f Filter) (*Resizer, error) {
	r := &Resizer{}
	if err := r.setup(inW, inH, outW, outH, f); err != nil {
		return nil, err
	}
	return r, nil
}

// setup (re)configures r, keeping its buffers.
func (r *Resizer) setup(inW, inH, outW, outH int, f Filter) error {
	if r.configuredOnce && r.inW == inW && r.inH == inH && r.outW == outW && r.outH == outH && r.filter == f {
		return nil
	}
	if !f.valid() {
		return fmt.Errorf("frame: resize: unsupported filter %v (PIL codes 0-5)", f)
	}
	if err := checkSize(inW, inH); err != nil {
		return fmt.Errorf("frame: resize: source: %w", err)
	}
	if err := checkSize(outW, outH); err != nil {
		return fmt.Errorf("frame: resize: target: %w", err)
	}
	r.configuredOnce = false
	r.inW, r.inH, r.outW, r.outH, r.filter = inW, inH, outW, outH, f
	// PIL skips a pass when that dimension keeps its size.
	r.needH, r.needV = inW != outW, inH != outH
	if f == Nearest {
		r.nearX = nearestIndex(r.nearX, inW, outW)
		r.nearY = nearestIndex(r.nearY, inH, outH)
	} else {
		kn := kernels[f]
		r.v.setup(inH, outH, kn)
		r.yFirst = int(r.v.start[0])
		r.yLast = int(r.v.start[outH-1] + r.v.count[outH-1])
		if r.needH {
			r.h.setup(inW, outW, kn)
			r.tmp = grow(r.tmp, outW*3*(r.yLast-r.yFirst))
		}
		r.acc = grow(r.acc, outW*3)
	}
	r.configuredOnce = true
	return nil
}

// Resize resizes src (which must be inW×inH) into dst, reusing dst's pixel
// buffer when it is large enough. dst must not share memory with src.
func (r *Resizer) Resize(dst, src *RGB) error {
	if err := src.check("resize source"); err != nil {
		return err
	}
	if dst == nil {
		return fmt.Errorf("frame: resize: nil destination")
	}
	if src.W != r.inW || src.H != r.inH {
		return fmt.Errorf("frame: resize: source is %d×%d, resizer was made for %d×%d", src.W, src.H, r.inW, r.inH)
	}
	dst.reshape(r.outW, r.outH)
	switch {
	case !r.needH && !r.needV:
		copy(dst.Pix, src.Pix)
	case r.filter == Nearest:
		r.nearest(dst, src)
	case !r.needV:
		r.horizontal(dst.Pix, src, 0, r.inH)
	case !r.needH:
		r.vertical(dst.Pix, src.Pix, 0)
	default:
		r.horizontal(r.tmp, src, r.yFirst, r.yLast-r.yFirst)
		r.vertical(dst.Pix, r.tmp, r.yFirst)
	}
	return nil
}

// clip8 turns a fixed-point sum into a sample, saturating (branch-free:
// min and max compile to conditional moves).
func clip8(s int32) uint8 {
	return uint8(min(max(s>>precisionBits, 0), 255))
}

// horizontal resamples rows y0..y0+rows-1 of src to outW columns into dst
// (rows packed from dst[0]). Sums start at one half (1<<21) so that the
// final shift rounds, as in Pillow. Rows go in pairs through dot3x2, whose
// six sums stay in registers on arm64.
func (r *Resizer) horizontal(dst []uint8, src *RGB, y0, rows int) {
	ks := r.h.ksize
	inRow, outRow := src.W*3, r.outW*3
	starts, counts := r.h.start[:r.outW], r.h.count[:r.outW]
	y := 0
	for ; y+1 < rows; y += 2 {
		rowA := src.Pix[(y0+y)*inRow:][:inRow:inRow]
		rowB := src.Pix[(y0+y+1)*inRow:][:inRow:inRow]
		outA := dst[y*outRow:][:outRow:outRow]
		outB := dst[(y+1)*outRow:][:outRow:outRow]
		for x, start := range starts {
			k := r.h.k[x*ks:][:counts[x]]
			a0, a1, a2, b0, b1, b2 := dot3x2(rowA[start*3:], rowB[start*3:], k)
			if i := x * 3; i+2 < len(outA) && i+2 < len(outB) {
				outA[i], outA[i+1], outA[i+2] = clip8(a0), clip8(a1), clip8(a2)
				outB[i], outB[i+1], outB[i+2] = clip8(b0), clip8(b1), clip8(b2)
			}
		}
	}
	for ; y < rows; y++ {
		row := src.Pix[(y0+y)*inRow:][:inRow:inRow]
		out := dst[y*outRow:][:outRow:outRow]
		for x, start := range starts {
			k := r.h.k[x*ks:][:counts[x]]
			s0, s1, s2 := dot3(row[start*3:], k)
			if i := x * 3; i+2 < len(out) {
				out[i], out[i+1], out[i+2] = clip8(s0), clip8(s1), clip8(s2)
			}
		}
	}
}

// dot3x2 is dot3 for the same pixels of two rows, which share the weight
// loads and the loop overhead.
//
//go:noinline
func dot3x2(pa, pb []uint8, k []int32) (a0, a1, a2, b0, b1, b2 int32) {
	const half = 1 << (precisionBits - 1)
	a0, a1, a2, b0, b1, b2 = half, half, half, half, half, half
	pb = pb[:len(pa)]
	for t, i := 0, 0; t < len(k) && i+2 < len(pa); t, i = t+1, i+3 {
		kv := k[t]
		a0 += int32(pa[i]) * kv
		a1 += int32(pa[i+1]) * kv
		a2 += int32(pa[i+2]) * kv
		b0 += int32(pb[i]) * kv
		b1 += int32(pb[i+1]) * kv
		b2 += int32(pb[i+2]) * kv
	}
	return a0, a1, a2, b0, b1, b2
}

// dot3 returns the three channel sums of the pixels in p (packed RGB)
// weighted by k, each starting at one half. The loop conditions prove every
// index (no bounds checks in the body), and two taps per step share the loop
// overhead.
func dot3(p []uint8, k []int32) (s0, s1, s2 int32) {
	const half = 1 << (precisionBits - 1)
	s0, s1, s2 = half, half, half
	t, i := 0, 0
	for ; t+1 < len(k) && i+5 < len(p); t, i = t+2, i+6 {
		k0, k1 := k[t], k[t+1]
		s0 += int32(p[i])*k0 + int32(p[i+3])*k1
		s1 += int32(p[i+1])*k0 + int32(p[i+4])*k1
		s2 += int32(p[i+2])*k0 + int32(p[i+5])*k1
	}
	if t < len(k) && i+2 < len(p) {
		kv := k[t]
		s0 += int32(p[i]) * kv
		s1 += int32(p[i+1]) * kv
		s2 += int32(p[i+2]) * kv
	}
	return s0, s1, s2
}

// vertical resamples src (rows of outW pixels, whose first row is source
// row y0) to outH rows into dst. Integer sums are exact, so accumulating a
// whole output row a few source rows at a time gives Pillow's result while
// reading memory in order.
func (r *Resizer) vertical(dst, src []uint8, y0 int) {
	const half = 1 << (precisionBits - 1)
	ks := r.v.ksize
	rowLen := r.outW * 3
	acc := r.acc[:rowLen:rowLen]
	for y := 0; y < r.outH; y++ {
		start, n := int(r.v.start[y])-y0, int(r.v.count[y])
		k := r.v.k[y*ks:][:n:n]
		rows := src[start*rowLen:][: n*rowLen : n*rowLen]
		for i := range acc {
			acc[i] = half
		}
		for len(k) >= 4 {
			r0 := rows[:rowLen:rowLen]
			r1 := rows[rowLen:][:rowLen:rowLen]
			r2 := rows[2*rowLen:][:rowLen:rowLen]
			r3 := rows[3*rowLen:][:rowLen:rowLen]
			k0, k1, k2, k3 := k[0], k[1], k[2], k[3]
			for i := range acc {
				acc[i] += int32(r0[i])*k0 + int32(r1[i])*k1 + int32(r2[i])*k2 + int32(r3[i])*k3
			}
			k, rows = k[4:], rows[4*rowLen:]
		}
		if len(k) >= 2 {
			r0 := rows[:rowLen:rowLen]
			r1 := rows[rowLen:][:rowLen:rowLen]
			k0, k1 := k[0], k[1]
			for i := range acc {
				acc[i] += int32(r0[i])*k0 + int32(r1[i])*k1
			}
			k, rows = k[2:], rows[2*rowLen:]
		}
		if len(k) == 1 {
			r0 := rows[:rowLen:rowLen]
			k0 := k[0]
			for i := range acc {
				acc[i] += int32(r0[i]) * k0
			}
		}
		out := dst[y*rowLen:][:rowLen:rowLen]
		for i, s := range acc {
			out[i] = clip8(s)
		}
	}
}

// nearest copies the source pixel each output pixel maps to.
func (r *Resizer) nearest(dst, src *RGB) {
	i := 0
	for _, sy := range r.nearY {
		if sy < 0 {
			clear(dst.Pix[i : i+r.outW*3])
			i += r.outW * 3
			continue
		}
		row := src.Pix[int(sy)*src.W*3:][: src.W*3 : src.W*3]
		for _, sx := range r.nearX {
			if sx < 0 {
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = 0, 0, 0
			} else {
				q := row[sx*3:][:3:3]
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2] = q[0], q[1], q[2]
			}
			i += 3
		}
	}
}

// resizers pools Resizers for Resize and Preprocess: a camera loop calling
// them with the same sizes finds its weights and buffers ready.
var resizers = sync.Pool{New: func() any { return new(Resizer) }}

// Resize returns src resized to w×h, bit-exact with Pillow's
// PIL.Image.resize((w, h), f, reducing_gap=None) on an "RGB" image
// (Pillow 9.4, src/libImaging/Resample.c, and src/libImaging/Geometry.c for
// Nearest):
//
//   - separable, horizontal pass first, computed only for the source rows
//     the vertical pass reads, its result rounded to uint8;
//   - weights from the filter stretched by max(scale, 1) (antialiasing when
//     downscaling), normalised, in 22-bit fixed point; sums start at 2^21
//     and are shifted right by 22 and clipped to 0..255;
//   - a pass is skipped when its dimension is unchanged, and an unchanged
//     size is a copy.
//
// Aspect ratio is not preserved (a plain squash, as the SigLIP processor
// does).
func Resize(src *RGB, w, h int, f Filter) (*RGB, error) {
	if err := src.check("resize source"); err != nil {
		return nil, err
	}
	r := resizers.Get().(*Resizer)
	defer resizers.Put(r)
	if err := r.setup(src.W, src.H, w, h, f); err != nil {
		return nil, err
	}
	dst := &RGB{}
	if err := r.Resize(dst, src); err != nil {
		return nil, err
	}
	return dst, nil
}

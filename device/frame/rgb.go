package frame

import (
	"fmt"
	"image"
	"image/color"
)

// RGB is a packed 8-bit RGB image: W*H pixels, 3 bytes each, rows top to
// bottom, no padding.
type RGB struct {
	W, H int
	Pix  []uint8
}

// NewRGB returns a black w×h image.
func NewRGB(w, h int) *RGB {
	return &RGB{W: w, H: h, Pix: make([]uint8, w*h*3)}
}

// check reports whether m is a usable image; what names the argument in the
// error.
func (m *RGB) check(what string) error {
	if m == nil {
		return fmt.Errorf("frame: %s: nil image", what)
	}
	if m.W <= 0 || m.H <= 0 {
		return fmt.Errorf("frame: %s: empty image %d×%d", what, m.W, m.H)
	}
	if m.W > MaxPixels || m.H > MaxPixels || m.W*m.H > MaxPixels {
		return fmt.Errorf("frame: %s: image %d×%d exceeds %d pixels", what, m.W, m.H, MaxPixels)
	}
	if len(m.Pix) != m.W*m.H*3 {
		return fmt.Errorf("frame: %s: %d×%d image has %d bytes of pixels, want %d", what, m.W, m.H, len(m.Pix), m.W*m.H*3)
	}
	return nil
}

// reshape makes dst a w×h image, reusing its pixel buffer when it is large
// enough. The pixels are left as they were.
func (m *RGB) reshape(w, h int) {
	n := w * h * 3
	if cap(m.Pix) < n {
		m.Pix = make([]uint8, n)
	}
	m.W, m.H, m.Pix = w, h, m.Pix[:n]
}

// Image returns m as an *image.RGBA (opaque), e.g. to encode it with
// image/png or image/jpeg.
func (m *RGB) Image() *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i, j := 0, 0; i+2 < len(m.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = m.Pix[i], m.Pix[i+1], m.Pix[i+2], 0xff
	}
	return out
}

// FromImage converts img to RGB the way PIL's Image.convert("RGB") does for
// the matching PIL mode, so that a model sees the same bytes whichever
// library decoded the file. It returns nil for a nil img.
//
//   - Gray (PIL "L"): the level replicated into R, G and B.
//   - Gray16, RGBA64, NRGBA64 (16-bit PNGs): the high byte of each sample.
//     That is what PIL does for 16-bit RGB(A) PNGs (they open as "RGB"/"RGBA"
//     through the RGB;16B unpacker, which keeps the most significant byte).
//     For 16-bit greyscale PIL 9.4 differs: it opens the file as mode "I" and
//     "I"→"RGB" saturates every value ≥ 255 to white, which is a defect we do
//     not reproduce.
//   - NRGBA (PIL "RGBA"): alpha is dropped, not composited onto a background.
//     RGBA, being alpha-premultiplied, is first un-premultiplied exactly as
//     color.NRGBAModel does (so a fully transparent pixel becomes black).
//   - Paletted (PIL "P"): the palette colour, alpha dropped. Go's GIF decoder
//     zeroes the transparent palette entry, so those pixels come out black
//     where PIL would keep the stored RGB. An index beyond the palette is black.
//   - YCbCr (JPEG): color.YCbCrToRGB, the conversion Go's own image/draw uses
//     for decoded JPEGs. PIL goes through libjpeg(-turbo), whose IDCT, chroma
//     upsampling and colour conversion all differ, so JPEG decodes are not
//     byte-identical to PIL's (for that reason no golden uses a JPEG).
//   - CMYK: Pillow's cmyk2rgb (src/libImaging/Convert.c): with nk = 255−K,
//     each of R, G, B = nk − MULDIV255(C|M|Y, nk), where
//     MULDIV255(a, b) = (t + (t>>8)) >> 8 with t = a·b + 128
//     (a rounded a·b/255).
//   - anything else: the colour converted through color.NRGBA64Model, high
//     byte kept, alpha dropped.
func FromImage(img image.Image) *RGB {
	if img == nil {
		return nil
	}
	m := &RGB{}
	fromImageInto(m, img)
	return m
}

// fromImageInto converts img into dst, reusing dst's pixel buffer.
func fromImageInto(dst *RGB, img image.Image) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst.reshape(w, h)
	if w == 0 || h == 0 {
		return
	}
	out := dst.Pix
	switch src := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][: w*4 : w*4]
			o := out[y*w*3:][: w*3 : w*3]
			for x := 0; x < w; x++ {
				r, g, bl, a := row[x*4], row[x*4+1], row[x*4+2], row[x*4+3]
				if a != 0xff {
					r, g, bl = unpremultiply(r, a), unpremultiply(g, a), unpremultiply(bl, a)
				}
				o[x*3], o[x*3+1], o[x*3+2] = r, g, bl
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][: w*4 : w*4]
			o := out[y*w*3:][: w*3 : w*3]
			for x := 0; x < w; x++ {
				o[x*3], o[x*3+1], o[x*3+2] = row[x*4], row[x*4+1], row[x*4+2]
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:w:w]
			o := out[y*w*3:][: w*3 : w*3]
			for x, v := range row {
				o[x*3], o[x*3+1], o[x*3+2] = v, v, v
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][: w*2 : w*2]
			o := out[y*w*3:][: w*3 : w*3]
			for x := 0; x < w; x++ {
				v := row[x*2] // big-endian: the high byte comes first
				o[x*3], o[x*3+1], o[x*3+2] = v, v, v
			}
		}
	case *image.NRGBA64:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][: w*8 : w*8]
			o := out[y*w*3:][: w*3 : w*3]
			for x := 0; x < w; x++ {
				o[x*3], o[x*3+1], o[x*3+2] = row[x*8], row[x*8+2], row[x*8+4]
			}
		}
	case *image.YCbCr:
		fromYCbCr(out, src, b)
	case *image.NYCbCrA:
		fromYCbCr(out, &src.YCbCr, b)
	case *image.CMYK:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][: w*4 : w*4]
			o := out[y*w*3:][: w*3 : w*3]
			for x := 0; x < w; x++ {
				o[x*3], o[x*3+1], o[x*3+2] = cmykToRGB(row[x*4], row[x*4+1], row[x*4+2], row[x*4+3])
			}
		}
	case *image.Paletted:
		var lut [256][3]uint8 // indices beyond the palette stay black
		for i, c := range src.Palette {
			if i == len(lut) {
				break
			}
			lut[i][0], lut[i][1], lut[i][2] = colorToRGB(c)
		}
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:w:w]
			o := out[y*w*3:][: w*3 : w*3]
			for x, v := range row {
				p := &lut[v]
				o[x*3], o[x*3+1], o[x*3+2] = p[0], p[1], p[2]
			}
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out[i], out[i+1], out[i+2] = colorToRGB(img.At(x, y))
				i += 3
			}
		}
	}
}

// unpremultiply undoes alpha premultiplication of one 8-bit sample with the
// arithmetic of color.NRGBAModel (16-bit, truncating), so the fast path and
// the generic path agree.
func unpremultiply(v, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	v16, a16 := uint32(v)*0x101, uint32(a)*0x101
	return uint8((v16 * 0xffff / a16) >> 8)
}

// fromYCbCr converts the b-bounded part of src with color.YCbCrToRGB.
func fromYCbCr(out []uint8, src *image.YCbCr, b image.Rectangle) {
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yi := src.YOffset(b.Min.X, y)
		for x := b.Min.X; x < b.Max.X; x++ {
			ci := src.COffset(x, y)
			out[i], out[i+1], out[i+2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
			yi++
			i += 3
		}
	}
}

// cmykToRGB is Pillow's cmyk2rgb (src/libImaging/Convert.c); see FromImage.
func cmykToRGB(c, m, y, k uint8) (uint8, uint8, uint8) {
	nk := 255 - int32(k)
	f := func(v uint8) uint8 {
		t := int32(v)*nk + 128
		return uint8(nk - (((t >> 8) + t) >> 8)) // always in 0..nk: no clipping needed
	}
	return f(c), f(m), f(y)
}

// colorToRGB converts one colour as FromImage's generic path does.
func colorToRGB(c color.Color) (uint8, uint8, uint8) {
	switch c := c.(type) {
	case color.CMYK:
		return cmykToRGB(c.C, c.M, c.Y, c.K)
	case color.YCbCr:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.NYCbCrA:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.NRGBA:
		return c.R, c.G, c.B
	case color.Gray:
		return c.Y, c.Y, c.Y
	case nil:
		return 0, 0, 0
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)
}

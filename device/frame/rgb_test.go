package frame_test

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"lookout/device/frame"
)

// TestFromImage checks each image type against bytes worked out by hand
// from the conversion FromImage documents.
func TestFromImage(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{0, 200}

	gray16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	gray16.Pix = []uint8{0x12, 0x34, 0xff, 0x01} // big-endian 0x1234, 0xff01

	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.Pix = []uint8{10, 20, 30, 0, 40, 50, 60, 255} // alpha dropped, not composited

	// Premultiplied: (50,25,0) at alpha 128 is straight colour
	// 50·257·65535/(128·257) = 25599.6 → 25599 >> 8 = 99, and 25·… = 12799 >> 8 = 49.
	rgba := image.NewRGBA(image.Rect(0, 0, 3, 1))
	rgba.Pix = []uint8{10, 20, 30, 255, 50, 25, 0, 128, 0, 0, 0, 0}

	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
	nrgba64.Pix = []uint8{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0}

	rgba64 := image.NewRGBA64(image.Rect(0, 0, 1, 1)) // generic path
	rgba64.Set(0, 0, color.RGBA64{0x8000, 0x4000, 0, 0xffff})

	pal := image.NewPaletted(image.Rect(0, 0, 3, 1), color.Palette{color.NRGBA{1, 2, 3, 0}, color.RGBA{255, 0, 0, 255}})
	pal.Pix = []uint8{0, 1, 2} // index 2 is beyond the palette: black

	// Pillow cmyk2rgb: nk = 255-K, out = nk - MULDIV255(v, nk),
	// MULDIV255(a,b) = (t + t>>8) >> 8 with t = a·b + 128.
	//   C=255,M=0,Y=0,K=0: t=65153 → (65153+254)>>8 = 255 → R=0; G=B=255.
	//   K=255: nk=0 → black.
	//   C=100,M=50,Y=0,K=50: nk=205; t=20628 → 80 → R=125; t=10378 → 40 → G=165; B=205.
	cmyk := image.NewCMYK(image.Rect(0, 0, 3, 1))
	cmyk.Pix = []uint8{255, 0, 0, 0, 12, 34, 56, 255, 100, 50, 0, 50}

	// 4:2:0, one chroma sample for the 2×2 block: neutral chroma gives grey.
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 2), image.YCbCrSubsampleRatio420)
	copy(ycc.Y, []uint8{0, 128, 255, 16})
	ycc.Cb[0], ycc.Cr[0] = 128, 128

	alpha := image.NewAlpha(image.Rect(0, 0, 1, 1)) // generic: white at alpha 128, alpha dropped
	alpha.Pix[0] = 128

	sub := image.NewGray(image.Rect(0, 0, 3, 3)) // a sub-image with a non-zero origin
	for i := range sub.Pix {
		sub.Pix[i] = uint8(i)
	}

	for _, tc := range []struct {
		name string
		img  image.Image
		want []uint8
	}{
		{"Gray", gray, []uint8{0, 0, 0, 200, 200, 200}},
		{"Gray16", gray16, []uint8{0x12, 0x12, 0x12, 0xff, 0xff, 0xff}},
		{"NRGBA", nrgba, []uint8{10, 20, 30, 40, 50, 60}},
		{"RGBA", rgba, []uint8{10, 20, 30, 99, 49, 0, 0, 0, 0}},
		{"NRGBA64", nrgba64, []uint8{0x12, 0x56, 0x9a}},
		{"RGBA64", rgba64, []uint8{0x80, 0x40, 0}},
		{"Paletted", pal, []uint8{1, 2, 3, 255, 0, 0, 0, 0, 0}},
		{"CMYK", cmyk, []uint8{0, 255, 255, 0, 0, 0, 125, 165, 205}},
		{"YCbCr", ycc, []uint8{0, 0, 0, 128, 128, 128, 255, 255, 255, 16, 16, 16}},
		{"Alpha", alpha, []uint8{255, 255, 255}},
		{"Gray sub-image", sub.SubImage(image.Rect(1, 1, 3, 3)), []uint8{4, 4, 4, 5, 5, 5, 7, 7, 7, 8, 8, 8}},
	} {
		got := frame.FromImage(tc.img)
		b := tc.img.Bounds()
		if got.W != b.Dx() || got.H != b.Dy() || !bytes.Equal(got.Pix, tc.want) {
			t.Errorf("%s: got %d×%d %v, want %d×%d %v", tc.name, got.W, got.H, got.Pix, b.Dx(), b.Dy(), tc.want)
		}
	}
	if frame.FromImage(nil) != nil {
		t.Error("FromImage(nil) is not nil")
	}
}

// opaque hides an image's concrete type, forcing FromImage's generic path.
type opaque struct{ image.Image }

// TestFromImageFastPaths checks that every fast path gives what the
// per-pixel generic path gives, on random images and odd sub-rectangles.
func TestFromImageFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(b []uint8) {
		for i := range b {
			b[i] = uint8(rng.IntN(256))
		}
	}
	r := image.Rect(0, 0, 7, 5)
	rgba := image.NewRGBA(r)
	fill(rgba.Pix)
	for i := 0; i < len(rgba.Pix); i += 4 { // keep it validly premultiplied
		a := rgba.Pix[i+3]
		for c := range 3 {
			rgba.Pix[i+c] = uint8(uint32(rgba.Pix[i+c]) * uint32(a) / 255)
		}
	}
	nrgba := image.NewNRGBA(r)
	fill(nrgba.Pix)
	gray := image.NewGray(r)
	fill(gray.Pix)
	gray16 := image.NewGray16(r)
	fill(gray16.Pix)
	nrgba64 := image.NewNRGBA64(r)
	fill(nrgba64.Pix)
	cmyk := image.NewCMYK(r)
	fill(cmyk.Pix)
	pal := image.NewPaletted(r, nil)
	for range 200 {
		pal.Palette = append(pal.Palette, color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))})
	}
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(len(pal.Palette))) // image.Paletted.At panics beyond the palette
	}
	var imgs = map[string]image.Image{
		"RGBA": rgba, "NRGBA": nrgba, "Gray": gray, "Gray16": gray16, "NRGBA64": nrgba64, "CMYK": cmyk, "Paletted": pal,
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420} {
		y := image.NewYCbCr(r, ratio)
		fill(y.Y)
		fill(y.Cb)
		fill(y.Cr)
		imgs["YCbCr"+ratio.String()] = y
		a := image.NewNYCbCrA(r, ratio)
		fill(a.Y)
		fill(a.Cb)
		fill(a.Cr)
		fill(a.A)
		imgs["NYCbCrA"+ratio.String()] = a
	}
	type subImager interface {
		SubImage(image.Rectangle) image.Image
	}
	for name, img := range imgs {
		for _, rect := range []image.Rectangle{r, image.Rect(1, 1, 6, 4), image.Rect(3, 2, 4, 5)} {
			part := img.(subImager).SubImage(rect)
			got, want := frame.FromImage(part), frame.FromImage(opaque{part})
			if !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("%s %v: fast path %v, generic path %v", name, rect, got.Pix, want.Pix)
			}
		}
	}
}

// TestImageRoundTrip checks that RGB.Image gives an opaque image that
// converts back to the same bytes.
func TestImageRoundTrip(t *testing.T) {
	m := randomRGB(rand.New(rand.NewPCG(13, 14)), 5, 3)
	img := m.Image()
	if !img.Opaque() {
		t.Error("Image() is not opaque")
	}
	if back := frame.FromImage(img); back.W != 5 || back.H != 3 || !bytes.Equal(back.Pix, m.Pix) {
		t.Error("FromImage(m.Image()) differs from m")
	}
}

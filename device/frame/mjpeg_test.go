package frame_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"lookout/device/frame"
)

// gradient is a smooth test picture (JPEG-friendly, every colour present).
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 127 / (w + h)), 255})
		}
	}
	return m
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stripDHT removes every DHT segment before the first scan, as UVC cameras
// do. Go's encoder writes exactly the Annex K tables, so putting the
// standard tables back must restore the image.
func stripDHT(t testing.TB, data []byte) []byte {
	t.Helper()
	out := append([]byte(nil), data[:2]...)
	i := 2
	stripped := 0
	for {
		if i+4 > len(data) || data[i] != 0xff {
			t.Fatalf("stripDHT: bad marker at %d", i)
		}
		m := data[i+1]
		if m == 0xda {
			if stripped == 0 {
				t.Fatal("stripDHT: no DHT segment found")
			}
			return append(out, data[i:]...)
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m == 0xc4 {
			stripped++
		} else {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
}

func TestMJPEG(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 37, 21))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"colour 4:2:0 64×48", gradient(64, 48)},
		{"colour odd size 33×17", gradient(33, 17)},
		{"grey 37×21", gray},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := encodeJPEG(t, tc.img)
			ref, err := jpeg.Decode(bytes.NewReader(full))
			if err != nil {
				t.Fatal(err)
			}
			want := frame.FromImage(ref)
			bare := stripDHT(t, full)
			if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
				t.Fatal("image/jpeg decoded a frame without Huffman tables; the test proves nothing")
			}
			for name, data := range map[string][]byte{"without DHT": bare, "with DHT": full} {
				got, err := frame.MJPEG(data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("%s: decoded frame differs from image/jpeg's decode of the original", name)
				}
			}
			// MJPEGInto reuses a large enough buffer.
			dst := frame.NewRGB(100, 100)
			p := &dst.Pix[0]
			if err := frame.MJPEGInto(dst, bare); err != nil {
				t.Fatal(err)
			}
			if &dst.Pix[0] != p || !bytes.Equal(dst.Pix, want.Pix) {
				t.Error("MJPEGInto did not reuse the buffer or decoded other pixels")
			}
		})
	}
}

func TestMJPEGErrors(t *testing.T) {
	bare := stripDHT(t, encodeJPEG(t, gradient(96, 64)))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "does not start with a JPEG SOI marker"},
		{"PNG bytes", []byte("\x89PNG\r\n\x1a\n...."), "does not start with a JPEG SOI marker"},
		{"SOI and EOI only", []byte{0xff, 0xd8, 0xff, 0xd9}, "mjpeg: bad header"},
		{"truncated header", bare[:40], "mjpeg: bad"},
		{"truncated scan", bare[:len(bare)-200], "mjpeg: bad data"},
		{"bad segment length", append([]byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01}, bare[2:]...), "mjpeg: bad"},
	} {
		_, err := frame.MJPEG(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Every truncation and many single-byte corruptions: an error or an
	// image, never a panic (the fuzz target explores further).
	for n := range len(bare) {
		frame.MJPEG(bare[:n])
	}
	for i := 2; i < len(bare); i += 7 {
		c := bytes.Clone(bare)
		c[i] ^= 0x5a
		if m, err := frame.MJPEG(c); err == nil && len(m.Pix) != m.W*m.H*3 {
			t.Fatalf("corrupt byte %d: inconsistent image %d×%d with %d bytes", i, m.W, m.H, len(m.Pix))
		}
	}
	if err := frame.MJPEGInto(nil, bare); err == nil {
		t.Error("MJPEGInto(nil, ...) gave no error")
	}
}

// FuzzMJPEG checks that no input panics or yields an inconsistent image.
// make test runs only the seed corpus; explore with
// go test -fuzz FuzzMJPEG ./device/frame/.
func FuzzMJPEG(f *testing.F) {
	full := encodeJPEG(f, gradient(24, 16))
	bare := stripDHT(f, full)
	f.Add(full)
	f.Add(bare)
	f.Add(bare[:len(bare)/2])
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xff, 0xff, 0xc4})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := frame.MJPEG(data)
		if err != nil {
			return
		}
		if m.W <= 0 || m.H <= 0 || len(m.Pix) != m.W*m.H*3 {
			t.Fatalf("inconsistent image %d×%d with %d bytes", m.W, m.H, len(m.Pix))
		}
	})
}

func BenchmarkMJPEG(b *testing.B) {
	bare := stripDHT(b, encodeJPEG(b, gradient(640, 480)))
	dst := &frame.RGB{}
	b.SetBytes(int64(len(bare)))
	b.ReportAllocs()
	for b.Loop() {
		if err := frame.MJPEGInto(dst, bare); err != nil {
			b.Fatal(err)
		}
	}
}

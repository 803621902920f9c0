package frame_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lookout/device/frame"
)

func TestDecodeFormats(t *testing.T) {
	src := gradient(20, 10)
	want := frame.FromImage(src)

	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, src); err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(src.Bounds(), color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{200, 100, 50, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 2)
	}
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	jpg := encodeJPEG(t, src)

	for _, tc := range []struct {
		name string
		data []byte
		want *frame.RGB
	}{
		{"png", pngBuf.Bytes(), want},
		{"gif", gifBuf.Bytes(), frame.FromImage(pal)},
		{"jpeg", jpg, mustMJPEG(t, jpg)},
		{"jpeg without DHT", stripDHT(t, jpg), mustMJPEG(t, jpg)},
	} {
		got, err := frame.Decode(bytes.NewReader(tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.W != tc.want.W || got.H != tc.want.H || !bytes.Equal(got.Pix, tc.want.Pix) {
			t.Errorf("%s: decoded image differs", tc.name)
		}
	}
}

func mustMJPEG(t *testing.T, data []byte) *frame.RGB {
	t.Helper()
	m, err := frame.MJPEG(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pngWithSize returns a valid 1×1 PNG whose IHDR claims w×h.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// 8-byte signature, 4-byte length, "IHDR", then width and height; the
	// chunk's CRC covers type and data (13 bytes).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestDecodeErrors(t *testing.T) {
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, gradient(8, 8)); err != nil {
		t.Fatal(err)
	}
	good := pngBuf.Bytes()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unknown image format"},
		{"text", []byte("hello, world"), "unknown image format (starts with 68 65 6c"},
		{"bmp", []byte("BM\x00\x00\x00\x00"), "want PNG, JPEG or GIF"},
		{"truncated png", good[:len(good)/2], "frame: png: bad data"},
		{"png header only", good[:20], "frame: png: bad header"},
		{"png bomb", pngWithSize(t, 100000, 100000), "frame: png: bad header: image 100000×100000 exceeds"},
		{"gif garbage", []byte("GIF89a\x01"), "frame: gif: bad header"},
		{"jpeg garbage", []byte{0xff, 0xd8, 0x00}, "frame: jpeg: bad header"},
	} {
		_, err := frame.Decode(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, gradient(8, 4)); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.png")
	bad := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(good, pngBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, pngBuf.Bytes()[:30], 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := frame.Load(good)
	if err != nil || m.W != 8 || m.H != 4 {
		t.Fatalf("Load(good.png) = %v, %v", m, err)
	}
	for _, tc := range []struct{ path, want string }{
		{bad, "frame: " + bad + ": png: bad"},
		{filepath.Join(dir, "missing.png"), "missing.png"},
	} {
		_, err := frame.Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): error %v, want one containing %q", tc.path, err, tc.want)
		}
	}
}

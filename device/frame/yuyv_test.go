package frame_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"lookout/device/frame"
)

// TestYUYV checks known BT.601 limited-range colours, worked out with the
// formula in YUYV's doc comment.
func TestYUYV(t *testing.T) {
	// 2×4 frame: Y0 U Y1 V per pixel pair, one pair per row.
	buf := []byte{
		16, 128, 235, 128, // black (C=0), white (298·219+128 = 65390 → 255)
		126, 128, 126, 128, // mid grey: 298·110+128 = 32908 → 128
		81, 90, 81, 240, // red: R=(19370+45808+128)>>8=255, G=(19370+3800−23296+128)>>8=0, B=(19370−19608+128)>>8 → 0
		145, 54, 41, 34, // green Y=145: (0,255,1); Y=41 with the same chroma: R=(7450−38446+128)>>8 → 0, G=(7450+7400+19552+128)>>8=134, B=(7450−38184+128)>>8 → 0
		0xAA, 0xBB, // trailing bytes past w·h·2 are ignored
	}
	want := []uint8{
		0, 0, 0, 255, 255, 255,
		128, 128, 128, 128, 128, 128,
		255, 0, 0, 255, 0, 0,
		0, 255, 1, 0, 134, 0,
	}
	got, err := frame.YUYV(buf, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got.W != 2 || got.H != 4 || !bytes.Equal(got.Pix, want) {
		t.Errorf("YUYV = %d×%d %v,\nwant 2×4 %v", got.W, got.H, got.Pix, want)
	}
	// Blue: Y=41, U=240, V=110 → R=(7450−7362+128)>>8=0, G=(7450−11200+3744+128)>>8=0, B=(7450+57792+128)>>8=255.
	blue, err := frame.YUYV([]byte{41, 240, 41, 110}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blue.Pix, []uint8{0, 0, 255, 0, 0, 255}) {
		t.Errorf("blue = %v", blue.Pix)
	}
	// YUYVInto reuses the destination's buffer.
	dst := frame.NewRGB(8, 8)
	p := &dst.Pix[0]
	if err := frame.YUYVInto(dst, buf, 2, 4); err != nil {
		t.Fatal(err)
	}
	if &dst.Pix[0] != p || !bytes.Equal(dst.Pix, want) {
		t.Error("YUYVInto did not reuse the buffer or gave other pixels")
	}
}

func TestYUYVErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		buf  []byte
		w, h int
		want string
	}{
		{"odd width", make([]byte, 100), 3, 2, "width 3 is odd"},
		{"short buffer", make([]byte, 15), 4, 2, "buffer holds 15 bytes, a 4×2 frame needs 16"},
		{"nil buffer", nil, 2, 1, "buffer holds 0 bytes"},
		{"zero height", make([]byte, 16), 4, 0, "empty image"},
		{"negative width", make([]byte, 16), -2, 2, "empty image"},
		{"huge", make([]byte, 16), 1 << 16, 1 << 16, "exceeds"},
	} {
		_, err := frame.YUYV(tc.buf, tc.w, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if err := frame.YUYVInto(nil, make([]byte, 4), 2, 1); err == nil {
		t.Error("YUYVInto(nil, ...) gave no error")
	}
}

func BenchmarkYUYV(b *testing.B) {
	buf := make([]byte, 640*480*2)
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range buf {
		buf[i] = uint8(rng.IntN(256))
	}
	dst := &frame.RGB{}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := frame.YUYVInto(dst, buf, 640, 480); err != nil {
			b.Fatal(err)
		}
	}
}

package frame

import "fmt"

// YUYV converts a V4L2 YUYV 4:2:2 frame (V4L2_PIX_FMT_YUYV, also called
// YUY2: bytes Y0 U Y1 V for each pair of pixels, rows packed) to RGB.
// w must be even. buf may be longer than w·h·2 (V4L2 reports a sizeimage that
// can include padding at the end); rows must not be padded
// (bytesperline = 2·w).
//
// Webcams send BT.601 limited ("studio") range: Y in 16..235, U and V in
// 16..240 centred on 128. The conversion is the usual 8-bit integer form of
// that matrix, the one ffmpeg's and most V4L2 tools' defaults approximate:
//
//	C = Y − 16, D = U − 128, E = V − 128
//	R = clip((298·C + 409·E + 128) >> 8)
//	G = clip((298·C − 100·D − 208·E + 128) >> 8)
//	B = clip((298·C + 516·D + 128) >> 8)
//
// (coefficients are 256 × 1.164, 1.596, 0.391, 0.813, 2.018; +128 rounds to
// nearest; >> is an arithmetic shift; clip saturates to 0..255). So Y=16 is
// black and Y=235 white, with neutral chroma giving grey.
func YUYV(buf []byte, w, h int) (*RGB, error) {
	m := &RGB{}
	if err := YUYVInto(m, buf, w, h); err != nil {
		return nil, err
	}
	return m, nil
}

// YUYVInto is YUYV writing into dst, reusing its pixel buffer when large
// enough.
func YUYVInto(dst *RGB, buf []byte, w, h int) error {
	if dst == nil {
		return fmt.Errorf("frame: yuyv: nil destination")
	}
	if err := checkSize(w, h); err != nil {
		return fmt.Errorf("frame: yuyv: %w", err)
	}
	if w%2 != 0 {
		return fmt.Errorf("frame: yuyv: width %d is odd; YUYV pairs pixels, so the width must be even", w)
	}
	n := w * h * 2
	if len(buf) < n {
		return fmt.Errorf("frame: yuyv: buffer holds %d bytes, a %d×%d frame needs %d", len(buf), w, h, n)
	}
	dst.reshape(w, h)
	src := buf[:n:n]
	out := dst.Pix[: w*h*3 : w*h*3]
	for i := 0; i < w*h/2; i++ {
		q := src[i*4:][:4:4]
		o := out[i*6:][:6:6]
		d, e := int32(q[1])-128, int32(q[3])-128
		rv := 409*e + 128
		gv := -100*d - 208*e + 128
		bv := 516*d + 128
		c0, c1 := 298*(int32(q[0])-16), 298*(int32(q[2])-16)
		o[0], o[1], o[2] = clipShift8(c0+rv), clipShift8(c0+gv), clipShift8(c0+bv)
		o[3], o[4], o[5] = clipShift8(c1+rv), clipShift8(c1+gv), clipShift8(c1+bv)
	}
	return nil
}

// clipShift8 is clip(v >> 8) to 0..255 (min and max compile to
// conditional moves: no mispredicted branches on saturated colours).
func clipShift8(v int32) uint8 {
	return uint8(min(max(v>>8, 0), 255))
}

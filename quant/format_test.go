package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

func TestBlockStructSizes(t *testing.T) {
	tests := []struct {
		typ  Type
		size uintptr
	}{
		{Q8_0, unsafe.Sizeof(BlockQ8_0{})},
		{Q4_0, unsafe.Sizeof(BlockQ4_0{})},
	}
	for _, tt := range tests {
		if want := Formats[tt.typ].BlockBytes; int64(tt.size) != want {
			t.Errorf("%s: block struct is %d bytes, Formats says %d", tt.typ, tt.size, want)
		}
	}
}

// TestFormatsGeometry pins every table entry to ggml: block lengths and
// sizes are sizeof(block_*) from ggml-common.h and blck_size from
// type_traits in ggml.c (ggml-org/ggml d99724f, 2026-08-21), names are its
// type_name strings.
func TestFormatsGeometry(t *testing.T) {
	tests := []struct {
		typ        Type
		name       string
		blockLen   int64
		blockBytes int64
		codec      bool
	}{
		{F32, "f32", 1, 4, true},
		{F16, "f16", 1, 2, true},
		{Q4_0, "q4_0", 32, 18, true},
		{Q4_1, "q4_1", 32, 20, false},
		{Q5_0, "q5_0", 32, 22, false},
		{Q5_1, "q5_1", 32, 24, false},
		{Q8_0, "q8_0", 32, 34, true},
		{Q8_1, "q8_1", 32, 36, false},
		{Q2_K, "q2_K", 256, 84, false},
		{Q3_K, "q3_K", 256, 110, false},
		{Q4_K, "q4_K", 256, 144, false},
		{Q5_K, "q5_K", 256, 176, false},
		{Q6_K, "q6_K", 256, 210, false},
		{Q8_K, "q8_K", 256, 292, false},
		{IQ2_XXS, "iq2_xxs", 256, 66, false},
		{IQ2_XS, "iq2_xs", 256, 74, false},
		{IQ3_XXS, "iq3_xxs", 256, 98, false},
		{IQ1_S, "iq1_s", 256, 50, false},
		{IQ4_NL, "iq4_nl", 32, 18, false},
		{IQ3_S, "iq3_s", 256, 110, false},
		{IQ2_S, "iq2_s", 256, 82, false},
		{IQ4_XS, "iq4_xs", 256, 136, false},
		{I8, "i8", 1, 1, false},
		{I16, "i16", 1, 2, false},
		{I32, "i32", 1, 4, false},
		{I64, "i64", 1, 8, false},
		{F64, "f64", 1, 8, false},
		{IQ1_M, "iq1_m", 256, 56, false},
		{BF16, "bf16", 1, 2, true},
		{TQ1_0, "tq1_0", 256, 54, false},
		{TQ2_0, "tq2_0", 256, 66, false},
		{MXFP4, "mxfp4", 32, 17, false},
		// Retired from ggml in 2024 (GGML_TYPE_Q4_0_4_4: type_name
		// "q4_0_4x4", blck_size QK4_0, type_size sizeof(block_q4_0));
		// decoded through DequantizeRows, so Supported with no Quantize.
		{Q4_0_4_4, "q4_0_4x4", 32, 18, false},
	}
	seen := map[Type]bool{}
	for _, tt := range tests {
		seen[tt.typ] = true
		f, err := tt.typ.Format()
		if err != nil {
			t.Errorf("type %d: %v", tt.typ, err)
			continue
		}
		if f.Type != tt.typ || f.Name != tt.name || f.BlockLen != tt.blockLen || f.BlockBytes != tt.blockBytes {
			t.Errorf("Formats[%d] = {%d %q %d %d}, want {%d %q %d %d}",
				tt.typ, f.Type, f.Name, f.BlockLen, f.BlockBytes, tt.typ, tt.name, tt.blockLen, tt.blockBytes)
		}
		if f.Supported() != (tt.codec || f.Interleave > 1) || (f.Quantize != nil) != tt.codec {
			t.Errorf("%s: Supported() = %v, Quantize set = %v, want %v", tt.name, f.Supported(), f.Quantize != nil, tt.codec)
		}
	}
	for i, f := range Formats {
		if f.Name != "" && !seen[Type(i)] {
			t.Errorf("Formats[%d] (%s) is not covered by this test", i, f.Name)
		}
	}
}

// TestCodecsThroughTable runs every supported codec through Formats on the
// same data and checks the round trip against each format's own bound.
func TestCodecsThroughTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 32 * 64
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	for _, f := range Formats {
		if f.Quantize == nil || f.Dequantize == nil {
			continue // no codec, or an interleaved one (q4_0_4x4_test.go)
		}
		t.Run(f.Name, func(t *testing.T) {
			buf := make([]byte, n/f.BlockLen*f.BlockBytes)
			got := make([]float32, n)
			f.Quantize(buf, src)
			f.Dequantize(got, buf)
			for i := range src {
				// Relative to the block maximum |x| ≤ 4.5 or so: generous
				// per-format bounds; the format tests check tight ones.
				tol := map[string]float64{"f32": 0, "f16": 1e-3, "bf16": 1.6e-2, "q8_0": 0.03, "q4_0": 0.8}[f.Name]
				if d := math.Abs(float64(src[i] - got[i])); d > tol*math.Max(1, math.Abs(float64(src[i]))) {
					t.Fatalf("value %d: %g came back as %g", i, src[i], got[i])
				}
			}
			// For the float formats, dequantized values are representable,
			// so quantizing them again must give the same bytes.
			if f.BlockLen == 1 {
				buf2 := make([]byte, len(buf))
				f.Quantize(buf2, got)
				if string(buf) != string(buf2) {
					t.Errorf("quantize(dequantize(b)) != b")
				}
			}
		})
	}
}

func TestCodecLengthMismatchPanics(t *testing.T) {
	for _, f := range Formats {
		if f.Quantize == nil || f.Dequantize == nil {
			continue // no codec, or an interleaved one (q4_0_4x4_test.go)
		}
		bl, bb := int(f.BlockLen), int(f.BlockBytes)
		cases := []struct {
			what   string
			values int
			bytes  int
			want   string
		}{
			{"short byte slice", 2 * bl, 2*bb - 1, "bytes"},
			{"long byte slice", 2 * bl, 2*bb + 1, "bytes"},
		}
		if bl > 1 {
			cases = append(cases, struct {
				what   string
				values int
				bytes  int
				want   string
			}{"partial block", bl + 1, 2 * bb, "not a multiple of the block length"})
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", f.Name, c.what), func(t *testing.T) {
				for _, op := range []string{"quantize", "dequantize"} {
					msg := catchPanic(func() {
						if op == "quantize" {
							f.Quantize(make([]byte, c.bytes), make([]float32, c.values))
						} else {
							f.Dequantize(make([]float32, c.values), make([]byte, c.bytes))
						}
					})
					if !strings.Contains(msg, f.Name+" "+op) || !strings.Contains(msg, c.want) {
						t.Errorf("%s with %d values and %d bytes: panic %q, want one naming %q and %q",
							op, c.values, c.bytes, msg, f.Name+" "+op, c.want)
					}
				}
			})
		}
	}
	msg := catchPanic(func() { QuantizeQ8_0Act(make([]byte, 33), make([]float32, 32)) })
	if !strings.Contains(msg, "q8_0 activation quantize") {
		t.Errorf("QuantizeQ8_0Act: panic %q", msg)
	}
	msg = catchPanic(func() { F16ToF32Row(make([]float32, 3), make([]uint16, 4)) })
	if !strings.Contains(msg, "F16ToF32Row") {
		t.Errorf("F16ToF32Row: panic %q", msg)
	}
	msg = catchPanic(func() { F32ToF16Row(make([]uint16, 4), make([]float32, 3)) })
	if !strings.Contains(msg, "F32ToF16Row") {
		t.Errorf("F32ToF16Row: panic %q", msg)
	}
}

// catchPanic runs f and returns its panic message, or "" if it returned.
func catchPanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestFloatCodecsLittleEndian(t *testing.T) {
	src := []float32{1, -2, float32(math.Inf(1))}
	tests := []struct {
		typ  Type
		want []byte
	}{
		{F32, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0x80, 0x7f}},
		{F16, []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c}},
		{BF16, []byte{0x80, 0x3f, 0x00, 0xc0, 0x80, 0x7f}},
	}
	for _, tt := range tests {
		f := Formats[tt.typ]
		got := make([]byte, len(tt.want))
		f.Quantize(got, src)
		if string(got) != string(tt.want) {
			t.Errorf("%s: quantize(%v) = % x, want % x", f.Name, src, got, tt.want)
		}
		back := make([]float32, len(src))
		f.Dequantize(back, got)
		for i := range src {
			if back[i] != src[i] {
				t.Errorf("%s: dequantize gave %v, want %v", f.Name, back, src)
				break
			}
		}
	}
	// Unaligned source bytes (as inside an mmapped file) must decode too.
	buf := make([]byte, 13)
	Formats[F32].Quantize(buf[1:], src)
	got := make([]float32, 3)
	Formats[F32].Dequantize(got, buf[1:])
	if got[0] != 1 || got[1] != -2 || !math.IsInf(float64(got[2]), 1) {
		t.Errorf("f32 from offset 1: %v", got)
	}
}

package quant

import (
	"errors"
	"math"
	"testing"
)

func TestTensorBytes(t *testing.T) {
	tests := []struct {
		typ  Type
		dims []int64
		want int64
		err  error
	}{
		{F32, []int64{64, 262144}, 64 * 262144 * 4, nil},
		{Q4_0, []int64{64, 262144}, 2 * 262144 * 18, nil},
		{Q8_0, []int64{2560, 10240}, 80 * 10240 * 34, nil},
		{Q6_K, []int64{2560, 262208}, 10 * 262208 * 210, nil},
		{F16, []int64{5, 0}, 0, nil},
		{Q4_0, []int64{33}, 0, ErrSize},                        // row not whole blocks
		{Q4_0, []int64{-32}, 0, ErrSize},                       // negative
		{F32, []int64{4, -1}, 0, ErrSize},                      // negative
		{F32, []int64{1 << 31, 1 << 31}, 0, ErrSize},           // 2^64 bytes
		{Q8_0, []int64{math.MaxInt64 - 31, 1}, 0, ErrSize},     // blocks × 34 overflow
		{F32, nil, 0, ErrSize},                                 // no dims
		{Type(4), []int64{32}, 0, ErrUnknownType},              // retired id
		{Type(math.MaxUint32), []int64{32}, 0, ErrUnknownType}, // must not index out of range
	}
	for _, tt := range tests {
		got, err := TensorBytes(tt.typ, tt.dims)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("TensorBytes(%s, %v) = %d, %v; want %d, %v", tt.typ, tt.dims, got, err, tt.want, tt.err)
		}
	}
	if n, err := Elements([]int64{1 << 32, 1 << 32}); !errors.Is(err, ErrSize) {
		t.Errorf("Elements overflow: %d, %v", n, err)
	}
	if n, err := Elements([]int64{3, 5, 7}); err != nil || n != 105 {
		t.Errorf("Elements = %d, %v", n, err)
	}
}

func TestTypeNames(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Type
		err  error
	}{
		{"q4_0", Q4_0, nil}, {"Q8_0", Q8_0, nil}, {"BF16", BF16, nil}, {"q6_k", Q6_K, nil},
		{"q4", 0, ErrUnknownType}, {"", 0, ErrUnknownType},
	} {
		got, err := ParseType(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParseType(%q) = %v, %v", tt.in, got, err)
		}
	}
	if s := Type(1000).String(); s != "type(1000)" {
		t.Errorf("unknown type prints as %q", s)
	}
	if Type(math.MaxUint32).Known() || Type(5).Known() || !Q4_0.Known() {
		t.Error("Known is wrong")
	}
}

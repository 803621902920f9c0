package frame

import (
	"slices"
	"testing"
)

// TestStandardDHT checks the Annex K tables' structure: code counts match
// the symbol lists, and each AC table holds exactly the 162 run/size
// symbols (EOB 0x00, ZRL 0xf0, and run 0..15 × size 1..10), so a typo in
// the byte lists cannot slip through. TestMJPEG checks the order (Go's
// encoder writes the same tables).
func TestStandardDHT(t *testing.T) {
	if len(standardDHT) != 2+418 || standardDHT[2] != 0x01 || standardDHT[3] != 0xa2 {
		t.Fatalf("DHT segment is %d bytes with length field % x, want 420 and 01 a2", len(standardDHT), standardDHT[2:4])
	}
	var want []byte
	want = append(want, 0x00, 0xf0)
	for run := range 16 {
		for size := 1; size <= 10; size++ {
			want = append(want, byte(run<<4|size))
		}
	}
	slices.Sort(want)
	for name, syms := range map[string][]byte{"AC luminance (K.5)": acLuminance, "AC chrominance (K.6)": acChrominance} {
		got := slices.Clone(syms)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: symbols are not the 162 run/size values", name)
		}
	}
	body := standardDHT[4:]
	for len(body) > 0 {
		n := 0
		for _, c := range body[1:17] {
			n += int(c)
		}
		body = body[17+n:]
	}
}

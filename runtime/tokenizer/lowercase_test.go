package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLowercase: special cases of the full lowercase mapping. The expected
// strings are what JavaScript's toLowerCase returned for the inputs (Node
// 20.20.2, ICU 78.2, Unicode 17), the reference of the SigLIP 2 tokenizer
// goldens.
func TestLowercase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HELLO World", "hello world"},
		{"İstanbul", "i\u0307stanbul"},
		{"DİYARBAKIR", "di\u0307yarbakir"},
		{"ΣΑΣ", "σας"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"},
		{"Σ", "σ"},
		{"AΣ", "aς"},
		{"AΣB", "aσb"},
		{"AΣ.", "aς."},
		{"A.Σ", "a.ς"},
		{"A'Σ'", "a'ς'"},
		{"AΣ'B", "aσ'b"},
		{"ΌΣΟΣ ΣΕ ΣΟΦΌΣ.", "όσος σε σοφός."},
		{"Σ.Σ", "σ.ς"},
		{"1Σ", "1σ"},
		{"ǅǄǆ", "ǆǆǆ"},
		{"ÀÉÎÕÜ ÆØÅ ẞ", "àéîõü æøå ß"},
		{"КИРИЛЛИЦА", "кириллица"},
		{"ⅠⅡⅢ Ⓐ", "ⅰⅱⅲ ⓐ"},
		{"𐐀𐐁", "𐐨𐐩"},
		{"aΣ\u0301", "aς\u0301"},
		{"aΣ\u0301b", "aσ\u0301b"},
		{"A\u00ADΣ", "a\u00ADς"},
		{"ªΣ", "ªς"},
		{"ʰΣ", "ʰσ"},
		{"\u0345Σ", "\u0345σ"},
		{"Σ\u0345", "σ\u0345"},
		{"aΣ\u0345", "aς\u0345"},
		{"TÜRKİYE'DE", "türki\u0307ye'de"},
		{"ＡＢＣ", "ａｂｃ"},
		{"Ωμέγα ΚΑΙ Σίγμα", "ωμέγα και σίγμα"},
		{"already lower", "already lower"},
		{"", ""},
	} {
		if got := Lowercase(tc.in); got != tc.want {
			t.Errorf("Lowercase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Invalid UTF-8 is kept byte for byte (strings.ToLower would write
	// U+FFFD), so the tokenizer's byte fallback still sees it.
	if got := Lowercase("A\xffB\xe2\x82"); got != "a\xffb\xe2\x82" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	// Everywhere else it is strings.ToLower.
	var all strings.Builder
	for r := rune(0); r < 0x20000; r++ {
		if r == 'İ' || r == 'Σ' || (r >= 0xD800 && r < 0xE000) {
			continue
		}
		all.WriteRune(r)
	}
	if s := all.String(); Lowercase(s) != strings.ToLower(s) {
		t.Error("Lowercase and strings.ToLower differ outside İ and Σ")
	}
}

func BenchmarkLowercase(b *testing.B) {
	s := "A Photo Of Two Cats On A SOFA, ΟΔΥΣΣΕΥΣ"
	for b.Loop() {
		Lowercase(s)
	}
}

// FuzzLowercase: never panics, keeps valid UTF-8 valid, is idempotent, and
// is strings.ToLower on valid text without İ or Σ.
func FuzzLowercase(f *testing.F) {
	for _, s := range []string{"ΟΔΥΣΣΕΥΣ", "İ", "AΣ'B", "a\xffΣ", "Σ\u0345x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		low := Lowercase(s)
		if utf8.ValidString(s) {
			if !utf8.ValidString(low) {
				t.Fatalf("Lowercase(%q) = %q is not valid UTF-8", s, low)
			}
			if !strings.ContainsAny(s, "İΣ") && low != strings.ToLower(s) {
				t.Fatalf("Lowercase(%q) = %q, strings.ToLower gives %q", s, low, strings.ToLower(s))
			}
		}
		if again := Lowercase(low); again != low {
			t.Fatalf("not idempotent: %q → %q → %q", s, low, again)
		}
	})
}

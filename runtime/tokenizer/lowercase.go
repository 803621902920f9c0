package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lowercase returns s with the full Unicode lowercase mapping applied, as
// JavaScript's String.prototype.toLowerCase does (V8 through ICU): SigLIP 2
// was trained on text lowercased that way, and its tokenizer goldens were
// made with it. It differs from strings.ToLower, which applies the simple
// one-rune mapping, in two places:
//
//   - İ (U+0130) becomes "i̇" (i followed by U+0307 COMBINING DOT ABOVE),
//     its SpecialCasing.txt mapping, not a plain "i";
//   - Σ (U+03A3) becomes final ς (U+03C2) when it ends a word (the
//     Final_Sigma condition: preceded by a cased letter and not followed by
//     one, case-ignorable characters skipped both ways, as ICU skips them),
//     and σ otherwise.
//
// Hugging Face tokenizers' Lowercase normalizer maps each character on its
// own (Rust's char::to_lowercase), so it agrees with this except that it
// always writes σ; JavaScript is the reference here. The language-specific
// mappings (Lithuanian, Turkish, Azeri) are not applied, as toLowerCase does
// not apply them. Bytes that are not valid UTF-8 are kept as they are, so
// that the tokenizer still sees them.
func Lowercase(s string) string {
	// Fast path: nothing to change (ASCII lower case, digits, punctuation).
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			break
		}
		if 'A' <= c && c <= 'Z' {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteByte(s[i]) // invalid UTF-8: keep the byte
		case r == 'İ':
			b.WriteString("i\u0307")
		case r == 'Σ':
			if finalSigma(s, i, i+n) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += n
	}
	return b.String()
}

// finalSigma reports the Final_Sigma condition for the Σ at s[start:end]:
// a cased letter before it and none after it, skipping case-ignorable
// characters.
func finalSigma(s string, start, end int) bool {
	before := false
	for j := start; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if caseIgnorable(r) {
			continue
		}
		before = cased(r)
		break
	}
	if !before {
		return false
	}
	for j := end; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if caseIgnorable(r) {
			continue
		}
		return !cased(r)
	}
	return true
}

// cased is Unicode's Cased property: Lowercase, Uppercase or Lt.
func cased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk,
// and the Word_Break classes MidLetter, MidNumLet and Single_Quote.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019', '\u2024', '\u2027',
		'\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

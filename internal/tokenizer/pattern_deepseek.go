package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// patDeepSeek is the third Split pattern of DeepSeek-V3's pre-tokenizer (the
// first two, for digits and CJK runs, run on Go's regexp). The "\r\n" in it
// are literal CR and LF characters, as in the tokenizer.json.
const patDeepSeek = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"

func isPS(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return r > ' ' && r < 0x7f && asciiClass[r] == clsOther
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

func isLM(r rune) bool { return isL(r) || (r >= utf8.RuneSelf && unicode.Is(unicode.M, r)) }

func isASCIILetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

// matchDeepSeek may find no match at i (a digit, say): the text between
// matches stays a piece of its own, as Split keeps unmatched text.
func matchDeepSeek(s string, i int) int {
	r, n := runeAt(s, i)
	// [ASCII punctuation][A-Za-z]+
	if r < utf8.RuneSelf && isPS(r) {
		if r2, _ := runeAt(s, i+n); isASCIILetter(r2) {
			return run(s, i+n, isASCIILetter)
		}
	}
	// [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+, with the prefix first.
	if r >= 0 && !isCRLF(r) && !isL(r) && !isPS(r) {
		if j := run(s, i+n, isLM); j > i+n {
			return j
		}
	}
	if j := run(s, i, isLM); j > i {
		return j
	}
	// ' ?[\p{P}\p{S}]+[\r\n]*'
	if j, ok := spacedRun(s, i, r, n, isPS, isCRLF); ok {
		return j
	}
	if !isS(r) {
		return -1
	}
	j := run(s, i, isS)
	for k := j - 1; k >= i; k-- {
		if s[k] == '\r' || s[k] == '\n' {
			return k + 1
		}
	}
	return spaceLookahead(s, i)
}

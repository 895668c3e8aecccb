package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// patO200k is the pattern of OpenAI's o200k encoding (GPT-4o, gpt-oss): words
// split at case changes, with contractions attached.
const patO200k = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// isUpperish is [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}].
func isUpperish(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

// isLowerish is [\p{Ll}\p{Lm}\p{Lo}\p{M}].
func isLowerish(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return r >= 'a' && r <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

// isWordPrefix is [^\r\n\p{L}\p{N}].
func isWordPrefix(r rune) bool { return r >= 0 && !isCRLF(r) && !isL(r) && !isN(r) }

// o200kWord tries the two word alternatives at i, as a backtracking engine
// would: with the optional prefix character first, then without.
func o200kWord(s string, i int) int {
	starts := [2]int{-1, i}
	if r, n := runeAt(s, i); isWordPrefix(r) {
		starts[0] = i + n
	}
	// Alternative 1: U* W+ contraction?; U* gives back characters until W+
	// can match.
	for _, st := range starts {
		if st < 0 {
			continue
		}
		// U* takes the longest run, then gives back one character at a time.
		for k := run(s, st, isUpperish); ; {
			if j := run(s, k, isLowerish); j > k {
				if e := contraction(s, j, true); e >= 0 {
					return e
				}
				return j
			}
			if k == st {
				break
			}
			_, n := utf8.DecodeLastRuneInString(s[st:k])
			k -= n
		}
	}
	// Alternative 2: U+ W* contraction?.
	for _, st := range starts {
		if st < 0 {
			continue
		}
		j := run(s, st, isUpperish)
		if j == st {
			continue
		}
		j = run(s, j, isLowerish)
		if e := contraction(s, j, true); e >= 0 {
			return e
		}
		return j
	}
	return -1
}

func matchO200k(s string, i int) int {
	if e := o200kWord(s, i); e >= 0 {
		return e
	}
	r, n := runeAt(s, i)
	if isN(r) {
		return digitRun(s, i, 3)
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
	if j, ok := spacedRun(s, i, r, n, isOther, isCRLFSlash); ok {
		return j
	}
	j := run(s, i, isS)
	if j > i {
		for k := j - 1; k >= i; k-- {
			if s[k] == '\r' || s[k] == '\n' {
				return k + 1
			}
		}
	}
	return spaceLookahead(s, i)
}

func isCRLFSlash(r rune) bool { return r == '\r' || r == '\n' || r == '/' }

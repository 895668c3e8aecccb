package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// The split patterns of the common byte-level BPE tokenizers use a lookahead,
// (?!\S), that Go's regexp lacks. They are hand-written here as matchers that
// return, at a position, the end of the match the backtracking regex engines
// of the reference implementations would find there. Unknown patterns fall
// back to Go's regexp when it can compile them, and are rejected otherwise.
const (
	// patGPT2 is GPT-2's pattern, also the ByteLevel pre-tokenizer's default.
	patGPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// patLlama3 is Llama-3's and Qwen2's pattern (numbers in runs of 1 to 3).
	patLlama3 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patQwen is Qwen2.5's and Qwen3's pattern (one number character per piece).
	patQwen = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// matcher returns the end of the match starting at i in s, or -1 if none
// starts there.
type matcher func(s string, i int) int

// knownMatcher returns the hand-written matcher for a known pattern.
func knownMatcher(pattern string) matcher {
	switch pattern {
	case patGPT2:
		return matchGPT2
	case patLlama3:
		return func(s string, i int) int { return matchLlama(s, i, 3) }
	case patQwen:
		return func(s string, i int) int { return matchLlama(s, i, 1) }
	case patO200k:
		return matchO200k
	case patDeepSeek:
		return matchDeepSeek
	}
	return nil
}

// Character classes of ASCII, looked up in a table on the hot path.
const (
	clsOther byte = iota
	clsL
	clsN
	clsS
)

var asciiClass = func() (t [utf8.RuneSelf]byte) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		switch {
		case unicode.IsLetter(r):
			t[r] = clsL
		case unicode.IsNumber(r):
			t[r] = clsN
		case unicode.IsSpace(r):
			t[r] = clsS
		}
	}
	return t
}()

func isL(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return asciiClass[r] == clsL
	}
	return unicode.IsLetter(r)
}

func isN(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return asciiClass[r] == clsN
	}
	return unicode.IsNumber(r)
}

// isS is the regex \s: Unicode White_Space, as in Oniguruma and the
// reference JS translation of it.
func isS(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return asciiClass[r] == clsS
	}
	return unicode.IsSpace(r)
}

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool {
	if uint32(r) < utf8.RuneSelf {
		return asciiClass[r] == clsOther
	}
	return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}

func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	if s[i] < utf8.RuneSelf {
		return rune(s[i]), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// run returns the end of the run of runes satisfying f starting at i.
func run(s string, i int, f func(rune) bool) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !f(rune(c)) {
				break
			}
			i++
			continue
		}
		r, n := runeAt(s, i)
		if !f(r) {
			break
		}
		i += n
	}
	return i
}

// contraction matches 's|'t|'re|'ve|'m|'ll|'d at i (ASCII case-insensitive
// when fold is set, plus U+017F LATIN SMALL LETTER LONG S, which folds to s).
func contraction(s string, i int, fold bool) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return -1
	}
	lower := func(c byte) byte {
		if fold && c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	c := lower(s[i+1])
	switch c {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r', 'v':
		if i+2 < len(s) && lower(s[i+2]) == 'e' {
			return i + 3
		}
	case 'l':
		if i+2 < len(s) && lower(s[i+2]) == 'l' {
			return i + 3
		}
	}
	if fold && len(s) >= i+3 && s[i+1:i+3] == "\u017f" {
		return i + 3
	}
	return -1
}

// spaceLookahead matches \s+(?!\S) then \s+ at i, where i starts a
// whitespace run: the run minus its last rune when a non-space follows (so
// that rune can lead the next word), else the whole run.
func spaceLookahead(s string, i int) int {
	j := run(s, i, isS)
	if j == i {
		return -1
	}
	if j == len(s) {
		return j
	}
	_, last := utf8.DecodeLastRuneInString(s[i:j])
	if j-last > i {
		return j - last
	}
	return j
}

func matchGPT2(s string, i int) int {
	if e := contraction(s, i, false); e >= 0 {
		return e
	}
	r, n := runeAt(s, i)
	start := i
	if r == ' ' {
		// " ?" then a letter, digit or other character: the space leads it.
		if r2, _ := runeAt(s, i+n); r2 >= 0 && !isS(r2) {
			r, start = r2, i+n
		}
	}
	switch {
	case isL(r):
		return run(s, start, isL)
	case isN(r):
		return run(s, start, isN)
	case isOther(r):
		return run(s, start, isOther)
	}
	return spaceLookahead(s, i)
}

func isCRLF(r rune) bool { return r == '\r' || r == '\n' }

func matchLlama(s string, i int, maxDigits int) int {
	if e := contraction(s, i, true); e >= 0 {
		return e
	}
	r, n := runeAt(s, i)
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if isL(r) {
		return run(s, i, isL)
	}
	if !isCRLF(r) && !isN(r) {
		if r2, _ := runeAt(s, i+n); r2 >= 0 && isL(r2) {
			return run(s, i+n, isL)
		}
	}
	// \p{N}{1,maxDigits}
	if isN(r) {
		return digitRun(s, i, maxDigits)
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
	if j, ok := spacedRun(s, i, r, n, isOther, isCRLF); ok {
		return j
	}
	// \s*[\r\n]+ : the whitespace run up to and including its last CR or LF.
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

// digitRun matches \p{N}{1,max} at i, where a digit starts.
func digitRun(s string, i, max int) int {
	j := i
	for k := 0; k < max; k++ {
		r, n := runeAt(s, j)
		if r < 0 || !isN(r) {
			break
		}
		j += n
	}
	return j
}

// spacedRun matches ' ?C+T*' at i (r, n: the rune there and its size): a run
// of class runes, optionally after one space, then a run of tail runes. ok
// is false when no class rune starts there.
func spacedRun(s string, i int, r rune, n int, class, tail func(rune) bool) (int, bool) {
	start := -1
	if class(r) {
		start = i
	} else if r == ' ' {
		if r2, _ := runeAt(s, i+n); r2 >= 0 && class(r2) {
			start = i + n
		}
	}
	if start < 0 {
		return 0, false
	}
	return run(s, run(s, start, class), tail), true
}

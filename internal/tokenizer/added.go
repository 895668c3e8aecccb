package tokenizer

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// addedToken is an entry of tokenizer.json's added_tokens.
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedMatcher finds added tokens in text, leftmost first and longest at a
// position, as the reference's Aho-Corasick (LeftmostLongest) search does.
type addedMatcher struct {
	toks    []addedToken
	byFirst [256][]int // indexes into toks, longest content first
}

func newAddedMatcher(toks []addedToken) *addedMatcher {
	m := &addedMatcher{}
	for _, t := range toks {
		if t.Content != "" {
			m.toks = append(m.toks, t)
		}
	}
	for i, t := range m.toks {
		m.byFirst[t.Content[0]] = append(m.byFirst[t.Content[0]], i)
	}
	for b := range m.byFirst {
		l := m.byFirst[b]
		sort.SliceStable(l, func(i, j int) bool { return len(m.toks[l[i]].Content) > len(m.toks[l[j]].Content) })
	}
	return m
}

func (m *addedMatcher) empty() bool { return m == nil || len(m.toks) == 0 }

// segment is a part of the input: either plain text or one added token.
type segment struct {
	text  string
	added int // token id, or -1 for plain text
}

// split cuts s into plain-text and added-token segments, appending to dst.
// An added token with lstrip or rstrip swallows the whitespace beside it.
func (m *addedMatcher) split(dst []segment, s string) []segment {
	if m.empty() {
		return append(dst, segment{s, -1})
	}
	last := 0
	for i := 0; i < len(s); i++ {
		cands := m.byFirst[s[i]]
		if len(cands) == 0 {
			continue
		}
		for _, ci := range cands {
			t := &m.toks[ci]
			end := i + len(t.Content)
			if end > len(s) || s[i:end] != t.Content {
				continue
			}
			if t.SingleWord && !wordBoundary(s, i, end) {
				continue
			}
			start := i
			if t.LStrip {
				for start > last {
					r, n := utf8.DecodeLastRuneInString(s[last:start])
					if !unicode.IsSpace(r) {
						break
					}
					start -= n
				}
			}
			if t.RStrip {
				for end < len(s) {
					r, n := utf8.DecodeRuneInString(s[end:])
					if !unicode.IsSpace(r) {
						break
					}
					end += n
				}
			}
			if start > last {
				dst = append(dst, segment{s[last:start], -1})
			}
			dst = append(dst, segment{s[start:end], t.ID})
			last = end
			i = end - 1
			break
		}
	}
	if last < len(s) {
		dst = append(dst, segment{s[last:], -1})
	}
	return dst
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordBoundary reports whether s[i:j] is not glued to word characters.
func wordBoundary(s string, i, j int) bool {
	if i > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); isWordRune(r) {
			return false
		}
	}
	if j < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[j:]); isWordRune(r) {
			return false
		}
	}
	return true
}

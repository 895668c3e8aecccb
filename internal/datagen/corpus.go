package datagen

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// SyntheticPrefix opens every synthetic prompt, as in the reference.
const SyntheticPrefix = "Pick as many lines as you can from these poem lines:\n"

// wrapSeparator joins the corpus end to its start when a prompt wraps.
const wrapSeparator = "\n"

//go:embed assets/sonnets.txt
var defaultCorpusText []byte

//go:embed assets/vocabulary.txt
var vocabularyText string

// defaultCorpus is the embedded corpus, parsed once per process.
var defaultCorpus = sync.OnceValues(func() (*wordCorpus, error) {
	return parseCorpus("embedded default corpus", defaultCorpusText)
})

// defaultVocabulary is the embedded word list, parsed once per process.
var defaultVocabulary = sync.OnceValues(func() (*wordVocab, error) {
	seen := make(map[string]bool)
	var words []string
	for _, w := range strings.Fields(vocabularyText) {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	v, err := newWordVocab(words)
	if err != nil {
		return nil, fmt.Errorf("embedded vocabulary: %w", err)
	}
	return v, nil
})

// wordCorpus is the interim corpusText: the corpus kept as its original text
// with the byte offset of every word, so a slice of words is a substring that
// keeps the poem's line breaks. Words are runs of non-space runes, the same
// rule as tokenizer.Words.
type wordCorpus struct {
	text   string
	starts []uint32 // byte offset of each word's first rune
	// prefixEnds[k] is the byte end of prefix word k in SyntheticPrefix.
	prefixEnds []int
}

// loadCorpus reads a corpus file once. Errors name the file.
func loadCorpus(path string) (*wordCorpus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("data.corpus_file_path: prompt corpus file not found: %s", path)
		}
		return nil, fmt.Errorf("data.corpus_file_path: %w", err)
	}
	c, err := parseCorpus(path, data)
	if err != nil {
		return nil, fmt.Errorf("data.corpus_file_path: %w", err)
	}
	return c, nil
}

// parseCorpus indexes the words of a UTF-8 text. name is used in errors.
func parseCorpus(name string, data []byte) (*wordCorpus, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a BOM is not text
	if len(data) > math.MaxUint32 {
		return nil, fmt.Errorf("prompt corpus %s is too large (%d bytes, limit %d)", name, len(data), uint64(math.MaxUint32))
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, fmt.Errorf("prompt corpus %s is not valid UTF-8 (first bad byte at offset %d)", name, off)
	}
	text := string(data)
	starts := wordStarts(text)
	if len(starts) == 0 {
		return nil, fmt.Errorf("prompt corpus %s is empty (no words)", name)
	}
	c := &wordCorpus{text: text, starts: starts}
	for _, s := range wordStarts(SyntheticPrefix) {
		c.prefixEnds = append(c.prefixEnds, wordEnd(SyntheticPrefix, int(s)))
	}
	return c, nil
}

// wordStarts returns the byte offset of every run of non-space runes.
func wordStarts(text string) []uint32 {
	var starts []uint32
	in := false
	for i, r := range text {
		if unicode.IsSpace(r) {
			in = false
			continue
		}
		if !in {
			starts = append(starts, uint32(i))
			in = true
		}
	}
	return starts
}

// wordEnd returns the byte end of the word starting at start.
func wordEnd(text string, start int) int {
	for i, r := range text[start:] {
		if unicode.IsSpace(r) {
			return start + i
		}
	}
	return len(text)
}

// Size implements corpusText.
func (c *wordCorpus) Size() int { return len(c.starts) }

// end returns the byte end of corpus word k, found by trimming the spaces
// between it and the next word (or the text's end); storing only starts
// halves the index of a large corpus.
func (c *wordCorpus) end(k int) int {
	e := len(c.text)
	if k+1 < len(c.starts) {
		e = int(c.starts[k+1])
	}
	for e > int(c.starts[k]) {
		r, size := utf8.DecodeLastRuneInString(c.text[:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= size
	}
	return e
}

// piece returns corpus words [from, to) as one substring.
func (c *wordCorpus) piece(from, to int) string {
	return c.text[c.starts[from]:c.end(to-1)]
}

// Text implements corpusText: the first n words of the prefix followed by
// the corpus from word off, wrapping with a newline at the corpus end.
func (c *wordCorpus) Text(off, n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(c.prefixEnds) {
		return SyntheticPrefix[:c.prefixEnds[n-1]]
	}
	w := len(c.starts)
	off %= w
	if off < 0 {
		off += w
	}
	rest := n - len(c.prefixEnds)

	// Size pass, then one allocation and a fill pass over the same pieces.
	size := len(SyntheticPrefix)
	for at, left, first := off, rest, true; left > 0; at, first = 0, false {
		take := min(w-at, left)
		if !first {
			size += len(wrapSeparator)
		}
		size += c.end(at+take-1) - int(c.starts[at])
		left -= take
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(SyntheticPrefix)
	for at, left, first := off, rest, true; left > 0; at, first = 0, false {
		take := min(w-at, left)
		if !first {
			b.WriteString(wrapSeparator)
		}
		b.WriteString(c.piece(at, at+take))
		left -= take
	}
	return b.String()
}

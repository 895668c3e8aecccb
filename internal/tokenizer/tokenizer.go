// Package tokenizer counts tokens: HF is a pure-Go Hugging Face
// tokenizer.json implementation (exact against Hugging Face's own, see
// docs/tokenizer.md), Words the interim word counter that runs still use
// until HF is wired into data generation.
package tokenizer

import "unicode"

// Tokenizer counts tokens in text.
type Tokenizer interface {
	// Count returns the number of tokens in text.
	Count(text string) int
	// Name identifies the tokenizer in logs and reports.
	Name() string
	// Exact reports whether counts match the model's own tokenizer.
	Exact() bool
}

// Words is the interim tokenizer: one token per run of non-space characters.
// It is approximate against any real model, and exact against the embedded
// simulator, which counts the same way. Prompts built by the random and
// synthetic generators are sequences of words, so their lengths are exact
// under this counter.
type Words struct{}

// Count returns the number of whitespace-separated words in text.
func (Words) Count(text string) int {
	n := 0
	in := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			in = false
			continue
		}
		if !in {
			n++
			in = true
		}
	}
	return n
}

// Name implements Tokenizer.
func (Words) Name() string { return "interim-word-counter" }

// Exact implements Tokenizer.
func (Words) Exact() bool { return false }

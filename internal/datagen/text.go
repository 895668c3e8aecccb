package datagen

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"unsafe"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// randomText builds random prompt text of an exact length, counted in the
// configured tokenizer's units: wordVocab for the interim word counter,
// hfRandom (random token ids decoded and converged to the exact length) for a
// Hugging Face tokenizer.
type randomText interface {
	// RandomText returns text of exactly n tokens (empty for n <= 0), drawn
	// from src. Implementations may copy *src to replay draws.
	RandomText(src *rand.PCG, n int) string
}

// corpusText builds prompt text of an exact length from a corpus: the fixed
// synthetic prefix, then the corpus from a token offset, wrapping around at
// its end.
type corpusText interface {
	// Size is the corpus length in tokens, always > 0.
	Size() int
	// Text returns exactly n tokens (empty for n <= 0) of prefix + corpus
	// starting at corpus token off mod Size.
	Text(off, n int) string
}

// checkWords reports whether tok is the interim word counter, the only
// tokenizer besides *tokenizer.HF that can build exact-length prompts.
func checkWords(tok tokenizer.Tokenizer) error {
	switch tok.(type) {
	case tokenizer.Words, *tokenizer.Words:
		return nil
	case nil, *tokenizer.HF: // a non-nil *HF never gets here
		return fmt.Errorf("tokenizer: none configured; exact-length prompts need one")
	default:
		return fmt.Errorf("tokenizer: %q cannot build exact-length prompts yet (supported: %s, a Hugging Face tokenizer.json)", tok.Name(), tokenizer.Words{}.Name())
	}
}

// randomTextFor returns the random text builder for tok.
func randomTextFor(tok tokenizer.Tokenizer) (randomText, error) {
	if hf, ok := tok.(*tokenizer.HF); ok && hf != nil {
		return newHFRandom(hf)
	}
	if err := checkWords(tok); err != nil {
		return nil, err
	}
	v, err := defaultVocabulary()
	if err != nil {
		return nil, err
	}
	return v, nil
}

// corpusTextFor returns the corpus text builder for tok over the UTF-8 file at
// path, or over the embedded corpus when path is empty. The file is read once.
func corpusTextFor(tok tokenizer.Tokenizer, path string) (corpusText, error) {
	hf, isHF := tok.(*tokenizer.HF)
	isHF = isHF && hf != nil
	if !isHF {
		if err := checkWords(tok); err != nil {
			return nil, err
		}
	}
	load := defaultCorpus
	if path != "" {
		load = func() (*wordCorpus, error) { return loadCorpus(path) }
	}
	c, err := load()
	if err != nil {
		return nil, err
	}
	if isHF {
		return newHFCorpus(hf, c)
	}
	return c, nil
}

// wordVocab is the interim randomText: n words drawn uniformly from a fixed
// vocabulary and joined by single spaces, so tokenizer.Words counts exactly n.
type wordVocab struct {
	words []string
	// cells[k] is words[k] followed by a space, zero-padded to a fixed width,
	// so appending a word is one fixed-size store instead of a memmove call.
	cells []vocabCell
	lens  []uint8 // len(words[k])
}

// vocabCell holds one vocabulary word and its trailing space.
type vocabCell = [16]byte

// maxVocabWord is the longest word that fits a cell with its space.
const maxVocabWord = len(vocabCell{}) - 1

// newWordVocab indexes words, which must be distinct single words of at most
// maxVocabWord bytes.
func newWordVocab(words []string) (*wordVocab, error) {
	if len(words) == 0 {
		return nil, errors.New("vocabulary is empty")
	}
	v := &wordVocab{words: words, cells: make([]vocabCell, len(words)), lens: make([]uint8, len(words))}
	for k, w := range words {
		if len(w) > maxVocabWord || len(wordStarts(w)) != 1 || strings.TrimSpace(w) != w {
			return nil, fmt.Errorf("vocabulary entry %q is not one word of at most %d bytes", w, maxVocabWord)
		}
		copy(v.cells[k][:], w)
		v.cells[k][len(w)] = ' '
		v.lens[k] = uint8(len(w))
	}
	return v, nil
}

// RandomText implements randomText. It draws the words twice from the same
// PCG state, once to size the buffer and once to fill it, so the text costs
// exactly one allocation.
func (v *wordVocab) RandomText(src *rand.PCG, n int) string {
	if n <= 0 {
		return ""
	}
	k := uint64(len(v.words))
	replay := *src
	size := n - 1 // separators
	for range n {
		hi, _ := bits.Mul64(replay.Uint64(), k)
		size += int(v.lens[hi])
	}
	// A cell may be stored up to its full width past the text's end.
	buf := make([]byte, size+len(vocabCell{}))
	p := 0
	for range n {
		hi, _ := bits.Mul64(src.Uint64(), k)
		*(*vocabCell)(buf[p:]) = v.cells[hi]
		p += int(v.lens[hi]) + 1
	}
	// buf is never written again, so it can back the string directly.
	return unsafe.String(unsafe.SliceData(buf), size)
}

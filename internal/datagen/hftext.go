package datagen

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// maxRounds bounds the encode/adjust rounds that converge a text to an exact
// token count before the filler fallback takes over (the reference's
// generate_random_exact_length_text also stops after 20).
const maxRounds = 20

// maxFallbackCuts bounds how many shorter id prefixes the fallback tries
// before it returns filler alone.
const maxFallbackCuts = 8

// fillerChecks are the lengths at which a filler must count exactly; they
// cover the small cases and the lengths prompts are usually drawn at.
var fillerChecks = []int{1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 65, 128, 511, 512, 2048}

// fillerCandidates are (first, rest) pairs: a text of k filler tokens is
// first followed by k-1 copies of rest. Common words tokenize as one token
// in every English BPE vocabulary; the first/rest split covers
// SentencePiece tokenizers, whose leading word gets its space prepended.
var fillerCandidates = [][2]string{{" the", " the"}, {"the", " the"}, {" a", " a"}, {"a", " a"}, {" and", " and"}, {"and", " and"}}

// hfConverger turns a text into one of exactly n tokens under a Hugging Face
// tokenizer. Re-tokenising decoded ids can merge or split tokens at the
// boundaries, so it iterates: encode, then trim the ids or append more text,
// a bounded number of times, then falls back to a prefix padded with filler
// words that were checked to tokenize one per word.
type hfConverger struct {
	tok         *tokenizer.HF
	first, rest string
}

// newHFConverger picks the filler for tok, or fails if no candidate
// tokenizes stably (then exactness could not be guaranteed).
func newHFConverger(tok *tokenizer.HF) (*hfConverger, error) {
	for _, fc := range fillerCandidates {
		ok := true
		for _, k := range fillerChecks {
			if tok.Count(fc[0]+strings.Repeat(fc[1], k-1)) != k {
				ok = false
				break
			}
		}
		if ok {
			return &hfConverger{tok: tok, first: fc[0], rest: fc[1]}, nil
		}
	}
	return nil, fmt.Errorf("tokenizer: %q has no filler word that tokenizes one token per word (tried %q), so exact-length prompts cannot be guaranteed", tok.Name(), fillerCandidates)
}

// converge returns text adjusted to exactly n tokens. more(k) supplies about
// k further tokens of text to append when the text is short; it must be
// deterministic for the prompt, so the result is too.
func (h *hfConverger) converge(text string, n int, more func(k int) string) string {
	if n <= 0 {
		return ""
	}
	for range maxRounds {
		ids := h.tok.Encode(text, false)
		switch {
		case len(ids) == n:
			return text
		case len(ids) > n:
			// Special tokens are kept: one that the text spells out (say
			// "<|endoftext|>") is one token and must stay that text.
			text = h.tok.Decode(ids[:n], false)
		default:
			text += more(n - len(ids))
		}
	}
	return h.fallback(text, n)
}

// fallback keeps the longest prefix of text's ids that, padded with filler
// words, counts exactly n; failing that, filler alone, which was checked to
// count exactly when the converger was built.
func (h *hfConverger) fallback(text string, n int) string {
	ids := h.tok.Encode(text, false)
	for k, cuts := min(len(ids), n), 0; k > 0 && cuts < maxFallbackCuts; k, cuts = k-1, cuts+1 {
		p := h.tok.Decode(ids[:k], false)
		c := h.tok.Count(p)
		if c > n || c == 0 {
			continue
		}
		cand := p + strings.Repeat(h.rest, n-c)
		if h.tok.Count(cand) == n {
			return cand
		}
	}
	return h.first + strings.Repeat(h.rest, n-1)
}

// hfRandom is the randomText of a Hugging Face tokenizer: uniformly drawn
// token ids, decoded and converged to the exact length.
type hfRandom struct {
	conv *hfConverger
	// pieces[k] is the text of the k-th usable token: every id except
	// added tokens (special or not, as the reference draws only from the
	// model's vocabulary) and tokens that do not decode to whole UTF-8 characters
	// on their own (lone bytes of a multi-byte character would decode to
	// U+FFFD and re-encode as several tokens).
	pieces []string
}

// newHFRandom indexes tok's usable token ids once.
func newHFRandom(tok *tokenizer.HF) (*hfRandom, error) {
	conv, err := newHFConverger(tok)
	if err != nil {
		return nil, err
	}
	r := &hfRandom{conv: conv}
	var one [1]int
	for id := range tok.VocabSize() {
		if _, ok := tok.IDToken(id); !ok || tok.IsAdded(id) {
			continue
		}
		one[0] = id
		// Skipping special tokens leaves them empty.
		s := tok.Decode(one[:], true)
		if s == "" || strings.ContainsRune(s, utf8.RuneError) {
			continue
		}
		r.pieces = append(r.pieces, s)
	}
	if len(r.pieces) == 0 {
		return nil, fmt.Errorf("tokenizer: %q has no ordinary tokens to draw random prompts from", tok.Name())
	}
	return r, nil
}

// draw appends the text of k random usable tokens drawn from src.
func (r *hfRandom) draw(b *strings.Builder, src *rand.PCG, k int) {
	m := uint64(len(r.pieces))
	for range k {
		hi, _ := bits.Mul64(src.Uint64(), m)
		b.WriteString(r.pieces[hi])
	}
}

// RandomText implements randomText.
func (r *hfRandom) RandomText(src *rand.PCG, n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n * 6) // English BPE tokens average 4-5 bytes
	r.draw(&b, src, n)
	return r.conv.converge(b.String(), n, func(k int) string {
		var b strings.Builder
		r.draw(&b, src, k)
		return b.String()
	})
}

// hfCorpus is the corpusText of a Hugging Face tokenizer: the corpus encoded
// once, sliced by token offset, decoded and converged to the exact length.
type hfCorpus struct {
	conv *hfConverger
	// The prompt's token stream is prefix, then the corpus from the offset,
	// then (separator, corpus) laps: a prompt longer than the corpus wraps.
	parts [3]tokenRun // prefix, corpus, separator
}

// tokenRun is a run of token ids and, when each of its tokens decodes on
// its own to whole characters and decoding the run is the concatenation of
// those texts (byte-level decoders), its decoded text with each token's
// byte end, so that a slice of ids decodes as a substring, with no decode
// call. Otherwise ends is nil and slices are decoded.
type tokenRun struct {
	ids  []int
	text string
	ends []uint32
}

// newTokenRun encodes text and indexes its decoded form when possible.
func newTokenRun(tok *tokenizer.HF, text string) tokenRun {
	r := tokenRun{ids: tok.Encode(text, false)}
	r.text = tok.Decode(r.ids, false)
	ends := make([]uint32, len(r.ids))
	var one [1]int
	at := 0
	for k, id := range r.ids {
		one[0] = id
		s := tok.Decode(one[:], false)
		if strings.ContainsRune(s, utf8.RuneError) || !strings.HasPrefix(r.text[at:], s) {
			return r // not concatenative: slices are decoded
		}
		at += len(s)
		ends[k] = uint32(at)
	}
	if at == len(r.text) {
		r.ends = ends
	}
	return r
}

// appendSlice appends the text of ids [from, to) of the run to b, or the ids
// to idBuf when the run has no byte index.
func (r *tokenRun) appendSlice(b []byte, idBuf []int, from, to int) ([]byte, []int) {
	if r.ends == nil {
		return b, append(idBuf, r.ids[from:to]...)
	}
	start := 0
	if from > 0 {
		start = int(r.ends[from-1])
	}
	return append(b, r.text[start:r.ends[to-1]]...), idBuf
}

// newHFCorpus encodes the prefix, the separator and the corpus text once.
func newHFCorpus(tok *tokenizer.HF, c *wordCorpus) (*hfCorpus, error) {
	conv, err := newHFConverger(tok)
	if err != nil {
		return nil, err
	}
	h := &hfCorpus{conv: conv}
	h.parts[0] = newTokenRun(tok, SyntheticPrefix)
	h.parts[1] = newTokenRun(tok, c.text)
	h.parts[2] = newTokenRun(tok, wrapSeparator)
	for _, p := range h.parts {
		if len(p.ids) == 0 {
			return nil, errors.New("tokenizer: the prompt corpus, its prefix or its separator encodes to no tokens")
		}
	}
	return h, nil
}

// Size implements corpusText: the corpus length in tokens.
func (h *hfCorpus) Size() int { return len(h.parts[1].ids) }

// decodeStream returns the text of stream positions [from, to) for corpus
// offset off. Runs with a byte index are copied as substrings; the others
// are decoded, so the result is what decoding each run's slice gives.
func (h *hfCorpus) decodeStream(off, from, to int) string {
	var b []byte
	var ids []int
	// flush decodes pending ids of unindexed runs, in stream order.
	flush := func() {
		if len(ids) > 0 {
			b = append(b, h.conv.tok.Decode(ids, false)...)
			ids = ids[:0]
		}
	}
	// emit appends run positions [lo, hi) that fall in [from, to); base is
	// the stream position of the run's lo.
	pos := 0
	emit := func(r *tokenRun, lo, hi int) {
		n := hi - lo
		a, z := max(from, pos), min(to, pos+n)
		if a < z {
			if r.ends != nil {
				flush()
			}
			b, ids = r.appendSlice(b, ids, lo+a-pos, lo+z-pos)
		}
		pos += n
	}
	prefix, corpus, sep := &h.parts[0], &h.parts[1], &h.parts[2]
	emit(prefix, 0, len(prefix.ids))
	emit(corpus, off, len(corpus.ids))
	if pos < to {
		// Skip whole laps that end before from.
		lap := len(sep.ids) + len(corpus.ids)
		if pos < from {
			pos += (from - pos) / lap * lap
		}
		for pos < to {
			emit(sep, 0, len(sep.ids))
			emit(corpus, 0, len(corpus.ids))
		}
	}
	flush()
	return string(b)
}

// Text implements corpusText.
func (h *hfCorpus) Text(off, n int) string {
	if n <= 0 {
		return ""
	}
	size := h.Size()
	off %= size
	if off < 0 {
		off += size
	}
	pos := n
	return h.conv.converge(h.decodeStream(off, 0, n), n, func(k int) string {
		s := h.decodeStream(off, pos, pos+k)
		pos += k
		return s
	})
}

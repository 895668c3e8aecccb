package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// preTokenizer splits a normalized segment into the pieces the model encodes
// one at a time. split appends the pieces of s to dst.
type preTokenizer interface {
	split(dst []string, s string) []string
}

// splitBehavior says what happens to the pattern's matches, as in Hugging
// Face's SplitDelimiterBehavior.
type splitBehavior int

const (
	behRemoved splitBehavior = iota
	behIsolated
	behMergedWithPrevious
	behMergedWithNext
	behContiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return behRemoved, nil
	case "Isolated":
		return behIsolated, nil
	case "MergedWithPrevious":
		return behMergedWithPrevious, nil
	case "MergedWithNext":
		return behMergedWithNext, nil
	case "Contiguous":
		return behContiguous, nil
	}
	return 0, fmt.Errorf("unknown split behavior %q (want Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)", s)
}

// splitter is the Split pre-tokenizer. Exactly one of match, re, lit is set.
type splitter struct {
	match    matcher
	re       *regexp.Regexp
	lit      string
	behavior splitBehavior
	invert   bool
}

// newRegexSplitter builds a splitter for a regex pattern: hand-written for the
// known lookahead patterns, Go's regexp otherwise.
func newRegexSplitter(pattern string, b splitBehavior, invert bool) (*splitter, error) {
	if m := knownMatcher(pattern); m != nil {
		return &splitter{match: m, behavior: b, invert: invert}, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("split pattern %q is neither a known pre-tokenizer pattern (GPT-2, Llama-3, Qwen, o200k, DeepSeek-V3) nor accepted by Go's regexp (it has no lookahead): %w", pattern, err)
	}
	return &splitter{re: re, behavior: b, invert: invert}, nil
}

// span is a part of a string; isMatch says whether the pattern matched it.
type span struct {
	start, end int
	isMatch    bool
}

// spans returns s cut into matched and unmatched parts, in order.
func (sp *splitter) spans(s string) []span {
	var out []span
	last := 0
	add := func(a, b int) {
		if a > last {
			out = append(out, span{last, a, false})
		}
		out = append(out, span{a, b, true})
		last = b
	}
	switch {
	case sp.match != nil:
		for i := 0; i < len(s); {
			e := sp.match(s, i)
			if e <= i {
				// No match here (cannot happen for the known patterns, which
				// cover every character); move on one rune.
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
				continue
			}
			add(i, e)
			i = e
		}
	case sp.re != nil:
		for _, m := range sp.re.FindAllStringIndex(s, -1) {
			if m[1] > m[0] {
				add(m[0], m[1])
			}
		}
	case sp.lit != "":
		for i := 0; ; {
			k := strings.Index(s[i:], sp.lit)
			if k < 0 {
				break
			}
			add(i+k, i+k+len(sp.lit))
			i += k + len(sp.lit)
		}
	}
	if last < len(s) {
		out = append(out, span{last, len(s), false})
	}
	if sp.invert {
		for i := range out {
			out[i].isMatch = !out[i].isMatch
		}
	}
	return out
}

func (sp *splitter) split(dst []string, s string) []string {
	if sp.match != nil && sp.behavior == behIsolated && !sp.invert {
		// The common case, without building spans: every match is a piece,
		// and so is each stretch of text between matches.
		gap := 0
		for i := 0; i < len(s); {
			e := sp.match(s, i)
			if e <= i {
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
				continue
			}
			if gap < i {
				dst = append(dst, s[gap:i])
			}
			dst = append(dst, s[i:e])
			i, gap = e, e
		}
		if gap < len(s) {
			dst = append(dst, s[gap:])
		}
		return dst
	}
	return applyBehavior(dst, s, sp.spans(s), sp.behavior)
}

// applyBehavior turns spans into pieces the way the behavior says.
func applyBehavior(dst []string, s string, spans []span, b splitBehavior) []string {
	base := len(dst)
	// open reports whether the last piece may still be extended.
	open := false
	for i, p := range spans {
		switch b {
		case behRemoved:
			if !p.isMatch {
				dst = append(dst, s[p.start:p.end])
			}
		case behIsolated:
			dst = append(dst, s[p.start:p.end])
		case behMergedWithPrevious:
			if p.isMatch && len(dst) > base && open {
				dst[len(dst)-1] = s[p.start-len(dst[len(dst)-1]) : p.end]
			} else {
				dst = append(dst, s[p.start:p.end])
			}
			open = !p.isMatch
		case behMergedWithNext:
			if !p.isMatch && i > 0 && spans[i-1].isMatch && open {
				dst[len(dst)-1] = s[spans[i-1].start:p.end]
				open = false
			} else {
				dst = append(dst, s[p.start:p.end])
				open = p.isMatch
			}
		case behContiguous:
			if p.isMatch && i > 0 && spans[i-1].isMatch && len(dst) > base {
				dst[len(dst)-1] = s[p.start-len(dst[len(dst)-1]) : p.end]
			} else {
				dst = append(dst, s[p.start:p.end])
			}
		}
	}
	return dst
}

// byteLevelPre is the ByteLevel pre-tokenizer. Its byte-to-rune mapping is
// done by the model (which then needs no rewritten strings); here it only
// adds the prefix space and splits with GPT-2's pattern.
type byteLevelPre struct {
	addPrefixSpace bool
	useRegex       bool
}

func (p byteLevelPre) split(dst []string, s string) []string {
	if p.addPrefixSpace && !strings.HasPrefix(s, " ") {
		s = " " + s
	}
	if !p.useRegex {
		return append(dst, s)
	}
	for i := 0; i < len(s); {
		e := matchGPT2(s, i)
		if e <= i {
			_, n := utf8.DecodeRuneInString(s[i:])
			e = i + n
		}
		dst = append(dst, s[i:e])
		i = e
	}
	return dst
}

// digitsPre is the Digits pre-tokenizer: number characters are isolated,
// one per piece or in runs.
type digitsPre struct{ individual bool }

func (p digitsPre) split(dst []string, s string) []string {
	for i := 0; i < len(s); {
		r, n := runeAt(s, i)
		var e int
		switch {
		case isN(r) && p.individual:
			e = i + n
		case isN(r):
			e = run(s, i, isN)
		default:
			e = run(s, i, func(r rune) bool { return !isN(r) })
		}
		dst = append(dst, s[i:e])
		i = e
	}
	return dst
}

// startAware is a pre-tokenizer whose output depends on whether the text
// begins the input (Metaspace's prepend_scheme "first").
type startAware interface {
	splitAt(dst []string, s string, atStart bool) []string
}

// splitAt runs p, telling it whether s begins the input when it cares.
func splitAt(p preTokenizer, dst []string, s string, atStart bool) []string {
	if sa, ok := p.(startAware); ok {
		return sa.splitAt(dst, s, atStart)
	}
	return p.split(dst, s)
}

// seqPre applies pre-tokenizers in turn, each to every piece of the last.
type seqPre []preTokenizer

func (q seqPre) split(dst []string, s string) []string { return q.splitAt(dst, s, true) }

func (q seqPre) splitAt(dst []string, s string, atStart bool) []string {
	base := len(dst)
	dst = append(dst, s)
	var tmp []string
	for _, p := range q {
		tmp = append(tmp[:0], dst[base:]...)
		dst = dst[:base]
		for i, piece := range tmp {
			// Only the first piece can begin the input.
			dst = splitAt(p, dst, piece, atStart && i == 0)
		}
	}
	return dst
}

// Metaspace prepend schemes.
const (
	prependAlways = iota
	prependFirst
	prependNever
)

// metaspacePre is the Metaspace pre-tokenizer (SentencePiece style): spaces
// become "▁", a "▁" is prepended (always, or only at the start of the input),
// and with split the text is cut before each "▁".
type metaspacePre struct {
	rep     string
	prepend int
	doSplit bool
}

func (p metaspacePre) split(dst []string, s string) []string { return p.splitAt(dst, s, true) }

func (p metaspacePre) splitAt(dst []string, s string, atStart bool) []string {
	s = strings.ReplaceAll(s, " ", p.rep)
	if !strings.HasPrefix(s, p.rep) && (p.prepend == prependAlways || (p.prepend == prependFirst && atStart)) {
		s = p.rep + s
	}
	if !p.doSplit {
		return append(dst, s)
	}
	sp := splitter{lit: p.rep, behavior: behMergedWithNext}
	return sp.split(dst, s)
}

package tokenizer

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// decoder turns tokens back into text pieces, as Hugging Face's decoders do
// (decode_chain); Decode joins the pieces.
type decoder interface {
	decodeChain(toks []string) []string
}

// byteLevelDec undoes the byte-level alphabet over all tokens at once, so
// characters split across tokens come back whole.
type byteLevelDec struct{ bl *byteLevel }

func (d byteLevelDec) decodeChain(toks []string) []string {
	var raw []byte
	for _, t := range toks {
		raw = append(raw, d.bl.decode(t)...)
	}
	return []string{string(appendLossy(nil, raw))}
}

// replaceDec is the Replace decoder with a literal pattern.
type replaceDec struct{ from, to string }

func (d replaceDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = strings.ReplaceAll(t, d.from, d.to)
	}
	return out
}

// byteFallbackDec turns runs of <0xNN> tokens back into bytes: one string
// when they form valid UTF-8, else one U+FFFD per byte token.
type byteFallbackDec struct{}

func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	return byte(v), err == nil
}

func (byteFallbackDec) decodeChain(toks []string) []string {
	var out []string
	var pend []byte
	flush := func() {
		if len(pend) == 0 {
			return
		}
		if utf8.Valid(pend) {
			out = append(out, string(pend))
		} else {
			for range pend {
				out = append(out, "\uFFFD")
			}
		}
		pend = pend[:0]
	}
	for _, t := range toks {
		if b, ok := parseByteToken(t); ok {
			pend = append(pend, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// fuseDec joins all tokens into one.
type fuseDec struct{}

func (fuseDec) decodeChain(toks []string) []string { return []string{strings.Join(toks, "")} }

// stripDec removes up to start leading and stop trailing copies of content
// from each token.
type stripDec struct {
	content     string
	start, stop int
}

func (d stripDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		for k := 0; k < d.start && strings.HasPrefix(t, d.content); k++ {
			t = t[len(d.content):]
		}
		for k := 0; k < d.stop && strings.HasSuffix(t, d.content); k++ {
			t = t[:len(t)-len(d.content)]
		}
		out[i] = t
	}
	return out
}

// metaspaceDec turns "▁" back into spaces; in the first token, as in the
// reference, every "▁" is dropped (it is the prepended one) unless the
// prepend scheme is "never".
type metaspaceDec struct {
	replacement string
	prepend     bool
}

func (d metaspaceDec) decodeChain(toks []string) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		if i == 0 && d.prepend {
			out[i] = strings.ReplaceAll(t, d.replacement, "")
		} else {
			out[i] = strings.ReplaceAll(t, d.replacement, " ")
		}
	}
	return out
}

type seqDec []decoder

func (q seqDec) decodeChain(toks []string) []string {
	for _, d := range q {
		toks = d.decodeChain(toks)
	}
	return toks
}

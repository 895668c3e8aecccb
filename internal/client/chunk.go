package client

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// span locates a decoded string in decoder.scratch. Offsets, not slices:
// scratch may move while it grows.
type span struct {
	start, end int
	ok         bool
}

// chunk is what one response object says: an SSE data payload when
// streaming, the whole body otherwise. Only the fields the client records
// are decoded; everything else is validated and skipped.
type chunk struct {
	text             span // choices[0].text (completions)
	content          span // choices[0].delta.content (chat stream)
	reasoning        span // choices[0].delta.reasoning
	reasoningContent span // choices[0].delta.reasoning_content
	msgParts         []span
	finish           span // choices[0].finish_reason
	id, model        span

	promptSet, completionSet bool // the key was present in usage (even as null)
	prompt, completion       int  // record.Unknown when null or not a count
	hasUsage                 bool // a usage object was present

	errTruthy bool // a top-level "error" that Python would call true
}

// maxDepth is encoding/json's nesting limit, so both agree on what is valid.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

// decoder is a minimal, allocation-free JSON reader for response chunks. It
// validates the whole input like encoding/json (same grammar, same depth
// limit) but builds nothing except the strings it was asked for, unescaped
// into scratch. Rules for known fields: the last occurrence of a key wins; a
// value of the wrong type counts as absent.
type decoder struct {
	in       []byte
	pos      int
	depth    int
	scratch  []byte
	keyBuf   []byte
	msgParts []span
	// skipMeta leaves id and model undecoded (absent), for speed once the
	// caller has them.
	skipMeta bool
}

// decode parses in into c. On error c is unspecified.
func (d *decoder) decode(in []byte, c *chunk) error {
	d.in, d.pos, d.depth = in, 0, 0
	d.scratch = d.scratch[:0]
	d.msgParts = d.msgParts[:0]
	*c = chunk{prompt: record.Unknown, completion: record.Unknown, msgParts: d.msgParts}
	d.ws()
	if d.peek() != '{' {
		return d.errorf("expected a JSON object")
	}
	if err := d.top(c); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.in) {
		return d.errorf("unexpected data after the object")
	}
	c.msgParts = d.msgParts
	return nil
}

func (d *decoder) errorf(msg string) error {
	return fmt.Errorf("%w at offset %d: %s", errSyntax, d.pos, msg)
}

func (d *decoder) top(c *chunk) error {
	if err := d.enter(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := d.objNext(first)
		if err != nil || !more {
			return err
		}
		switch string(key) {
		case "choices":
			err = d.choices(c)
		case "usage":
			err = d.usage(c)
		case "id":
			err = d.meta(&c.id)
		case "model":
			err = d.meta(&c.model)
		case "error":
			err = d.errValue(c)
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) choices(c *chunk) error {
	c.text, c.content, c.reasoning, c.reasoningContent, c.finish = span{}, span{}, span{}, span{}, span{}
	d.msgParts = d.msgParts[:0]
	if d.peek() != '[' {
		return d.skip()
	}
	if err := d.enter(); err != nil {
		return err
	}
	for i := 0; ; i++ {
		more, err := d.arrNext(i == 0)
		if err != nil {
			return err
		}
		if !more {
			d.depth--
			return nil
		}
		if d.peek() != '{' {
			if err := d.skip(); err != nil {
				return err
			}
			continue
		}
		if err := d.choice(c, i == 0); err != nil {
			return err
		}
	}
}

// choice reads one element of choices. Only the first choice counts, except
// for message.content, which the reference joins over all choices.
func (d *decoder) choice(c *chunk, first bool) error {
	if err := d.enter(); err != nil {
		return err
	}
	var msg span
	for f := true; ; f = false {
		key, more, err := d.objNext(f)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch {
		case first && string(key) == "text":
			err = d.optString(&c.text)
		case first && string(key) == "finish_reason":
			err = d.optString(&c.finish)
		case first && string(key) == "delta":
			c.content, c.reasoning, c.reasoningContent = span{}, span{}, span{}
			err = d.delta(c)
		case string(key) == "message":
			msg = span{}
			err = d.message(&msg)
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
	d.depth--
	if msg.ok {
		d.msgParts = append(d.msgParts, msg)
	}
	return nil
}

func (d *decoder) delta(c *chunk) error {
	if d.peek() != '{' {
		return d.skip()
	}
	if err := d.enter(); err != nil {
		return err
	}
	for f := true; ; f = false {
		key, more, err := d.objNext(f)
		if err != nil {
			return err
		}
		if !more {
			d.depth--
			return nil
		}
		switch string(key) {
		case "content":
			err = d.optString(&c.content)
		case "reasoning":
			err = d.optString(&c.reasoning)
		case "reasoning_content":
			err = d.optString(&c.reasoningContent)
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) message(content *span) error {
	if d.peek() != '{' {
		return d.skip()
	}
	if err := d.enter(); err != nil {
		return err
	}
	for f := true; ; f = false {
		key, more, err := d.objNext(f)
		if err != nil {
			return err
		}
		if !more {
			d.depth--
			return nil
		}
		if string(key) == "content" {
			err = d.optString(content)
		} else {
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) usage(c *chunk) error {
	c.hasUsage, c.promptSet, c.completionSet = false, false, false
	c.prompt, c.completion = record.Unknown, record.Unknown
	if d.peek() != '{' {
		return d.skip()
	}
	if err := d.enter(); err != nil {
		return err
	}
	c.hasUsage = true
	for f := true; ; f = false {
		key, more, err := d.objNext(f)
		if err != nil {
			return err
		}
		if !more {
			d.depth--
			return nil
		}
		switch string(key) {
		case "prompt_tokens":
			c.promptSet = true
			c.prompt, err = d.count()
		case "completion_tokens":
			c.completionSet = true
			c.completion, err = d.count()
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

// count reads a token count: a non-negative integral number, else Unknown.
func (d *decoder) count() (int, error) {
	c := d.peek()
	if c != '-' && (c < '0' || c > '9') {
		return record.Unknown, d.skip()
	}
	start := d.pos
	if err := d.number(); err != nil {
		return 0, err
	}
	return parseCount(d.in[start:d.pos]), nil
}

func parseCount(num []byte) int {
	if len(num) <= 15 {
		n := 0
		for _, b := range num {
			if b < '0' || b > '9' {
				goto slow
			}
			n = n*10 + int(b-'0')
		}
		return n
	}
slow:
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f < 0 || f > 1<<53 || f != float64(int64(f)) {
		return record.Unknown
	}
	return int(f)
}

// errValue records whether a top-level "error" is truthy in Python's sense:
// the reference treats a body or frame carrying one as a failed request.
func (d *decoder) errValue(c *chunk) error {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	c.errTruthy = truthy(d.in[start:d.pos])
	return nil
}

// truthy reports whether the valid JSON value v is true in Python.
func truthy(v []byte) bool {
	switch v[0] {
	case 'n', 'f':
		return false
	case 't':
		return true
	case '"':
		return len(v) > 2
	case '{', '[':
		for _, b := range v[1 : len(v)-1] {
			if !isSpace(b) {
				return true
			}
		}
		return false
	default:
		f, err := strconv.ParseFloat(string(v), 64)
		return err != nil || f != 0 // a number too large to parse is not zero
	}
}

// meta reads id or model, which the client needs once per response: after
// that (skipMeta) they are only validated.
func (d *decoder) meta(s *span) error {
	if d.skipMeta {
		*s = span{}
		return d.skip()
	}
	return d.optString(s)
}

// optString reads a string into *s, or marks *s absent for any other value.
func (d *decoder) optString(s *span) error {
	*s = span{}
	if d.peek() != '"' {
		return d.skip()
	}
	start := len(d.scratch)
	var err error
	d.scratch, err = d.str(d.scratch)
	if err != nil {
		return err
	}
	*s = span{start: start, end: len(d.scratch), ok: true}
	return nil
}

// get returns the decoded string s points to (empty when absent).
func (d *decoder) get(s span) []byte { return d.scratch[s.start:s.end] }

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errorf("nested too deeply")
	}
	d.pos++ // '{' or '['
	return nil
}

// objNext moves to the next key of an object whose '{' was consumed and
// returns it, positioned at the value; more is false at the closing '}'. The
// key is valid until the next call.
func (d *decoder) objNext(first bool) (key []byte, more bool, err error) {
	d.ws()
	if d.peek() == '}' && first {
		d.pos++
		return nil, false, nil
	}
	if !first {
		switch d.peek() {
		case '}':
			d.pos++
			return nil, false, nil
		case ',':
			d.pos++
			d.ws()
		default:
			return nil, false, d.errorf("expected ',' or '}' in object")
		}
	}
	if d.peek() != '"' {
		return nil, false, d.errorf("expected a string key")
	}
	key, err = d.key()
	if err != nil {
		return nil, false, err
	}
	d.ws()
	if d.peek() != ':' {
		return nil, false, d.errorf("expected ':' after key")
	}
	d.pos++
	d.ws()
	return key, true, nil
}

// arrNext moves to the next element of an array whose '[' was consumed;
// more is false at the closing ']'.
func (d *decoder) arrNext(first bool) (more bool, err error) {
	d.ws()
	if d.peek() == ']' && first {
		d.pos++
		return false, nil
	}
	if !first {
		switch d.peek() {
		case ']':
			d.pos++
			return false, nil
		case ',':
			d.pos++
			d.ws()
		default:
			return false, d.errorf("expected ',' or ']' in array")
		}
	}
	return true, nil
}

// key reads a string, returning the raw bytes when it has no escapes.
func (d *decoder) key() ([]byte, error) {
	start := d.pos + 1
	i := start
	for i < len(d.in) && plainASCII[d.in[i]] {
		i++
	}
	if i < len(d.in) && d.in[i] == '"' {
		d.pos = i + 1
		return d.in[start:i], nil
	}
	var err error
	d.keyBuf, err = d.str(d.keyBuf[:0])
	return d.keyBuf, err
}

// str decodes the string at pos (at its opening quote) and appends it to
// dst, replacing invalid UTF-8 and lone surrogates with U+FFFD as
// encoding/json does.
func (d *decoder) str(dst []byte) ([]byte, error) {
	i := d.pos + 1
	start := i
	for i < len(d.in) {
		for i < len(d.in) && plainASCII[d.in[i]] {
			i++
		}
		if i >= len(d.in) {
			break
		}
		c := d.in[i]
		switch {
		case c == '"':
			dst = append(dst, d.in[start:i]...)
			d.pos = i + 1
			return dst, nil
		case c < 0x20:
			d.pos = i
			return dst, d.errorf("control character in string")
		case c == '\\':
			dst = append(dst, d.in[start:i]...)
			if i+1 >= len(d.in) {
				d.pos = i
				return dst, d.errorf("unterminated string")
			}
			i++
			switch d.in[i] {
			case '"', '\\', '/':
				dst = append(dst, d.in[i])
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(d.in[i+1:])
				if r < 0 {
					d.pos = i
					return dst, d.errorf("invalid \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+2 < len(d.in) && d.in[i+1] == '\\' && d.in[i+2] == 'u' {
						r2 = hex4(d.in[i+3:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
			default:
				d.pos = i
				return dst, d.errorf("invalid escape")
			}
			i++
			start = i
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.in[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, d.in[start:i]...)
				dst = utf8.AppendRune(dst, utf8.RuneError)
				start = i + 1
			}
			i += size
		}
	}
	d.pos = len(d.in)
	return dst, d.errorf("unterminated string")
}

// hex4 decodes four hex digits, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// skip validates and skips one value of any kind.
func (d *decoder) skip() error {
	switch c := d.peek(); {
	case c == '"':
		return d.skipString()
	case c == '{':
		if err := d.enter(); err != nil {
			return err
		}
		for f := true; ; f = false {
			_, more, err := d.objNext(f)
			if err != nil {
				return err
			}
			if !more {
				d.depth--
				return nil
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == '[':
		if err := d.enter(); err != nil {
			return err
		}
		for f := true; ; f = false {
			more, err := d.arrNext(f)
			if err != nil {
				return err
			}
			if !more {
				d.depth--
				return nil
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		return d.errorf("expected a value")
	}
}

// Byte classes, as tables so that hot loops do one load and branch per byte.
// plain: a string byte needing no attention when skipping (not a quote,
// backslash or control character); plainASCII: the same, and ASCII, so it
// can be copied as is when decoding; space: JSON whitespace.
var plain, plainASCII, space = func() (p, a, s [256]bool) {
	for c := 0x20; c < 256; c++ {
		p[c] = c != '"' && c != '\\'
		a[c] = p[c] && c < utf8.RuneSelf
	}
	for _, c := range []byte(" \t\n\r") {
		s[c] = true
	}
	return p, a, s
}()

// skipString validates a string without decoding it.
func (d *decoder) skipString() error {
	for i := d.pos + 1; i < len(d.in); i++ {
		for i < len(d.in) && plain[d.in[i]] {
			i++
		}
		if i >= len(d.in) {
			break
		}
		switch c := d.in[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c < 0x20:
			d.pos = i
			return d.errorf("control character in string")
		case c == '\\':
			i++
			if i >= len(d.in) {
				break
			}
			switch d.in[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if hex4(d.in[i+1:]) < 0 {
					d.pos = i
					return d.errorf("invalid \\u escape")
				}
				i += 4
			default:
				d.pos = i
				return d.errorf("invalid escape")
			}
		}
	}
	d.pos = len(d.in)
	return d.errorf("unterminated string")
}

func (d *decoder) literal(lit string) error {
	if len(d.in)-d.pos < len(lit) || string(d.in[d.pos:d.pos+len(lit)]) != lit {
		return d.errorf("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

// number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() error {
	i := d.pos
	if i < len(d.in) && d.in[i] == '-' {
		i++
	}
	switch {
	case i < len(d.in) && d.in[i] == '0':
		i++
	case i < len(d.in) && d.in[i] >= '1' && d.in[i] <= '9':
		i = digits(d.in, i)
	default:
		d.pos = i
		return d.errorf("invalid number")
	}
	if i < len(d.in) && d.in[i] == '.' {
		j := digits(d.in, i+1)
		if j == i+1 {
			d.pos = j
			return d.errorf("invalid number")
		}
		i = j
	}
	if i < len(d.in) && (d.in[i] == 'e' || d.in[i] == 'E') {
		i++
		if i < len(d.in) && (d.in[i] == '+' || d.in[i] == '-') {
			i++
		}
		j := digits(d.in, i)
		if j == i {
			d.pos = j
			return d.errorf("invalid number")
		}
		i = j
	}
	d.pos = i
	return nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func (d *decoder) peek() byte {
	if d.pos < len(d.in) {
		return d.in[d.pos]
	}
	return 0
}

func (d *decoder) ws() {
	for d.pos < len(d.in) && space[d.in[d.pos]] {
		d.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

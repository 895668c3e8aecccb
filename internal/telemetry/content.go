package telemetry

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

// The JSON shape of gen_ai.input.messages in the GenAI conventions v1.41:
// [{"role":"user","parts":[{"type":"text","content":"..."}]}].
const (
	msgOpen  = `{"role":"`
	msgParts = `","parts":[{"type":"text","content":"`
	msgClose = `"}]}`
)

// appendInputMessages appends the request's input as gen_ai.input.messages
// JSON. A completion prompt is one user message, as the chat API would send
// it. With limit >= 0 the result has at most limit characters (the unit of
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) and stays valid JSON: contents are cut
// and later messages left out, where the SDK's own truncation would cut the
// JSON anywhere. Messages that do not fit at all are left out.
func appendInputMessages(dst []byte, p *prompt.Prompt, chat bool, limit int) []byte {
	if limit < 0 {
		limit = math.MaxInt
	}
	if limit < 2 {
		return dst // not even "[]" fits
	}
	dst = append(dst, '[')
	used := 1
	if !chat || len(p.Messages) == 0 {
		dst, _, _ = appendMessage(dst, "user", p.Text, false, &used, limit)
		return append(dst, ']')
	}
	for i := range p.Messages {
		var cut bool
		var ok bool
		dst, ok, cut = appendMessage(dst, p.Messages[i].Role, p.Messages[i].Content, i > 0, &used, limit)
		if !ok || cut {
			break
		}
	}
	return append(dst, ']')
}

// appendMessage appends one message if its structure fits in what is left
// of limit (keeping one character for the closing bracket), its content cut
// to fit. It reports whether the message was written and whether its content
// was cut.
func appendMessage(dst []byte, role, content string, comma bool, used *int, limit int) ([]byte, bool, bool) {
	roleLen := jsonTextLen(role)
	need := len(msgOpen) + roleLen + len(msgParts) + len(msgClose) + 1
	if comma {
		need++
	}
	if *used+need > limit {
		return dst, false, true
	}
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, msgOpen...)
	dst, _, _ = appendJSONText(dst, role, math.MaxInt)
	dst = append(dst, msgParts...)
	*used += need
	var n int
	var cut bool
	dst, n, cut = appendJSONText(dst, content, limit-*used)
	*used += n
	dst = append(dst, msgClose...)
	return dst, true, cut
}

// jsonTextLen is the length in characters of s escaped by appendJSONText.
func jsonTextLen(s string) int {
	n := 0
	for _, r := range s { // invalid bytes decode as one U+FFFD each, as written
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
			n += 2
		case r < 0x20:
			n += 6
		default:
			n++
		}
	}
	return n
}

// appendJSONText appends s escaped for a JSON string (without quotes), at
// most maxChars characters of output, never splitting an escape or a
// character. Non-ASCII characters are kept as UTF-8 (one character each);
// invalid UTF-8 becomes U+FFFD, as OTLP requires valid UTF-8 strings. It
// returns the characters written and whether s was cut.
func appendJSONText(dst []byte, s string, maxChars int) ([]byte, int, bool) {
	n, start := 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			if n >= maxChars {
				return append(dst, s[start:i]...), n, true
			}
			n++
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			w := 2
			if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
				w = 6
			}
			if n+w > maxChars {
				return dst, n, true
			}
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			}
			n += w
			i++
			start = i
			continue
		}
		if n >= maxChars {
			return dst, n, true
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		n++
		i += size
		start = i
	}
	return append(dst, s[start:]...), n, false
}

const hexDigit = "0123456789abcdef"

// outputText is the response text as an attribute value: at most limit
// characters when limit >= 0 (cut before copying, so a long answer is not
// copied only to be truncated), valid UTF-8.
func outputText(out []byte, limit int) string {
	if limit >= 0 && len(out) > limit {
		chars := 0
		for i := range len(out) {
			if utf8.RuneStart(out[i]) {
				if chars == limit {
					out = out[:i]
					break
				}
				chars++
			}
		}
	}
	return validUTF8(string(out))
}

// validUTF8 returns s, with invalid bytes replaced when there are any: one
// invalid string would make the OTLP exporter reject a whole batch.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

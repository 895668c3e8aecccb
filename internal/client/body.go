package client

import (
	"strconv"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

// DefaultMaxTokens is the max_tokens sent when a prompt does not set one,
// for both APIs: the reference client's max_completion_tokens.
const DefaultMaxTokens = 30

// bodySpec is what of the request body does not change between requests.
type bodySpec struct {
	chat      bool
	ignoreEOS bool
	stream    bool
}

// appendBody appends the JSON request body for p to dst.
//
// The bytes are those Python's json.dumps(payload) produces for the
// reference's payload dict: the same key order, ", " and ": " separators and
// ASCII-only output (ensure_ascii). Matching them byte for byte keeps
// request_size_bytes and per-request reports identical to the reference's.
func (s bodySpec) appendBody(dst []byte, model string, p *prompt.Prompt) []byte {
	dst = append(dst, `{"model": `...)
	dst = appendPyString(dst, model)
	if s.chat {
		dst = append(dst, `, "messages": [`...)
		if len(p.Messages) == 0 {
			dst = append(dst, `{"role": "user", "content": `...)
			dst = appendPyString(dst, p.Text)
			dst = append(dst, '}')
		}
		for i := range p.Messages {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, `{"role": `...)
			dst = appendPyString(dst, p.Messages[i].Role)
			dst = append(dst, `, "content": `...)
			dst = appendPyString(dst, p.Messages[i].Content)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	} else {
		dst = append(dst, `, "prompt": `...)
		dst = appendPyString(dst, p.Text)
	}
	maxTokens := maxTokensSent(p)
	dst = append(dst, `, "max_tokens": `...)
	dst = strconv.AppendInt(dst, int64(maxTokens), 10)
	dst = append(dst, `, "ignore_eos": `...)
	dst = strconv.AppendBool(dst, s.ignoreEOS)
	if s.stream {
		dst = append(dst, `, "stream": true, "stream_options": {"include_usage": true}}`...)
	} else {
		dst = append(dst, `, "stream": false}`...)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendPyString appends s as a JSON string the way Python's json.dumps does
// with ensure_ascii=True: printable ASCII as is except '"' and '\\', the five
// short escapes, everything else as lower-case \uXXXX (UTF-16 surrogate pairs
// above the BMP). Invalid UTF-8 becomes \ufffd: a Python str cannot hold it.
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				dst = append(dst, `\"`...)
			case '\\':
				dst = append(dst, `\\`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			default: // other control characters and DEL
				dst = appendU4(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xFFFF {
			r -= 0x10000
			dst = appendU4(dst, 0xD800+(r>>10)&0x3FF)
			dst = appendU4(dst, 0xDC00+r&0x3FF)
		} else {
			dst = appendU4(dst, r) // includes utf8.RuneError for invalid bytes
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// maxTokensSent is the max_tokens a request carries.
func maxTokensSent(p *prompt.Prompt) int {
	if p.MaxTokens <= 0 {
		return DefaultMaxTokens
	}
	return p.MaxTokens
}

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/metrics"
)

// The reference writes every report with Python's json.dumps(contents,
// indent=2): two-space indent, ": " after keys, "{}"/"[]" when empty, floats
// as Python's repr, every non-ASCII character escaped (ensure_ascii), no
// HTML escaping and no trailing newline. Go's encoding/json differs on the
// floats, the escaping and the key order, so reports are laid out here from
// an ordered tree.

// object is a JSON object with its keys in order.
type object []member

type member struct {
	key string
	val any
}

// intText is a JSON integer kept as its source text (from a server's usage
// dict), written unchanged as Python's int would be.
type intText string

// appendJSON appends v laid out as json.dumps(v, indent=2) would at the given
// nesting level. Supported values: nil, bool, int, int64, float64, string,
// intText, object, []any, []string, []float64, *metrics.Summary.
func appendJSON(b []byte, v any, level int) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return metrics.AppendFloat(b, x)
	case intText:
		return append(b, x...)
	case string:
		return appendPyString(b, x)
	case *metrics.Summary:
		if x == nil {
			return append(b, "null"...)
		}
		keys, vals := x.Fields()
		o := make(object, len(keys))
		for i := range keys {
			o[i] = member{keys[i], vals[i]}
		}
		return appendJSON(b, o, level)
	case object:
		if len(x) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for i, m := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = newline(b, level+1)
			b = appendPyString(b, m.key)
			b = append(b, ": "...)
			b = appendJSON(b, m.val, level+1)
		}
		b = newline(b, level)
		return append(b, '}')
	case []any:
		return appendList(b, len(x), level, func(b []byte, i int) []byte { return appendJSON(b, x[i], level+1) })
	case []string:
		return appendList(b, len(x), level, func(b []byte, i int) []byte { return appendPyString(b, x[i]) })
	case []float64:
		return appendList(b, len(x), level, func(b []byte, i int) []byte { return metrics.AppendFloat(b, x[i]) })
	}
	// A programming error, not bad input: every caller passes the types above.
	panic(fmt.Sprintf("report: cannot encode %T", v))
}

func appendList(b []byte, n, level int, item func([]byte, int) []byte) []byte {
	if n == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = newline(b, level+1)
		b = item(b, i)
	}
	b = newline(b, level)
	return append(b, ']')
}

func newline(b []byte, level int) []byte {
	b = append(b, '\n')
	for range level {
		b = append(b, "  "...)
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendPyString appends s as a JSON string the way Python's json.dumps does
// with ensure_ascii: \" \\ \n \r \t \b \f, other control characters and
// everything outside printable ASCII as \uXXXX (UTF-16 surrogate pairs above
// the BMP). Invalid UTF-8 bytes become U+FFFD, as Python's
// decode(errors="replace") would give.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		switch c {
		case '\n':
			b = append(b, `\n`...)
			i++
			continue
		case '\r':
			b = append(b, `\r`...)
			i++
			continue
		case '\t':
			b = append(b, `\t`...)
			i++
			continue
		case '\b':
			b = append(b, `\b`...)
			i++
			continue
		case '\f':
			b = append(b, `\f`...)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			b = appendU(b, 0xd800+(r>>10))
			b = appendU(b, 0xdc00+(r&0x3ff))
			continue
		}
		b = appendU(b, r)
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// decodeOrdered decodes one JSON value into the ordered tree (objects keep
// their key order, integers their text), so server-sent JSON such as a usage
// dict is re-written as the reference would re-write it. Duplicate keys keep
// the first position and the last value, as a Python dict does.
func decodeOrdered(data string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o object
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o = o.set(k, v)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			if o == nil {
				o = object{}
			}
			return o, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	case json.Number:
		s := t.String()
		if strings.ContainsAny(s, ".eE") {
			f, err := t.Float64()
			if err != nil {
				return nil, err
			}
			return f, nil
		}
		return intText(s), nil
	default: // string, bool, nil
		return t, nil
	}
}

// set returns o with key set to v: in place if present (Python dict update
// semantics), appended otherwise.
func (o object) set(key string, v any) object {
	for i := range o {
		if o[i].key == key {
			o[i].val = v
			return o
		}
	}
	return append(o, member{key, v})
}

// get returns the value of key.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

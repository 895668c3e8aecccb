package config

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Marshal renders the effective config as YAML the way the reference writes
// config.yaml: every key in the reference's order, `null` where it prints
// null, floats as Python prints them (1.0), lists indented as PyYAML does.
// Credentials (server.api_key, metrics.prometheus.bearer_token,
// tokenizer.token and credential headers such as Authorization) are written as
// "[REDACTED]". Keys newer than v0.5.0 appear only when they differ from their
// defaults, and our server.sim only when set, so the output has the v0.5.0 key
// set for any config a v0.5.0 user could write.
func Marshal(cfg *Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("config: Marshal of a nil config")
	}
	m := marshaller{loadType: cfg.Load.Type}
	root := m.node(reflect.ValueOf(cfg).Elem(), nil)
	var b strings.Builder
	writeMapping(&b, root, 0, false)
	return []byte(b.String()), nil
}

// ynode is an ordered YAML tree: a scalar (already rendered), a mapping or a
// sequence.
type ynode struct {
	scalar string
	isMap  bool
	isSeq  bool
	keys   []string
	vals   []*ynode
	items  []*ynode
}

func scalar(s string) *ynode { return &ynode{scalar: s} }

// empty reports whether n is written inline: a scalar or an empty collection.
func (n *ynode) inline() (string, bool) {
	switch {
	case n.isMap && len(n.keys) == 0:
		return "{}", true
	case n.isSeq && len(n.items) == 0:
		return "[]", true
	case !n.isMap && !n.isSeq:
		return n.scalar, true
	}
	return "", false
}

type marshaller struct {
	loadType string
}

var stageType = reflect.TypeFor[Stage]()

func (m marshaller) node(v reflect.Value, fm *fieldMeta) *ynode {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return scalar("null")
		}
		return m.node(v.Elem(), fm)
	case reflect.Struct:
		return m.structNode(v)
	case reflect.Slice:
		if v.IsNil() {
			return scalar("null")
		}
		n := &ynode{isSeq: true}
		for i := range v.Len() {
			n.items = append(n.items, m.node(v.Index(i), elemMeta(fm)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return scalar("null")
		}
		return m.mapNode(v, fm)
	case reflect.String:
		if fm != nil && fm.secret && v.String() != "" {
			return scalar(quoteStr(redacted))
		}
		return scalar(quoteStr(v.String()))
	case reflect.Bool:
		return scalar(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalar(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return scalar(pyFloat(v.Float()))
	}
	return scalar("null")
}

// elemMeta is the meta that applies to the elements of a list field.
func elemMeta(fm *fieldMeta) *fieldMeta {
	if fm == nil || fm.schema == "" {
		return nil
	}
	return &fieldMeta{schema: fm.schema}
}

func (m marshaller) structNode(v reflect.Value) *ynode {
	t := v.Type()
	meta := metaOf(t)
	var def reflect.Value
	n := &ynode{isMap: true}
	for i := range meta.fields {
		fm := &meta.fields[i]
		fv := v.Field(fm.index)
		if t == stageType && fm.session != (m.loadType == LoadTraceSessionReplay) {
			continue // a stage prints the fields of its load type's stage model
		}
		if fm.newer {
			if !def.IsValid() {
				def = defaulter{}.newValue(t).Elem()
			}
			if reflect.DeepEqual(fv.Interface(), def.Field(fm.index).Interface()) {
				continue
			}
		}
		if fm.ext && fv.IsZero() {
			continue
		}
		n.keys = append(n.keys, fm.name)
		n.vals = append(n.vals, m.node(fv, fm))
	}
	return n
}

func (m marshaller) mapNode(v reflect.Value, fm *fieldMeta) *ynode {
	keys := make([]string, 0, v.Len())
	for _, k := range v.MapKeys() {
		keys = append(keys, k.String())
	}
	keys = orderKeys(keys, fm)
	n := &ynode{isMap: true}
	for _, k := range keys {
		val := v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))
		var sub *fieldMeta
		if fm != nil && fm.schema != "" {
			if s := schemas[fm.schema].sub[k]; s != nil {
				sub = &fieldMeta{schemaPtr: s}
			}
		} else if fm != nil && fm.schemaPtr != nil {
			if s := fm.schemaPtr.sub[k]; s != nil {
				sub = &fieldMeta{schemaPtr: s}
			}
		}
		child := m.node(val, sub)
		if fm != nil && fm.headers && isCredentialHeader(k) && val.Kind() == reflect.String && val.String() != "" {
			child = scalar(quoteStr(redacted))
		}
		n.keys = append(n.keys, k)
		n.vals = append(n.vals, child)
	}
	return n
}

// orderKeys orders a map's keys: a free-form section in its schema's order
// (unknown ones after, sorted), anything else sorted.
func orderKeys(keys []string, fm *fieldMeta) []string {
	var s *keySchema
	if fm != nil {
		s = fm.schemaPtr
		if s == nil && fm.schema != "" {
			s = schemas[fm.schema]
		}
	}
	sort.Strings(keys)
	if s == nil {
		return keys
	}
	out := make([]string, 0, len(keys))
	have := map[string]bool{}
	for _, k := range keys {
		have[k] = true
	}
	for _, k := range s.keys {
		if have[k] {
			out = append(out, k)
			delete(have, k)
		}
	}
	for _, k := range keys {
		if have[k] {
			out = append(out, k)
		}
	}
	return out
}

// credentialHeaders are the header names whose values are credentials (the
// reference's redaction.py list), compared case-insensitively.
var credentialHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "api-key": true, "x-api-key": true,
	"x-goog-api-key": true, "x-goog-iam-authorization-token": true, "cookie": true,
}

func isCredentialHeader(name string) bool { return credentialHeaders[strings.ToLower(name)] }

// writeMapping writes n in block style at indent. With inlineFirst the first
// key follows a "- " already written.
func writeMapping(b *strings.Builder, n *ynode, indent int, inlineFirst bool) {
	for i, k := range n.keys {
		if !(i == 0 && inlineFirst) {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(quoteStr(k))
		b.WriteByte(':')
		v := n.vals[i]
		if s, ok := v.inline(); ok {
			b.WriteByte(' ')
			b.WriteString(s)
			b.WriteByte('\n')
			continue
		}
		b.WriteByte('\n')
		if v.isMap {
			writeMapping(b, v, indent+2, false)
		} else {
			// PyYAML does not indent a list under its key.
			writeSeq(b, v, indent, false)
		}
	}
}

func writeSeq(b *strings.Builder, n *ynode, indent int, inlineFirst bool) {
	for i, item := range n.items {
		if !(i == 0 && inlineFirst) {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString("- ")
		if s, ok := item.inline(); ok {
			b.WriteString(s)
			b.WriteByte('\n')
			continue
		}
		if item.isMap {
			writeMapping(b, item, indent+2, true)
		} else {
			writeSeq(b, item, indent+2, true)
		}
	}
}

// flow renders n on one line, for messages.
func flow(n *ynode) string {
	if s, ok := n.inline(); ok {
		return s
	}
	var parts []string
	if n.isMap {
		for i, k := range n.keys {
			parts = append(parts, quoteStr(k)+": "+flow(n.vals[i]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	for _, it := range n.items {
		parts = append(parts, flow(it))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// quoteStr renders a string as a YAML scalar: plain when YAML reads it back as
// the same string, else single-quoted like PyYAML, else double-quoted.
func quoteStr(s string) string {
	if s == "" {
		return "''"
	}
	printable := true
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || !unicode.IsPrint(r) {
			printable = false
			break
		}
	}
	// "<<" is plain to yaml.v3's encoder, but read back it is a merge key.
	if printable && s != "<<" {
		if out, err := yaml.Marshal(s); err == nil && strings.TrimSuffix(string(out), "\n") == s {
			return s
		}
	}
	if printable {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	q, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(q)
}

// pyFloat formats f as Python's repr does (and PyYAML after it): "1.0",
// "0.1", "1e-05" written "1.0e-05", "1e+16" written "1.0e+16".
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if decpt := x + 1; decpt <= -4 || decpt > 16 {
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		return mant + "e" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

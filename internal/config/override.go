package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Override is one command-line override, `--<Path> <Value>`, applied after the
// config file. Path is dotted (`load.stages`, `server.base_url`,
// `report.request_lifecycle.per_request`). Value is read as the reference's
// cli_parser reads it: by the field's type for scalars (true/1/yes are true),
// JSON for lists, maps and whole sections (`[{"rate":5,"duration":10}]`).
// `null` clears a field that may be null. A section given as a JSON object is
// merged into what the file set, as the reference deep-merges its overrides;
// a list replaces the file's list.
type Override struct {
	Path  string
	Value string
}

// Paths lists every valid override path, sections and alias names included,
// in the order of the reference's schema.
func Paths() []string {
	pathsOnce.Do(func() {
		pathsList = collectPaths(reflect.TypeFor[Config](), "", nil)
	})
	return append([]string(nil), pathsList...)
}

var (
	pathsOnce sync.Once
	pathsList []string
)

func collectPaths(t reflect.Type, prefix string, out []string) []string {
	for _, fm := range metaOf(t).fields {
		p := joinPath(prefix, fm.name)
		out = append(out, p)
		for _, a := range fm.aliases {
			out = append(out, joinPath(prefix, a))
		}
		ft := t.Field(fm.index).Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case fm.schema != "" && ft.Kind() == reflect.Map:
			out = collectSchemaPaths(schemas[fm.schema], p, out)
		case ft.Kind() == reflect.Struct && !fm.lenKind:
			out = collectPaths(ft, p, out)
		}
	}
	return out
}

func collectSchemaPaths(s *keySchema, prefix string, out []string) []string {
	for _, k := range s.keys {
		p := joinPath(prefix, k)
		out = append(out, p)
		if sub := s.sub[k]; sub != nil {
			out = collectSchemaPaths(sub, p, out)
		}
	}
	return out
}

// applyOverride sets the field at o.Path from o.Value.
func (d *decoder) applyOverride(cfg *Config, o Override) {
	saveSrc, saveNoLines := d.src, d.noLines
	d.src, d.noLines = "--"+o.Path, true
	defer func() { d.src, d.noLines = saveSrc, saveNoLines }()

	path := o.Path
	parts := strings.Split(path, ".")
	v := reflect.ValueOf(cfg).Elem()
	var fm *fieldMeta
	for i, part := range parts {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(d.df.newValue(v.Type().Elem()))
			}
			v = v.Elem()
		}
		if fm != nil && fm.schema != "" {
			// Inside a free-form section: the rest of the path are keys.
			d.overrideSchemaKey(v, fm, parts[:i], parts[i:], o.Value)
			return
		}
		if v.Kind() != reflect.Struct || fm != nil && fm.lenKind {
			d.unknownPath(path)
			return
		}
		meta := metaOf(v.Type())
		idx, ok := meta.byName[part]
		if !ok {
			d.unknownPath(path)
			return
		}
		f := meta.fields[idx]
		fm = &f
		v = v.Field(f.index)
	}
	canon := canonicalPath(parts)
	d.forget(canon)
	d.pos[canon] = position{src: d.src}
	d.setFromString(v, canon, fm, o.Value)
}

// canonicalPath rewrites alias names in a path to the primary names.
func canonicalPath(parts []string) string {
	t := reflect.TypeFor[Config]()
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if t == nil || t.Kind() != reflect.Struct {
			out = append(out, p)
			continue
		}
		meta := metaOf(t)
		idx, ok := meta.byName[p]
		if !ok {
			out = append(out, p)
			t = nil
			continue
		}
		fm := meta.fields[idx]
		out = append(out, fm.name)
		t = t.Field(fm.index).Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return strings.Join(out, ".")
}

func (d *decoder) unknownPath(path string) {
	msg := fmt.Sprintf("unknown override path %q", path)
	if sug := suggest(path, Paths()); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	} else {
		msg += "; see the list of valid paths (--help)"
	}
	d.errs = append(d.errs, &FieldError{Source: d.src, Msg: msg})
	d.errPaths[path] = true
}

// forget drops the recorded positions under path: the override replaced them.
func (d *decoder) forget(path string) {
	for p := range d.pos {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			delete(d.pos, p)
		}
	}
}

// setFromString sets v (the field at path) from a command-line value.
func (d *decoder) setFromString(v reflect.Value, path string, fm *fieldMeta, s string) {
	t := v.Type()
	nullable := (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map ||
		t.Kind() == reflect.Interface) && !fm.nonnull && !fm.lenKind
	if strings.TrimSpace(s) == "null" {
		if !nullable {
			d.failAt(nil, path, "%s: may not be null", path)
			return
		}
		v.Set(reflect.Zero(t))
		return
	}
	et := t
	if et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	switch {
	case fm.duration || fm.lenKind && !strings.HasPrefix(strings.TrimSpace(s), "{"):
		// A duration or a length given as a plain value: let YAML type it.
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: strings.TrimSpace(s)}
		if _, err := strconv.Atoi(n.Value); err == nil {
			n.Tag = "!!int"
		} else {
			n.Tag = "!!str"
		}
		d.decode(n, v, path, fm)
		return
	case !fm.lenKind && isScalarKind(et.Kind()):
		d.setScalar(v, path, et, s)
		return
	}
	var probe any
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		d.failAt(nil, path, "%s: invalid JSON value %s: %v", path, quoteShort(s), err)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil || len(doc.Content) == 0 {
		d.failAt(nil, path, "%s: value %s is JSON that YAML cannot read: %v", path, quoteShort(s), err)
		return
	}
	d.decode(doc.Content[0], v, path, fm)
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

// cliTrue and cliFalse are the words accepted for booleans on the command
// line. The reference reads anything outside its true set as false; we
// reject what is in neither set, since a typo should not flip a switch.
var (
	cliTrue  = map[string]bool{"true": true, "1": true, "yes": true}
	cliFalse = map[string]bool{"false": true, "0": true, "no": true}
)

// setScalar parses s by the field's type, as argparse's type= does in the
// reference, and sets v (allocating a pointer field).
func (d *decoder) setScalar(v reflect.Value, path string, et reflect.Type, s string) {
	val := reflect.New(et).Elem()
	trimmed := strings.TrimSpace(s)
	switch et.Kind() {
	case reflect.String:
		val.SetString(s)
	case reflect.Bool:
		switch low := strings.ToLower(trimmed); {
		case cliTrue[low]:
			val.SetBool(true)
		case cliFalse[low]:
			val.SetBool(false)
		default:
			d.failAt(nil, path, "%s: expected a boolean (true/false, 1/0, yes/no), got %s", path, quoteShort(s))
			return
		}
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil {
			d.failAt(nil, path, "%s: expected an integer, got %s", path, quoteShort(s))
			return
		}
		val.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.failAt(nil, path, "%s: expected a number, got %s", path, quoteShort(s))
			return
		}
		val.SetFloat(f)
	}
	if v.Kind() == reflect.Pointer {
		p := reflect.New(et)
		p.Elem().Set(val)
		v.Set(p)
		return
	}
	v.Set(val)
}

// overrideSchemaKey sets a key inside a free-form section, e.g.
// --data.multimodal.image '{"count": ...}'.
func (d *decoder) overrideSchemaKey(v reflect.Value, fm *fieldMeta, head, keys []string, s string) {
	full := strings.Join(append(append([]string(nil), head...), keys...), ".")
	sch := schemas[fm.schema]
	for _, k := range keys {
		if sch == nil || !sch.has(k) {
			d.unknownPath(full)
			return
		}
		sch = sch.sub[k]
	}
	d.forget(full)
	d.pos[full] = position{src: d.src}
	var val any
	if strings.TrimSpace(s) != "null" {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(s), &doc); err != nil || len(doc.Content) == 0 {
			d.failAt(nil, full, "%s: cannot read value %s", full, quoteShort(s))
			return
		}
		if sch != nil {
			before := len(d.errs)
			d.checkSchema(doc.Content[0], full, sch, 0)
			if len(d.errs) > before {
				return
			}
		}
		val = d.toAny(doc.Content[0], full)
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	m := v.Convert(reflect.TypeFor[map[string]any]()).Interface().(map[string]any)
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = val
}

func quoteShort(s string) string {
	return strconv.Quote(truncate(s, 80))
}

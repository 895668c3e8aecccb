package config

import (
	"fmt"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML nodes one decode visits, aliases expanded, so that
// an alias bomb is an error instead of an out-of-memory.
const maxNodes = 200_000

// position is where a key was given: its source and line (0 for overrides).
type position struct {
	src  string
	line int
}

// decoder turns yaml.Node trees into Config values: strictly (unknown keys and
// wrong types are errors naming the line and field path), merging given keys
// onto defaults, and collecting every problem rather than stopping at the first.
type decoder struct {
	src      string // source of the nodes being decoded, for messages
	noLines  bool   // override values: their "lines" mean nothing to the user
	df       defaulter
	errs     []*FieldError
	pos      map[string]position // every key given, by dotted path
	errPaths map[string]bool     // paths that failed to decode
	nodes    int
	tooBig   bool
}

func newDecoder(src string, df defaulter) *decoder {
	return &decoder{src: src, df: df, pos: map[string]position{}, errPaths: map[string]bool{}}
}

// failAt records a problem at node n (for its line) about path.
func (d *decoder) failAt(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil && !d.noLines {
		line = n.Line
	}
	d.errs = append(d.errs, &FieldError{Source: d.src, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	d.errPaths[path] = true
}

// typeErr records "path: expected X, got Y".
func (d *decoder) typeErr(n *yaml.Node, path, want string) {
	d.failAt(n, path, "%s: expected %s, got %s", displayPath(path), want, describe(n))
}

// record notes that path was given at node n.
func (d *decoder) record(n *yaml.Node, path string) {
	line := 0
	if n != nil && !d.noLines {
		line = n.Line
	}
	d.pos[path] = position{src: d.src, line: line}
}

// resolve follows aliases and counts the node against the budget; nil means
// the budget is spent.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			d.failAt(n, path, "%s: alias chain too long", displayPath(path))
			return nil
		}
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	d.nodes++
	if d.nodes > maxNodes {
		if !d.tooBig {
			d.tooBig = true
			d.failAt(n, path, "document too large: more than %d values after expanding aliases", maxNodes)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe renders a node for "got ..." in messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		v := truncate(n.Value, 60)
		if n.ShortTag() == "!!str" {
			return strconv.Quote(v)
		}
		return v
	}
	return "an unexpected YAML node"
}

// pair is one key/value of a mapping, merge keys already expanded.
type pair struct {
	key, val *yaml.Node
}

// pairs lists the entries of mapping n, with YAML merge keys ("<<: *base")
// expanded first so that explicit keys override them. Duplicate explicit keys
// are errors, as in PyYAML-then-pydantic they would silently keep the last.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	// Entries count against the node budget too: merge keys can repeat a
	// mapping's entries without any alias being resolved per entry.
	d.nodes += len(n.Content) / 2
	if d.nodes > maxNodes {
		d.resolve(n, path) // reports the spent budget once
		return nil
	}
	var merged, explicit []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" && depth < 10 {
			merged = append(merged, d.mergePairs(v, path, depth)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.failAt(k, path, "%s: mapping keys must be plain strings, got %s", displayPath(path), describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.failAt(k, joinPath(path, k.Value), "duplicate key %q in %s (first given at line %d)", k.Value, displayPath(path), first)
			continue
		}
		seen[k.Value] = k.Line
		explicit = append(explicit, pair{k, v})
	}
	return append(merged, explicit...)
}

// mergePairs expands the value of a merge key: a mapping, or a list of them
// where earlier mappings win.
func (d *decoder) mergePairs(v *yaml.Node, path string, depth int) []pair {
	v = d.resolve(v, path)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, path, depth+1)
	case yaml.SequenceNode:
		var out []pair
		for i := len(v.Content) - 1; i >= 0; i-- {
			m := d.resolve(v.Content[i], path)
			if m == nil {
				continue
			}
			if m.Kind != yaml.MappingNode {
				d.typeErr(m, path, "a mapping to merge")
				continue
			}
			out = append(out, d.pairs(m, path, depth+1)...)
		}
		return out
	}
	d.typeErr(v, path, "a mapping to merge")
	return nil
}

// decode sets v (settable) from node n. fm carries the tag options of the
// field v belongs to, or nil.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, fm *fieldMeta) {
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	if fm != nil && fm.lenKind {
		d.decodeLen(n, v, path)
		return
	}
	if fm != nil && fm.duration {
		d.decodeDuration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			if fm != nil && fm.nonnull {
				d.typeErr(n, path, "a mapping (it may not be null)")
				return
			}
			v.Set(reflect.Zero(v.Type()))
			return
		}
		if v.IsNil() {
			v.Set(d.df.newValue(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, fm)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path, fm)
	case reflect.Map:
		if fm != nil && fm.schema != "" {
			d.decodeSchemaMap(n, v, path, schemas[fm.schema])
			return
		}
		d.decodeMap(n, v, path, fm)
	case reflect.Interface:
		x := d.toAny(n, path)
		if x == nil {
			v.Set(reflect.Zero(v.Type()))
		} else {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		d.decodeString(n, v, path)
	case reflect.Bool:
		if b, ok := d.scalarBool(n, path); ok {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64:
		if i, ok := d.scalarInt(n, path, v.Type().Bits()); ok {
			v.SetInt(i)
		}
	case reflect.Float64:
		if f, ok := d.scalarFloat(n, path); ok {
			v.SetFloat(f)
		}
	default:
		d.failAt(n, path, "%s: internal error: unsupported field type %s", displayPath(path), v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		if v.Type() == reflect.TypeFor[Distribution]() && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			// Newer inference-perf takes expressions like "Normal(512, 200)" here.
			d.failAt(n, path, "%s: expected a distribution mapping (expression strings like %s are not supported yet), got %s",
				displayPath(path), `"Normal(512, 200)"`, describe(n))
			return
		}
		d.typeErr(n, path, "a mapping")
		return
	}
	meta := metaOf(v.Type())
	given := map[int]string{} // field index -> key used, to catch a key and its alias
	for _, p := range d.pairs(n, path, 0) {
		key := p.key.Value
		idx, ok := meta.byName[key]
		if !ok {
			d.failAt(p.key, joinPath(path, key), "unknown key %q in %s; %s", key, displayPath(path), unknownChoice(key, meta.names))
			if sug := suggest(key, meta.names); sug != "" {
				// "duraton" is surely the missing "duration": don't also
				// report duration as missing.
				d.errPaths[joinPath(path, sug)] = true
			}
			continue
		}
		fm := meta.fields[idx]
		if prev, dup := given[idx]; dup && prev != key {
			d.failAt(p.key, joinPath(path, fm.name), "%s: %q and %q name the same field; give one", displayPath(joinPath(path, fm.name)), prev, key)
			continue
		}
		given[idx] = key
		fp := joinPath(path, fm.name)
		d.record(p.key, fp)
		d.decode(p.val, v.Field(fm.index), fp, &fm)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, fm *fieldMeta) {
	if isNull(n) {
		if fm != nil && fm.nonnull {
			d.typeErr(n, path, "a list (it may not be null)")
			return
		}
		v.Set(reflect.Zero(v.Type()))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.typeErr(n, path, "a list")
		return
	}
	var elemFm *fieldMeta
	if fm != nil && fm.schema != "" {
		elemFm = &fieldMeta{schema: fm.schema}
	}
	et := v.Type().Elem()
	out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, en := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		d.record(en, ep)
		ev := reflect.New(et).Elem()
		if et.Kind() == reflect.Struct {
			ev = d.df.newValue(et).Elem()
		}
		d.decode(en, ev, ep, elemFm)
		out = reflect.Append(out, ev)
	}
	v.Set(out)
}

// decodeMap decodes a free-form map (headers, goodput constraints, JSON
// schema) into v, merging into what is there, as the reference's deep merge
// does for dicts.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, fm *fieldMeta) {
	if isNull(n) {
		if fm != nil && fm.nonnull {
			d.typeErr(n, path, "a mapping (it may not be null)")
			return
		}
		v.Set(reflect.Zero(v.Type()))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.typeErr(n, path, "a mapping")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	et := v.Type().Elem()
	for _, p := range d.pairs(n, path, 0) {
		kp := joinPath(path, p.key.Value)
		d.record(p.key, kp)
		ev := reflect.New(et).Elem()
		d.decode(p.val, ev, kp, nil)
		v.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), ev)
	}
}

// decodeSchemaMap decodes a section we keep free-form (a feature not built
// yet) after checking its keys against the reference's schema.
func (d *decoder) decodeSchemaMap(n *yaml.Node, v reflect.Value, path string, s *keySchema) {
	if isNull(n) {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.typeErr(n, path, "a mapping")
		return
	}
	before := len(d.errs)
	d.checkSchema(n, path, s, 0)
	if len(d.errs) > before {
		return
	}
	m, _ := d.toAny(n, path).(map[string]any)
	if v.IsNil() {
		v.Set(reflect.ValueOf(m).Convert(v.Type()))
		return
	}
	mergeAny(v.Convert(reflect.TypeFor[map[string]any]()).Interface().(map[string]any), m)
}

// mergeAny deep-merges src into dst, as the reference merges dicts.
func mergeAny(dst, src map[string]any) {
	for k, sv := range src {
		if sm, ok := sv.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeAny(dm, sm)
				continue
			}
		}
		dst[k] = sv
	}
}

// checkSchema checks the keys of mapping n (and of its nested mappings the
// schema describes) against s.
func (d *decoder) checkSchema(n *yaml.Node, path string, s *keySchema, depth int) {
	if s == nil || depth > 20 {
		return
	}
	n = d.resolve(n, path)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.typeErr(n, path, "a mapping")
		return
	}
	for _, p := range d.pairs(n, path, 0) {
		key := p.key.Value
		kp := joinPath(path, key)
		if !s.has(key) {
			d.failAt(p.key, kp, "unknown key %q in %s; %s", key, displayPath(path), unknownChoice(key, s.keys))
			continue
		}
		d.record(p.key, kp)
		if sub := s.sub[key]; sub != nil {
			d.checkSchema(p.val, kp, sub, depth+1)
		}
		if el := s.elem[key]; el != nil {
			ln := d.resolve(p.val, kp)
			if ln != nil && ln.Kind == yaml.SequenceNode {
				for i, en := range ln.Content {
					d.checkSchema(en, fmt.Sprintf("%s[%d]", kp, i), el, depth+1)
				}
			}
		}
	}
}

// toAny converts a node to plain Go values: map[string]any, []any, string,
// int, float64, bool or nil.
func (d *decoder) toAny(n *yaml.Node, path string) any {
	n = d.resolve(n, path)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, p := range d.pairs(n, path, 0) {
			m[p.key.Value] = d.toAny(p.val, joinPath(path, p.key.Value))
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			l = append(l, d.toAny(c, fmt.Sprintf("%s[%d]", path, i)))
		}
		return l
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b
			}
		case "!!int":
			var i int64
			if n.Decode(&i) == nil {
				if int64(int(i)) == i {
					return int(i)
				}
				return i
			}
			var f float64
			if n.Decode(&f) == nil {
				return f
			}
		case "!!float":
			var f float64
			if n.Decode(&f) == nil {
				return f
			}
		}
		return n.Value
	}
	return nil
}

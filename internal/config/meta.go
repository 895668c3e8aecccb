package config

import (
	"reflect"
	"strings"
	"sync"
)

// fieldMeta is what the struct and cfg tags say about one field.
type fieldMeta struct {
	name     string
	aliases  []string
	index    int
	newer    bool
	ext      bool
	nonnull  bool
	secret   bool
	headers  bool
	session  bool
	lenKind  bool
	duration bool
	schema   string
	// schemaPtr is a nested free-form schema, for Marshal's key order.
	schemaPtr *keySchema
}

// structMeta describes a config struct type.
type structMeta struct {
	fields []fieldMeta
	byName map[string]int // name or alias -> index into fields
	names  []string       // primary names, in order
}

var metaCache sync.Map // reflect.Type -> *structMeta

func metaOf(t reflect.Type) *structMeta {
	if m, ok := metaCache.Load(t); ok {
		return m.(*structMeta)
	}
	m := &structMeta{byName: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fm := fieldMeta{name: name, index: i}
		for opt := range strings.SplitSeq(f.Tag.Get("cfg"), ",") {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "newer":
				fm.newer = true
			case "ext":
				fm.ext = true
			case "nonnull":
				fm.nonnull = true
			case "secret":
				fm.secret = true
			case "headers":
				fm.headers = true
			case "session":
				fm.session = true
			case "len":
				fm.lenKind = true
			case "duration":
				fm.duration = true
			case "schema":
				fm.schema = v
			case "alias":
				fm.aliases = append(fm.aliases, v)
			}
		}
		idx := len(m.fields)
		m.fields = append(m.fields, fm)
		m.names = append(m.names, name)
		m.byName[name] = idx
		for _, a := range fm.aliases {
			m.byName[a] = idx
		}
	}
	actual, _ := metaCache.LoadOrStore(t, m)
	return actual.(*structMeta)
}

package config

import (
	"math"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Scalars are read as pydantic reads them from PyYAML's values, but strictly:
// no quoted numbers, no non-finite floats.

func (d *decoder) decodeString(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.typeErr(n, path, "a string")
		return
	}
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		v.SetString(n.Value)
	default:
		d.failAt(n, path, "%s: expected a string, got %s (quote it to use it as a string)", displayPath(path), describe(n))
	}
}

// boolWords are the strings pydantic (and PyYAML's YAML 1.1) read as booleans.
var boolWords = map[string]bool{
	"true": true, "t": true, "yes": true, "y": true, "on": true, "1": true,
	"false": false, "f": false, "no": false, "n": false, "off": false, "0": false,
}

func (d *decoder) scalarBool(n *yaml.Node, path string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		switch n.ShortTag() {
		case "!!bool", "!!str", "!!int":
			if b, ok := boolWords[strings.ToLower(n.Value)]; ok {
				return b, true
			}
		}
	}
	d.typeErr(n, path, "a boolean (true or false)")
	return false, false
}

func (d *decoder) scalarInt(n *yaml.Node, path string, bits int) (int64, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil && (bits == 64 || i == int64(int32(i))) {
				return i, true
			}
			d.failAt(n, path, "%s: integer %s is out of range", displayPath(path), n.Value)
			return 0, false
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
				return int64(f), true
			}
		}
	}
	d.typeErr(n, path, "an integer")
	return 0, false
}

func (d *decoder) scalarFloat(n *yaml.Node, path string) (float64, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err == nil {
				if math.IsInf(f, 0) || math.IsNaN(f) {
					d.failAt(n, path, "%s: expected a finite number, got %s", displayPath(path), n.Value)
					return 0, false
				}
				return f, true
			}
		}
	}
	d.typeErr(n, path, "a number")
	return 0, false
}

// decodeLen decodes a shared_prefix length: an integer, a Distribution
// mapping (stored as *Distribution) or an expression string.
func (d *decoder) decodeLen(n *yaml.Node, v reflect.Value, path string) {
	const want = "an integer, a distribution mapping or an expression string"
	switch {
	case n.Kind == yaml.MappingNode:
		p := d.df.newValue(reflect.TypeFor[Distribution]())
		d.decodeStruct(n, p.Elem(), path)
		v.Set(p)
	case n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float"):
		if i, ok := d.scalarInt(n, path, 64); ok {
			v.Set(reflect.ValueOf(int(i)))
		}
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		v.Set(reflect.ValueOf(n.Value))
	default:
		d.typeErr(n, path, want)
	}
}

// decodeDuration decodes one of our Go-duration fields (server.sim).
func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && n.Value == "0" {
		v.SetString("0s")
		return
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.failAt(n, path, "%s: expected a Go duration string like \"50ms\", got %s", displayPath(path), describe(n))
		return
	}
	if _, err := time.ParseDuration(n.Value); err != nil {
		d.failAt(n, path, "%s: expected a Go duration string like \"50ms\", got %s", displayPath(path), describe(n))
		return
	}
	v.SetString(n.Value)
}

package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// sampleDir holds the reference's own v0.5.0 report files (see its README).
const sampleDir = "testdata/reference-v0.5.0"

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncoderReproducesReferenceFiles decodes each of the reference's report
// files and writes it back: the bytes must be identical, which proves our
// writer lays out JSON exactly as the reference's json.dumps(indent=2) does
// (indentation, separators, int vs float text, float digits, escaping).
func TestEncoderReproducesReferenceFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"summary_lifecycle_metrics.json",
		"stage_0_lifecycle_metrics.json",
		"summary_lifecycle_metrics.chat-stream.json",
		"per_request_lifecycle_metrics.chat-stream.json",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := readSample(t, name)
			v, err := decodeOrdered(string(want))
			if err != nil {
				t.Fatalf("decode %s: %v", name, err)
			}
			got := appendJSON(nil, v, 0)
			if string(got) != string(want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Fatalf("re-encoded %s differs at byte %d:\ngot  …%q\nwant …%q", name, i,
					got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
			}
		})
	}
}

func TestAppendPyString(t *testing.T) {
	t.Parallel()
	// Expected strings are what Python's json.dumps (ensure_ascii=True) prints.
	cases := []struct{ in, want string }{
		{`say "hi"\`, `"say \"hi\"\\"`},
		{"a\nb\rc\td\be\ff", `"a\nb\rc\td\be\ff"`},
		{"\x01\x1f", `"\u0001\u001f"`},
		{"\x7f", `"\u007f"`},               // DEL is outside printable ASCII
		{"é", `"\u00e9"`},                  // non-ASCII escaped
		{"😀", `"\ud83d\ude00"`},            // astral plane: surrogate pair
		{"<a & b>", `"<a & b>"`},           // no HTML escaping (Go's default would)
		{"\u2028", `"\u2028"`},             // line separator
		{"bad\xffbyte", `"bad\ufffdbyte"`}, // invalid UTF-8 becomes U+FFFD
		{"", `""`},
	}
	for _, c := range cases {
		if got := string(appendPyString(nil, c.in)); got != c.want {
			t.Errorf("appendPyString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAppendJSONLayout(t *testing.T) {
	t.Parallel()
	// Python: json.dumps({"a": {}, "b": [], "c": [1, {"d": None}], "e": 2.0, "f": True}, indent=2)
	v := object{
		{"a", object{}},
		{"b", []any{}},
		{"c", []any{1, object{{"d", nil}}}},
		{"e", 2.0},
		{"f", true},
	}
	want := "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": 2.0,\n  \"f\": true\n}"
	if got := string(appendJSON(nil, v, 0)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDecodeOrdered(t *testing.T) {
	t.Parallel()
	// Key order kept, ints kept as text, duplicate keys: first position, last value.
	v, err := decodeOrdered(`{"b": 1, "a": 2.50, "b": 3, "big": 123456789012345678901}`)
	if err != nil {
		t.Fatal(err)
	}
	got := string(appendJSON(nil, v, 0))
	want := "{\n  \"b\": 3,\n  \"a\": 2.5,\n  \"big\": 123456789012345678901\n}"
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	for _, bad := range []string{`{"a":1} x`, `{"a":`, `{1:2}`, ``} {
		if _, err := decodeOrdered(bad); err == nil {
			t.Errorf("decodeOrdered(%q) succeeded", bad)
		}
	}
}

// FuzzDecodeOrdered: whatever a server sends, decoding never panics and what
// decodes re-encodes to valid JSON.
func FuzzDecodeOrdered(f *testing.F) {
	for _, s := range []string{`{"usage":{"prompt_tokens":1}}`, `[1,2.5,"x",null,true]`, `{"a":{"a":{}}}`, `"\ud800"`, `1e999`, `-0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeOrdered(s)
		if err != nil {
			return
		}
		out := appendJSON(nil, v, 0)
		if !json.Valid(out) {
			t.Fatalf("decodeOrdered(%q) re-encoded to invalid JSON %q", s, out)
		}
	})
}

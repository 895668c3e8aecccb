package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

func TestAppendBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		spec  bodySpec
		model string
		p     prompt.Prompt
		want  string // bytes of Python's json.dumps of the reference payload
	}{
		{
			// Copied from the reference's own per-request report (sample-run):
			// chat from a plain-text prompt, default max_tokens 30, streaming.
			name: "reference sample chat", spec: bodySpec{chat: true, ignoreEOS: true, stream: true}, model: "mock",
			p:    prompt.Prompt{Text: "mock prompt 1"},
			want: `{"model": "mock", "messages": [{"role": "user", "content": "mock prompt 1"}], "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
		},
		{
			// Non-streaming completion has no stream_options key at all.
			name: "completion unary", spec: bodySpec{ignoreEOS: true}, model: "m",
			p:    prompt.Prompt{Text: "hello world", MaxTokens: 30},
			want: `{"model": "m", "prompt": "hello world", "max_tokens": 30, "ignore_eos": true, "stream": false}`,
		},
		{
			// Every short escape, a control character and DEL as Python writes them.
			name: "completion escapes", spec: bodySpec{stream: true}, model: "m",
			p:    prompt.Prompt{Text: "a\"b\\\\c\n\t\r\b\f\x01\x7f", MaxTokens: 7},
			want: `{"model": "m", "prompt": "a\"b\\\\c\n\t\r\b\f\u0001\u007f", "max_tokens": 7, "ignore_eos": false, "stream": true, "stream_options": {"include_usage": true}}`,
		},
		{
			// Non-ASCII goes out as \u escapes (surrogate pairs above the BMP);
			// '<', '>' and '&' are not escaped, unlike Go's encoding/json.
			name: "chat messages unicode", spec: bodySpec{chat: true, ignoreEOS: true, stream: true}, model: "lora-1",
			p: prompt.Prompt{Messages: []prompt.Message{
				{Role: "system", Content: "Be brief."},
				{Role: "user", Content: "héllo 世界 😀 </script>&"},
			}},
			want: `{"model": "lora-1", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "h\u00e9llo \u4e16\u754c \ud83d\ude00 </script>&"}], "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
		},
		{
			// Invalid UTF-8 cannot exist in a Python str; it becomes U+FFFD.
			name: "invalid utf8", spec: bodySpec{}, model: "m",
			p:    prompt.Prompt{Text: "a\xffb", MaxTokens: 1},
			want: `{"model": "m", "prompt": "a\ufffdb", "max_tokens": 1, "ignore_eos": false, "stream": false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(tt.spec.appendBody(nil, tt.model, &tt.p))
			if got != tt.want {
				t.Fatalf("body\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatal("not valid JSON")
			}
		})
	}
}

// TestBodyObject checks the body as an object against the shape the
// reference builds (apis/completion.py, apis/chat.py).
func TestBodyObject(t *testing.T) {
	t.Parallel()
	p := prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "q"}, {Role: "assistant", Content: "a"}}, MaxTokens: 5}
	var got map[string]any
	if err := json.Unmarshal(bodySpec{chat: true, ignoreEOS: true, stream: true}.appendBody(nil, "x", &p), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"model": "x",
		"messages": []any{
			map[string]any{"role": "user", "content": "q"},
			map[string]any{"role": "assistant", "content": "a"},
		},
		"max_tokens":     5.0,
		"ignore_eos":     true,
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// FuzzPyString checks that any Go string survives the Python-style encoding:
// valid JSON, ASCII only, decoding to the same text (invalid UTF-8 replaced).
func FuzzPyString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\/\n\x00\x1f\x7f", "é世😀", "\xff\xfe", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendPyString(nil, s)
		for _, c := range b {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte in %q", b)
			}
		}
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		// Ranging over a string yields U+FFFD per invalid byte, as we encode.
		if want := string([]rune(s)); back != want {
			t.Fatalf("round trip of %q gave %q, want %q", s, back, want)
		}
	})
}

func BenchmarkAppendBody(b *testing.B) {
	p := prompt.Prompt{Text: strings.Repeat("lorem ipsum dolor sit amet ", 40), MaxTokens: 128}
	spec := bodySpec{ignoreEOS: true, stream: true}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = spec.appendBody(buf[:0], "meta-llama/Llama-3.1-8B-Instruct", &p)
	}
	b.SetBytes(int64(len(buf)))
}

package report

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

func TestParseSSE(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		content []string // data of the content chunks
		usage   string   // merged usage, re-encoded compactly ("" for none)
	}{
		{
			// Completions: choices[0].text; the usage-only chunk is not content.
			name: "completion",
			body: "data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: {\"choices\":[{\"text\":\"\"}]}\n\n" +
				"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n",
			content: []string{`{"choices":[{"text":"a"}]}`},
			usage:   `{"prompt_tokens":3,"completion_tokens":1}`,
		},
		{
			// Chat: role-only deltas are not content; CRLF line ends and
			// "data:" without a space are accepted.
			name:    "chat crlf",
			body:    "data:{\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\n",
			content: []string{`{"choices":[{"delta":{"content":"x"}}]}`},
		},
		{
			// Usage dicts merge, later keys winning, as the reference merges them.
			name:  "usage merge",
			body:  "data: {\"usage\":{\"a\":1,\"b\":2}}\n\ndata: {\"usage\":{\"b\":3,\"c\":4}}\n\n",
			usage: `{"a":1,"b":3,"c":4}`,
		},
		{
			// Anthropic: delta.text is content, message.usage is usage.
			name:    "anthropic",
			body:    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n",
			content: []string{`{"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}`},
			usage:   `{"input_tokens":5}`,
		},
		{
			// Not JSON and anything after [DONE] are ignored.
			name:    "garbage and done",
			body:    "data: not json\n\ndata: [DONE]\n\ndata: {\"choices\":[{\"text\":\"late\"}]}\n\n",
			content: nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			msgs := parseSSE(c.body)
			var content []string
			var usage object
			for _, m := range msgs {
				if m.content {
					content = append(content, m.data)
				}
				for _, kv := range m.usage {
					usage = usage.set(kv.key, kv.val)
				}
			}
			if !slices.Equal(content, c.content) {
				t.Errorf("content = %q, want %q", content, c.content)
			}
			got := ""
			if usage != nil {
				got = compact(t, appendJSON(nil, usage, 0))
			}
			if got != c.usage {
				t.Errorf("usage = %s, want %s", got, c.usage)
			}
		})
	}
}

// compact re-writes indented JSON on one line, keeping key order.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	o, err := decodeOrdered(string(b))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	writeCompact(&sb, o)
	return sb.String()
}

// writeCompact writes objects on one line (lists and scalars as appendJSON).
func writeCompact(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case object:
		sb.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.Write(appendPyString(nil, m.key))
			sb.WriteByte(':')
			writeCompact(sb, m.val)
		}
		sb.WriteByte('}')
	default:
		sb.Write(appendJSON(nil, v, 0))
	}
}

func TestServerUsageFallback(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    record.Record
		want string
	}{
		// Body not kept: rebuilt from the record's server counts.
		{"rebuilt", record.Record{ServerPromptTokens: 3, ServerOutputTokens: 2}, `{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}`},
		// Only one count known: no total.
		{"partial", record.Record{ServerPromptTokens: record.Unknown, ServerOutputTokens: 2}, `{"completion_tokens":2}`},
		// The server reported nothing: null.
		{"none", record.Record{ServerPromptTokens: record.Unknown, ServerOutputTokens: record.Unknown}, `null`},
		// Unary body: its usage object, in the server's key order.
		{"unary body", record.Record{ServerPromptTokens: 1, ServerOutputTokens: 1,
			ResponseBody: []byte(`{"usage":{"total_tokens":9,"prompt_tokens":4}}`)}, `{"total_tokens":9,"prompt_tokens":4}`},
	}
	for _, c := range cases {
		var sb strings.Builder
		writeCompact(&sb, serverUsage(&c.r, nil))
		if sb.String() != c.want {
			t.Errorf("%s: got %s want %s", c.name, sb.String(), c.want)
		}
	}
}

// FuzzPerRequestEntry: response bodies come from the server. Whatever they
// hold, building the per-request entry never panics and writes valid JSON.
func FuzzPerRequestEntry(f *testing.F) {
	f.Add("data: {\"choices\":[{\"text\":\"a\"}],\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n", true)
	f.Add(`{"choices":[{"text":"a"}],"usage":{"prompt_tokens":1,"x":[1.5,null]}}`, false)
	f.Add("data: {\"choices\":[{\"delta\":{\"content\":\"\\ud83d\"}}]}\n\n", true)
	f.Add("data: [1,2]\n\ndata: {\"choices\":\"x\"}\n\ndata: {\"usage\":7}\n\n", true)
	f.Add("\xff\xfe data: {}", true)
	f.Fuzz(func(t *testing.T, body string, streaming bool) {
		r := &record.Record{Streaming: streaming, ResponseBody: []byte(body), RequestBody: []byte(body),
			ServerPromptTokens: record.Unknown, ServerOutputTokens: record.Unknown, ClientOutputTokens: 1}
		out := appendJSON(nil, perRequestEntry(r), 1)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON for body %q: %s", body, out)
		}
	})
}

// BenchmarkWritePerRequest lays out 10k streamed entries with bodies.
func BenchmarkWritePerRequest(b *testing.B) {
	run := sampleLikeRun()
	recs := run.Stages[0].Records
	for len(recs) < 10_000 {
		recs = append(recs, recs[:min(len(recs), 10_000-len(recs))]...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := writePerRequest(io.Discard, func(yield func(*record.Record) bool) {
			for _, r := range recs {
				if !yield(r) {
					return
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

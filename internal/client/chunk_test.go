package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// decoded is a chunk with its strings resolved, comparable in tests.
type decoded struct {
	Text, Content, Reasoning, ReasoningContent, Finish, ID, Model *string
	Msg                                                           []string
	HasUsage, PromptSet, CompletionSet                            bool
	Prompt, Completion                                            int
	ErrTruthy                                                     bool
}

func resolve(d *decoder, c *chunk) decoded {
	s := func(sp span) *string {
		if !sp.ok {
			return nil
		}
		v := string(d.get(sp))
		return &v
	}
	out := decoded{
		Text: s(c.text), Content: s(c.content), Reasoning: s(c.reasoning), ReasoningContent: s(c.reasoningContent),
		Finish: s(c.finish), ID: s(c.id), Model: s(c.model),
		HasUsage: c.hasUsage, PromptSet: c.promptSet, CompletionSet: c.completionSet,
		Prompt: c.prompt, Completion: c.completion, ErrTruthy: c.errTruthy,
	}
	for _, p := range c.msgParts {
		out.Msg = append(out.Msg, string(d.get(p)))
	}
	return out
}

func ptr(s string) *string { return &s }

func TestDecodeChunk(t *testing.T) {
	t.Parallel()
	u := record.Unknown
	tests := []struct {
		name    string
		in      string
		want    decoded
		wantErr bool
	}{
		{
			// vLLM completion chunk, with fields we do not read.
			name: "completion chunk",
			in:   `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" tok","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}`,
			want: decoded{Text: ptr(" tok"), ID: ptr("cmpl-1"), Model: ptr("m"), Prompt: u, Completion: u},
		},
		{
			// A role-only chat delta carries no content.
			name: "role only",
			in:   `{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
			want: decoded{Content: ptr(""), Prompt: u, Completion: u},
		},
		{
			// Reasoning models stream thinking in its own field (#559).
			name: "reasoning content",
			in:   `{"choices":[{"delta":{"reasoning_content":"hmm","content":null}}]}`,
			want: decoded{ReasoningContent: ptr("hmm"), Prompt: u, Completion: u},
		},
		{
			// The usage-only chunk that include_usage adds at the end.
			name: "usage only",
			in:   `{"id":"x","choices":[],"usage":{"prompt_tokens":128,"completion_tokens":8,"total_tokens":136,"prompt_tokens_details":{"cached_tokens":0}}}`,
			want: decoded{ID: ptr("x"), HasUsage: true, PromptSet: true, CompletionSet: true, Prompt: 128, Completion: 8},
		},
		{
			// A null count is present but unknown; it overrides an earlier value.
			name: "null count",
			in:   `{"usage":{"prompt_tokens":null}}`,
			want: decoded{HasUsage: true, PromptSet: true, Prompt: u, Completion: u},
		},
		{
			// Counts written as floats are still counts; fractions are not.
			name: "float counts",
			in:   `{"usage":{"prompt_tokens":12.0,"completion_tokens":1.5}}`,
			want: decoded{HasUsage: true, PromptSet: true, CompletionSet: true, Prompt: 12, Completion: u},
		},
		{
			// Escapes and surrogate pairs decode like encoding/json.
			name: "escapes",
			in:   `{"choices":[{"text":"a\n\"\u00e9\ud83d\ude00\/"}]}`,
			want: decoded{Text: ptr("a\n\"é😀/"), Prompt: u, Completion: u},
		},
		{
			// Non-streaming chat: the reference joins message.content of all choices.
			name: "unary chat two choices",
			in:   `{"choices":[{"message":{"role":"assistant","content":"a"},"finish_reason":"stop"},{"message":{"content":"b"}}]}`,
			want: decoded{Msg: []string{"a", "b"}, Finish: ptr("stop"), Prompt: u, Completion: u},
		},
		{
			// Wrong types are ignored, not fatal, and the last key wins.
			name: "wrong types and duplicates",
			in:   `{"choices":[{"text":"a","text":5,"finish_reason":7}],"id":"1","id":"2","model":{}}`,
			want: decoded{ID: ptr("2"), Prompt: u, Completion: u},
		},
		{
			// An OpenAI-style error object is a failure.
			name: "error object",
			in:   `{"error":{"message":"boom","type":"BadRequestError","code":400}}`,
			want: decoded{ErrTruthy: true, Prompt: u, Completion: u},
		},
		{
			// "error": null (some servers always send it) is not a failure.
			name: "null error",
			in:   `{"error":null,"choices":[{"text":"x"}]}`,
			want: decoded{Text: ptr("x"), Prompt: u, Completion: u},
		},
		{
			// Neither is an empty error object, by Python's truth rules.
			name: "empty error",
			in:   `{"error":{}}`,
			want: decoded{Prompt: u, Completion: u},
		},
		// Garbage must be an error, never a panic or a partial success.
		{name: "truncated", in: `{"choices":[{"text":"a`, wantErr: true},
		{name: "not an object", in: `["a"]`, wantErr: true},
		{name: "trailing garbage", in: `{} x`, wantErr: true},
		{name: "bad escape", in: `{"a":"\q"}`, wantErr: true},
		{name: "control char", in: "{\"a\":\"\x01\"}", wantErr: true},
		{name: "bad number", in: `{"a":01}`, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
		{name: "trailing comma", in: `{"a":1,}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d decoder
			var c chunk
			err := d.decode([]byte(tt.in), &c)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := resolve(&d, &c); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", show(got), show(tt.want))
			}
		})
	}
}

func show(d decoded) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// refDecode derives the expected chunk with encoding/json, applying the
// same rules as the decoder (last key wins, wrong types are absent).
func refDecode(in []byte) (decoded, bool) {
	if !json.Valid(in) {
		return decoded{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return decoded{}, false
	}
	m, ok := top.(map[string]any)
	if !ok {
		return decoded{}, false
	}
	str := func(v any) *string {
		if s, ok := v.(string); ok {
			return &s
		}
		return nil
	}
	out := decoded{Prompt: record.Unknown, Completion: record.Unknown}
	if ch, ok := m["choices"].([]any); ok {
		for i, c := range ch {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			if i == 0 {
				out.Text, out.Finish = str(cm["text"]), str(cm["finish_reason"])
				if d, ok := cm["delta"].(map[string]any); ok {
					out.Content, out.Reasoning, out.ReasoningContent = str(d["content"]), str(d["reasoning"]), str(d["reasoning_content"])
				}
			}
			if msg, ok := cm["message"].(map[string]any); ok {
				if s := str(msg["content"]); s != nil {
					out.Msg = append(out.Msg, *s)
				}
			}
		}
	}
	if u, ok := m["usage"].(map[string]any); ok {
		out.HasUsage = true
		count := func(v any) int {
			if n, ok := v.(json.Number); ok {
				return parseCount([]byte(n))
			}
			return record.Unknown
		}
		if v, ok := u["prompt_tokens"]; ok {
			out.PromptSet, out.Prompt = true, count(v)
		}
		if v, ok := u["completion_tokens"]; ok {
			out.CompletionSet, out.Completion = true, count(v)
		}
	}
	out.ID, out.Model = str(m["id"]), str(m["model"])
	if e, ok := m["error"]; ok {
		if n, isNum := e.(json.Number); isNum {
			f, err := strconv.ParseFloat(string(n), 64)
			out.ErrTruthy = err != nil || f != 0
		} else {
			out.ErrTruthy = pyTruthy(e)
		}
	}
	return out, true
}

func FuzzDecodeChunk(f *testing.F) {
	seeds := []string{
		`{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" tok","logprobs":null,"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":"hi","reasoning":"r"},"finish_reason":"stop"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":128,"completion_tokens":8.0,"total_tokens":136}}`,
		`{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]}`,
		`{"error":{"message":"boom"},"error":0}`,
		`{"choices":[{"text":"\ud800\u0041\udc00\\"}]}`,
		` {"a":[1,-0.5e+3,true,false,null,{"b":"\u00e9"}]} `,
		`{"usage":{"prompt_tokens":123456789012345678901234567890,"completion_tokens":-1}}`,
		"{\"choices\":[{\"text\":\"\xff\xfe\"}]}",
		`{"choices":[{"text":"a"}]}{}`,
		strings.Repeat("[", 20) + strings.Repeat("]", 20),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d decoder
		var c chunk
		err := d.decode(in, &c)
		want, valid := refDecode(in)
		if valid != (err == nil) {
			t.Fatalf("valid=%v but decode err=%v for %q", valid, err, in)
		}
		if err != nil {
			return
		}
		if got := resolve(&d, &c); !reflect.DeepEqual(got, want) {
			t.Fatalf("for %q\n got  %s\n want %s", in, show(got), show(want))
		}
	})
}

func BenchmarkDecodeChunk(b *testing.B) {
	in := []byte(`{"id":"chatcmpl-8a2b","object":"chat.completion.chunk","created":1795570378,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`)
	var d decoder
	var c chunk
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.decode(in, &c); err != nil {
			b.Fatal(err)
		}
	}
}

package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

func TestStreamShapes(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.OutputTokens = 6 })
	c := newClient(t)
	cases := []struct {
		name  string
		path  string
		body  string
		usage bool
	}{
		// The reference client's exact chat request: role chunk, 6 content chunks, usage chunk.
		{"chat with usage", "/v1/chat/completions",
			`{"model":"sim-model","messages":[{"role":"user","content":"mock prompt 1"}],"max_tokens":6,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`, true},
		// Without include_usage no usage chunk may appear.
		{"chat without usage", "/v1/chat/completions",
			`{"model":"sim-model","messages":[{"role":"user","content":"mock prompt 1"}],"stream":true}`, false},
		// Completion chunks carry text, not delta.
		{"completion with usage", "/v1/completions",
			`{"model":"sim-model","prompt":"one two three","max_tokens":6,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`, true},
		{"completion without usage", "/v1/completions",
			`{"model":"sim-model","prompt":"one two three","stream":true}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := post(context.Background(), t, c, rs.URL(), tc.path, tc.body)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				t.Errorf("Content-Type %q", ct)
			}
			evs := readEvents(t, resp.Body)
			chat := strings.Contains(tc.path, "chat")
			want := 6 + 1 // tokens + [DONE]
			if chat {
				want++ // role chunk
			}
			if tc.usage {
				want++
			}
			if len(evs) != want {
				t.Fatalf("%d events, want %d: %v", len(evs), want, evs)
			}
			if evs[len(evs)-1].data != "[DONE]" {
				t.Fatalf("last event %q, want [DONE]", evs[len(evs)-1].data)
			}
			var id string
			var text strings.Builder
			tokens := 0
			for i, ev := range evs[:len(evs)-1] {
				var ch wireChunk
				decodeJSON(t, []byte(ev.data), &ch)
				if id == "" {
					id = ch.ID
				}
				wantObj, prefix := "text_completion", "cmpl-"
				if chat {
					wantObj, prefix = "chat.completion.chunk", "chatcmpl-"
				}
				if ch.ID != id || !strings.HasPrefix(ch.ID, prefix) || ch.Object != wantObj || ch.Model != "sim-model" || ch.Created == 0 {
					t.Fatalf("event %d envelope: %+v", i, ch)
				}
				if tc.usage && i == len(evs)-2 {
					if len(ch.Choices) != 0 || ch.Usage == nil {
						t.Fatalf("usage chunk: %s", ev.data)
					}
					u := *ch.Usage
					if u.PromptTokens != 3 || u.CompletionTokens != 6 || u.TotalTokens != u.PromptTokens+6 {
						t.Fatalf("usage %+v", u)
					}
					continue
				}
				if ch.Usage != nil || len(ch.Choices) != 1 {
					t.Fatalf("event %d: %s", i, ev.data)
				}
				// Every choice says logprobs and finish_reason, as vLLM does.
				var raw struct {
					Choices []map[string]json.RawMessage `json:"choices"`
				}
				decodeJSON(t, []byte(ev.data), &raw)
				for _, k := range []string{"index", "logprobs", "finish_reason"} {
					if _, ok := raw.Choices[0][k]; !ok {
						t.Fatalf("event %d lacks choices[0].%s: %s", i, k, ev.data)
					}
				}
				choice := ch.Choices[0]
				if chat && i == 0 {
					d := choice.Delta
					if d == nil || d.Role == nil || *d.Role != "assistant" || d.Content == nil || *d.Content != "" || choice.FinishReason != nil {
						t.Fatalf("role chunk: %s", ev.data)
					}
					continue
				}
				var tok string
				if chat {
					if choice.Delta == nil || choice.Delta.Content == nil || choice.Delta.Role != nil {
						t.Fatalf("content chunk %d: %s", i, ev.data)
					}
					tok = *choice.Delta.Content
				} else {
					if choice.Text == nil {
						t.Fatalf("text chunk %d: %s", i, ev.data)
					}
					tok = *choice.Text
				}
				if !strings.HasPrefix(tok, " ") || (tokenizer.Words{}).Count(tok) != 1 {
					t.Fatalf("token %q is not one space-led word", tok)
				}
				tokens++
				text.WriteString(tok)
				lastTok := tokens == 6
				if lastTok != (choice.FinishReason != nil) {
					t.Fatalf("token %d finish_reason %v", tokens, choice.FinishReason)
				}
				if lastTok {
					wantFinish := "stop"
					if strings.Contains(tc.body, `"max_tokens":6`) {
						wantFinish = "length"
					}
					if *choice.FinishReason != wantFinish {
						t.Fatalf("finish_reason %q, want %q", *choice.FinishReason, wantFinish)
					}
				}
			}
			if tokens != 6 || (tokenizer.Words{}).Count(text.String()) != 6 {
				t.Fatalf("%d tokens, text %q", tokens, text.String())
			}
		})
	}
}

func TestUnaryShapes(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.OutputTokens = 5 })
	c := newClient(t)
	cases := []struct {
		name, path, body string
		prompt           int
	}{
		// Chat: message.content holds the whole answer.
		{"chat", "/v1/chat/completions", `{"model":"sim-model","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}`, 4},
		// Completion: choices[0].text; model may be omitted (served model is used).
		{"completion", "/v1/completions", `{"prompt":"a b c d e f g"}`, 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := post(context.Background(), t, c, rs.URL(), tc.path, tc.body)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var r wireChunk
			decodeJSON(t, body, &r)
			chat := tc.name == "chat"
			wantObj := "text_completion"
			if chat {
				wantObj = "chat.completion"
			}
			if r.Object != wantObj || r.Model != "sim-model" || len(r.Choices) != 1 || r.Usage == nil {
				t.Fatalf("response %s", body)
			}
			ch := r.Choices[0]
			var text string
			if chat {
				if ch.Message == nil || ch.Message.Role != "assistant" {
					t.Fatalf("message: %s", body)
				}
				text = ch.Message.Content
			} else {
				if ch.Text == nil {
					t.Fatalf("text: %s", body)
				}
				text = *ch.Text
			}
			if n := (tokenizer.Words{}).Count(text); n != 5 || !strings.HasPrefix(text, " ") {
				t.Fatalf("text %q has %d words", text, n)
			}
			if ch.FinishReason == nil || *ch.FinishReason != "stop" {
				t.Fatalf("finish_reason %v", ch.FinishReason)
			}
			if *r.Usage != (wireUsage{PromptTokens: tc.prompt, CompletionTokens: 5, TotalTokens: tc.prompt + 5}) {
				t.Fatalf("usage %+v", *r.Usage)
			}
		})
	}
}

func TestOutputLength(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.OutputTokens = 10 })
	c := newClient(t)
	cases := []struct {
		name, path, params string
		want               int
		finish             string
	}{
		// The benchmark's normal request: forced length, "length".
		{"ignore_eos forces max_tokens", "/v1/completions", `"max_tokens":4,"ignore_eos":true`, 4, "length"},
		// ignore_eos lets it run past the natural length.
		{"ignore_eos beyond natural", "/v1/completions", `"max_tokens":25,"ignore_eos":true`, 25, "length"},
		// max_tokens caps the natural length.
		{"cap below natural", "/v1/completions", `"max_tokens":3`, 3, "length"},
		// A natural stop before max_tokens is "stop".
		{"natural below cap", "/v1/completions", `"max_tokens":25`, 10, "stop"},
		// Hitting max_tokens exactly is still "length".
		{"cap equals natural", "/v1/completions", `"max_tokens":10`, 10, "length"},
		{"no limit", "/v1/completions", ``, 10, "stop"},
		// Without max_tokens, ignore_eos cannot force anything.
		{"ignore_eos without max", "/v1/completions", `"ignore_eos":true`, 10, "stop"},
		// Chat's newer max_completion_tokens wins over max_tokens.
		{"max_completion_tokens wins", "/v1/chat/completions", `"max_tokens":2,"max_completion_tokens":7,"ignore_eos":true`, 7, "length"},
		{"chat max_tokens", "/v1/chat/completions", `"max_tokens":2,"ignore_eos":true`, 2, "length"},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.name, stream), func(t *testing.T) {
				t.Parallel()
				input := `"prompt":"x"`
				if strings.Contains(tc.path, "chat") {
					input = `"messages":[{"role":"user","content":"x"}]`
				}
				body := "{" + input
				if tc.params != "" {
					body += "," + tc.params
				}
				if stream {
					body += `,"stream":true,"stream_options":{"include_usage":true}`
				}
				body += "}"
				resp := post(context.Background(), t, c, rs.URL(), tc.path, body)
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				var got int
				var finish string
				if stream {
					evs := readEvents(t, resp.Body)
					var u wireChunk
					decodeJSON(t, []byte(evs[len(evs)-2].data), &u)
					var last wireChunk
					decodeJSON(t, []byte(evs[len(evs)-3].data), &last)
					got, finish = u.Usage.CompletionTokens, *last.Choices[0].FinishReason
					content := len(evs) - 2
					if strings.Contains(tc.path, "chat") {
						content-- // role chunk
					}
					if content != tc.want {
						t.Errorf("%d content chunks, want %d", content, tc.want)
					}
				} else {
					data, _ := io.ReadAll(resp.Body)
					var r wireChunk
					decodeJSON(t, data, &r)
					got, finish = r.Usage.CompletionTokens, *r.Choices[0].FinishReason
				}
				if got != tc.want || finish != tc.finish {
					t.Fatalf("got %d tokens %q, want %d %q", got, finish, tc.want, tc.finish)
				}
			})
		}
	}
}

func TestPromptTokens(t *testing.T) {
	t.Parallel()
	rs := startSim(t, nil)
	c := newClient(t)
	cases := []struct {
		name, path, input string
		want              int
	}{
		{"completion string", "/v1/completions", `"prompt":"the quick  brown\tfox"`, 4},
		// A list of prompts is summed (the simulator answers one choice).
		{"completion string list", "/v1/completions", `"prompt":["a b","c d e"]`, 5},
		// Token ids count one each.
		{"completion token ids", "/v1/completions", `"prompt":[1,2,3]`, 3},
		{"completion token id lists", "/v1/completions", `"prompt":[[1,2],[3]]`, 3},
		{"chat strings summed over messages", "/v1/chat/completions", `"messages":[{"role":"system","content":"s t"},{"role":"user","content":"u v w"}]`, 5},
		// Content parts: only text parts count; images add nothing.
		{"chat content parts", "/v1/chat/completions", `"messages":[{"role":"user","content":[{"type":"text","text":"a b"},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"c"}]}]`, 3},
		// A tool-call turn has null content.
		{"chat null content", "/v1/chat/completions", `"messages":[{"role":"assistant","content":null},{"role":"user","content":"q"}]`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := post(context.Background(), t, c, rs.URL(), tc.path, "{"+tc.input+"}")
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, data)
			}
			var r wireChunk
			decodeJSON(t, data, &r)
			if r.Usage.PromptTokens != tc.want {
				t.Fatalf("prompt_tokens %d, want %d", r.Usage.PromptTokens, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	rs := startSim(t, nil)
	c := newClient(t)
	cases := []struct {
		name, method, path, body string
		status                   int
		errType                  string
	}{
		// vLLM answers an unknown model with 404 NotFoundError.
		{"unknown model", "POST", "/v1/completions", `{"model":"other","prompt":"x"}`, 404, "NotFoundError"},
		{"unknown model chat", "POST", "/v1/chat/completions", `{"model":"other","messages":[]}`, 404, "NotFoundError"},
		{"bad json", "POST", "/v1/completions", `{"prompt":`, 400, "BadRequestError"},
		{"empty body", "POST", "/v1/chat/completions", ``, 400, "BadRequestError"},
		{"missing prompt", "POST", "/v1/completions", `{"model":"sim-model"}`, 400, "BadRequestError"},
		{"missing messages", "POST", "/v1/chat/completions", `{"model":"sim-model"}`, 400, "BadRequestError"},
		{"prompt of wrong type", "POST", "/v1/completions", `{"prompt":{"a":1}}`, 400, "BadRequestError"},
		{"content of wrong type", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":7}]}`, 400, "BadRequestError"},
		{"max_tokens zero", "POST", "/v1/completions", `{"prompt":"x","max_tokens":0}`, 400, "BadRequestError"},
		{"max_tokens beyond context", "POST", "/v1/completions", `{"prompt":"x","max_tokens":131072}`, 400, "BadRequestError"},
		{"max_tokens not an integer", "POST", "/v1/completions", `{"prompt":"x","max_tokens":1.5}`, 400, "BadRequestError"},
		// Sampling parameters are read for the span; a wrong type is a 400 as in vLLM.
		{"temperature not a number", "POST", "/v1/completions", `{"prompt":"x","temperature":"hot"}`, 400, "BadRequestError"},
		{"n not an integer", "POST", "/v1/chat/completions", `{"messages":[],"n":1.5}`, 400, "BadRequestError"},
		// vLLM refuses stream_options on a non-streaming request.
		{"stream_options without stream", "POST", "/v1/completions", `{"prompt":"x","stream_options":{"include_usage":true}}`, 400, "BadRequestError"},
		{"GET on completions", "GET", "/v1/completions", ``, 405, "MethodNotAllowedError"},
		{"POST on models", "POST", "/v1/models", `{}`, 405, "MethodNotAllowedError"},
		{"unknown path", "GET", "/v2/whatever", ``, 404, "NotFoundError"},
	}
	// The group returns once its parallel subtests are done, so the counters
	// below see every request.
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				req, _ := http.NewRequest(tc.method, rs.URL()+tc.path, strings.NewReader(tc.body))
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, data)
				}
				var e wireError
				decodeJSON(t, data, &e)
				if e.Error.Type != tc.errType || e.Error.Code != tc.status || e.Error.Message == "" {
					t.Fatalf("error body %s", data)
				}
				if tc.status == 405 && resp.Header.Get("Allow") == "" {
					t.Errorf("405 without Allow header")
				}
			})
		}
	})
	if got := rs.Server().Requests(); got.Admitted != 0 || got.Rejected == 0 {
		t.Errorf("counters after errors only: %+v", got)
	}
}

func TestModelsAndHealth(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.Model = `org/model "q"` })
	c := newClient(t)
	resp, err := c.Get(rs.URL() + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	decodeJSON(t, data, &list)
	// The reference client takes the first id as model name when none is configured.
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != `org/model "q"` || list.Data[0].Object != "model" {
		t.Fatalf("models: %s", data)
	}
	resp, err = c.Get(rs.URL() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health %d", resp.StatusCode)
	}
	// A model name needing JSON escapes must come back intact in chunks.
	resp = post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"model":"org/model \"q\"","prompt":"x","stream":true}`)
	defer resp.Body.Close()
	evs := readEvents(t, resp.Body)
	var ch wireChunk
	decodeJSON(t, []byte(evs[0].data), &ch)
	if ch.Model != `org/model "q"` {
		t.Fatalf("model %q", ch.Model)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	rs := startSim(t, nil)
	c := newClient(t)
	resp := post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"prompt":"a b c","max_tokens":4,"ignore_eos":true,"stream":true}`)
	readEvents(t, resp.Body)
	resp.Body.Close()
	resp = post(context.Background(), t, c, rs.URL(), "/v1/chat/completions", `{"messages":[{"role":"user","content":"d e"}]}`)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()

	resp, err := c.Get(rs.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(data)
	for _, name := range []string{
		"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
		"vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
		"vllm:time_to_first_token_seconds_bucket", "vllm:inter_token_latency_seconds_bucket",
		"vllm:time_per_output_token_seconds_bucket", "vllm:request_time_per_output_token_seconds_bucket",
		"vllm:e2e_request_latency_seconds_bucket", "vllm:request_prompt_tokens_bucket",
		"vllm:request_generation_tokens_bucket", "vllm:request_queue_time_seconds_bucket",
	} {
		if !strings.Contains(text, "\n"+name+"{") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Values, not just names: 5 prompt tokens, 4+8 generated, one of each finish.
	for _, line := range []string{
		`vllm:prompt_tokens_total{engine="0",model_name="sim-model"} 5`,
		`vllm:generation_tokens_total{engine="0",model_name="sim-model"} 12`,
		`vllm:request_success_total{engine="0",finished_reason="length",model_name="sim-model"} 1`,
		`vllm:request_success_total{engine="0",finished_reason="stop",model_name="sim-model"} 1`,
		`vllm:num_requests_running{engine="0",model_name="sim-model"} 0`,
		`vllm:time_to_first_token_seconds_count{engine="0",model_name="sim-model"} 2`,
		`vllm:inter_token_latency_seconds_count{engine="0",model_name="sim-model"} 10`,
	} {
		if !strings.Contains(text, "\n"+line+"\n") {
			t.Errorf("/metrics lacks line %q", line)
		}
	}
}

func TestSeedRepeatable(t *testing.T) {
	t.Parallel()
	texts := func(seed int64) []string {
		rs := startSim(t, func(o *Options) { o.Seed = seed; o.OutputTokens = 32 })
		c := newClient(t)
		var out []string
		for range 2 {
			resp := post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"prompt":"x"}`)
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r wireChunk
			decodeJSON(t, data, &r)
			out = append(out, r.ID+*r.Choices[0].Text)
		}
		return out
	}
	a, b, other := texts(7), texts(7), texts(8)
	// Same seed, same request order: same ids and words.
	if a[0] != b[0] || a[1] != b[1] {
		t.Fatalf("same seed differs:\n%q\n%q", a, b)
	}
	// Successive requests differ, and another seed differs.
	if a[0] == a[1] || a[0] == other[0] {
		t.Fatalf("outputs do not vary: %q %q", a, other)
	}
	// Seed 0 means the default 42.
	if z, d := texts(0), texts(42); z[0] != d[0] {
		t.Fatalf("seed 0 %q != seed 42 %q", z[0], d[0])
	}
}

// byteCounter counts one token per byte, unlike the default word counter.
type byteCounter struct{}

func (byteCounter) Count(s string) int { return len(s) }
func (byteCounter) Name() string       { return "bytes" }
func (byteCounter) Exact() bool        { return true }

// Options.Tokenizer decides usage.prompt_tokens, so the embedded simulator
// counts prompts the way the run's tokenizer does.
func TestPromptTokensWithTokenizer(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.Tokenizer = byteCounter{} })
	c := newClient(t)
	for path, input := range map[string]string{
		"/v1/completions":      `"prompt":"ab cd"`,
		"/v1/chat/completions": `"messages":[{"role":"user","content":"ab"},{"role":"user","content":[{"type":"text","text":" cd"}]}]`,
	} {
		resp := post(context.Background(), t, c, rs.URL(), path, "{"+input+"}")
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r wireChunk
		decodeJSON(t, data, &r)
		if r.Usage.PromptTokens != 5 {
			t.Errorf("%s: prompt_tokens %d, want 5 (one per byte)", path, r.Usage.PromptTokens)
		}
	}
}

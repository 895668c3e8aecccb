package telemetry

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

const (
	chatMessagesJSON = `[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"hi \"there\""}]}]`
	textMessagesJSON = `[{"role":"user","parts":[{"type":"text","content":"a b c"}]}]`
)

// expectedAttrs is the exact attribute set of a request span, written out
// per dimension from docs/otel.md rather than from the code.
func expectedAttrs(api, server string, stream, failed bool) map[string]any {
	op, typ, input := "text_completion", "text_completion", textMessagesJSON
	if api == "chat" {
		op, typ, input = "chat", "chat", chatMessagesJSON
	}
	m := map[string]any{
		// at creation, for samplers
		"gen_ai.operation.name": op,
		"gen_ai.provider.name":  "openai",
		"gen_ai.request.model":  "m",
		"server.address":        "127.0.0.1",
		"server.port":           int64(8000),
		// the reference's names
		"gen_ai.system":                 "openai_compatible",
		"llm.request.type":              typ,
		"llm.is_streaming":              stream,
		"gen_ai.request.max_tokens":     int64(30),
		"gen_ai.response.total_latency": 0.348,
		"gen_ai.input.messages":         input,
		// conventions
		"gen_ai.request.stream": stream,
		// ours
		"inference_perf.server.type":            server,
		"inference_perf.stage.id":               int64(1),
		"inference_perf.request.seq":            int64(42),
		"inference_perf.request.intended_time":  1.0,
		"inference_perf.request.schedule_delay": 0.002,
		"http.response.status_code":             int64(200),
		"inference_perf.usage.input_source":     "server",
		"gen_ai.usage.input_tokens":             int64(10),
		"gen_ai.usage.prompt_tokens":            int64(10),
		"gen_ai.response.id":                    "cmpl-1",
		"gen_ai.response.model":                 "m-served",
		"gen_ai.response.finish_reasons":        []string{"stop"},
		"gen_ai.response.finish_reason":         "stop",
		"gen_ai.usage.output_tokens":            int64(3),
		"gen_ai.usage.completion_tokens":        int64(3),
		"inference_perf.usage.output_source":    "server",
		"llm.usage.total_tokens":                int64(13),
		"gen_ai.output.text":                    "out",
		"gen_ai.response.time_to_first_chunk":   0.098,
		"gen_ai.response.time_to_first_token":   0.098,
		"gen_ai.response.time_per_output_token": 0.1,
	}
	if !stream {
		delete(m, "gen_ai.response.time_to_first_chunk")
		delete(m, "gen_ai.response.time_to_first_token")
		delete(m, "gen_ai.response.time_per_output_token")
	}
	if failed {
		for _, k := range []string{"gen_ai.response.id", "gen_ai.response.model", "gen_ai.response.finish_reasons",
			"gen_ai.response.finish_reason", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
			"inference_perf.usage.output_source", "llm.usage.total_tokens", "gen_ai.output.text",
			"gen_ai.response.time_to_first_chunk", "gen_ai.response.time_to_first_token", "gen_ai.response.time_per_output_token"} {
			delete(m, k)
		}
		m["http.response.status_code"] = int64(503)
		// The server sent no usage: the client's prompt count, said so.
		m["gen_ai.usage.input_tokens"] = int64(9)
		m["gen_ai.usage.prompt_tokens"] = int64(9)
		m["inference_perf.usage.input_source"] = "client"
		m["error.type"] = "503"
		m["error.message"] = "busy"
		m["inference_perf.error.label"] = "503 - Service Unavailable"
	}
	return m
}

// The exact attribute set, name, kind, status, events and times of a
// request span, for chat and completion, streamed or not, successful or
// failed, against every server type.
func TestRequestSpanAttributes(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"chat", "completion"} {
		for _, stream := range []bool{true, false} {
			for _, failed := range []bool{false, true} {
				for _, server := range []string{"vllm", "sglang", "tgi", "openai", "sim"} {
					name := fmt.Sprintf("%s/stream=%v/failed=%v/%s", api, stream, failed, server)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						tt := newTel(t)
						req := &client.Request{Stage: 1, Seq: 42, Intended: time.Second, Prompt: textPrompt}
						if api == "chat" {
							req.Prompt = chatPrompt
						}
						rec, out := successRecord(stream), []byte("out")
						if failed {
							rec, out = failedRecord(stream), nil
						}
						st := start(api, server, stream, req)
						tt.Tracer().StartRequest(context.Background(), st).End(rec, out)

						spans := tt.spans(t)
						if len(spans) != 1 {
							t.Fatalf("%d spans", len(spans))
						}
						s := spans[0]
						wantName := "text_completion m"
						if api == "chat" {
							wantName = "chat m"
						}
						if s.Name != wantName || s.SpanKind != trace.SpanKindClient {
							t.Errorf("name %q kind %v", s.Name, s.SpanKind)
						}
						if got, want := attrMap(s.Attributes), expectedAttrs(api, server, stream, failed); !reflect.DeepEqual(got, want) {
							t.Errorf("attributes differ:\n%s", diffMaps(got, want))
						}
						if s.DroppedAttributes != 0 {
							t.Errorf("%d attributes dropped", s.DroppedAttributes)
						}
						wantStatus := codes.Unset
						if failed {
							wantStatus = codes.Error
						}
						if s.Status.Code != wantStatus || (failed && s.Status.Description != "busy") {
							t.Errorf("status %+v", s.Status)
						}
						if !s.EndTime.Equal(tt.clk.Wall(rec.End)) {
							t.Errorf("end %v, want the record's end %v", s.EndTime, tt.clk.Wall(rec.End))
						}
						if s.Parent.IsValid() {
							t.Errorf("a request alone is a root; parent %v", s.Parent)
						}
						var events []string
						for _, e := range s.Events {
							events = append(events, e.Name)
							if e.Name == eventFirstToken && !e.Time.Equal(tt.clk.Wall(rec.Chunks[0])) {
								t.Errorf("first token at %v, want %v", e.Time, tt.clk.Wall(rec.Chunks[0]))
							}
						}
						wantEvents := []string(nil)
						if stream && !failed {
							wantEvents = []string{eventFirstToken}
						}
						if !reflect.DeepEqual(events, wantEvents) {
							t.Errorf("events %v, want %v", events, wantEvents)
						}
						// The header the server gets names this span.
						if tp := st.Header.Get("Traceparent"); tp != "00-"+s.SpanContext.TraceID().String()+"-"+s.SpanContext.SpanID().String()+"-01" {
							t.Errorf("traceparent %q for span %v", tp, s.SpanContext)
						}
					})
				}
			}
		}
	}
}

// diffMaps lists the keys whose values differ.
func diffMaps(got, want map[string]any) string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var lines []string
	for k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		if gok != wok || !reflect.DeepEqual(g, w) {
			lines = append(lines, fmt.Sprintf("  %s: got %#v (%v), want %#v (%v)", k, g, gok, w, wok))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// The less common outcomes: each failure kind's error.type, LoRA,
// sessions, client-side token counts, unknown finish reasons.
func TestRequestSpanCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  client.Request
		rec  func() *record.Record
		want map[string]any // attributes that must have these values (nil: absent)
	}{
		{
			// A transport failure has no status: error.type is the record's
			// class.
			name: "connection refused",
			rec: func() *record.Record {
				r := failedRecord(true)
				r.Status = 0
				r.Error = &record.Error{Type: "Connection Error", Message: "dial tcp: connection refused"}
				return r
			},
			want: map[string]any{"error.type": "Connection Error", "inference_perf.error.label": "Connection Error", "http.response.status_code": nil},
		},
		{
			// A stream that broke off after a 200: the class, not "200".
			name: "payload error after 200",
			rec: func() *record.Record {
				r := successRecord(true)
				r.Error = &record.Error{Type: "clientpayloaderror", Message: "Response payload is not completed"}
				return r
			},
			want: map[string]any{"error.type": "clientpayloaderror", "http.response.status_code": int64(200)},
		},
		{
			// An unlabelled failure gets the conventions' fallback.
			name: "no type",
			rec: func() *record.Record {
				r := successRecord(false)
				r.Error = &record.Error{Message: "?"}
				return r
			},
			want: map[string]any{"error.type": "_OTHER"},
		},
		{
			// A 429 is "429", with the reference's label kept.
			name: "rate limited",
			rec: func() *record.Record {
				r := failedRecord(false)
				r.Status = 429
				r.Error = &record.Error{Type: "429 - Rate Limit", Message: "slow down"}
				return r
			},
			want: map[string]any{"error.type": "429", "inference_perf.error.label": "429 - Rate Limit"},
		},
		{
			// LoRA: the adapter is the request model, and named as such; a
			// session's id is the conversation id.
			name: "lora and session",
			req:  client.Request{LoRA: "adapter-1", SessionID: "sess-7"},
			rec: func() *record.Record {
				r := successRecord(true)
				r.LoRA, r.SessionID = "adapter-1", "sess-7"
				return r
			},
			want: map[string]any{"gen_ai.request.model": "adapter-1", "inference_perf.lora.adapter": "adapter-1", "gen_ai.conversation.id": "sess-7"},
		},
		{
			// No server usage: the client's counts, said so; TPOT from them.
			name: "client counts",
			rec: func() *record.Record {
				r := successRecord(true)
				r.ServerPromptTokens, r.ServerOutputTokens = record.Unknown, record.Unknown
				r.ClientOutputTokens = 5
				return r
			},
			want: map[string]any{
				"gen_ai.usage.input_tokens": int64(9), "inference_perf.usage.input_source": "client",
				"gen_ai.usage.output_tokens": int64(5), "inference_perf.usage.output_source": "client",
				"llm.usage.total_tokens": int64(14), "gen_ai.response.time_per_output_token": 0.05,
			},
		},
		{
			// Nothing counted the output: no output count, no total, no TPOT.
			name: "output unknown",
			rec: func() *record.Record {
				r := successRecord(true)
				r.ServerOutputTokens, r.ClientOutputTokens = record.Unknown, record.Unknown
				return r
			},
			want: map[string]any{"gen_ai.usage.output_tokens": nil, "llm.usage.total_tokens": nil, "gen_ai.response.time_per_output_token": nil},
		},
		{
			// One token: TTFT but no TPOT.
			name: "one token",
			rec: func() *record.Record {
				r := successRecord(true)
				r.Chunks = r.Chunks[:1]
				r.ServerOutputTokens, r.ClientOutputTokens = 1, 1
				return r
			},
			want: map[string]any{"gen_ai.response.time_to_first_chunk": 0.098, "gen_ai.response.time_per_output_token": nil},
		},
		{
			// A finish reason outside the prebuilt set.
			name: "other finish reason",
			rec: func() *record.Record {
				r := successRecord(false)
				r.FinishReason = "recitation"
				return r
			},
			want: map[string]any{"gen_ai.response.finish_reasons": []string{"recitation"}, "gen_ai.response.finish_reason": "recitation"},
		},
		{
			// Bytes that are not UTF-8 would make OTLP reject the batch.
			name: "invalid utf8 message",
			rec: func() *record.Record {
				r := failedRecord(false)
				r.Error.Message = "bad \xff byte"
				return r
			},
			want: map[string]any{"error.message": "bad \uFFFD byte"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tt := newTel(t)
			req := c.req
			req.Prompt = textPrompt
			tt.Tracer().StartRequest(context.Background(), start("completion", "vllm", true, &req)).End(c.rec(), []byte("out"))
			got := attrMap(tt.spans(t)[0].Attributes)
			for k, w := range c.want {
				g, ok := got[k]
				if w == nil {
					if ok {
						t.Errorf("%s = %#v, want absent", k, g)
					}
					continue
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s = %#v, want %#v", k, g, w)
				}
			}
		})
	}
}

// endAttrs never outgrows the pooled slices, whatever the record.
func TestEndAttrsFitPool(t *testing.T) {
	t.Parallel()
	tt := newTel(t)
	worst := successRecord(true)
	worst.LoRA, worst.SessionID, worst.FinishReason = "a", "s", "other"
	worst.Error = &record.Error{Type: "x", Message: "y"}
	recs := []*record.Record{successRecord(true), successRecord(false), failedRecord(true), failedRecord(false), worst}
	for i, rec := range recs {
		k := newKind(kindKey{model: "m", api: "chat", host: "h", port: 1})
		// the two sampling parameters are not sent yet: count them anyway
		if n := len(endAttrs(nil, tt.Telemetry, k, 30, rec, "in", "out")) + 2; n > maxEndAttrs {
			t.Errorf("record %d: %d attributes, pool slices hold %d", i, n, maxEndAttrs)
		}
	}
}

// Message content: off leaves no content anywhere, EVENT_ONLY moves it to
// the details event, SPAN_AND_EVENT puts it in both.
func TestContentCapture(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value       string
		onSpan      bool
		onEvent     bool
		description string
	}{
		{"false", false, false, "legacy boolean off"},
		{"NO_CONTENT", false, false, "enum off"},
		{"", true, false, "the spec's default: on the span"},
		{"EVENT_ONLY", false, true, "event only"},
		{"SPAN_AND_EVENT", true, true, "both"},
	}
	for _, c := range cases {
		t.Run(c.description, func(t *testing.T) {
			t.Parallel()
			var tt *testTel
			if c.value == "" {
				tt = newTel(t)
			} else {
				tt = newTel(t, envCaptureContent, c.value)
			}
			req := &client.Request{Prompt: chatPrompt}
			tt.Tracer().StartRequest(context.Background(), start("chat", "vllm", true, req)).End(successRecord(true), []byte("answer"))
			s := tt.spans(t)[0]
			got := attrMap(s.Attributes)
			_, in := got["gen_ai.input.messages"]
			_, out := got["gen_ai.output.text"]
			if in != c.onSpan || out != c.onSpan {
				t.Errorf("span has input %v output %v, want %v", in, out, c.onSpan)
			}
			var ev map[string]any
			for _, e := range s.Events {
				if e.Name == eventDetails {
					ev = attrMap(e.Attributes)
				}
			}
			if (ev != nil) != c.onEvent {
				t.Fatalf("details event %v, want %v", ev, c.onEvent)
			}
			if ev != nil && (ev["gen_ai.input.messages"] != chatMessagesJSON || ev["gen_ai.output.text"] != "answer") {
				t.Errorf("event attributes %v", ev)
			}
		})
	}
}

// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT bounds content: the input JSON stays
// valid within the limit, the output is cut to the limit in characters,
// and the SDK truncates our other strings to the same limit.
func TestAttributeLengthLimit(t *testing.T) {
	t.Parallel()
	const limit = 60
	for _, mode := range []string{"SPAN_ONLY", "EVENT_ONLY"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			tt := newTel(t, envAttrValueLen, fmt.Sprint(limit), envCaptureContent, mode)
			req := &client.Request{Prompt: chatPrompt}
			req.Prompt.Messages = append(req.Prompt.Messages, chatPrompt.Messages[1]) // three messages
			req.Prompt.Messages[0].Content = strings.Repeat("é", 100)
			rec := failedRecord(true)
			rec.Error.Message = strings.Repeat("x", 200)
			out := []byte(strings.Repeat("ü", 100))
			tt.Tracer().StartRequest(context.Background(), start("chat", "vllm", true, req)).End(rec, out)
			s := tt.spans(t)[0]
			attrs := attrMap(s.Attributes)
			if mode == "EVENT_ONLY" {
				// The SDK does not truncate event attributes: ours must.
				for _, e := range s.Events {
					if e.Name == eventDetails {
						attrs = attrMap(e.Attributes)
					}
				}
			}
			in, _ := attrs["gen_ai.input.messages"].(string)
			if n := utf8.RuneCountInString(in); n > limit || n < limit-20 {
				t.Errorf("input %d characters: %s", n, in)
			}
			var msgs []map[string]any
			if err := json.Unmarshal([]byte(in), &msgs); err != nil || len(msgs) != 1 {
				t.Errorf("input not valid JSON with one message: %v %s", err, in)
			}
			if o, _ := attrs["gen_ai.output.text"].(string); o != strings.Repeat("ü", limit) {
				t.Errorf("output %q", o)
			}
			if mode == "SPAN_ONLY" {
				if m, _ := attrs["error.message"].(string); m != strings.Repeat("x", limit) {
					t.Errorf("the SDK did not truncate error.message: %d", len(m))
				}
			}
		})
	}
}

// Parentage: a request under a stage span (per-stage on), under a session,
// under a session under a stage; with per-stage off StartStage changes
// nothing and a session is a root.
func TestSpanTree(t *testing.T) {
	t.Parallel()
	send := func(tt *testTel, ctx context.Context) {
		req := &client.Request{Prompt: textPrompt}
		tt.Tracer().StartRequest(ctx, start("completion", "vllm", true, req)).End(successRecord(true), nil)
	}
	t.Run("per-stage", func(t *testing.T) {
		t.Parallel()
		tt := newTel(t, envTracePerStage, "true")
		ctx, endStage := tt.StartStage(context.Background(), StageInfo{ID: 3, LoadType: "constant", Rate: 10, Duration: 5 * time.Second})
		send(tt, ctx)
		sctx, endSession := tt.StartSession(ctx, "s1")
		send(tt, sctx)
		endSession(nil)
		endStage("COMPLETED", nil)
		endStage("again", nil) // once only
		spans := tt.spans(t)
		if len(spans) != 4 {
			t.Fatalf("%d spans", len(spans))
		}
		stage := byName(t, spans, "stage 3")
		session := byName(t, spans, "session s1")
		if stage.Parent.IsValid() || stage.SpanKind != trace.SpanKindInternal {
			t.Errorf("stage: parent %v kind %v", stage.Parent, stage.SpanKind)
		}
		if session.Parent.SpanID() != stage.SpanContext.SpanID() {
			t.Errorf("session not under the stage")
		}
		var underStage, underSession int
		for _, s := range spans {
			if s.Name != "text_completion m" {
				continue
			}
			if s.SpanContext.TraceID() != stage.SpanContext.TraceID() {
				t.Errorf("request outside the stage's trace")
			}
			switch s.Parent.SpanID() {
			case stage.SpanContext.SpanID():
				underStage++
			case session.SpanContext.SpanID():
				underSession++
			}
		}
		if underStage != 1 || underSession != 1 {
			t.Errorf("requests under stage %d, under session %d", underStage, underSession)
		}
		want := map[string]any{
			"inference_perf.stage.id": int64(3), "stage.id": int64(3), "inference_perf.stage.load_type": "constant",
			"inference_perf.stage.rate": 10.0, "stage.rate": 10.0, "inference_perf.stage.duration": 5.0, "stage.duration": 5.0,
			"inference_perf.stage.status": "COMPLETED",
		}
		if got := attrMap(stage.Attributes); !reflect.DeepEqual(got, want) {
			t.Errorf("stage attributes:\n%s", diffMaps(got, want))
		}
		if got := attrMap(session.Attributes); got["gen_ai.conversation.id"] != "s1" || got["session.id"] != "s1" {
			t.Errorf("session attributes %v", got)
		}
	})
	t.Run("per-stage off", func(t *testing.T) {
		t.Parallel()
		tt := newTel(t)
		base := context.Background()
		ctx, endStage := tt.StartStage(base, StageInfo{ID: 0, LoadType: "concurrent", Concurrency: 4, NumRequests: 10})
		if ctx != base {
			t.Errorf("StartStage changed the context with per-stage off")
		}
		send(tt, ctx)
		sctx, endSession := tt.StartSession(ctx, "s2")
		send(tt, sctx)
		endSession(nil)
		endStage("COMPLETED", nil)
		spans := tt.spans(t)
		if len(spans) != 3 {
			t.Fatalf("%d spans", len(spans))
		}
		session := byName(t, spans, "session s2")
		if session.Parent.IsValid() {
			t.Errorf("session has a parent without per-stage traces")
		}
		roots := 0
		for _, s := range spans {
			if !s.Parent.IsValid() {
				roots++
			}
		}
		if roots != 2 { // the lone request and the session
			t.Errorf("%d roots, want 2", roots)
		}
	})
	t.Run("stage errors and TRACEPARENT", func(t *testing.T) {
		t.Parallel()
		const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
		tt := newTel(t, envTracePerStage, "true", envTraceParent, parent)
		ctx, endStage := tt.StartStage(context.Background(), StageInfo{ID: 1, LoadType: "concurrent", Concurrency: 2, NumRequests: 8})
		_, endSession := tt.StartSession(ctx, "s3")
		endSession(fmt.Errorf("turn 2: %w", context.Canceled))
		endStage("INTERRUPTED", context.DeadlineExceeded)
		spans := tt.spans(t)
		stage := byName(t, spans, "stage 1")
		if stage.Parent.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || stage.Parent.SpanID().String() != "b7ad6b7169203331" {
			t.Errorf("stage parent %v, want TRACEPARENT's", stage.Parent)
		}
		sa := attrMap(stage.Attributes)
		if stage.Status.Code != codes.Error || sa["error.type"] != "timeout" || sa["inference_perf.stage.concurrency"] != int64(2) ||
			sa["inference_perf.stage.num_requests"] != int64(8) || sa["inference_perf.stage.status"] != "INTERRUPTED" {
			t.Errorf("stage %v %v", stage.Status, sa)
		}
		session := byName(t, spans, "session s3")
		if session.Status.Code != codes.Error || attrMap(session.Attributes)["error.type"] != "cancelled" {
			t.Errorf("session %v %v", session.Status, session.Attributes)
		}
	})
}

// traceparent is injected for every request: flag 01 when sampled, 00
// when not (a ratio of 0, always_off, or an unsampled parent under a
// parent-based sampler), so that the server follows the same decision.
func TestTraceparentFlags(t *testing.T) {
	t.Parallel()
	unsampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Remote: true,
	}))
	sampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	cases := []struct {
		name    string
		env     []string
		ctx     context.Context
		flag    string
		spans   int
		traceID string // "" means any
	}{
		{"always_on", []string{envSampler, "always_on"}, context.Background(), "01", 1, ""},
		{"ratio 0", []string{envSampler, "traceidratio", envSamplerArg, "0"}, context.Background(), "00", 0, ""},
		{"always_off", []string{envSampler, "always_off"}, context.Background(), "00", 0, ""},
		{"parent unsampled", []string{envSampler, "parentbased_always_on"}, unsampledParent, "00", 0, "01000000000000000000000000000000"},
		{"parent sampled", []string{envSampler, "parentbased_always_off"}, sampledParent, "01", 1, "01000000000000000000000000000000"},
		{"parentbased ratio root", []string{envSampler, "parentbased_traceidratio", envSamplerArg, "0"}, context.Background(), "00", 0, ""},
		// No exporter: nothing recorded, the context still travels.
		{"exporter none", []string{envTracesExporter, "none"}, context.Background(), "01", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tt := newTel(t, c.env...)
			st := start("chat", "vllm", true, &client.Request{Prompt: chatPrompt})
			span := tt.Tracer().StartRequest(c.ctx, st)
			span.End(successRecord(true), []byte("x"))
			tp := st.Header.Get("Traceparent")
			parts := strings.Split(tp, "-")
			if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 || parts[3] != c.flag {
				t.Fatalf("traceparent %q, want flag %s", tp, c.flag)
			}
			if c.traceID != "" && parts[1] != c.traceID {
				t.Errorf("trace id %s, want the parent's %s", parts[1], c.traceID)
			}
			if _, isNo := span.(noSpan); isNo != (c.spans == 0) {
				t.Errorf("unsampled requests must skip attribute work: %T", span)
			}
			var n int
			if tt.exporting {
				n = len(tt.spans(t))
			}
			if n != c.spans {
				t.Errorf("%d spans exported, want %d", n, c.spans)
			}
			if ct := st.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("other headers touched: %q", ct)
			}
		})
	}
}

// OTEL_PROPAGATORS=none sends no trace header; by default baggage travels
// when the context carries some.
func TestPropagators(t *testing.T) {
	t.Parallel()
	tt := newTel(t, envPropagators, "none")
	st := start("chat", "vllm", true, &client.Request{Prompt: chatPrompt})
	tt.Tracer().StartRequest(context.Background(), st).End(successRecord(true), nil)
	if len(st.Header) != 1 {
		t.Errorf("headers %v", st.Header)
	}

	tt = newTel(t)
	m, _ := baggage.NewMember("run", "r1")
	b, _ := baggage.New(m)
	st = start("chat", "vllm", true, &client.Request{Prompt: chatPrompt})
	tt.Tracer().StartRequest(baggage.ContextWithBaggage(context.Background(), b), st).End(successRecord(true), nil)
	if st.Header.Get("Baggage") != "run=r1" || st.Header.Get("Traceparent") == "" {
		t.Errorf("headers %v", st.Header)
	}
}

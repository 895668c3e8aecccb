package client

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// fakeTracer records what the client tells it and writes a fixed header.
type fakeTracer struct {
	mu     sync.Mutex
	starts []RequestStart
	ends   []*record.Record
	output []string
}

func (f *fakeTracer) StartRequest(ctx context.Context, s *RequestStart) RequestSpan {
	s.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	f.mu.Lock()
	f.starts = append(f.starts, *s)
	f.mu.Unlock()
	return fakeSpan{f}
}

type fakeSpan struct{ f *fakeTracer }

func (s fakeSpan) End(rec *record.Record, output []byte) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.ends = append(s.f.ends, rec)
	s.f.output = append(s.f.output, string(output))
}

// With a tracer, every request carries its trace headers, the tracer learns
// what was sent, and the span is ended once with the finished record,
// successes and failures alike. Without one, no trace header is sent.
func TestTracerHook(t *testing.T) {
	t.Parallel()
	body := "data: {\"choices\":[{\"index\":0,\"text\":\" hi\"}]}\n\ndata: {\"choices\":[{\"index\":0,\"text\":\" there\",\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n"
	srv, got := canned(t, 200, "text/event-stream", body)
	tr := &fakeTracer{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Tracer = tr })
	rec := c.Do(context.Background(), Request{Seq: 7, Prompt: prompt.Prompt{Text: "a b", Tokens: 2, MaxTokens: 5}})
	if rec.Error != nil {
		t.Fatalf("request failed: %+v", rec.Error)
	}
	h := (<-got).Header
	if h.Get("Traceparent") == "" {
		t.Fatalf("no traceparent sent; headers %v", h)
	}
	if len(tr.starts) != 1 || len(tr.ends) != 1 || tr.ends[0] != rec {
		t.Fatalf("starts %d, ends %d", len(tr.starts), len(tr.ends))
	}
	s := tr.starts[0]
	if s.Model != "test-model" || s.APIType != "completion" || !s.Streaming || s.MaxTokens != 5 ||
		s.Host != "127.0.0.1" || s.Port == 0 || !strings.HasSuffix(s.URL, "/v1/completions") || s.Request.Seq != 7 {
		t.Fatalf("start %+v", s)
	}
	if tr.output[0] != " hi there" {
		t.Fatalf("output %q", tr.output[0])
	}

	// A failed request ends its span too.
	bad, _ := canned(t, 503, "application/json", `{"error":{"message":"busy"}}`)
	c2 := newTestClient(t, bad.URL, func(o *Options) { o.Tracer = tr })
	rec2 := c2.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "x", Tokens: 1}})
	if rec2.Error == nil || len(tr.ends) != 2 || tr.ends[1] != rec2 {
		t.Fatalf("failed request: err %v, ends %d", rec2.Error, len(tr.ends))
	}

	// The shared header map is never written by tracing: a client without a
	// tracer sends no traceparent.
	plain, got3 := canned(t, 200, "text/event-stream", body)
	c3 := newTestClient(t, plain.URL, nil)
	c3.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "x", Tokens: 1}})
	if v := (<-got3).Header.Get("Traceparent"); v != "" {
		t.Fatalf("traceparent %q sent without a tracer", v)
	}
}

// The mock server type sends nothing but still gets a span per request.
func TestTracerHookMock(t *testing.T) {
	t.Parallel()
	tr := &fakeTracer{}
	c, err := New(Options{ServerType: "mock", Model: "m", APIType: "chat", MockLatency: time.Millisecond, Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	rec := c.Do(context.Background(), Request{Seq: 3, Prompt: prompt.Prompt{Text: "x"}})
	if len(tr.starts) != 1 || len(tr.ends) != 1 || tr.ends[0] != rec || tr.starts[0].Model != MockModel {
		t.Fatalf("starts %+v, ends %d", tr.starts, len(tr.ends))
	}
}

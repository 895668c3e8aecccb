package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// envMap is a hermetic Getenv over key, value pairs.
func envMap(kv ...string) func(string) (string, bool) {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// logSink is a slog handler that keeps what it is given.
type logSink struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
	return nil
}
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSink) WithGroup(string) slog.Handler      { return l }

// messages returns the messages logged at level.
func (l *logSink) messages(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		if r.Level == level {
			out = append(out, r.Message)
		}
	}
	return out
}

// testTel is a Telemetry exporting to memory.
type testTel struct {
	*Telemetry
	exp  *tracetest.InMemoryExporter
	logs *logSink
	clk  *clock.Clock
}

// newTel sets up tracing with OTEL_TRACES_ENABLED=true plus kv, exporting
// to memory.
func newTel(t testing.TB, kv ...string) *testTel {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	logs := &logSink{}
	clk := clock.New()
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv:       envMap(append([]string{envTracesEnabled, "true"}, kv...)...),
		Log:          slog.New(logs),
		Clock:        clk,
		testExporter: exp,
	})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = tel.Shutdown(ctx)
	})
	return &testTel{Telemetry: tel, exp: exp, logs: logs, clk: clk}
}

// spans flushes and returns the exported spans.
func (tt *testTel) spans(t testing.TB) tracetest.SpanStubs {
	t.Helper()
	if err := tt.tp.ForceFlush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return tt.exp.GetSpans()
}

// byName returns the one span named name.
func byName(t testing.TB, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one span %q, have %d among %d", name, len(found), len(spans))
	}
	return found[0]
}

// attrMap turns attributes into a map for comparison.
func attrMap(attrs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(attrs))
	for _, a := range attrs {
		m[string(a.Key)] = a.Value.AsInterface()
	}
	return m
}

// start describes a request as the client would.
func start(api, server string, stream bool, req *client.Request) *client.RequestStart {
	model := "m"
	if req.LoRA != "" {
		model = req.LoRA
	}
	route := "/v1/completions"
	if api == "chat" {
		route = "/v1/chat/completions"
	}
	return &client.RequestStart{
		Request: req, Model: model, APIType: api, ServerType: server, Streaming: stream,
		MaxTokens: 30, URL: "http://127.0.0.1:8000" + route, Host: "127.0.0.1", Port: 8000,
		Header: http.Header{"Content-Type": {"application/json"}},
	}
}

// chatPrompt and textPrompt are the requests' inputs.
var (
	chatPrompt = prompt.Prompt{Messages: []prompt.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: `hi "there"`}}, Tokens: 9}
	textPrompt = prompt.Prompt{Text: "a b c", Tokens: 9}
)

// successRecord is a finished successful request; streamed ones have three
// content chunks.
func successRecord(stream bool) *record.Record {
	r := &record.Record{
		Stage: 1, Seq: 42, Streaming: stream,
		Intended: time.Second, Sent: 1002 * time.Millisecond, FirstByte: 1050 * time.Millisecond,
		End:                1350 * time.Millisecond,
		ClientPromptTokens: 9, ServerPromptTokens: 10, ClientOutputTokens: 3, ServerOutputTokens: 3,
		FinishReason: "stop", ResponseID: "cmpl-1", Model: "m-served", Status: 200,
	}
	if stream {
		r.Chunks = []time.Duration{1100 * time.Millisecond, 1200 * time.Millisecond, 1300 * time.Millisecond}
	}
	return r
}

// failedRecord is a request the server answered with 503.
func failedRecord(stream bool) *record.Record {
	return &record.Record{
		Stage: 1, Seq: 42, Streaming: stream,
		Intended: time.Second, Sent: 1002 * time.Millisecond, FirstByte: 1050 * time.Millisecond,
		End:                1350 * time.Millisecond,
		ClientPromptTokens: 9, ServerPromptTokens: record.Unknown, ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
		Status: 503, Error: &record.Error{Type: "503 - Service Unavailable", Message: "busy"},
	}
}

// blockingExporter holds every export until release is closed or the
// export's context ends, like a collector that has stopped answering.
type blockingExporter struct {
	release chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (b *blockingExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	b.once.Do(func() { close(b.entered) })
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (b *blockingExporter) Shutdown(context.Context) error { return nil }

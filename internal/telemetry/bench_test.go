package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

// discardExporter accepts everything: the benchmarks measure the request
// path, not a collector.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// discardClient is an OTLP client that accepts everything.
type discardClient struct{}

func (discardClient) Start(context.Context) error                                  { return nil }
func (discardClient) Stop(context.Context) error                                   { return nil }
func (discardClient) UploadTraces(context.Context, []*tracepb.ResourceSpans) error { return nil }

// BenchmarkRequestSpan is what tracing adds to one streamed chat request:
// StartRequest (span start, traceparent into the headers) and End (all
// attributes, the first-token event, the hand-over to the batcher). "off"
// is the client's nil-tracer branch. The *_sdk cases are the SDK path (the
// console exporter's): there the conversion to OTLP runs on the batcher's
// goroutine and is not counted here; on the fast path it is part of End
// (and the batcher only uploads).
func BenchmarkRequestSpan(b *testing.B) {
	long := prompt.Prompt{Messages: []prompt.Message{
		{Role: "system", Content: strings.Repeat("You are a helpful assistant. ", 20)},
		{Role: "user", Content: strings.Repeat("Summarise the following text. ", 120)},
	}, Tokens: 1000}
	cases := []struct {
		name string
		env  []string
		p    prompt.Prompt
		sdk  bool // the SDK path (the console's), else the OTLP fast path
	}{
		{"off", nil, chatPrompt, false},
		{"always_off", []string{envSampler, "always_off"}, chatPrompt, false},
		{"ratio_0.1", []string{envSampler, "traceidratio", envSamplerArg, "0.1"}, chatPrompt, false},
		{"always_on_sdk", []string{envSampler, "always_on"}, chatPrompt, true},
		{"always_on", []string{envSampler, "always_on"}, chatPrompt, false},
		{"always_on_no_content", []string{envSampler, "always_on", envCaptureContent, "false"}, chatPrompt, false},
		{"always_on_4KB_prompt_sdk", []string{envSampler, "always_on"}, long, true},
		{"always_on_4KB_prompt", []string{envSampler, "always_on"}, long, false},
	}
	output := []byte(strings.Repeat("token ", 100))
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var tr client.Tracer
			if c.env != nil {
				o := SetupOptions{
					Getenv:     envMap(append([]string{envTracesEnabled, "true", envTracesExporter, "otlp", envBSPQueue, "65536"}, c.env...)...),
					Log:        slog.New(&logSink{}),
					Clock:      clock.New(),
					testClient: discardClient{},
				}
				if c.sdk {
					o.testExporter, o.testClient = discardExporter{}, nil
				}
				tel, err := Setup(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _, _ = tel.Shutdown(context.Background()) }()
				tr = tel.Tracer()
			}
			req := &client.Request{Stage: 1, Seq: 42, Intended: time.Second, Prompt: c.p}
			rec := successRecord(true)
			rec.Chunks = make([]time.Duration, 100)
			for i := range rec.Chunks {
				rec.Chunks[i] = 1100*time.Millisecond + time.Duration(i)*time.Millisecond
			}
			rec.ServerOutputTokens, rec.ClientOutputTokens = 100, 100
			hdr := http.Header{"Content-Type": {"application/json"}}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if tr == nil {
					continue // the client's branch when tracing is off
				}
				st := client.RequestStart{Request: req, Model: "m", APIType: "chat", ServerType: "vllm", Streaming: true,
					MaxTokens: 30, Host: "127.0.0.1", Port: 8000, Header: hdr}
				tr.StartRequest(ctx, &st).End(rec, output)
			}
		})
	}
}

package telemetry

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
)

// captureClient is an otlptrace.Client that keeps what it is given to
// upload, through the wire format as a collector gets it (the fast path's
// spans are pre-encoded bytes, and recycled after the upload).
// With block set, an upload waits until block is closed or its context
// ends, like a collector that stopped answering.
type captureClient struct {
	mu      sync.Mutex
	batches []*tracepb.ResourceSpans
	block   chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (c *captureClient) Start(context.Context) error { return nil }
func (c *captureClient) Stop(context.Context) error  { return nil }
func (c *captureClient) UploadTraces(ctx context.Context, rss []*tracepb.ResourceSpans) error {
	if c.entered != nil {
		c.once.Do(func() { close(c.entered) })
	}
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range rss {
		b, err := proto.Marshal(rs)
		if err != nil {
			return err
		}
		var got tracepb.ResourceSpans
		if err := proto.Unmarshal(b, &got); err != nil {
			return err
		}
		c.batches = append(c.batches, &got)
	}
	return nil
}

// spans returns every span uploaded, by span id, with its resource and scope.
func (c *captureClient) spans() map[string]uploaded {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string]uploaded{}
	for _, rs := range c.batches {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				m[fmt.Sprintf("%x", s.SpanId)] = uploaded{span: s, rs: rs, ss: ss}
			}
		}
	}
	return m
}

type uploaded struct {
	span *tracepb.Span
	rs   *tracepb.ResourceSpans
	ss   *tracepb.ScopeSpans
}

var _ otlptrace.Client = (*captureClient)(nil)

// countIDs is a deterministic ID generator: two providers given fresh ones
// hand out the same ids in the same order.
type countIDs struct{ n atomic.Uint64 }

func (g *countIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	binary.BigEndian.PutUint64(tid[:8], 0xabc)
	// spread, so that a ratio sampler keeps some and drops others
	binary.BigEndian.PutUint64(tid[8:], g.n.Add(1)*0x9E3779B97F4A7C15)
	return tid, g.NewSpanID(ctx, tid)
}

func (g *countIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	binary.BigEndian.PutUint64(sid[:], 0x1000+g.n.Add(1))
	return sid
}

// pathPair is the same configuration set up twice: request spans through
// the SDK (its OTLP exporter's own conversion, over capture client sdk)
// and through the fast path (capture client fast).
type pathPair struct {
	sdk, fast       *Telemetry
	sdkCap, fastCap *captureClient
}

func newPair(t *testing.T, kv ...string) *pathPair {
	t.Helper()
	p := &pathPair{sdkCap: &captureClient{}, fastCap: &captureClient{}}
	env := envMap(append([]string{envTracesEnabled, "true", envTracesExporter, "otlp"}, kv...)...)
	clk := clock.New() // one epoch: the record's times give equal span times
	var err error
	p.sdk, err = Setup(context.Background(), SetupOptions{Getenv: env, Log: slog.New(&logSink{}), Clock: clk,
		idGenerator: &countIDs{}, testExporter: otlptrace.NewUnstarted(p.sdkCap)})
	if err != nil {
		t.Fatal(err)
	}
	p.fast, err = Setup(context.Background(), SetupOptions{Getenv: env, Log: slog.New(&logSink{}), Clock: clk,
		idGenerator: &countIDs{}, testClient: p.fastCap})
	if err != nil {
		t.Fatal(err)
	}
	if p.sdk.fast != nil || p.fast.fast == nil {
		t.Fatalf("paths: sdk %v fast %v", p.sdk.fast != nil, p.fast.fast != nil)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = p.sdk.Shutdown(ctx)
		_, _ = p.fast.Shutdown(ctx)
	})
	return p
}

// flush delivers everything ended so far on both paths.
func (p *pathPair) flush(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := p.sdk.tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.fast.fast.forceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.fast.tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
}

// The fast path's spans are the SDK path's, field for field: for chat and
// completion, streamed or not, success or error, alone, under a stage, under
// a session or under a remote parent with a tracestate, content off, on the
// span, in an event, and with tight span limits (truncation, attribute and
// event counts).
func TestFastPathEquivalence(t *testing.T) {
	t.Parallel()
	remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled,
		TraceState: mustTraceState(t, "vendor=x,other=y"), Remote: true,
	}))
	configs := []struct {
		name string
		env  []string
	}{
		// the default: content on the span
		{"content on span", nil},
		// no content anywhere
		{"content off", []string{envCaptureContent, "false"}},
		// the details event carries the content
		{"content in span and event", []string{envCaptureContent, "SPAN_AND_EVENT"}},
		// the SDK's limits: strings cut to 4 characters (the finish
		// reason slice too), 12 attributes kept, one event (the newest),
		// one attribute per event
		{"tight limits", []string{envCaptureContent, "SPAN_AND_EVENT", envAttrValueLen, "4", envAttrCount, "12",
			envEventCount, "1", envEventAttrCount, "1"}},
		// no attributes or events at all
		{"zero limits", []string{envAttrCount, "0", envEventCount, "0"}},
		// a ratio sampler keeps the same requests on both paths (and
		// drops whole stages: the stage's trace id decides)
		{"ratio sampler", []string{envSampler, "traceidratio", envSamplerArg, "0.5"}},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, append([]string{envTracePerStage, "true"}, cfg.env...)...)
			n := 0
			for _, tel := range []*Telemetry{p.sdk, p.fast} {
				stageCtx, endStage := tel.StartStage(context.Background(), StageInfo{ID: 2, LoadType: "constant", Rate: 5})
				sessCtx, endSession := tel.StartSession(stageCtx, "s1")
				n = 0
				for _, parent := range []context.Context{context.Background(), stageCtx, sessCtx, remote} {
					for _, api := range []string{"chat", "completion"} {
						for _, stream := range []bool{true, false} {
							for _, failed := range []bool{false, true} {
								pr := textPrompt
								if api == "chat" {
									pr = chatPrompt
								}
								req := &client.Request{Prompt: pr, Seq: uint64(n), LoRA: map[bool]string{true: "lora-1"}[n%3 == 0]}
								rec := successRecord(stream)
								if failed {
									rec = failedRecord(stream)
								}
								rec.SessionID = map[bool]string{true: "s1"}[parent == sessCtx]
								if !failed && n%4 == 1 {
									rec.FinishReason = "length" // cut by the tight limit, in a string slice
								}
								tel.Tracer().StartRequest(parent, start(api, "vllm", stream, req)).End(rec, []byte(`answer "quoted" é`))
								n++
							}
						}
					}
				}
				endSession(nil)
				endStage("COMPLETED", nil)
			}
			p.flush(t)
			sdkSpans, fastSpans := p.sdkCap.spans(), p.fastCap.spans()
			want := n + 2
			if cfg.name == "ratio sampler" {
				want = len(sdkSpans)
				if want == 0 || want == n+2 {
					t.Errorf("ratio sampler kept %d spans of %d", want, n+2)
				}
			}
			if len(sdkSpans) != want || len(fastSpans) != want {
				t.Fatalf("sdk %d spans, fast %d, want %d", len(sdkSpans), len(fastSpans), want)
			}
			for id, want := range sdkSpans {
				got, ok := fastSpans[id]
				if !ok {
					t.Errorf("span %s (%s) missing on the fast path", id, want.span.Name)
					continue
				}
				if got.span.Kind == tracepb.Span_SPAN_KIND_CLIENT {
					// Start times are each path's own clock reading; End
					// is the record's.
					if got.span.StartTimeUnixNano == 0 || got.span.StartTimeUnixNano > got.span.EndTimeUnixNano+uint64(time.Hour) {
						t.Errorf("span %s start %d end %d", id, got.span.StartTimeUnixNano, got.span.EndTimeUnixNano)
					}
					got.span = proto.Clone(got.span).(*tracepb.Span)
					got.span.StartTimeUnixNano = want.span.StartTimeUnixNano
					keys := map[string]bool{}
					for _, a := range got.span.Attributes {
						if keys[a.Key] {
							t.Errorf("span %s: attribute %s twice", id, a.Key)
						}
						keys[a.Key] = true
					}
				} else {
					// Stage and session spans: SDK on both sides, times
					// from the clock.
					got.span = proto.Clone(got.span).(*tracepb.Span)
					got.span.StartTimeUnixNano, got.span.EndTimeUnixNano = want.span.StartTimeUnixNano, want.span.EndTimeUnixNano
					for i := range got.span.Events {
						got.span.Events[i].TimeUnixNano = want.span.Events[i].TimeUnixNano
					}
				}
				if d := diffProto(want.span, got.span); d != "" {
					t.Errorf("span %s (%s) differs (-sdk +fast):\n%s", id, want.span.Name, d)
				}
				if d := diffProto(want.ss.Scope, got.ss.Scope); d != "" || want.ss.SchemaUrl != got.ss.SchemaUrl {
					t.Errorf("scope differs: %s %q %q", d, want.ss.SchemaUrl, got.ss.SchemaUrl)
				}
				if d := diffProto(dropInstance(want.rs), dropInstance(got.rs)); d != "" {
					t.Errorf("resource differs:\n%s", d)
				}
			}
			if st := p.fast.Stats(); st.Started != uint64(want) || st.Ended != uint64(want) || st.Exported != uint64(want) {
				t.Errorf("fast path stats %+v", st)
			}
		})
	}
}

// dropInstance is the resource without service.instance.id (random per
// Setup) and without spans.
func dropInstance(rs *tracepb.ResourceSpans) *tracepb.ResourceSpans {
	r := proto.Clone(rs.Resource).(*resourcepb.Resource)
	kept := r.Attributes[:0]
	for _, a := range r.Attributes {
		if a.Key != "service.instance.id" {
			kept = append(kept, a)
		}
	}
	r.Attributes = kept
	return &tracepb.ResourceSpans{SchemaUrl: rs.SchemaUrl, Resource: r}
}

// diffProto reports want and got when they differ.
func diffProto(want, got proto.Message) string {
	if proto.Equal(want, got) {
		return ""
	}
	return "sdk:  " + prototext.Format(want) + "\nfast: " + prototext.Format(got)
}

func mustTraceState(t *testing.T, s string) trace.TraceState {
	ts, err := trace.ParseTraceState(s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// The fast path is on for OTLP and only there: the console, "none" and the
// test exporter keep the SDK path (which the SpanRecorder tests cover).
func TestFastPathSelection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		fast bool
	}{
		// an endpoint means OTLP (gRPC): the fast path
		{"otlp grpc", []string{envEndpoint, "http://127.0.0.1:1"}, true},
		// OTLP/HTTP too
		{"otlp http", []string{envEndpoint, "http://127.0.0.1:1", envProtocol, "http/protobuf"}, true},
		// the console exporter prints SDK spans
		{"console", nil, false},
		// no exporter: nothing is recorded at all
		{"none", []string{envTracesExporter, "none"}, false},
	}
	for _, c := range cases {
		tel, _ := setupEnv(t, c.env...)
		if got := tel.fast != nil; got != c.fast {
			t.Errorf("%s: fast path %v, want %v", c.name, got, c.fast)
		}
		shutdown(t, tel)
	}
}

// fastTel sets up the fast path over a capture client.
func fastTel(t *testing.T, c *captureClient, kv ...string) (*Telemetry, *logSink) {
	t.Helper()
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv:     envMap(append([]string{envTracesEnabled, "true", envTracesExporter, "otlp"}, kv...)...),
		Log:        slog.New(logs),
		Clock:      clock.New(),
		testClient: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tel.fast == nil {
		t.Fatal("fast path off")
	}
	return tel, logs
}

// Unsampled requests (always_off, a ratio of 0, an unsampled remote parent
// under the default parent-based sampler) still send traceparent with flag
// 00 and then record, count and send nothing.
func TestFastPathUnsampled(t *testing.T) {
	t.Parallel()
	unsampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{9}, SpanID: trace.SpanID{8}, Remote: true,
	}))
	cases := []struct {
		name string
		env  []string
		ctx  context.Context
	}{
		// the sampler that never samples
		{"always_off", []string{envSampler, "always_off"}, context.Background()},
		// a ratio sampler that keeps nothing
		{"ratio 0", []string{envSampler, "traceidratio", envSamplerArg, "0"}, context.Background()},
		// the default parent-based sampler follows an unsampled parent
		{"unsampled parent", nil, unsampledParent},
	}
	for _, c := range cases {
		capt := &captureClient{}
		tel, _ := fastTel(t, capt, c.env...)
		st := start("chat", "vllm", true, &client.Request{Prompt: chatPrompt})
		span := tel.Tracer().StartRequest(c.ctx, st)
		if _, ok := span.(noSpan); !ok {
			t.Errorf("%s: span %T, want noSpan", c.name, span)
		}
		span.End(successRecord(true), []byte("x"))
		tp := st.Header.Get("Traceparent")
		if !strings.HasPrefix(tp, "00-") || !strings.HasSuffix(tp, "-00") {
			t.Errorf("%s: traceparent %q", c.name, tp)
		}
		if c.ctx == unsampledParent && !strings.HasPrefix(tp, "00-09000000000000000000000000000000-") {
			t.Errorf("%s: traceparent %q outside the parent's trace", c.name, tp)
		}
		if lost := shutdown(t, tel); lost != 0 || len(capt.batches) != 0 || tel.Stats() != (Stats{}) {
			t.Errorf("%s: lost %d, %d uploads, stats %+v", c.name, lost, len(capt.batches), tel.Stats())
		}
	}
}

// A full queue drops spans, never blocks the request, counts them, and
// warns once, as the SDK's batcher does.
func TestFastPathQueueFull(t *testing.T) {
	t.Parallel()
	capt := &captureClient{block: make(chan struct{}), entered: make(chan struct{})}
	tel, logs := fastTel(t, capt, envBSPQueue, "2", envBSPBatch, "1")
	sendOne(tel)
	<-capt.entered // the batcher is stuck uploading the first span
	for range 10 {
		sendOne(tel) // two wait in the queue, eight are dropped
	}
	if w := logs.messages(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "queue full") {
		t.Errorf("warnings %q", w)
	}
	close(capt.block)
	lost := shutdown(t, tel)
	if want := (Stats{Started: 11, Ended: 11, Exported: 3, Dropped: 8}); tel.Stats() != want || lost != 8 {
		t.Errorf("stats %+v lost %d, want %+v", tel.Stats(), lost, want)
	}
	if n := len(capt.spans()); n != 3 {
		t.Errorf("collector got %d spans", n)
	}
}

// A collector that hangs: Shutdown gives up at its bound, the upload in
// progress is abandoned, and what was not delivered is reported.
func TestFastPathShutdownBound(t *testing.T) {
	t.Parallel()
	capt := &captureClient{block: make(chan struct{}), entered: make(chan struct{})}
	defer close(capt.block)
	tel, _ := fastTel(t, capt, envBSPBatch, "1")
	sendOne(tel)
	<-capt.entered
	sendOne(tel)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	lost, err := tel.Shutdown(ctx)
	if err == nil || lost != 2 {
		t.Errorf("Shutdown: lost %d err %v; want 2 and the context's error", lost, err)
	}
}

// Through real OTLP receivers (gRPC in process, HTTP by httptest): the
// stage span (SDK) and the request span (fast path) arrive with the same
// resource and scope, in one trace, the request a child of the stage.
func TestFastPathReceivers(t *testing.T) {
	c, addr := startGRPCCollector(t)
	var hr received
	srv := httptest.NewServer(httpCollector(t, &hr))
	defer srv.Close()
	for _, tc := range []struct {
		proto string
		env   []string
		r     *received
	}{
		// the default protocol, as users point the endpoint at :4317
		{protoGRPC, []string{envEndpoint, "http://" + addr}, &c.received},
		// http/protobuf, the other transport of the official client
		{protoHTTP, []string{envEndpoint, srv.URL, envProtocol, protoHTTP}, &hr},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			tel, _ := setupEnv(t, append([]string{envTracePerStage, "true"}, tc.env...)...)
			if tel.fast == nil {
				t.Fatal("fast path off")
			}
			ctx, endStage := tel.StartStage(context.Background(), StageInfo{ID: 1, LoadType: "constant", Rate: 1})
			req := &client.Request{Prompt: chatPrompt, Seq: 1}
			tel.Tracer().StartRequest(ctx, start("chat", "vllm", true, req)).End(successRecord(true), []byte("answer"))
			endStage("COMPLETED", nil)
			if lost := shutdown(t, tel); lost != 0 {
				t.Errorf("lost %d", lost)
			}
			tc.r.mu.Lock()
			defer tc.r.mu.Unlock()
			var stage, request *tracepb.Span
			var rss []*tracepb.ResourceSpans
			var sss []*tracepb.ScopeSpans
			for _, er := range tc.r.reqs {
				for _, rs := range er.ResourceSpans {
					for _, ss := range rs.ScopeSpans {
						for _, s := range ss.Spans {
							switch s.Name {
							case "stage 1":
								stage = s
							case "chat m":
								request = s
							}
							rss = append(rss, rs)
							sss = append(sss, ss)
						}
					}
				}
			}
			if stage == nil || request == nil || len(rss) != 2 {
				t.Fatalf("received %d spans: stage %v request %v", len(rss), stage != nil, request != nil)
			}
			if string(request.TraceId) != string(stage.TraceId) || string(request.ParentSpanId) != string(stage.SpanId) {
				t.Errorf("request %x/%x not under stage %x/%x", request.TraceId, request.ParentSpanId, stage.TraceId, stage.SpanId)
			}
			if d := diffProto(dropSpans(rss[0]), dropSpans(rss[1])); d != "" {
				t.Errorf("resources differ:\n%s", d)
			}
			if d := diffProto(sss[0].Scope, sss[1].Scope); d != "" || sss[0].SchemaUrl != sss[1].SchemaUrl || sss[0].Scope.GetName() != ScopeName {
				t.Errorf("scopes differ: %s %q %q", d, sss[0].SchemaUrl, sss[1].SchemaUrl)
			}
			a := spanAttrs(request)
			if request.Kind != tracepb.Span_SPAN_KIND_CLIENT || a["gen_ai.output.text"].GetStringValue() != "answer" || len(request.Events) != 1 {
				t.Errorf("request span %v", request)
			}
			tc.r.reqs = nil
		})
	}
}

// dropSpans is the resource part of rs.
func dropSpans(rs *tracepb.ResourceSpans) *tracepb.ResourceSpans {
	return &tracepb.ResourceSpans{SchemaUrl: rs.SchemaUrl, Resource: rs.Resource}
}

// The SDK's attribute value truncation, reproduced: characters not bytes,
// invalid bytes left out of a cut string.
func TestTruncate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		limit int
		want  string
	}{
		{"hello", -1, "hello"},         // no limit
		{"hello", 5, "hello"},          // fits
		{"hello", 3, "hel"},            // cut
		{"héllo", 3, "hél"},            // characters, not bytes
		{"héllo", 0, ""},               // zero
		{"a\xffbcd", 3, "abc"},         // an invalid byte is dropped and not counted
		{"abc\xffdef", 3, "abc"},       // the invalid byte after the cut
		{"\uFFFDabc", 2, "\uFFFDa"},    // a valid U+FFFD counts
		{"a\xffb", 5, "a\xffb"},        // short enough in bytes: untouched, as the SDK
		{"ab\xff\xfecdefg", 4, "abcd"}, // several invalid bytes
	}
	for _, c := range cases {
		if got := truncate(c.limit, c.in); got != c.want {
			t.Errorf("truncate(%d, %q) = %q, want %q", c.limit, c.in, got, c.want)
		}
	}
}

// truncate agrees with the SDK's own truncation, whatever the string.
func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"hello", "héllo", "a\xffbcd", "abc\xffdef", "\uFFFDabc", "ab\xff\xfecdefg", ""} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = limit%20 - 1 // -1 (none) to 18
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
			sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{AttributeValueLengthLimit: limit, AttributeCountLimit: -1,
				EventCountLimit: -1, LinkCountLimit: -1, AttributePerEventCountLimit: -1, AttributePerLinkCountLimit: -1}))
		_, span := tp.Tracer("t").Start(context.Background(), "s")
		span.SetAttributes(attribute.String("k", s))
		span.End()
		want := rec.Ended()[0].Attributes()[0].Value.AsString()
		if got := truncate(limit, s); got != want {
			t.Errorf("truncate(%d, %q) = %q, SDK %q", limit, s, got, want)
		}
	})
}

// A request span started before Shutdown and ended after it is counted as
// the SDK counts it (started, not ended) and sent by neither path; one
// started after Shutdown is not recorded at all.
func TestFastPathEndAfterShutdown(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	for _, tel := range []*Telemetry{p.sdk, p.fast} {
		before := tel.Tracer().StartRequest(context.Background(), start("chat", "vllm", true, &client.Request{Prompt: chatPrompt}))
		if _, err := tel.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		before.End(successRecord(true), []byte("x"))
		after := start("chat", "vllm", true, &client.Request{Prompt: chatPrompt})
		tel.Tracer().StartRequest(context.Background(), after).End(successRecord(true), nil)
		if after.Header.Get("Traceparent") == "" {
			t.Errorf("no traceparent after Shutdown")
		}
	}
	if s, f := p.sdk.Stats(), p.fast.Stats(); s != f || s.Started != 1 || s.Ended != 0 {
		t.Errorf("stats: sdk %+v, fast %+v", s, f)
	}
	if len(p.sdkCap.spans()) != 0 || len(p.fastCap.spans()) != 0 {
		t.Errorf("spans sent after Shutdown")
	}
}

// A real OTLP/HTTP collector that accepts the upload and never answers:
// Shutdown returns at its bound with the context's error, and every span
// counts as lost.
func TestFastPathHangingCollector(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	tel, _ := setupEnv(t, envEndpoint, srv.URL, envProtocol, protoHTTP, envBSPBatch, "1")
	if tel.fast == nil {
		t.Fatal("fast path off")
	}
	sendOne(tel)
	<-entered // the first upload is hanging
	sendOne(tel)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	lost, err := tel.Shutdown(ctx)
	if err == nil || lost != 2 {
		t.Errorf("Shutdown: lost %d err %v; want 2 and the context's error", lost, err)
	}
}

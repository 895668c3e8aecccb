package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A client span's W3C context, as the benchmark's client would send it.
const (
	tpTraceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	tpSpanID   = "00f067aa0ba902b7"
	tpSampled  = "00-" + tpTraceID + "-" + tpSpanID + "-01"
	tpUnsample = "00-" + tpTraceID + "-" + tpSpanID + "-00"
	tpState    = "vendor=opaque"
)

// newProvider returns a provider exporting synchronously into exp, with the
// SDK's default sampler spelled out so OTEL_TRACES_SAMPLER in the test
// environment cannot change what the tests see.
func newProvider(t testing.TB, exp sdktrace.SpanExporter) *sdktrace.TracerProvider {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// startTracedSim starts a simulator recording into a fresh in-memory exporter.
func startTracedSim(t *testing.T, mutate func(*Options)) (*Running, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := newProvider(t, exp)
	rs := startSim(t, func(o *Options) {
		o.TracerProvider = tp
		if mutate != nil {
			mutate(o)
		}
	})
	return rs, exp
}

// postHeaders is post with extra request headers.
func postHeaders(ctx context.Context, t testing.TB, c *http.Client, url, path, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

// latencyKeys are the timing attributes of a completed request's span.
var latencyKeys = []attribute.Key{attrE2E, attrTimeInQueue, attrTTFT, attrPrefill, attrDecode, attrInference}

func TestTracingSpans(t *testing.T) {
	t.Parallel()
	const (
		complStream = `{"model":"sim-model","prompt":"one two three","max_tokens":5,"ignore_eos":true,"stream":true,"temperature":0.5}`
		chatUnary   = `{"messages":[{"role":"user","content":"a b"}],"temperature":0,"top_p":0.9}`
	)
	// want is the exact attribute set, latencies aside: those are checked
	// for presence and consistency, since their values depend on the clock.
	complWant := map[attribute.Key]attribute.Value{
		attrResponseModel: attribute.StringValue("sim-model"), attrMaxTokens: attribute.IntValue(5),
		attrTemperature: attribute.Float64Value(0.5), attrTopP: attribute.Float64Value(1), attrN: attribute.IntValue(1),
		attrPromptTokens: attribute.IntValue(3), attrCompletionTokens: attribute.IntValue(5),
		attrFinishReasons: attribute.StringValue(`["length"]`),
	}
	chatWant := map[attribute.Key]attribute.Value{
		attrResponseModel: attribute.StringValue("sim-model"), attrMaxTokens: attribute.IntValue(maxModelLen - 2),
		attrTopP: attribute.Float64Value(0.9), attrN: attribute.IntValue(1),
		attrPromptTokens: attribute.IntValue(2), attrCompletionTokens: attribute.IntValue(8),
		attrFinishReasons: attribute.StringValue(`["stop"]`),
	}
	cases := []struct {
		name    string
		path    string
		body    string
		hdr     map[string]string
		status  int
		spans   int                               // 0 or 1
		want    map[attribute.Key]attribute.Value // nil: error span
		errWant map[attribute.Key]attribute.Value // attributes of an error span
		parent  bool                              // the span's parent is the header's span
	}{
		// The main case: a sampled client span; vLLM's span joins its trace,
		// and the tracestate travels with it.
		{name: "streaming, sampled parent", path: "/v1/completions", body: complStream,
			hdr: map[string]string{"traceparent": tpSampled, "tracestate": tpState}, status: 200, spans: 1, want: complWant, parent: true},
		// Non-streaming chat: the same span; a zero temperature is left out
		// as vLLM leaves it out, and the default max_tokens is vLLM's.
		{name: "non-streaming chat, sampled parent", path: "/v1/chat/completions", body: chatUnary,
			hdr: map[string]string{"traceparent": tpSampled}, status: 200, spans: 1, want: chatWant, parent: true},
		// Flag 00: ParentBased sampling follows the client and records
		// nothing, as vLLM does; the request itself is served normally.
		{name: "unsampled parent", path: "/v1/completions", body: complStream,
			hdr: map[string]string{"traceparent": tpUnsample}, status: 200, spans: 0},
		// No trace context: a root span, as vLLM makes.
		{name: "no header", path: "/v1/completions", body: complStream, status: 200, spans: 1, want: complWant},
		// A malformed traceparent is ignored (W3C): a root span, no failure.
		{name: "malformed traceparent", path: "/v1/chat/completions", body: chatUnary,
			hdr: map[string]string{"traceparent": "00-zz-yy-01"}, status: 200, spans: 1, want: chatWant},
		// A 4xx is an error span carrying the status, still in the client's trace.
		{name: "unknown model", path: "/v1/completions", body: `{"model":"other","prompt":"x"}`,
			hdr: map[string]string{"traceparent": tpSampled}, status: 404, spans: 1, parent: true,
			errWant: map[attribute.Key]attribute.Value{attrHTTPStatus: attribute.IntValue(404), attrErrorType: attribute.StringValue("404")}},
		{name: "bad JSON", path: "/v1/chat/completions", body: `{"messages":`,
			status: 400, spans: 1,
			errWant: map[attribute.Key]attribute.Value{attrHTTPStatus: attribute.IntValue(400), attrErrorType: attribute.StringValue("400")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs, exp := startTracedSim(t, nil)
			c := newClient(t)
			before := time.Now()
			resp := postHeaders(context.Background(), t, c, rs.URL(), tc.path, tc.body, tc.hdr)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			id := responseID(t, body)
			// Close waits for the handler, so its span has ended.
			if err := rs.Close(); err != nil {
				t.Fatal(err)
			}
			after := time.Now()

			spans := exp.GetSpans()
			if len(spans) != tc.spans {
				t.Fatalf("%d spans, want %d: %+v", len(spans), tc.spans, spans)
			}
			if tc.spans == 0 {
				return
			}
			sp := spans[0]
			if sp.Name != "llm_request" || sp.SpanKind != trace.SpanKindServer {
				t.Errorf("span %q kind %v, want llm_request SERVER", sp.Name, sp.SpanKind)
			}
			if sp.InstrumentationScope.Name != tracerName {
				t.Errorf("scope %q", sp.InstrumentationScope.Name)
			}
			if tc.parent {
				if got := sp.Parent.SpanID().String(); got != tpSpanID || !sp.Parent.IsRemote() {
					t.Errorf("parent span %s (remote %v), want remote %s", got, sp.Parent.IsRemote(), tpSpanID)
				}
				if got := sp.SpanContext.TraceID().String(); got != tpTraceID {
					t.Errorf("trace id %s, want the header's %s", got, tpTraceID)
				}
				if ts := tc.hdr["tracestate"]; sp.SpanContext.TraceState().String() != ts {
					t.Errorf("tracestate %q, want %q", sp.SpanContext.TraceState().String(), ts)
				}
			} else if sp.Parent.IsValid() {
				t.Errorf("span has parent %v, want a root span", sp.Parent)
			}
			if sp.StartTime.Before(before) || sp.EndTime.Before(sp.StartTime) || sp.EndTime.After(after) {
				t.Errorf("span %v..%v outside the request %v..%v", sp.StartTime, sp.EndTime, before, after)
			}
			got := attrMap(sp.Attributes)
			if tc.errWant != nil {
				if sp.Status.Code != codes.Error || sp.Status.Description == "" {
					t.Errorf("status %+v, want Error with a message", sp.Status)
				}
				checkAttrs(t, got, tc.errWant)
				return
			}
			if sp.Status.Code != codes.Unset {
				t.Errorf("status %+v, want Unset", sp.Status)
			}
			want := map[attribute.Key]attribute.Value{attrRequestID: attribute.StringValue(id)}
			for k, v := range tc.want {
				want[k] = v
			}
			lat := make(map[attribute.Key]float64)
			for _, k := range latencyKeys {
				v, ok := got[k]
				if !ok || v.Type() != attribute.FLOAT64 || v.AsFloat64() < 0 {
					t.Errorf("%s = %v, want a non-negative float", k, v)
				}
				lat[k] = v.AsFloat64()
				delete(got, k)
			}
			checkAttrs(t, got, want)
			checkLatencies(t, lat, sp.EndTime.Sub(sp.StartTime).Seconds())
		})
	}
}

// TestTracingAbort: a client that goes away mid-stream leaves an error span
// that ends when the server noticed, with what was generated so far.
func TestTracingAbort(t *testing.T) {
	t.Parallel()
	// The first token comes at once, the second never: the stream stays
	// open until the client cancels.
	rs, exp := startTracedSim(t, func(o *Options) { o.ITL = time.Hour; o.OutputTokens = 3 })
	c := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := postHeaders(ctx, t, c, rs.URL(), "/v1/completions",
		`{"prompt":"a b c d","stream":true}`, map[string]string{"traceparent": tpSampled})
	defer resp.Body.Close()
	line, err := readLine(resp.Body)
	if err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first event %q: %v", line, err)
	}
	id := responseID(t, []byte(line))
	cancel()
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	sp := spans[0]
	if sp.Status.Code != codes.Error {
		t.Errorf("status %+v, want Error", sp.Status)
	}
	if sp.Parent.SpanID().String() != tpSpanID {
		t.Errorf("parent %s, want %s", sp.Parent.SpanID(), tpSpanID)
	}
	got := attrMap(sp.Attributes)
	// Decode and inference times are left out: there was no last token.
	for _, k := range []attribute.Key{attrE2E, attrTimeInQueue, attrTTFT, attrPrefill} {
		if v, ok := got[k]; !ok || v.AsFloat64() < 0 {
			t.Errorf("%s = %v, want a non-negative float", k, v)
		}
		delete(got, k)
	}
	checkAttrs(t, got, map[attribute.Key]attribute.Value{
		attrRequestID: attribute.StringValue(id), attrResponseModel: attribute.StringValue("sim-model"),
		attrMaxTokens: attribute.IntValue(maxModelLen - 4), attrTemperature: attribute.Float64Value(1),
		attrTopP: attribute.Float64Value(1), attrN: attribute.IntValue(1),
		attrPromptTokens: attribute.IntValue(4), attrCompletionTokens: attribute.IntValue(1),
		attrFinishReasons: attribute.StringValue(`["abort"]`), attrErrorType: attribute.StringValue("abort"),
	})
}

// TestTracingOffCostsNothing: without a provider the server has no tracer,
// and a traceparent header costs no allocation (it is not even read).
func TestTracingOffCostsNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random, so allocation counts vary")
	}
	o := DefaultOptions()
	o.TTFT, o.ITL = 0, 0
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if srv.tracer != nil {
		t.Fatal("tracer set without a TracerProvider")
	}
	with := handlerAllocs(t, srv, bench64, "traceparent", tpSampled)
	without := handlerAllocs(t, srv, bench64, "x-padding-hdr", tpSampled)
	if with > without {
		t.Errorf("%.1f allocs/request with a traceparent, %.1f without: the header is read with tracing off", with, without)
	}
}

// TestTracingNoPerTokenAllocs: with a sampled span, a 64-token stream
// allocates no more than an 8-token one: the span work is per request.
func TestTracingNoPerTokenAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random, so allocation counts vary")
	}
	o := DefaultOptions()
	o.TTFT, o.ITL = 0, 0
	o.TracerProvider = newProvider(t, tracetest.NewNoopExporter())
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	short := strings.Replace(bench64, `"max_tokens":64`, `"max_tokens":8`, 1)
	a8 := handlerAllocs(t, srv, short, "traceparent", tpSampled)
	a64 := handlerAllocs(t, srv, bench64, "traceparent", tpSampled)
	// Half an allocation of slack covers a rare pool miss after a GC.
	if a64 > a8+0.5 {
		t.Errorf("%.1f allocs for 64 tokens, %.1f for 8: tokens allocate", a64, a8)
	}
}

// handlerAllocs is the average allocations of one request served in memory.
func handlerAllocs(t *testing.T, srv *Server, body, hdrKey, hdrVal string) float64 {
	t.Helper()
	w := newMemWriter(0)
	b := []byte(body)
	return testing.AllocsPerRun(200, func() {
		w.reset()
		r := httptest.NewRequest(http.MethodPost, "/v1/completions", bytes.NewReader(b))
		r.Header.Set(hdrKey, hdrVal)
		srv.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			t.Fatalf("status %d", w.status)
		}
	})
}

// BenchmarkHandlerStream64Tracing is BenchmarkHandlerStream64 with tracing
// off, and on with a sampled, an unsampled and no parent. The exporter
// discards spans, so this is the cost of extraction and span creation.
func BenchmarkHandlerStream64Tracing(b *testing.B) {
	cases := []struct {
		name   string
		traced bool
		tp     string
	}{
		{"off", false, tpSampled},
		{"sampled", true, tpSampled},
		{"unsampled", true, tpUnsample},
		{"root", true, ""},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			o := DefaultOptions()
			o.TTFT, o.ITL, o.MaxNumSeqs = 0, 0, 1024
			if tc.traced {
				o.TracerProvider = newProvider(b, tracetest.NewNoopExporter())
			}
			srv, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			w := newMemWriter(0)
			body := []byte(bench64)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				r := httptest.NewRequest(http.MethodPost, "/v1/completions", bytes.NewReader(body))
				if tc.tp != "" {
					r.Header.Set("traceparent", tc.tp)
				}
				srv.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

// FuzzTraceHeaders sends arbitrary traceparent and tracestate values: the
// request must be served, at most one span recorded, and a span that has a
// remote parent must be in that parent's trace.
func FuzzTraceHeaders(f *testing.F) {
	for _, s := range [][2]string{
		{tpSampled, tpState}, {tpUnsample, ""}, {"", ""}, {"00-zz-yy-01", "a=b"},
		{"ff-" + tpTraceID + "-" + tpSpanID + "-01", ""}, // version ff is forbidden
		{"01-" + tpTraceID + "-" + tpSpanID + "-09-extra", "a=1,b=2"},
		{"00-00000000000000000000000000000000-" + tpSpanID + "-01", ""}, // zero trace id
		{tpSampled, strings.Repeat("k=v,", 40)},
	} {
		f.Add(s[0], s[1])
	}
	exp := tracetest.NewInMemoryExporter()
	o := DefaultOptions()
	o.TTFT, o.ITL, o.OutputTokens = 0, 0, 2
	o.TracerProvider = newProvider(f, exp)
	srv, err := New(o)
	if err != nil {
		f.Fatal(err)
	}
	body := []byte(`{"prompt":"x","stream":true}`)
	f.Fuzz(func(t *testing.T, tp, ts string) {
		exp.Reset()
		w := newMemWriter(0)
		r := httptest.NewRequest(http.MethodPost, "/v1/completions", bytes.NewReader(body))
		r.Header["Traceparent"] = []string{tp}
		r.Header["Tracestate"] = []string{ts}
		srv.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			t.Fatalf("status %d", w.status)
		}
		spans := exp.GetSpans()
		if len(spans) > 1 {
			t.Fatalf("%d spans for one request", len(spans))
		}
		if len(spans) == 1 && spans[0].Parent.IsValid() {
			p := spans[0].Parent
			if !p.IsRemote() || spans[0].SpanContext.TraceID() != p.TraceID() {
				t.Fatalf("span %v not in its parent's trace %v", spans[0].SpanContext, p)
			}
			if !strings.Contains(strings.ToLower(tp), p.TraceID().String()) {
				t.Fatalf("parent trace %s not from header %q", p.TraceID(), tp)
			}
		}
	})
}

// attrMap indexes attributes by key, failing on none: duplicates are caught
// by the exact-set comparison since a map has one entry per key.
func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// checkAttrs reports any difference between got and want, key by key.
func checkAttrs(t *testing.T, got, want map[attribute.Key]attribute.Value) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("attribute %s missing, want %v", k, w.Emit())
		} else if g != w {
			t.Errorf("attribute %s = %v (%v), want %v (%v)", k, g.Emit(), g.Type(), w.Emit(), w.Type())
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected attribute %s = %v", k, g.Emit())
		}
	}
}

// checkLatencies checks that the timing attributes add up, as vLLM's do:
// e2e = queue + inference, inference = prefill + decode, ttft = queue +
// prefill, and e2e is the span's own duration.
func checkLatencies(t *testing.T, l map[attribute.Key]float64, spanSeconds float64) {
	t.Helper()
	const eps = 1e-6
	near := func(what string, a, b float64) {
		if math.Abs(a-b) > eps {
			t.Errorf("%s: %v != %v", what, a, b)
		}
	}
	near("e2e = span duration", l[attrE2E], spanSeconds)
	near("e2e = queue + inference", l[attrE2E], l[attrTimeInQueue]+l[attrInference])
	near("inference = prefill + decode", l[attrInference], l[attrPrefill]+l[attrDecode])
	near("ttft = queue + prefill", l[attrTTFT], l[attrTimeInQueue]+l[attrPrefill])
}

// responseID returns the id of a JSON answer, a streamed event ("data: {…}")
// or the stream's first event; "" for an error body.
func responseID(t *testing.T, body []byte) string {
	t.Helper()
	s := strings.TrimPrefix(string(body), "data: ")
	if i := strings.Index(s, "\n"); i >= 0 {
		s = s[:i]
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("no JSON id in %q: %v", s, err)
	}
	return v.ID
}

// readLine reads one line (without its newline) from r, byte by byte so
// nothing past it is consumed.
func readLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				return string(b), nil
			}
			b = append(b, one[0])
		}
		if err != nil {
			return string(b), err
		}
	}
}

package telemetry

import (
	"compress/gzip"
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
)

// received is what an OTLP receiver was sent.
type received struct {
	mu      sync.Mutex
	reqs    []*coltracepb.ExportTraceServiceRequest
	headers []map[string]string // lower-cased header name -> value
	paths   []string
}

func (r *received) add(req *coltracepb.ExportTraceServiceRequest, h map[string]string, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	r.headers = append(r.headers, h)
	r.paths = append(r.paths, path)
}

// spans returns every span received with its resource's service.name.
func (r *received) spans() (spans []*tracepb.Span, services []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.reqs {
		for _, rs := range req.ResourceSpans {
			svc := ""
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					svc = a.Value.GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					spans = append(spans, s)
					services = append(services, svc)
				}
			}
		}
	}
	return spans, services
}

// grpcCollector is an in-process OTLP/gRPC receiver on 127.0.0.1.
type grpcCollector struct {
	coltracepb.UnimplementedTraceServiceServer
	received
}

func (c *grpcCollector) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	h := map[string]string{}
	md, _ := metadata.FromIncomingContext(ctx)
	for k, v := range md {
		h[k] = strings.Join(v, ",")
	}
	c.add(req, h, "")
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func startGRPCCollector(t *testing.T) (*grpcCollector, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &grpcCollector{}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return c, lis.Addr().String()
}

// httpCollector is an OTLP/HTTP receiver handler.
func httpCollector(t *testing.T, r *received) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var er coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &er); err != nil {
			t.Errorf("receiver: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := map[string]string{}
		for k, v := range req.Header {
			h[strings.ToLower(k)] = strings.Join(v, ",")
		}
		r.add(&er, h, req.URL.Path)
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
}

// setupEnv sets up tracing from kv (hermetic) with a log sink.
func setupEnv(t *testing.T, kv ...string) (*Telemetry, *logSink) {
	t.Helper()
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv: envMap(append([]string{envTracesEnabled, "true"}, kv...)...),
		Log:    slog.New(logs),
		Clock:  clock.New(),
	})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return tel, logs
}

// sendOne traces one successful streamed chat request.
func sendOne(tel *Telemetry) {
	req := &client.Request{Prompt: chatPrompt, Seq: 1}
	tel.Tracer().StartRequest(context.Background(), start("chat", "vllm", true, req)).End(successRecord(true), []byte("answer"))
}

func shutdown(t *testing.T, tel *Telemetry) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lost, err := tel.Shutdown(ctx)
	if err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	return lost
}

func spanAttrs(s *tracepb.Span) map[string]*commonpb.AnyValue {
	m := map[string]*commonpb.AnyValue{}
	for _, a := range s.Attributes {
		m[a.Key] = a.Value
	}
	return m
}

// checkDelivered asserts that the receiver got our one request span with its
// attributes and resource.
func checkDelivered(t *testing.T, r *received, tel *Telemetry) {
	t.Helper()
	spans, services := r.spans()
	if len(spans) != 1 {
		t.Fatalf("receiver got %d spans", len(spans))
	}
	s := spans[0]
	a := spanAttrs(s)
	if s.Name != "chat m" || s.Kind != tracepb.Span_SPAN_KIND_CLIENT || services[0] != "inference-perf" ||
		a["gen_ai.operation.name"].GetStringValue() != "chat" || a["gen_ai.usage.input_tokens"].GetIntValue() != 10 ||
		a["gen_ai.output.text"].GetStringValue() != "answer" || a["gen_ai.response.time_to_first_chunk"].GetDoubleValue() != 0.098 ||
		len(a["gen_ai.response.finish_reasons"].GetArrayValue().GetValues()) != 1 || len(s.Events) != 1 {
		t.Errorf("span %v attributes %v", s.Name, a)
	}
	if st := tel.Stats(); st != (Stats{Started: 1, Ended: 1, Exported: 1}) {
		t.Errorf("stats %+v", st)
	}
}

// OTLP/gRPC to an in-process receiver, with the endpoint written as users
// write it for the reference (http://host:4317 means plaintext). The
// exporter itself reads OTEL_EXPORTER_OTLP_HEADERS from the process
// environment: verified here.
func TestOTLPGRPC(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=bench,authorization=Bearer%20k")
	c, addr := startGRPCCollector(t)
	for _, endpoint := range []string{"http://" + addr, "grpc://" + addr, addr} {
		c.received = received{}
		tel, logs := setupEnv(t, envEndpoint, endpoint)
		sendOne(tel)
		if lost := shutdown(t, tel); lost != 0 {
			t.Errorf("%s: lost %d", endpoint, lost)
		}
		checkDelivered(t, &c.received, tel)
		if h := c.headers[0]; h["x-team"] != "bench" || h["authorization"] != "Bearer k" {
			t.Errorf("%s: headers %v", endpoint, h)
		}
		want := []string{"Created OTEL tracer provider with OTLP exporter to " + endpoint, "OTEL tracing enabled for service: inference-perf", "OTEL tracer provider shut down"}
		if got := logs.messages(slog.LevelInfo); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: info lines %q", endpoint, got)
		}
		if w := logs.messages(slog.LevelWarn); len(w) != 0 {
			t.Errorf("%s: warnings %q", endpoint, w)
		}
	}
}

// OTLP/HTTP (http/protobuf) to an httptest receiver: /v1/traces appended
// to the base endpoint; headers and gzip compression read by the exporter
// from the process environment.
func TestOTLPHTTP(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=bench")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	var r received
	srv := httptest.NewServer(httpCollector(t, &r))
	defer srv.Close()
	tel, logs := setupEnv(t, envEndpoint, srv.URL, envProtocol, "http/protobuf")
	sendOne(tel)
	if lost := shutdown(t, tel); lost != 0 {
		t.Errorf("lost %d", lost)
	}
	checkDelivered(t, &r, tel)
	if r.paths[0] != "/v1/traces" || r.headers[0]["x-team"] != "bench" || r.headers[0]["content-encoding"] != "gzip" {
		t.Errorf("path %q headers %v", r.paths[0], r.headers[0])
	}
	if got := logs.messages(slog.LevelInfo)[0]; got != "Created OTEL tracer provider with OTLP exporter to "+srv.URL+"/v1/traces (http/protobuf)" {
		t.Errorf("info line %q", got)
	}
}

// https:// with the collector's CA from OTEL_EXPORTER_OTLP_CERTIFICATE,
// read by the exporter.
func TestOTLPHTTPS(t *testing.T) {
	var r received
	srv := httptest.NewTLSServer(httpCollector(t, &r))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", ca)
	tel, _ := setupEnv(t, envTracesEndpoint, srv.URL+"/v1/traces", envTracesProtocol, "http/protobuf")
	sendOne(tel)
	if lost := shutdown(t, tel); lost != 0 {
		t.Errorf("lost %d", lost)
	}
	checkDelivered(t, &r, tel)
}

// A collector that is not there: exactly one warning however many batches
// fail, Shutdown returns, and every span is counted as lost. The exporter
// reads OTEL_EXPORTER_OTLP_TIMEOUT itself (verified: without it each batch
// would take 10 s).
func TestUnreachableCollector(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "100")
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // a closed port: connection refused
	for _, proto := range []string{protoGRPC, protoHTTP} {
		t.Run(proto, func(t *testing.T) {
			tel, logs := setupEnv(t, envEndpoint, "http://"+addr, envProtocol, proto, envBSPBatch, "2")
			const n = 5 // three batches
			for range n {
				sendOne(tel)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			lost, err := tel.Shutdown(ctx)
			if err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if lost != n {
				t.Errorf("lost %d, want %d", lost, n)
			}
			if st := tel.Stats(); st.Ended != n || st.Exported != 0 || st.Failed+st.Dropped != n {
				t.Errorf("stats %+v", st)
			}
			if w := logs.messages(slog.LevelWarn); len(w) != 1 {
				t.Errorf("warnings %q, want exactly one", w)
			}
			// Later calls return the same answer at once.
			if again, _ := tel.Shutdown(context.Background()); again != lost {
				t.Errorf("second Shutdown %d", again)
			}
		})
	}
}

// A collector that hangs: Shutdown gives up at its bound and reports what
// was not delivered; the request path never waited.
func TestShutdownBound(t *testing.T) {
	t.Parallel()
	blk := &blockingExporter{release: make(chan struct{}), entered: make(chan struct{})}
	defer close(blk.release)
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv: envMap(envTracesEnabled, "true", envBSPBatch, "1"), Log: slog.New(logs), testExporter: blk,
	})
	if err != nil {
		t.Fatal(err)
	}
	sendOne(tel)
	<-blk.entered
	sendOne(tel)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	lost, err := tel.Shutdown(ctx)
	if err == nil || lost != 2 {
		t.Errorf("Shutdown: lost %d err %v; want 2 and the context's error", lost, err)
	}
}

// A full queue drops spans, never blocks the request, counts them, and
// warns once.
func TestQueueFullDrops(t *testing.T) {
	t.Parallel()
	blk := &blockingExporter{release: make(chan struct{}), entered: make(chan struct{})}
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv:       envMap(envTracesEnabled, "true", envBSPQueue, "2", envBSPBatch, "1"),
		Log:          slog.New(logs),
		testExporter: blk,
	})
	if err != nil {
		t.Fatal(err)
	}
	sendOne(tel)
	<-blk.entered // the batcher is stuck exporting the first span
	for range 10 {
		sendOne(tel) // two wait in the queue, eight are dropped
	}
	if w := logs.messages(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "queue full") {
		t.Errorf("warnings %q", w)
	}
	close(blk.release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lost, err := tel.Shutdown(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Started: 11, Ended: 11, Exported: 3, Dropped: 8}); tel.Stats() != want || lost != 8 {
		t.Errorf("stats %+v lost %d, want %+v", tel.Stats(), lost, want)
	}
}

// The whole path through the real client: the server receives the
// traceparent of the span, which records the streamed output (the
// reference's is empty when streaming).
func TestWithClient(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" hi\"}]}\n\n"+
			"data: {\"choices\":[{\"index\":0,\"text\":\" there\",\"finish_reason\":\"length\"}]}\n\n"+
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	tt := newTel(t)
	c, err := client.New(client.Options{BaseURL: srv.URL, Model: "m", Streaming: true, Clock: tt.clk, Tracer: tt.Tracer()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := c.Do(context.Background(), client.Request{Seq: 9, Prompt: textPrompt})
	if rec.Error != nil {
		t.Fatalf("request: %+v", rec.Error)
	}
	s := tt.spans(t)[0]
	if tp := <-got; tp != "00-"+s.SpanContext.TraceID().String()+"-"+s.SpanContext.SpanID().String()+"-01" {
		t.Errorf("server got traceparent %q for %v", tp, s.SpanContext)
	}
	a := attrMap(s.Attributes)
	if a["gen_ai.output.text"] != " hi there" || a["gen_ai.usage.output_tokens"] != int64(2) || a["gen_ai.response.id"] != "c1" ||
		a["server.port"] == int64(0) || a["gen_ai.response.finish_reasons"] == nil {
		t.Errorf("attributes %v", a)
	}
	if !s.EndTime.Equal(tt.clk.Wall(rec.End)) || s.StartTime.After(tt.clk.Wall(rec.Sent)) {
		t.Errorf("span %v..%v, record sent %v end %v", s.StartTime, s.EndTime, tt.clk.Wall(rec.Sent), tt.clk.Wall(rec.End))
	}
}

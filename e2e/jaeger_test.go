package e2e

// End-to-end tracing checks against a real Jaeger (v2, in-memory storage),
// started by the test on free loopback ports. They run only when JAEGER_BIN
// names the Jaeger binary:
//
//	JAEGER_BIN=$(scripts/jaeger.sh build) go test ./e2e -run Jaeger
//
// TestJaegerRoundTrip proves the harness alone (spans sent with the OTel SDK
// are read back intact); TestTracesInJaeger checks what inference-perf itself
// exports.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// What inference-perf is expected to export. Adjust here when the telemetry
// package settles a name.
const (
	// simServiceName is the service.name of the embedded simulator's spans.
	simServiceName = "inference-perf-sim"
	// simSpanName is the simulator's SERVER span, a child of each request span.
	simSpanName = "llm_request"
	// jaegerModel is the model the simulator serves in TestTracesInJaeger.
	jaegerModel = "jaeger-e2e-model"
	// simOutputTokens is the simulator's completion length when a request
	// sets no max_tokens (mock data sets it, so the report's totals are what
	// the spans must add up to).
	simOutputTokens = 8
)

// stageSpanName is the root span of stage id's trace with OTEL_TRACE_PER_STAGE=true.
func stageSpanName(id int) string { return "stage " + strconv.Itoa(id) }

// requestSpanName is the CLIENT span of one chat request.
func requestSpanName(model string) string { return "chat " + model }

// clientSpanAttrs lists the attributes every request span must carry, with a
// check of the value. The run is chat, streaming, against the simulator on
// 127.0.0.1 with a 5 ms TTFT. Token counts are checked further against the
// run's report (see sameValueAttrs and checkTraceTree).
var clientSpanAttrs = []struct {
	key   string
	check func(v any) error
}{
	// OpenTelemetry GenAI conventions (semconv v1.41 names).
	{"gen_ai.operation.name", attrEquals("chat")},
	{"gen_ai.request.model", attrEquals(jaegerModel)},
	{"gen_ai.provider.name", attrNonEmpty},
	{"gen_ai.request.stream", attrEquals(true)},
	{"gen_ai.usage.input_tokens", attrPositive},
	{"gen_ai.usage.output_tokens", attrPositive},
	// The simulator waits 5 ms before the first token, so no honest clock
	// can measure less: a lower bound, not a performance assertion.
	{"gen_ai.response.time_to_first_chunk", attrAtLeast(0.005)},
	{"server.address", attrEquals("127.0.0.1")},
	{"server.port", attrPositive},
	// The names of the reference's spec, which existing dashboards query.
	{"gen_ai.system", attrNonEmpty},
	{"llm.request.type", attrEquals("chat")},
	{"gen_ai.usage.prompt_tokens", attrPositive},
	{"gen_ai.usage.completion_tokens", attrPositive},
	{"gen_ai.response.time_to_first_token", attrAtLeast(0.005)},
}

// sameValueAttrs pairs the spec's names with the GenAI conventions' names
// for the same quantity: both must carry the same value on every span.
var sameValueAttrs = [][2]string{
	{"gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens"},
	{"gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens"},
	{"gen_ai.response.time_to_first_token", "gen_ai.response.time_to_first_chunk"},
}

func attrEquals(want any) func(any) error {
	return func(v any) error {
		if v != want {
			return fmt.Errorf("= %#v, want %#v", v, want)
		}
		return nil
	}
}

func attrNonEmpty(v any) error {
	if s, ok := v.(string); !ok || s == "" {
		return fmt.Errorf("= %#v, want a non-empty string", v)
	}
	return nil
}

func attrPositive(v any) error {
	if f, ok := v.(float64); !ok || !(f > 0) {
		return fmt.Errorf("= %#v, want a number > 0", v)
	}
	return nil
}

func attrAtLeast(min float64) func(any) error {
	return func(v any) error {
		if f, ok := v.(float64); !ok || f < min {
			return fmt.Errorf("= %#v, want a number >= %v", v, min)
		}
		return nil
	}
}

// jaegerBin returns $JAEGER_BIN or skips the test with how to set it.
func jaegerBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("JAEGER_BIN")
	if bin == "" {
		t.Skip("needs a Jaeger binary: JAEGER_BIN=$(scripts/jaeger.sh build) go test ./e2e -run Jaeger")
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("JAEGER_BIN=%s is not an executable file (%v); build it with scripts/jaeger.sh build", bin, err)
	}
	return bin
}

// jaeger is one running Jaeger with its loopback ports.
type jaeger struct {
	otlpGRPC, otlpHTTP, queryHTTP, queryGRPC, health int
	logs                                             *syncBuffer
}

// syncBuffer collects a process's output for the failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePorts returns n distinct free loopback ports. They are held open
// together so that they differ; another process may still take one before
// Jaeger binds it, which startJaeger handles by retrying.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("picking a free port: %v", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// jaegerConfig renders tools/jaeger/jaeger-mem.yaml (shared with
// scripts/jaeger.sh) for j's ports.
func jaegerConfig(t *testing.T, j *jaeger) string {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "tools", "jaeger", "jaeger-mem.yaml"))
	if err != nil {
		t.Fatalf("reading the Jaeger config template: %v", err)
	}
	cfg := strings.NewReplacer(
		"{{OTLP_GRPC_PORT}}", strconv.Itoa(j.otlpGRPC),
		"{{OTLP_HTTP_PORT}}", strconv.Itoa(j.otlpHTTP),
		"{{QUERY_HTTP_PORT}}", strconv.Itoa(j.queryHTTP),
		"{{QUERY_GRPC_PORT}}", strconv.Itoa(j.queryGRPC),
		"{{HEALTH_PORT}}", strconv.Itoa(j.health),
	).Replace(string(tmpl))
	if strings.Contains(cfg, "{{") {
		t.Fatalf("tools/jaeger/jaeger-mem.yaml has a placeholder the test does not fill:\n%s", cfg)
	}
	return cfg
}

// startJaeger starts Jaeger on free loopback ports, waits until it is healthy
// and its query API answers, and stops it when the test ends. A start that
// fails (say a port was taken meanwhile) is retried on new ports.
func startJaeger(t *testing.T) *jaeger {
	t.Helper()
	bin := jaegerBin(t)
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		j, err := tryStartJaeger(t, bin)
		if err == nil {
			return j
		}
		lastErr = err
		t.Logf("Jaeger start attempt %d: %v", attempt, err)
	}
	t.Fatalf("Jaeger did not start: %v", lastErr)
	return nil
}

func tryStartJaeger(t *testing.T, bin string) (*jaeger, error) {
	p := freePorts(t, 5)
	j := &jaeger{otlpGRPC: p[0], otlpHTTP: p[1], queryHTTP: p[2], queryGRPC: p[3], health: p[4], logs: &syncBuffer{}}
	cfgPath := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfgPath, []byte(jaegerConfig(t, j)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = j.logs, j.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Logf("Jaeger ignored SIGTERM for 15s; killing it")
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ready := func() bool {
		for _, u := range []string{
			fmt.Sprintf("http://127.0.0.1:%d/status", j.health),
			fmt.Sprintf("http://127.0.0.1:%d/api/services", j.queryHTTP),
		} {
			if _, err := getOK(ctx, u); err != nil {
				return false
			}
		}
		return true
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !ready() {
		select {
		case <-exited:
			return nil, fmt.Errorf("Jaeger exited before it was healthy (%s); its output:\n%s", cmd.ProcessState, j.logs)
		case <-ctx.Done():
			stop()
			return nil, fmt.Errorf("Jaeger not healthy within 60s; its output:\n%s", j.logs)
		case <-tick.C:
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("Jaeger output:\n%s", j.logs)
		}
	})
	return j, nil
}

// getOK returns the body of a 200 reply.
func getOK(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, b)
	}
	return b, nil
}

// storedSpan is one span as read back from Jaeger, with the values normalised:
// ids in lower-case hex, kind in lower case ("client", "server",
// "internal", ...), attribute values as string, bool or float64.
type storedSpan struct {
	TraceID, SpanID, ParentID string
	Name, Kind, Service       string
	Attrs                     map[string]any
}

func (s storedSpan) String() string {
	return fmt.Sprintf("%s %q (%s, service %s, trace %s, parent %s)", s.SpanID, s.Name, s.Kind, s.Service, s.TraceID, s.ParentID)
}

// OTLP JSON as the v3 query API returns it (the subset the tests read).
type otlpTraces struct {
	Result struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []otlpKV `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Spans []struct {
					TraceID      string          `json:"traceId"`
					SpanID       string          `json:"spanId"`
					ParentSpanID string          `json:"parentSpanId"`
					Name         string          `json:"name"`
					Kind         json.RawMessage `json:"kind"`
					Attributes   []otlpKV        `json:"attributes"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
	Error *struct {
		HTTPCode int    `json:"httpCode"`
		Message  string `json:"message"`
	} `json:"error"`
}

type otlpKV struct {
	Key   string `json:"key"`
	Value struct {
		StringValue *string         `json:"stringValue"`
		BoolValue   *bool           `json:"boolValue"`
		IntValue    json.RawMessage `json:"intValue"` // a string in OTLP JSON (int64)
		DoubleValue *float64        `json:"doubleValue"`
		ArrayValue  *struct {
			Values []json.RawMessage `json:"values"`
		} `json:"arrayValue"`
	} `json:"value"`
}

// value returns the attribute as string, bool or float64 (arrays as their
// raw JSON text, which no check here needs beyond presence).
func (kv otlpKV) value() (any, error) {
	v := kv.Value
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.DoubleValue != nil:
		return *v.DoubleValue, nil
	case v.IntValue != nil:
		s := strings.Trim(string(v.IntValue), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: intValue %s: %w", kv.Key, v.IntValue, err)
		}
		return float64(n), nil
	case v.ArrayValue != nil:
		b, _ := json.Marshal(v.ArrayValue.Values)
		return string(b), nil
	}
	// OTLP JSON omits zero values: an int 0 or false may come as an empty value.
	return nil, nil
}

// spanKinds maps OTLP's numeric kinds to names; Jaeger may also send the
// enum name ("SPAN_KIND_CLIENT").
var spanKinds = map[int]string{0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

func parseKind(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "unspecified", nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if k, ok := spanKinds[n]; ok {
			return k, nil
		}
		return "", fmt.Errorf("unknown span kind %d", n)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("span kind %s: %w", raw, err)
	}
	return strings.ToLower(strings.TrimPrefix(s, "SPAN_KIND_")), nil
}

// parseOTLPTraces flattens a v3 reply into spans.
func parseOTLPTraces(body []byte) ([]storedSpan, error) {
	var r otlpTraces
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("v3 reply is not OTLP JSON: %w: %.300s", err, body)
	}
	if r.Error != nil {
		// No trace matched is an error (404) in the v3 API, not an empty list.
		if r.Error.HTTPCode == http.StatusNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("v3 query error %d: %s", r.Error.HTTPCode, r.Error.Message)
	}
	var out []storedSpan
	for _, rs := range r.Result.ResourceSpans {
		service := ""
		for _, kv := range rs.Resource.Attributes {
			if kv.Key == "service.name" && kv.Value.StringValue != nil {
				service = *kv.Value.StringValue
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				kind, err := parseKind(s.Kind)
				if err != nil {
					return nil, fmt.Errorf("span %s: %w", s.SpanID, err)
				}
				sp := storedSpan{
					TraceID: strings.ToLower(s.TraceID), SpanID: strings.ToLower(s.SpanID),
					ParentID: strings.ToLower(s.ParentSpanID), Name: s.Name, Kind: kind,
					Service: service, Attrs: map[string]any{},
				}
				for _, kv := range s.Attributes {
					v, err := kv.value()
					if err != nil {
						return nil, fmt.Errorf("span %s: %w", s.SpanID, err)
					}
					sp.Attrs[kv.Key] = v
				}
				out = append(out, sp)
			}
		}
	}
	return out, nil
}

// queryTraces returns every span of the traces that hold a span of service,
// started between from and to (the v3 search API returns whole traces, with
// the spans of other services in them).
func (j *jaeger) queryTraces(ctx context.Context, service string, from, to time.Time) ([]storedSpan, error) {
	q := url.Values{
		"query.service_name":   {service},
		"query.start_time_min": {from.UTC().Format(time.RFC3339Nano)},
		"query.start_time_max": {to.UTC().Format(time.RFC3339Nano)},
		"query.num_traces":     {"1000"},
	}
	u := fmt.Sprintf("http://127.0.0.1:%d/api/v3/traces?%s", j.queryHTTP, q.Encode())
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return nil, fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	spans, err := parseOTLPTraces(body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return spans, nil
}

// waitForSpans polls Jaeger until done(spans) holds or 30 s pass, and
// returns the last spans read (the caller's assertions then say what is
// missing). Export is asynchronous on Jaeger's side too (its batch processor
// flushes every 200 ms), so even a flushed client needs this.
func (j *jaeger) waitForSpans(t *testing.T, service string, from time.Time, done func([]storedSpan) bool) []storedSpan {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last []storedSpan
	var lastErr error
	answered := false
	for {
		// The window ends in the future so that late-starting spans count.
		// Each query has its own timeout: one slow reply near the deadline
		// must not hide the spans an earlier reply returned.
		spans, err := j.queryTraces(context.Background(), service, from, time.Now().Add(time.Minute))
		if err == nil {
			answered, last = true, spans
			if done(spans) {
				return spans
			}
		} else {
			lastErr = err
		}
		if time.Now().After(deadline) {
			if !answered {
				t.Fatalf("querying Jaeger for service %s: %v", service, lastErr)
			}
			t.Logf("gave up waiting after 30s with %d spans for service %s", len(last), service)
			if lastErr != nil {
				t.Logf("last query error: %v", lastErr)
			}
			return last
		}
		<-tick.C
	}
}

// TestJaegerRoundTrip sends a known client span and, from a second service,
// its server child, over OTLP gRPC and OTLP HTTP with the OTel SDK, and reads
// both back; then the span tree a correct traced run gives, which must pass
// checkTraceTree. It proves the Jaeger harness (config, ports, health wait,
// query, parsing, tree checks) independently of inference-perf's tracing.
func TestJaegerRoundTrip(t *testing.T) {
	j := startJaeger(t)
	for _, proto := range []string{"grpc", "http/protobuf"} {
		t.Run(strings.ReplaceAll(proto, "/", "-"), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tag := fmt.Sprintf("%s-%d", strings.ReplaceAll(proto, "/", "-"), time.Now().UnixNano())
			clientSvc, serverSvc := "roundtrip-client-"+tag, "roundtrip-server-"+tag
			from := time.Now().Add(-time.Second)

			newProvider := func(service string) *sdktrace.TracerProvider {
				var exp sdktrace.SpanExporter
				var err error
				if proto == "grpc" {
					exp, err = otlptracegrpc.New(ctx,
						otlptracegrpc.WithEndpoint(fmt.Sprintf("127.0.0.1:%d", j.otlpGRPC)), otlptracegrpc.WithInsecure())
				} else {
					exp, err = otlptracehttp.New(ctx,
						otlptracehttp.WithEndpoint(fmt.Sprintf("127.0.0.1:%d", j.otlpHTTP)), otlptracehttp.WithInsecure())
				}
				if err != nil {
					t.Fatalf("%s exporter: %v", proto, err)
				}
				return sdktrace.NewTracerProvider(
					sdktrace.WithBatcher(exp),
					sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
				)
			}
			clientTP, serverTP := newProvider(clientSvc), newProvider(serverSvc)

			// The client span, with one attribute of each type the checks read.
			_, client := clientTP.Tracer("e2e").Start(ctx, "chat rt-model",
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(
					attribute.String("gen_ai.operation.name", "chat"),
					attribute.Bool("gen_ai.request.stream", true),
					attribute.Int("gen_ai.usage.output_tokens", 8),
					attribute.Float64("gen_ai.response.time_to_first_chunk", 0.0125),
					attribute.StringSlice("gen_ai.response.finish_reasons", []string{"length"}),
				))
			// The server side continues the client's trace as another
			// service would after reading traceparent.
			_, server := serverTP.Tracer("e2e-sim").Start(
				trace.ContextWithRemoteSpanContext(ctx, client.SpanContext()), simSpanName,
				trace.WithSpanKind(trace.SpanKindServer))
			server.End()
			client.End()

			// The tree a correct traced run gives, under its own service,
			// with the simulator's spans under simServiceName.
			treeSvc := "roundtrip-tree-" + tag
			treeTP, simTP := newProvider(treeSvc), newProvider(simServiceName)
			tree := runTotals{requests: 6, perStage: map[int]int{0: 2, 1: 4}, inputTokens: 6 * 3, outputTokens: 6 * 30}
			emitExpectedTree(ctx, treeTP.Tracer("e2e"), simTP.Tracer("e2e-sim"), tree)
			for _, tp := range []*sdktrace.TracerProvider{serverTP, clientTP, simTP, treeTP} {
				if err := tp.Shutdown(ctx); err != nil {
					t.Fatalf("flushing spans over %s: %v", proto, err)
				}
			}
			treeSpans := j.waitForSpans(t, treeSvc, from, func(s []storedSpan) bool {
				c := countSpans(s)
				return c.client >= tree.requests && c.sim >= tree.requests && c.stages >= len(tree.perStage)
			})
			t.Logf("read back %d spans of the expected tree (%v)", len(treeSpans), countSpans(treeSpans))
			checkTraceTree(t, treeSpans, treeSvc, tree)

			spans := j.waitForSpans(t, clientSvc, from, func(s []storedSpan) bool { return len(s) >= 2 })
			if len(spans) != 2 {
				t.Fatalf("read back %d spans, want 2: %v", len(spans), spans)
			}
			byName := map[string]storedSpan{}
			for _, s := range spans {
				byName[s.Name] = s
			}
			c, s := byName["chat rt-model"], byName[simSpanName]
			wantTrace := client.SpanContext().TraceID().String()
			if c.TraceID != wantTrace || c.SpanID != client.SpanContext().SpanID().String() ||
				c.Kind != "client" || c.Service != clientSvc || c.ParentID != "" {
				t.Errorf("client span read back as %v, want %s in trace %s, client, service %s, no parent",
					c, client.SpanContext().SpanID(), wantTrace, clientSvc)
			}
			if s.TraceID != wantTrace || s.ParentID != c.SpanID || s.Kind != "server" || s.Service != serverSvc {
				t.Errorf("server span read back as %v, want trace %s, parent %s, server, service %s",
					s, wantTrace, c.SpanID, serverSvc)
			}
			for _, tc := range []struct {
				key  string
				want any
			}{
				{"gen_ai.operation.name", "chat"},
				{"gen_ai.request.stream", true},
				{"gen_ai.usage.output_tokens", float64(8)},
				{"gen_ai.response.time_to_first_chunk", 0.0125},
				{"gen_ai.response.finish_reasons", `[{"stringValue":"length"}]`},
			} {
				if got, ok := c.Attrs[tc.key]; !ok || got != tc.want {
					t.Errorf("attribute %s = %#v (present %v), want %#v", tc.key, got, ok, tc.want)
				}
			}
		})
	}
}

// runTraced runs the built binary in dir with extra environment variables
// (runCLI takes none). Inherited OTEL_* variables are dropped so that the
// caller's shell cannot change what is exported.
func runTraced(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	sourcesOnce.Do(touchSources)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

var (
	droppedRE     = regexp.MustCompile(`(?i)dropped`)
	zeroDroppedRE = regexp.MustCompile(`(?i)(dropped[\s_a-z]*[=:]\s*"?0\b|\b0\s+(spans?\s+)?(were\s+)?dropped)`)
)

// droppedLines returns the lines of a run's log that report dropped spans:
// any line saying "dropped", except one that says the count is zero.
func droppedLines(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if droppedRE.MatchString(line) && !zeroDroppedRE.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

func TestDroppedLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		log  string
		want int
	}{
		// A clean run logs nothing about drops.
		{"level=INFO msg=\"OTEL tracing enabled\"\n", 0},
		// The warning the telemetry package gives when its queue overflowed.
		{"level=WARN msg=\"spans dropped\" dropped=12\n", 1},
		// Free wording still counts.
		{"warning: 3 spans were dropped (export queue full)\n", 1},
		// A summary that reports zero drops is not a drop.
		{"level=INFO msg=\"tracing flushed\" exported=40 dropped=0\n", 0},
		{"tracing: 0 spans dropped\n", 0},
		{"tracing: dropped spans: 0\n", 0},
		// But a count that merely starts with 0 digits elsewhere is no excuse.
		{"level=WARN msg=\"spans dropped\" dropped=10\n", 1},
	} {
		if got := droppedLines(tc.log); len(got) != tc.want {
			t.Errorf("droppedLines(%q) = %q, want %d line(s)", tc.log, got, tc.want)
		}
	}
}

// TestTracesInJaeger runs a two-stage chat benchmark against the embedded
// simulator with tracing to Jaeger, over OTLP gRPC and over OTLP HTTP, and
// checks the trace tree Jaeger stored: per stage one trace rooted at a stage
// span, one CLIENT span per successful request with the GenAI attributes,
// and under each the simulator's SERVER span.
func TestTracesInJaeger(t *testing.T) {
	j := startJaeger(t)
	for _, tc := range []struct {
		name, protocol string
		port           int
	}{
		// The default, as users point the endpoint at :4317.
		{"grpc", "grpc", j.otlpGRPC},
		// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, the :4318 receiver.
		{"http", "http/protobuf", j.otlpHTTP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			service := fmt.Sprintf("inference-perf-e2e-%s-%d", tc.name, time.Now().UnixNano())
			dir := t.TempDir()
			cfg := writeConfig(t, dir, fmt.Sprintf(`
api:
  type: chat
  streaming: true
server:
  type: sim
  sim: {model: %s, ttft: 5ms, itl: 1ms, output_tokens: %d}
data:
  type: mock
load:
  type: constant
  stages:
  - {rate: 10, duration: 1}
  - {rate: 10, duration: 1}
storage:
  local_storage:
    path: out
`, jaegerModel, simOutputTokens))
			from := time.Now().Add(-time.Second)
			r := runTraced(t, dir, []string{
				"OTEL_TRACES_ENABLED=true",
				fmt.Sprintf("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%d", tc.port),
				"OTEL_EXPORTER_OTLP_PROTOCOL=" + tc.protocol,
				"OTEL_TRACE_PER_STAGE=true",
				"OTEL_SERVICE_NAME=" + service,
			}, "--config_file", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
			}
			if lines := droppedLines(r.stderr); len(lines) > 0 {
				t.Errorf("spans were dropped: %q\nstderr:\n%s", lines, r.stderr)
			}
			sum := readJSON(t, filepath.Join(dir, "out", "summary_lifecycle_metrics.json"))
			want := runTotals{
				requests:     int(num(t, sum, "successes", "count")),
				perStage:     map[int]int{},
				inputTokens:  num(t, sum, "successes", "prompt_tokens", "total"),
				outputTokens: num(t, sum, "successes", "output_tokens", "total"),
			}
			if want.requests != 20 {
				t.Errorf("successes.count = %d, want 20 (2 stages x 10 requests)", want.requests)
			}
			for id := 0; id < 2; id++ {
				st := readJSON(t, filepath.Join(dir, "out", fmt.Sprintf("stage_%d_lifecycle_metrics.json", id)))
				want.perStage[id] = int(num(t, st, "successes", "count"))
			}

			spans := j.waitForSpans(t, service, from, func(s []storedSpan) bool {
				c := countSpans(s)
				return c.client >= want.requests && c.sim >= want.requests && c.stages >= len(want.perStage)
			})
			checkTraceTree(t, spans, service, want)
		})
	}
}

// treeReporter is the part of *testing.T that checkTraceTree uses, so that its
// own test can record what it reports.
type treeReporter interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

// runTotals is what the run's report says the spans must add up to.
type runTotals struct {
	requests                  int         // successes.count
	perStage                  map[int]int // stage id -> its successes.count
	inputTokens, outputTokens float64     // successes.{prompt,output}_tokens.total
}

type spanCounts struct{ client, sim, stages int }

// exampleRequestAttrs are the attributes of a correct request span, with
// the given token counts: one for each entry of clientSpanAttrs.
func exampleRequestAttrs(input, output int) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.request.model", jaegerModel),
		attribute.String("gen_ai.provider.name", "openai"),
		attribute.Bool("gen_ai.request.stream", true),
		attribute.Int("gen_ai.usage.input_tokens", input),
		attribute.Int("gen_ai.usage.output_tokens", output),
		attribute.Float64("gen_ai.response.time_to_first_chunk", 0.0061),
		attribute.String("server.address", "127.0.0.1"),
		attribute.Int("server.port", 40123),
		attribute.String("gen_ai.system", "openai_compatible"),
		attribute.String("llm.request.type", "chat"),
		attribute.Int("gen_ai.usage.prompt_tokens", input),
		attribute.Int("gen_ai.usage.completion_tokens", output),
		attribute.Float64("gen_ai.response.time_to_first_token", 0.0061),
	}
}

// emitExpectedTree records with the OTel SDK the spans a correct traced run
// of want gives (inputs and outputs split evenly over the requests): per
// stage a root stage span, its request spans, and under each the
// simulator's span, from sim, continuing the trace as the simulator does
// after reading traceparent.
func emitExpectedTree(ctx context.Context, client, sim trace.Tracer, want runTotals) {
	in, out := int(want.inputTokens)/want.requests, int(want.outputTokens)/want.requests
	for id, n := range want.perStage {
		sctx, stage := client.Start(ctx, stageSpanName(id), trace.WithSpanKind(trace.SpanKindInternal))
		for range n {
			_, req := client.Start(sctx, requestSpanName(jaegerModel),
				trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(exampleRequestAttrs(in, out)...))
			_, srv := sim.Start(trace.ContextWithRemoteSpanContext(context.Background(), req.SpanContext()),
				simSpanName, trace.WithSpanKind(trace.SpanKindServer))
			srv.End()
			req.End()
		}
		stage.End()
	}
}

func countSpans(spans []storedSpan) spanCounts {
	var c spanCounts
	for _, s := range spans {
		switch {
		case s.Kind == "client":
			c.client++
		case s.Kind == "server" && s.Name == simSpanName:
			c.sim++
		case s.ParentID == "" && strings.HasPrefix(s.Name, strings.TrimSuffix(stageSpanName(0), "0")):
			c.stages++
		}
	}
	return c
}

// checkTraceTree asserts the span tree of a traced run: want.requests
// request spans in all, want.perStage[id] of them under the root span of
// stage id's trace, one simulator span under each request span, and token
// counts that add up to the report's. (The simulator's usage and the
// client's word count agree here, so the report's totals are exact.)
func checkTraceTree(t treeReporter, spans []storedSpan, service string, want runTotals) {
	t.Helper()
	perStage := want.perStage
	byID := map[string]storedSpan{}
	children := map[string][]storedSpan{}
	traces := map[string][]storedSpan{}
	for _, s := range spans {
		key := s.TraceID + "/" + s.SpanID
		if _, dup := byID[key]; dup {
			t.Errorf("span stored twice: %v", s)
		}
		byID[key] = s
		children[s.TraceID+"/"+s.ParentID] = append(children[s.TraceID+"/"+s.ParentID], s)
		traces[s.TraceID] = append(traces[s.TraceID], s)
	}

	// One trace per stage, each with a single root: the stage span.
	stageRoot := map[int]storedSpan{}
	for tid, ts := range traces {
		var roots []storedSpan
		for _, s := range ts {
			if s.ParentID == "" {
				roots = append(roots, s)
			} else if _, ok := byID[tid+"/"+s.ParentID]; !ok {
				t.Errorf("span %v: its parent is not in the trace", s)
			}
		}
		if len(roots) != 1 {
			t.Errorf("trace %s has %d root spans, want 1 (the stage span): %v", tid, len(roots), roots)
			continue
		}
		root := roots[0]
		id := -1
		for sid := range perStage {
			if root.Name == stageSpanName(sid) {
				id = sid
			}
		}
		if id < 0 || root.Service != service || root.Kind != "internal" {
			t.Errorf("trace %s root is %v, want an internal span named like %q from service %s",
				tid, root, stageSpanName(0), service)
			continue
		}
		if prev, dup := stageRoot[id]; dup {
			t.Errorf("two traces for stage %d: %s and %s", id, prev.TraceID, tid)
		}
		stageRoot[id] = root
	}
	if len(stageRoot) != len(perStage) {
		t.Errorf("found stage traces for %d stages, want %d", len(stageRoot), len(perStage))
	}

	// Every request span: CLIENT, from our service, named for the model, a
	// descendant of its trace's stage span, with the attributes, and one
	// simulator SERVER span as its only child of that name.
	total := 0
	var inputTokens, outputTokens float64
	inStage := map[int]int{}
	for _, s := range spans {
		if s.Kind != "client" {
			continue
		}
		total++
		if s.Name != requestSpanName(jaegerModel) || s.Service != service {
			t.Errorf("request span %v, want name %q from service %s", s, requestSpanName(jaegerModel), service)
		}
		for id, root := range stageRoot {
			if root.TraceID == s.TraceID && descendsFrom(s, root, byID) {
				inStage[id]++
			}
		}
		for _, a := range clientSpanAttrs {
			v, ok := s.Attrs[a.key]
			if !ok {
				t.Errorf("request span %s lacks attribute %s", s.SpanID, a.key)
			} else if err := a.check(v); err != nil {
				t.Errorf("request span %s: attribute %s %v", s.SpanID, a.key, err)
			}
		}
		for _, pair := range sameValueAttrs {
			if a, b := s.Attrs[pair[0]], s.Attrs[pair[1]]; a != b {
				t.Errorf("request span %s: %s = %#v but %s = %#v; want the same", s.SpanID, pair[0], a, pair[1], b)
			}
		}
		if f, ok := s.Attrs["gen_ai.usage.input_tokens"].(float64); ok {
			inputTokens += f
		}
		if f, ok := s.Attrs["gen_ai.usage.output_tokens"].(float64); ok {
			outputTokens += f
		}
		var sims []storedSpan
		for _, c := range children[s.TraceID+"/"+s.SpanID] {
			if c.Name == simSpanName {
				sims = append(sims, c)
			}
		}
		if len(sims) != 1 {
			t.Errorf("request span %s has %d %q children, want 1: %v", s.SpanID, len(sims), simSpanName, sims)
		} else if sims[0].Kind != "server" || sims[0].Service != simServiceName {
			t.Errorf("simulator span %v, want kind server from service %s", sims[0], simServiceName)
		}
	}
	if total != want.requests {
		t.Errorf("%d request (CLIENT) spans, want %d: one per successful request", total, want.requests)
	}
	if c := countSpans(spans); c.sim != want.requests {
		t.Errorf("%d %q spans, want %d: one per request", c.sim, simSpanName, want.requests)
	}
	if inputTokens != want.inputTokens || outputTokens != want.outputTokens {
		t.Errorf("spans add up to %v input and %v output tokens; the report says %v and %v",
			inputTokens, outputTokens, want.inputTokens, want.outputTokens)
	}
	ids := make([]int, 0, len(perStage))
	for id := range perStage {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		if inStage[id] != perStage[id] {
			t.Errorf("stage %d trace holds %d request spans, want %d (its successes.count)", id, inStage[id], perStage[id])
		}
	}
	if t.Failed() {
		t.Logf("spans read back (%d):", len(spans))
		for _, s := range spans {
			t.Logf("  %v", s)
		}
	}
}

// descendsFrom reports whether root is an ancestor of s within the trace.
func descendsFrom(s, root storedSpan, byID map[string]storedSpan) bool {
	for range math.MaxInt16 { // bounded: a malformed cycle must not hang the test
		if s.ParentID == "" {
			return false
		}
		if s.ParentID == root.SpanID {
			return true
		}
		p, ok := byID[s.TraceID+"/"+s.ParentID]
		if !ok {
			return false
		}
		s = p
	}
	return false
}

// treeErrRecorder is a treeReporter that keeps what checkTraceTree reports.
type treeErrRecorder struct{ errs []string }

func (r *treeErrRecorder) Helper() {}
func (r *treeErrRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *treeErrRecorder) Logf(string, ...any) {}
func (r *treeErrRecorder) Failed() bool        { return len(r.errs) > 0 }

// syntheticTree returns, without Jaeger, the spans a correct traced run of
// want gives: 2 requests in stage 0 and 3 in stage 1, 3 input and 30 output
// tokens each.
func syntheticTree(service string) ([]storedSpan, runTotals) {
	want := runTotals{requests: 5, perStage: map[int]int{0: 2, 1: 3}, inputTokens: 15, outputTokens: 150}
	attrs := map[string]any{}
	for _, kv := range exampleRequestAttrs(3, 30) {
		v := kv.Value.AsInterface()
		if n, ok := v.(int64); ok {
			v = float64(n)
		}
		attrs[string(kv.Key)] = v
	}
	var spans []storedSpan
	next := 0
	id := func() string { next++; return fmt.Sprintf("%016x", next) }
	for stage := 0; stage < 2; stage++ {
		tid := fmt.Sprintf("%032x", stage+1)
		root := storedSpan{TraceID: tid, SpanID: id(), Name: stageSpanName(stage), Kind: "internal", Service: service}
		spans = append(spans, root)
		for range want.perStage[stage] {
			req := storedSpan{TraceID: tid, SpanID: id(), ParentID: root.SpanID, Name: requestSpanName(jaegerModel),
				Kind: "client", Service: service, Attrs: attrs}
			spans = append(spans, req, storedSpan{TraceID: tid, SpanID: id(), ParentID: req.SpanID, Name: simSpanName,
				Kind: "server", Service: simServiceName})
		}
	}
	return spans, want
}

// checkTraceTree accepts a correct tree and catches each way a tracing
// implementation could get it wrong. (TestJaegerRoundTrip also runs it on a
// tree that went through Jaeger.)
func TestCheckTraceTree(t *testing.T) {
	t.Parallel()
	const svc = "svc"
	withAttrs := func(s storedSpan, edit func(map[string]any)) storedSpan {
		m := map[string]any{}
		for k, v := range s.Attrs {
			m[k] = v
		}
		edit(m)
		s.Attrs = m
		return s
	}
	for _, tc := range []struct {
		name string
		// mutate breaks the correct tree (spans[0] is stage 0's root,
		// spans[1] its first request, spans[2] that request's sim span).
		mutate func([]storedSpan) []storedSpan
		want   string // substring of one reported error; "" = no error
	}{
		{"correct tree", func(s []storedSpan) []storedSpan { return s }, ""},
		{"a request span missing (one per request)",
			func(s []storedSpan) []storedSpan { return append(s[:1], s[3:]...) }, "request (CLIENT) spans, want 5"},
		{"a span exported twice",
			func(s []storedSpan) []storedSpan { return append(s, s[1]) }, "stored twice"},
		{"request spans are roots (per-stage tracing ignored)",
			func(s []storedSpan) []storedSpan { s[1].ParentID = ""; return s }, "root spans, want 1"},
		{"stage span misnamed",
			func(s []storedSpan) []storedSpan { s[0].Name = "stage"; return s }, "want an internal span named like"},
		{"request span of the wrong kind",
			func(s []storedSpan) []storedSpan { s[1].Kind = "internal"; return s }, "request (CLIENT) spans, want 5"},
		{"request span misnamed",
			func(s []storedSpan) []storedSpan { s[1].Name = "llm.chat.completions"; return s }, "want name"},
		{"simulator span missing",
			func(s []storedSpan) []storedSpan { return append(s[:2], s[3:]...) }, `has 0 "llm_request" children`},
		{"simulator span under the stage, not the request",
			func(s []storedSpan) []storedSpan { s[2].ParentID = s[0].SpanID; return s }, `has 0 "llm_request" children`},
		{"simulator span from the client's service",
			func(s []storedSpan) []storedSpan { s[2].Service = svc; return s }, "want kind server from service"},
		{"simulator span in another trace (traceparent not sent)",
			func(s []storedSpan) []storedSpan {
				s[2].TraceID = fmt.Sprintf("%032x", 99)
				s[2].ParentID = ""
				return s
			},
			`has 0 "llm_request" children`},
		{"an attribute missing",
			func(s []storedSpan) []storedSpan {
				s[1] = withAttrs(s[1], func(m map[string]any) { delete(m, "gen_ai.request.stream") })
				return s
			}, "lacks attribute gen_ai.request.stream"},
		{"stream flag as a string, not a bool",
			func(s []storedSpan) []storedSpan {
				s[1] = withAttrs(s[1], func(m map[string]any) { m["gen_ai.request.stream"] = "true" })
				return s
			}, "gen_ai.request.stream ="},
		{"the two names of a count disagree",
			func(s []storedSpan) []storedSpan {
				s[1] = withAttrs(s[1], func(m map[string]any) { m["gen_ai.usage.prompt_tokens"] = float64(4) })
				return s
			}, "want the same"},
		{"token counts do not add up to the report",
			func(s []storedSpan) []storedSpan {
				s[1] = withAttrs(s[1], func(m map[string]any) {
					m["gen_ai.usage.output_tokens"] = float64(31)
					m["gen_ai.usage.completion_tokens"] = float64(31)
				})
				return s
			}, "the report says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spans, want := syntheticTree(svc)
			var r treeErrRecorder
			checkTraceTree(&r, tc.mutate(spans), svc, want)
			if tc.want == "" {
				if len(r.errs) > 0 {
					t.Fatalf("correct tree rejected: %q", r.errs)
				}
				return
			}
			for _, e := range r.errs {
				if strings.Contains(e, tc.want) {
					return
				}
			}
			t.Errorf("no error containing %q; got %q", tc.want, r.errs)
		})
	}
}

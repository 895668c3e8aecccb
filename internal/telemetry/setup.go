package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	semconvres "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
)

// ScopeName is the instrumentation scope of every span this package makes.
const ScopeName = "github.com/inference-perf-go/inference-perf/internal/telemetry"

// SetupOptions configures Setup. Everything else comes from the environment.
type SetupOptions struct {
	// Getenv looks up a variable; nil means os.LookupEnv. Tests pass a map
	// so that they do not depend on the process environment. The OTLP
	// exporters read their transport variables (HEADERS, TIMEOUT,
	// COMPRESSION, CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY) from the
	// process environment themselves.
	Getenv func(key string) (string, bool)
	// Log receives the start-up lines and the one export warning; nil means
	// slog.Default().
	Log *slog.Logger
	// Clock is the run's clock: span times are taken from it, so that they
	// agree with the records'. nil means a new clock.
	Clock *clock.Clock
	// ServiceNameDefault is service.name when neither OTEL_SERVICE_NAME nor
	// OTEL_RESOURCE_ATTRIBUTES names one; "" means "inference-perf".
	ServiceNameDefault string
	// ServiceName, when set, overrides the environment's service name (for
	// a second provider in the same process, such as the simulator's).
	ServiceName string
	// ServiceVersion is service.version; "" means the build's module
	// version.
	ServiceVersion string
	// Stdout receives the console exporter's JSON; nil means os.Stdout.
	Stdout io.Writer
	// Global also installs the tracer provider and propagator as the
	// OpenTelemetry globals, and routes the SDK's internal errors to Log
	// (once). Leave it false for a second provider in the same process.
	Global bool

	// test hooks
	idGenerator  sdktrace.IDGenerator
	testExporter sdktrace.SpanExporter // replaces the environment's exporter (SDK path only)
	testClient   otlptrace.Client      // replaces the OTLP client (fast path, unless sdkPath)
	sdkPath      bool                  // OTLP request spans through the SDK, as before the fast path
	grpcOptions  []otlptracegrpc.Option
	httpOptions  []otlptracehttp.Option
}

// Telemetry is the tracing set up from the environment. A nil or disabled
// Telemetry is valid: every method is then a cheap no-op.
type Telemetry struct {
	enabled   bool
	exporting bool // an exporter is installed: request spans get attributes
	perStage  bool
	content   contentMode
	valueLen  int // attribute value length limit in characters, -1: none
	clk       *clock.Clock
	log       *slog.Logger
	endpoint  string // for the warning

	tp        *sdktrace.TracerProvider
	tracer    trace.Tracer
	prop      propagation.TextMapPropagator
	envParent trace.SpanContext
	req       *requestTracer
	fast      *fastPath // OTLP request spans; nil: the SDK records them

	capacity int64 // spans the batcher can hold without dropping
	started  atomic.Uint64
	ended    atomic.Uint64
	exported atomic.Uint64
	failed   atomic.Uint64
	warned   atomic.Bool

	shutdownOnce sync.Once
	dropped      uint64 // set by Shutdown
	lost         uint64 // set by Shutdown
	shutdownErr  error
	shut         atomic.Bool
}

// Stats counts the recorded (sampled) spans. Unsampled spans are never
// recorded and never counted.
type Stats struct {
	Started  uint64 // spans started
	Ended    uint64 // spans ended and handed to the batcher
	Exported uint64 // spans the exporter delivered
	Failed   uint64 // spans in batches the exporter failed to deliver
	// Dropped is, after Shutdown, the spans that were ended but neither
	// exported nor failed: dropped by a full queue or not flushed within
	// Shutdown's bound. It is 0 before Shutdown.
	Dropped uint64
}

// Setup reads the environment and sets up tracing. With tracing off (the
// default) it returns a disabled Telemetry and starts nothing. An invalid
// variable is an error naming it (all problems at once) and the Telemetry is
// then nil, which is still safe to use: every method of a nil Telemetry is a
// no-op. An unreachable collector is not an error: it is found out, and
// warned about once, when spans are exported.
func Setup(ctx context.Context, opts SetupOptions) (*Telemetry, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	s, err := parseSettings(env(getenv), &opts)
	if err != nil {
		return nil, fmt.Errorf("OpenTelemetry tracing: %w", err)
	}
	if !s.enabled {
		if s.offWarning != "" {
			log.Warn(s.offWarning)
		}
		log.Debug("OTEL tracing disabled", "reason", s.offReason)
		return &Telemetry{log: log}, nil
	}

	t := &Telemetry{
		enabled:   true,
		perStage:  s.perStage,
		content:   s.content,
		valueLen:  s.limits.AttributeValueLengthLimit,
		clk:       opts.Clock,
		log:       log,
		endpoint:  s.endpoint.display,
		envParent: s.envParent,
		capacity:  int64(s.bsp.queue + s.bsp.batch),
	}
	if t.clk == nil {
		t.clk = clock.New()
	}

	res, err := buildResource(ctx, &s, opts.ServiceVersion)
	if err != nil {
		return nil, fmt.Errorf("OpenTelemetry tracing: resource: %w", err)
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(s.sampler),
		sdktrace.WithRawSpanLimits(s.limits),
	}
	if opts.idGenerator != nil {
		tpOpts = append(tpOpts, sdktrace.WithIDGenerator(opts.idGenerator))
	}

	var created string
	var otlpClient otlptrace.Client // set for the fast path
	if s.exporter != exporterNone {
		var exp sdktrace.SpanExporter
		if s.exporter == exporterOTLP && opts.testExporter == nil {
			c, desc, err := newOTLPClient(&s, &opts)
			if err != nil {
				return nil, fmt.Errorf("OpenTelemetry tracing: %w", err)
			}
			// One client, one connection: the SDK's exporter (stage and
			// session spans, and request spans on the SDK path) starts it.
			exp, err = otlptrace.New(ctx, c)
			if err != nil {
				what := "OTLP/gRPC"
				if s.protocol == protoHTTP {
					what = "OTLP/HTTP"
				}
				return nil, fmt.Errorf("OpenTelemetry tracing: %s exporter to %s: %w", what, s.endpoint.display, err)
			}
			created = desc
			if !opts.sdkPath {
				otlpClient = c
			}
		} else {
			exp, created, err = newExporter(ctx, &s, &opts)
			if err != nil {
				return nil, fmt.Errorf("OpenTelemetry tracing: %w", err)
			}
		}
		// A batcher for the console too: the reference's synchronous
		// processor would encode JSON and write stdout on the request's
		// goroutine.
		bsp := sdktrace.NewBatchSpanProcessor(&countingExporter{SpanExporter: exp, t: t},
			sdktrace.WithMaxQueueSize(s.bsp.queue),
			sdktrace.WithMaxExportBatchSize(s.bsp.batch),
			sdktrace.WithBatchTimeout(s.bsp.delay),
			sdktrace.WithExportTimeout(s.bsp.timeout),
		)
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(&countingProcessor{SpanProcessor: bsp, t: t}))
		t.exporting = true
	} else {
		created = "Created OTEL tracer provider with no exporter (" + envTracesExporter + "=none): trace context is still propagated"
	}
	t.tp = sdktrace.NewTracerProvider(tpOpts...)
	t.tracer = t.tp.Tracer(ScopeName,
		trace.WithInstrumentationVersion(serviceVersion(opts.ServiceVersion)),
		trace.WithSchemaURL(semconv.SchemaURL))
	t.prop = newPropagator(s.propagators)
	t.req = &requestTracer{t: t}
	if otlpClient != nil {
		t.fast = newFastPath(t, otlpClient, &s, res, serviceVersion(opts.ServiceVersion), semconv.SchemaURL, opts.idGenerator)
	}

	if opts.Global {
		otel.SetTracerProvider(t.tp)
		otel.SetTextMapPropagator(t.prop)
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			t.warnOnce("OpenTelemetry SDK error; later ones are not logged", "err", err)
		}))
	}

	log.Info(created)
	log.Info("OTEL tracing enabled for service: "+s.serviceName,
		"sampler", s.sampler.Description(),
		"per_stage", s.perStage,
		"capture_message_content", contentName(s.content),
		"propagators", strings.Join(s.propagators, ","))
	if len(s.ignoredProp) > 0 {
		log.Warn("OTEL_PROPAGATORS names propagators this program does not have; they are ignored",
			"ignored", strings.Join(s.ignoredProp, ","), "used", strings.Join(s.propagators, ","))
	}
	return t, nil
}

// newExporter builds the exporter the settings name and the start-up line
// describing it.
func newExporter(ctx context.Context, s *settings, o *SetupOptions) (sdktrace.SpanExporter, string, error) {
	if o.testExporter != nil {
		return o.testExporter, "Created OTEL tracer provider with a test exporter", nil
	}
	if s.exporter == exporterConsole {
		w := o.Stdout
		if w == nil {
			w = os.Stdout
		}
		exp, err := stdouttrace.New(stdouttrace.WithWriter(w), stdouttrace.WithPrettyPrint())
		if err != nil {
			return nil, "", fmt.Errorf("console exporter: %w", err)
		}
		return exp, "Created OTEL tracer provider with console exporter", nil
	}
	return nil, "", fmt.Errorf("exporter %q: built by newOTLPClient, not here (a bug)", s.exporter)
}

// newOTLPClient builds the OTLP client (gRPC or HTTP) the settings name and
// the start-up line describing it. The exporter of the SDK path and the
// fast path's batcher share it.
func newOTLPClient(s *settings, o *SetupOptions) (otlptrace.Client, string, error) {
	if o.testClient != nil {
		return o.testClient, "Created OTEL tracer provider with a test OTLP client", nil
	}
	// The endpoint is always passed explicitly, so that it is the one the
	// settings resolved (from Getenv), whatever the process environment says.
	if s.protocol == protoHTTP {
		hopts := append([]otlptracehttp.Option{otlptracehttp.WithEndpointURL(s.endpoint.target)}, o.httpOptions...)
		return otlptracehttp.NewClient(hopts...), "Created OTEL tracer provider with OTLP exporter to " + s.endpoint.display + " (http/protobuf)", nil
	}
	gopts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(s.endpoint.target)}
	if s.endpoint.insecure {
		gopts = append(gopts, otlptracegrpc.WithInsecure())
	}
	gopts = append(gopts, o.grpcOptions...)
	// Exactly the reference's line.
	return otlptracegrpc.NewClient(gopts...), "Created OTEL tracer provider with OTLP exporter to " + s.endpoint.display, nil
}

// buildResource describes this process. It uses the SDK's own schema
// (semconv v1.43.0): mixing in v1.41.0, the GenAI span schema, would make
// resource merging fail on conflicting schema URLs. It does not use
// resource.Default, which reads the process environment once and caches it.
func buildResource(ctx context.Context, s *settings, version string) (*resource.Resource, error) {
	attrs := make([]attribute.KeyValue, 0, 3+len(s.resAttrs))
	attrs = append(attrs,
		semconvres.ServiceVersion(serviceVersion(version)),
		semconvres.ServiceInstanceID(newUUID()),
	)
	// The environment's attributes override the detected ones; the service
	// name is decided by serviceName's precedence.
	attrs = append(attrs, s.resAttrs...)
	attrs = append(attrs, semconvres.ServiceName(s.serviceName))
	return resource.New(ctx,
		resource.WithSchemaURL(semconvres.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithAttributes(attrs...),
	)
}

// serviceVersion is the given version, else the module's build version.
func serviceVersion(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// newUUID returns a random (version 4) UUID, as the reference's
// service.instance.id: it tells apart the pods of a scaled-out run.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

func newPropagator(names []string) propagation.TextMapPropagator {
	ps := make([]propagation.TextMapPropagator, 0, len(names))
	for _, n := range names {
		switch n {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...)
}

func contentName(c contentMode) string {
	switch c {
	case 0:
		return "NO_CONTENT"
	case contentSpan:
		return "SPAN_ONLY"
	case contentEvent:
		return "EVENT_ONLY"
	}
	return "SPAN_AND_EVENT"
}

// Enabled reports whether tracing is on.
func (t *Telemetry) Enabled() bool { return t != nil && t.enabled }

// PerStage reports whether each stage is one trace (OTEL_TRACE_PER_STAGE).
func (t *Telemetry) PerStage() bool { return t.Enabled() && t.perStage }

// Tracer returns the request tracer for client.Options.Tracer: nil when
// tracing is off, so that the client does no tracing work at all.
func (t *Telemetry) Tracer() client.Tracer {
	if !t.Enabled() {
		return nil // an untyped nil: the client tests Tracer != nil
	}
	return t.req
}

// TracerProvider returns the provider, for other instrumentation in the
// process; a no-op provider when tracing is off.
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if !t.Enabled() {
		return noopProvider
	}
	return t.tp
}

// Propagator returns the configured propagator (W3C TraceContext and
// Baggage by default); a no-op one when tracing is off.
func (t *Telemetry) Propagator() propagation.TextMapPropagator {
	if !t.Enabled() {
		return propagation.NewCompositeTextMapPropagator()
	}
	return t.prop
}

// Stats returns the span counts so far.
func (t *Telemetry) Stats() Stats {
	if !t.Enabled() {
		return Stats{}
	}
	st := Stats{
		Started:  t.started.Load(),
		Ended:    t.ended.Load(),
		Exported: t.exported.Load(),
		Failed:   t.failed.Load(),
	}
	if t.shut.Load() {
		st.Dropped = t.dropped
	}
	return st
}

// Shutdown flushes the spans still queued and stops the exporter, giving up
// when ctx ends (pass a deadline, e.g. 5 s: an unreachable collector must
// not hold the program). It returns how many ended spans were not delivered
// (dropped or failed) and ctx's error if the bound was hit. Later calls
// return the first call's result.
func (t *Telemetry) Shutdown(ctx context.Context) (lost uint64, err error) {
	if !t.Enabled() {
		return 0, nil
	}
	t.shutdownOnce.Do(func() {
		var err error
		if t.fast != nil {
			// First: the SDK's exporter stops the client they share.
			err = t.fast.shutdown(ctx)
		}
		if err2 := t.tp.Shutdown(ctx); err == nil {
			err = err2
		}
		ended, exported, failed := t.ended.Load(), t.exported.Load(), t.failed.Load()
		if d := int64(ended) - int64(exported) - int64(failed); d > 0 {
			t.dropped = uint64(d)
		}
		t.lost = t.dropped + failed
		t.shut.Store(true)
		if err != nil {
			t.shutdownErr = fmt.Errorf("OpenTelemetry shutdown: %w", err)
		}
		t.log.Info("OTEL tracer provider shut down",
			"spans_ended", ended, "spans_exported", exported, "spans_failed", failed, "spans_dropped", t.dropped)
	})
	return t.lost, t.shutdownErr
}

// warnOnce logs the one warning a run gets about export trouble: a collector
// that is down or slow would otherwise log once per batch.
func (t *Telemetry) warnOnce(msg string, args ...any) {
	if t.warned.CompareAndSwap(false, true) {
		t.log.Warn(msg, args...)
	}
}

// countingExporter counts what the exporter delivers and turns failures
// into counts: the batcher would otherwise report every failed batch to the
// global error handler.
type countingExporter struct {
	sdktrace.SpanExporter
	t *Telemetry
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.t.exportDone(len(spans), e.SpanExporter.ExportSpans(ctx, spans))
	return nil
}

// exportDone counts a batch of n spans exported or failed (warning once).
func (t *Telemetry) exportDone(n int, err error) {
	if err != nil {
		t.failed.Add(uint64(n))
		args := []any{"err", err}
		if t.endpoint != "" {
			args = append(args, "endpoint", t.endpoint)
		}
		t.warnOnce("OTEL span export failed; failed spans are counted and reported at the end, further failures are not logged", args...)
		return
	}
	t.exported.Add(uint64(n))
}

// countingProcessor counts the spans started and ended, and notices when
// the batcher must have dropped some: more spans waiting than its queue and
// one batch can hold.
type countingProcessor struct {
	sdktrace.SpanProcessor
	t *Telemetry
}

func (p *countingProcessor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	if s.SpanContext().IsSampled() {
		p.t.started.Add(1)
	}
	p.SpanProcessor.OnStart(ctx, s)
}

func (p *countingProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return // the batcher ignores them too
	}
	p.SpanProcessor.OnEnd(s)
	t := p.t
	ended := t.ended.Add(1) // after the hand-over: waiting is never overestimated
	if !t.warned.Load() {
		waiting := int64(ended) - int64(t.exported.Load()) - int64(t.failed.Load())
		if waiting > t.capacity {
			t.warnOnce("OTEL span queue full: spans are being dropped (collector slow or unreachable); raise "+
				envBSPQueue+" or sample fewer requests", "queue", t.capacity)
		}
	}
}

var noopProvider trace.TracerProvider = noop.NewTracerProvider()

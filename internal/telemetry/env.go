package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Environment variables read through SetupOptions.Getenv. The OTLP
// exporters also read the transport ones themselves (see docs/otel.md).
const (
	envTracesEnabled   = "OTEL_TRACES_ENABLED"
	envSDKDisabled     = "OTEL_SDK_DISABLED"
	envTracePerStage   = "OTEL_TRACE_PER_STAGE"
	envTracesExporter  = "OTEL_TRACES_EXPORTER"
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envInsecure        = "OTEL_EXPORTER_OTLP_INSECURE"
	envTracesInsecure  = "OTEL_EXPORTER_OTLP_TRACES_INSECURE"
	envServiceName     = "OTEL_SERVICE_NAME"
	envResourceAttrs   = "OTEL_RESOURCE_ATTRIBUTES"
	envSampler         = "OTEL_TRACES_SAMPLER"
	envSamplerArg      = "OTEL_TRACES_SAMPLER_ARG"
	envPropagators     = "OTEL_PROPAGATORS"
	envCaptureContent  = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
	envBSPDelay        = "OTEL_BSP_SCHEDULE_DELAY"
	envBSPTimeout      = "OTEL_BSP_EXPORT_TIMEOUT"
	envBSPQueue        = "OTEL_BSP_MAX_QUEUE_SIZE"
	envBSPBatch        = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"
	envAttrValueLen    = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	envSpanAttrLen     = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	envAttrCount       = "OTEL_ATTRIBUTE_COUNT_LIMIT"
	envSpanAttrCount   = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"
	envEventCount      = "OTEL_SPAN_EVENT_COUNT_LIMIT"
	envLinkCount       = "OTEL_SPAN_LINK_COUNT_LIMIT"
	envEventAttrCount  = "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT"
	envLinkAttrCount   = "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"
	envTraceParent     = "TRACEPARENT"
	envTraceState      = "TRACESTATE"
	defaultServiceName = "inference-perf"
)

// Batch processor defaults: the reference's (a 1 s schedule rather than the
// SDK's 5 s, so a short run's spans show up while it runs).
const (
	defaultBSPQueue   = 2048
	defaultBSPBatch   = 512
	defaultBSPDelay   = time.Second
	defaultBSPTimeout = 30 * time.Second
)

// Exporter kinds (OTEL_TRACES_EXPORTER).
const (
	exporterConsole = "console"
	exporterOTLP    = "otlp"
	exporterNone    = "none"
)

// OTLP protocols (OTEL_EXPORTER_OTLP_PROTOCOL).
const (
	protoGRPC = "grpc"
	protoHTTP = "http/protobuf"
)

// contentMode says where message content goes (a bit set).
type contentMode uint8

const (
	contentSpan  contentMode = 1 << iota // attributes on the request span
	contentEvent                         // a gen_ai.client.inference.operation.details event
)

// bspSettings are the batch span processor's settings.
type bspSettings struct {
	queue, batch   int
	delay, timeout time.Duration
}

// otlpEndpoint is where the OTLP exporter sends, resolved from the
// environment.
type otlpEndpoint struct {
	display  string // for the start-up log line
	target   string // gRPC: host:port (or unix:...); HTTP: the full URL
	insecure bool   // gRPC: plaintext
}

// settings is everything Setup decides from the environment.
type settings struct {
	enabled     bool
	offReason   string // why tracing is off, for a debug line
	offWarning  string // a value that looks like an attempt to turn tracing on
	exporter    string
	protocol    string
	endpoint    otlpEndpoint
	perStage    bool
	content     contentMode
	sampler     sdktrace.Sampler
	bsp         bspSettings
	limits      sdktrace.SpanLimits
	serviceName string
	resAttrs    []attribute.KeyValue // from OTEL_RESOURCE_ATTRIBUTES, in order
	propagators []string             // "tracecontext", "baggage"
	ignoredProp []string             // named in OTEL_PROPAGATORS, not supported
	envParent   trace.SpanContext    // from TRACEPARENT/TRACESTATE; invalid when unset
}

// env reads variables; an empty or blank value counts as unset, as the
// OpenTelemetry specification says.
type env func(string) (string, bool)

func (e env) get(key string) string {
	v, ok := e(key)
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}

// first returns the first set variable of keys (signal-specific first) and
// its name.
func (e env) first(keys ...string) (string, string) {
	for _, k := range keys {
		if v := e.get(k); v != "" {
			return v, k
		}
	}
	return "", keys[len(keys)-1]
}

// parseSettings reads the environment. Every problem found is reported, not
// only the first. When tracing is off nothing else is read: a broken
// variable cannot stop a run that does not trace.
func parseSettings(e env, o *SetupOptions) (settings, error) {
	var s settings
	if strings.EqualFold(e.get(envSDKDisabled), "true") {
		s.offReason = envSDKDisabled + "=true"
		return s, nil
	}
	if v := e.get(envTracesEnabled); !strings.EqualFold(v, "true") {
		s.offReason = envTracesEnabled + " is not true"
		if v != "" && !strings.EqualFold(v, "false") {
			// The reference accepts "true" only; say so rather than
			// leave a user wondering why "1" traces nothing.
			s.offWarning = envTracesEnabled + "=" + strconv.Quote(v) + " is not \"true\": tracing stays off"
		}
		return s, nil
	}
	s.enabled = true
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	s.perStage = strings.EqualFold(e.get(envTracePerStage), "true")

	var err error
	s.exporter, err = parseExporter(e)
	add(err)
	if s.exporter == exporterOTLP {
		s.protocol, err = parseProtocol(e)
		add(err)
		if err == nil {
			s.endpoint, err = resolveEndpoint(e, s.protocol)
			add(err)
		}
	}

	s.content, err = parseContent(e.get(envCaptureContent))
	add(err)

	s.sampler, err = parseSampler(e.get(envSampler), e.get(envSamplerArg))
	add(err)

	s.bsp, err = parseBSP(e)
	add(err)

	s.limits, err = parseLimits(e)
	add(err)

	s.resAttrs, err = parseResourceAttrs(e.get(envResourceAttrs))
	add(err)
	s.serviceName = serviceName(e, o, s.resAttrs)

	s.propagators, s.ignoredProp = parsePropagators(e.get(envPropagators))

	s.envParent, err = parseEnvParent(e.get(envTraceParent), e.get(envTraceState))
	add(err)

	return s, errors.Join(errs...)
}

func parseExporter(e env) (string, error) {
	v := strings.ToLower(e.get(envTracesExporter))
	switch v {
	case "":
		// The reference's rule: OTLP when an endpoint is given, else the
		// console.
		if ep, _ := e.first(envTracesEndpoint, envEndpoint); ep != "" {
			return exporterOTLP, nil
		}
		return exporterConsole, nil
	case exporterConsole, "logging": // "logging" is the specification's old name
		return exporterConsole, nil
	case exporterOTLP, exporterNone:
		return v, nil
	}
	if strings.Contains(v, ",") {
		return "", fmt.Errorf("%s=%q: only one exporter is supported (otlp, console or none)", envTracesExporter, v)
	}
	return "", fmt.Errorf("%s=%q: want otlp, console or none", envTracesExporter, v)
}

// parseProtocol returns the OTLP protocol. gRPC is the default, unlike the
// specification's http/protobuf: the reference only speaks gRPC, and its
// users point OTEL_EXPORTER_OTLP_ENDPOINT at :4317.
func parseProtocol(e env) (string, error) {
	v, name := e.first(envTracesProtocol, envProtocol)
	switch strings.ToLower(v) {
	case "", protoGRPC:
		return protoGRPC, nil
	case protoHTTP:
		return protoHTTP, nil
	case "http/json":
		return "", fmt.Errorf("%s=%q: the Go OTLP exporter does not support http/json; use grpc or http/protobuf", name, v)
	}
	return "", fmt.Errorf("%s=%q: want grpc or http/protobuf", name, v)
}

// resolveEndpoint turns OTEL_EXPORTER_OTLP_{TRACES_,}ENDPOINT into where the
// exporter sends.
//
// gRPC: http:// and grpc:// (vLLM's spelling) mean plaintext, https:// TLS,
// unix: a socket; a bare host:port is plaintext unless
// OTEL_EXPORTER_OTLP_INSECURE=false (the reference always connects
// insecurely). HTTP: the generic endpoint is a base URL that gets /v1/traces
// appended, the traces endpoint is used as is (the specification's rule).
func resolveEndpoint(e env, proto string) (otlpEndpoint, error) {
	raw, name := e.first(envTracesEndpoint, envEndpoint)
	perSignal := name == envTracesEndpoint && raw != ""
	insecure := true
	if v, iname := e.first(envTracesInsecure, envInsecure); v != "" {
		switch strings.ToLower(v) {
		case "true":
		case "false":
			insecure = false
		default:
			return otlpEndpoint{}, fmt.Errorf("%s=%q: want true or false", iname, v)
		}
	}
	if raw == "" {
		if proto == protoGRPC {
			return otlpEndpoint{display: "http://localhost:4317", target: "localhost:4317", insecure: true}, nil
		}
		return otlpEndpoint{display: "http://localhost:4318/v1/traces", target: "http://localhost:4318/v1/traces"}, nil
	}
	if proto == protoGRPC && len(raw) > 5 && strings.EqualFold(raw[:5], "unix:") {
		return otlpEndpoint{display: raw, target: raw, insecure: true}, nil
	}
	scheme, rest, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		// host:port, as gRPC users often write it.
		if strings.ContainsAny(raw, "/?#") {
			return otlpEndpoint{}, fmt.Errorf("%s=%q: want a URL such as http://collector:4317", name, raw)
		}
		if proto == protoGRPC {
			return otlpEndpoint{display: raw, target: raw, insecure: insecure}, nil
		}
		scheme, rest = "http", raw
		if !insecure {
			scheme = "https"
		}
	}
	scheme = strings.ToLower(scheme)
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		return otlpEndpoint{}, fmt.Errorf("%s=%q: %w", name, raw, err)
	}
	if u.Host == "" {
		return otlpEndpoint{}, fmt.Errorf("%s=%q: no host", name, raw)
	}
	if proto == protoGRPC {
		switch scheme {
		case "http", "grpc":
			return otlpEndpoint{display: raw, target: u.Host, insecure: true}, nil
		case "https", "grpcs":
			return otlpEndpoint{display: raw, target: u.Host}, nil
		}
		return otlpEndpoint{}, fmt.Errorf("%s=%q: scheme %q: want http://, https://, grpc:// or unix:", name, raw, scheme)
	}
	if scheme != "http" && scheme != "https" {
		return otlpEndpoint{}, fmt.Errorf("%s=%q: scheme %q: want http:// or https://", name, raw, scheme)
	}
	switch {
	case !perSignal:
		u.Path = path.Join("/", u.Path, "v1/traces")
	case u.Path == "":
		u.Path = "/"
	}
	s := u.String()
	return otlpEndpoint{display: s, target: s, insecure: scheme == "http"}, nil
}

// parseContent reads OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT:
// the legacy boolean or the four-value enum of the Python GenAI utilities.
// Unset means on the span, as the reference's documentation says.
func parseContent(v string) (contentMode, error) {
	switch strings.ToUpper(v) {
	case "", "TRUE", "SPAN_ONLY":
		return contentSpan, nil
	case "FALSE", "NO_CONTENT":
		return 0, nil
	case "EVENT_ONLY":
		return contentEvent, nil
	case "SPAN_AND_EVENT":
		return contentSpan | contentEvent, nil
	}
	return 0, fmt.Errorf("%s=%q: want true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT", envCaptureContent, v)
}

// parseSampler mirrors the SDK's reading of OTEL_TRACES_SAMPLER (which reads
// the process environment, not SetupOptions.Getenv) but reports errors
// instead of falling back silently. Unset: parentbased_always_on.
func parseSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (sdktrace.Sampler, error) {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1), nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 || r != r {
			return nil, fmt.Errorf("%s=%q: want a ratio between 0 and 1", envSamplerArg, arg)
		}
		return sdktrace.TraceIDRatioBased(r), nil
	}
	switch strings.ToLower(name) {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		return ratio()
	case "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(r), nil
	}
	return nil, fmt.Errorf("%s=%q: want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio", envSampler, name)
}

// envInt reads a non-negative integer variable; min is the smallest
// accepted value.
func envInt(e env, key string, def, minimum int) (int, error) {
	v := e.get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < minimum {
		return def, fmt.Errorf("%s=%q: want an integer >= %d", key, v, minimum)
	}
	return n, nil
}

func parseBSP(e env) (bspSettings, error) {
	var errs []error
	get := func(key string, def, minimum int) int {
		n, err := envInt(e, key, def, minimum)
		if err != nil {
			errs = append(errs, err)
		}
		return n
	}
	b := bspSettings{
		queue:   get(envBSPQueue, defaultBSPQueue, 1),
		batch:   get(envBSPBatch, defaultBSPBatch, 1),
		delay:   time.Duration(get(envBSPDelay, int(defaultBSPDelay/time.Millisecond), 1)) * time.Millisecond,
		timeout: time.Duration(get(envBSPTimeout, int(defaultBSPTimeout/time.Millisecond), 0)) * time.Millisecond,
	}
	// As the SDK: a batch never exceeds the queue.
	b.batch = min(b.batch, b.queue)
	return b, errors.Join(errs...)
}

// parseLimits reads the span limits the SDK would read from the process
// environment, so that Setup depends on Getenv alone.
func parseLimits(e env) (sdktrace.SpanLimits, error) {
	var errs []error
	get := func(def int, keys ...string) int {
		v, key := e.first(keys...)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer >= 0", key, v))
			return def
		}
		return n
	}
	l := sdktrace.SpanLimits{
		AttributeValueLengthLimit:   get(sdktrace.DefaultAttributeValueLengthLimit, envSpanAttrLen, envAttrValueLen),
		AttributeValueDepthLimit:    sdktrace.DefaultAttributeValueDepthLimit,
		AttributeCountLimit:         get(sdktrace.DefaultAttributeCountLimit, envSpanAttrCount, envAttrCount),
		EventCountLimit:             get(sdktrace.DefaultEventCountLimit, envEventCount),
		LinkCountLimit:              get(sdktrace.DefaultLinkCountLimit, envLinkCount),
		AttributePerEventCountLimit: get(sdktrace.DefaultAttributePerEventCountLimit, envEventAttrCount),
		AttributePerLinkCountLimit:  get(sdktrace.DefaultAttributePerLinkCountLimit, envLinkAttrCount),
	}
	return l, errors.Join(errs...)
}

// parseResourceAttrs reads OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2", values
// percent-decoded) as the SDK does, reporting malformed pairs.
func parseResourceAttrs(v string) ([]attribute.KeyValue, error) {
	if v == "" {
		return nil, nil
	}
	var attrs []attribute.KeyValue
	var bad []string
	for _, p := range strings.Split(v, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, val, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			bad = append(bad, strconv.Quote(p))
			continue
		}
		val = strings.TrimSpace(val)
		if dec, err := url.PathUnescape(val); err == nil {
			val = dec
		}
		attrs = append(attrs, attribute.String(k, val))
	}
	if len(bad) > 0 {
		return attrs, fmt.Errorf("%s: want key=value pairs separated by commas; malformed: %s", envResourceAttrs, strings.Join(bad, ", "))
	}
	return attrs, nil
}

// serviceName applies the specification's precedence: OTEL_SERVICE_NAME,
// then service.name in OTEL_RESOURCE_ATTRIBUTES, then the program's default.
// SetupOptions.ServiceName overrides them all (the embedded simulator names
// itself).
func serviceName(e env, o *SetupOptions, res []attribute.KeyValue) string {
	if o.ServiceName != "" {
		return o.ServiceName
	}
	if v := e.get(envServiceName); v != "" {
		return v
	}
	for i := len(res) - 1; i >= 0; i-- {
		if res[i].Key == "service.name" && res[i].Value.AsString() != "" {
			return res[i].Value.AsString()
		}
	}
	if o.ServiceNameDefault != "" {
		return o.ServiceNameDefault
	}
	return defaultServiceName
}

// parsePropagators reads OTEL_PROPAGATORS. Go's SDK ignores the variable;
// we honour the two propagators we have and report the others.
func parsePropagators(v string) (use, ignored []string) {
	if v == "" {
		return []string{"tracecontext", "baggage"}, nil
	}
	use = []string{}
	for _, p := range strings.Split(v, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		switch p {
		case "":
		case "none":
			return []string{}, ignored
		case "tracecontext", "baggage":
			use = append(use, p)
		default:
			ignored = append(ignored, p)
		}
	}
	return use, ignored
}

// parseEnvParent reads the specification's environment carriers TRACEPARENT
// and TRACESTATE: when set, stage spans become children of that context, so
// the pods of a scaled-out run can share one trace.
func parseEnvParent(tp, ts string) (trace.SpanContext, error) {
	if tp == "" {
		return trace.SpanContext{}, nil
	}
	carrier := propagation.MapCarrier{"traceparent": tp}
	if ts != "" {
		carrier["tracestate"] = ts
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
	if !sc.IsValid() {
		return sc, fmt.Errorf("%s=%q: not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)", envTraceParent, tp)
	}
	return sc, nil
}

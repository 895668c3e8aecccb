package telemetry

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const on = envTracesEnabled

func TestParseSettingsSwitch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		want bool
	}{
		// Off unless asked: the reference's default.
		{"unset", nil, false},
		{"false", []string{on, "false"}, false},
		// The reference compares the lower-cased value with "true" only.
		{"one is not true", []string{on, "1"}, false},
		{"true", []string{on, "true"}, true},
		{"case-insensitive", []string{on, " TRUE "}, true},
		// OTEL_SDK_DISABLED always wins, in any case.
		{"sdk disabled wins", []string{on, "true", envSDKDisabled, "True"}, false},
		{"sdk disabled false", []string{on, "true", envSDKDisabled, "false"}, true},
		// Off means nothing else is read: a broken variable cannot stop a
		// run that does not trace.
		{"off ignores bad vars", []string{envTracesSampler(), "bogus", envBSPQueue, "x"}, false},
	}
	for _, c := range cases {
		s, err := parseSettings(env(envMap(c.env...)), &SetupOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s.enabled != c.want {
			t.Errorf("%s: enabled %v, want %v", c.name, s.enabled, c.want)
		}
	}
}

func envTracesSampler() string { return envSampler }

func TestParseSettingsExporter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		env      []string
		exporter string
		protocol string
		target   string
		insecure bool
		display  string
		err      string
	}{
		// No endpoint: the console, as the reference.
		{name: "default console", exporter: exporterConsole},
		// An endpoint selects OTLP, gRPC by default (users point it at :4317).
		{name: "endpoint -> otlp grpc", env: []string{envEndpoint, "http://localhost:4317"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "localhost:4317", insecure: true, display: "http://localhost:4317"},
		// The traces endpoint alone also selects OTLP.
		{name: "traces endpoint", env: []string{envTracesEndpoint, "http://c:4317"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "c:4317", insecure: true, display: "http://c:4317"},
		// The traces endpoint wins over the generic one.
		{name: "traces endpoint wins", env: []string{envEndpoint, "http://a:4317", envTracesEndpoint, "http://b:4317"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "b:4317", insecure: true, display: "http://b:4317"},
		// OTEL_TRACES_EXPORTER overrides the endpoint rule both ways.
		{name: "exporter console despite endpoint", env: []string{envEndpoint, "http://a:4317", envTracesExporter, "console"}, exporter: exporterConsole},
		{name: "exporter otlp without endpoint", env: []string{envTracesExporter, "OTLP"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "localhost:4317", insecure: true, display: "http://localhost:4317"},
		{name: "exporter none", env: []string{envTracesExporter, "none"}, exporter: exporterNone},
		{name: "logging is console", env: []string{envTracesExporter, "logging"}, exporter: exporterConsole},
		{name: "exporter unknown", env: []string{envTracesExporter, "jaeger"}, err: envTracesExporter + `="jaeger"`},
		{name: "exporter list", env: []string{envTracesExporter, "otlp,console"}, err: "only one exporter"},
		// http/protobuf selects the HTTP exporter; the generic endpoint is a
		// base URL, /v1/traces appended.
		{name: "http protocol", env: []string{envEndpoint, "http://c:4318", envProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://c:4318/v1/traces", insecure: true, display: "http://c:4318/v1/traces"},
		{name: "http base path", env: []string{envEndpoint, "https://c:4318/otlp/", envProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "https://c:4318/otlp/v1/traces", display: "https://c:4318/otlp/v1/traces"},
		// The traces endpoint is used as is; no path means "/".
		{name: "http traces endpoint as is", env: []string{envTracesEndpoint, "http://c:4318/custom", envTracesProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://c:4318/custom", insecure: true, display: "http://c:4318/custom"},
		{name: "http traces endpoint root", env: []string{envTracesEndpoint, "http://c:4318", envTracesProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://c:4318/", insecure: true, display: "http://c:4318/"},
		// The traces protocol wins over the generic one.
		{name: "traces protocol wins", env: []string{envEndpoint, "http://c:4318", envProtocol, "grpc", envTracesProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://c:4318/v1/traces", insecure: true, display: "http://c:4318/v1/traces"},
		{name: "http default endpoint", env: []string{envTracesExporter, "otlp", envProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://localhost:4318/v1/traces", display: "http://localhost:4318/v1/traces"},
		{name: "http bare host", env: []string{envEndpoint, "c:4318", envProtocol, "http/protobuf"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "http://c:4318/v1/traces", insecure: true, display: "http://c:4318/v1/traces"},
		{name: "http bare host secure", env: []string{envEndpoint, "c:4318", envProtocol, "http/protobuf", envInsecure, "false"},
			exporter: exporterOTLP, protocol: protoHTTP, target: "https://c:4318/v1/traces", display: "https://c:4318/v1/traces"},
		{name: "http/json unsupported", env: []string{envEndpoint, "http://c:4318", envProtocol, "http/json"}, err: "does not support http/json"},
		{name: "protocol unknown", env: []string{envEndpoint, "http://c:4318", envTracesProtocol, "thrift"}, err: envTracesProtocol + `="thrift"`},
		// gRPC spellings: vLLM's grpc://, TLS with https://, a bare
		// host:port plaintext (as the reference connects) unless
		// INSECURE=false, a unix socket.
		{name: "grpc scheme", env: []string{envEndpoint, "grpc://c:4317"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "c:4317", insecure: true, display: "grpc://c:4317"},
		{name: "https is TLS", env: []string{envEndpoint, "https://api.honeycomb.io:443"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "api.honeycomb.io:443", display: "https://api.honeycomb.io:443"},
		{name: "bare host plaintext", env: []string{envEndpoint, "c:4317"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "c:4317", insecure: true, display: "c:4317"},
		{name: "bare host secure", env: []string{envEndpoint, "c:4317", envTracesInsecure, "false"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "c:4317", display: "c:4317"},
		{name: "unix socket", env: []string{envEndpoint, "unix:///run/otel.sock"},
			exporter: exporterOTLP, protocol: protoGRPC, target: "unix:///run/otel.sock", insecure: true, display: "unix:///run/otel.sock"},
		{name: "insecure bad", env: []string{envEndpoint, "c:4317", envInsecure, "yes"}, err: envInsecure + `="yes"`},
		{name: "scheme unknown", env: []string{envEndpoint, "ftp://c:21"}, err: `scheme "ftp"`},
		{name: "no host", env: []string{envEndpoint, "http://"}, err: "no host"},
		{name: "bare host with path", env: []string{envEndpoint, "c:4317/x"}, err: "want a URL"},
	}
	for _, c := range cases {
		s, err := parseSettings(env(envMap(append([]string{on, "true"}, c.env...)...)), &SetupOptions{})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s.exporter != c.exporter || s.protocol != c.protocol || s.endpoint.target != c.target ||
			s.endpoint.insecure != c.insecure || s.endpoint.display != c.display {
			t.Errorf("%s: got exporter %q protocol %q endpoint %+v", c.name, s.exporter, s.protocol, s.endpoint)
		}
	}
}

func TestParseSettingsOthers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		env   []string
		check func(settings) bool
		err   string
	}{
		// Per-stage traces: the reference's variable, "true" only.
		{"per stage", []string{envTracePerStage, "True"}, func(s settings) bool { return s.perStage }, ""},
		{"per stage default", nil, func(s settings) bool { return !s.perStage }, ""},
		// Content is captured on the span unless turned off, legacy boolean
		// or enum.
		{"content default", nil, func(s settings) bool { return s.content == contentSpan }, ""},
		{"content false", []string{envCaptureContent, "false"}, func(s settings) bool { return s.content == 0 }, ""},
		{"content no_content", []string{envCaptureContent, "no_content"}, func(s settings) bool { return s.content == 0 }, ""},
		{"content true", []string{envCaptureContent, "TRUE"}, func(s settings) bool { return s.content == contentSpan }, ""},
		{"content span only", []string{envCaptureContent, "SPAN_ONLY"}, func(s settings) bool { return s.content == contentSpan }, ""},
		{"content event only", []string{envCaptureContent, "EVENT_ONLY"}, func(s settings) bool { return s.content == contentEvent }, ""},
		{"content both", []string{envCaptureContent, "SPAN_AND_EVENT"}, func(s settings) bool { return s.content == contentSpan|contentEvent }, ""},
		{"content bad", []string{envCaptureContent, "yes"}, nil, envCaptureContent + `="yes"`},
		// Batch processor: the reference's defaults, each variable
		// honoured, bad values reported, the batch never above the queue.
		{"bsp defaults", nil, func(s settings) bool {
			return s.bsp == bspSettings{queue: 2048, batch: 512, delay: time.Second, timeout: 30 * time.Second}
		}, ""},
		{"bsp set", []string{envBSPQueue, "100", envBSPBatch, "10", envBSPDelay, "250", envBSPTimeout, "0"}, func(s settings) bool {
			return s.bsp == bspSettings{queue: 100, batch: 10, delay: 250 * time.Millisecond, timeout: 0}
		}, ""},
		{"bsp batch capped", []string{envBSPQueue, "8"}, func(s settings) bool { return s.bsp.batch == 8 }, ""},
		{"bsp bad queue", []string{envBSPQueue, "20k"}, nil, envBSPQueue + `="20k"`},
		{"bsp zero delay", []string{envBSPDelay, "0"}, nil, envBSPDelay + `="0"`},
		// Span limits the SDK would read from the process environment.
		{"limits default", nil, func(s settings) bool {
			return s.limits.AttributeValueLengthLimit == -1 && s.limits.AttributeCountLimit == 128
		}, ""},
		{"value length", []string{envAttrValueLen, "64"}, func(s settings) bool { return s.limits.AttributeValueLengthLimit == 64 }, ""},
		{"span value length wins", []string{envAttrValueLen, "64", envSpanAttrLen, "32"}, func(s settings) bool { return s.limits.AttributeValueLengthLimit == 32 }, ""},
		{"counts", []string{envAttrCount, "50", envEventCount, "3", envLinkCount, "4", envEventAttrCount, "5", envLinkAttrCount, "6"}, func(s settings) bool {
			l := s.limits
			return l.AttributeCountLimit == 50 && l.EventCountLimit == 3 && l.LinkCountLimit == 4 && l.AttributePerEventCountLimit == 5 && l.AttributePerLinkCountLimit == 6
		}, ""},
		{"limit negative", []string{envAttrValueLen, "-1"}, nil, envAttrValueLen + `="-1"`},
		// Service name precedence: OTEL_SERVICE_NAME, then the resource
		// attributes, then the default.
		{"service default", nil, func(s settings) bool { return s.serviceName == "inference-perf" }, ""},
		{"service from resource", []string{envResourceAttrs, "service.name=from-res"}, func(s settings) bool { return s.serviceName == "from-res" }, ""},
		{"service name wins", []string{envResourceAttrs, "service.name=from-res", envServiceName, "svc"}, func(s settings) bool { return s.serviceName == "svc" }, ""},
		// Resource attributes: trimmed, percent-decoded, malformed reported.
		{"resource attrs", []string{envResourceAttrs, " team = a%20b ,env=prod,"}, func(s settings) bool {
			return len(s.resAttrs) == 2 && s.resAttrs[0] == attribute.String("team", "a b") && s.resAttrs[1] == attribute.String("env", "prod")
		}, ""},
		{"resource malformed", []string{envResourceAttrs, "team,=x"}, nil, "malformed"},
		// Propagators: W3C by default, "none" turns injection off, unknown
		// ones are set aside for a warning.
		{"propagators default", nil, func(s settings) bool { return strings.Join(s.propagators, ",") == "tracecontext,baggage" }, ""},
		{"propagators none", []string{envPropagators, "none"}, func(s settings) bool { return len(s.propagators) == 0 }, ""},
		{"propagators partial", []string{envPropagators, "b3, tracecontext"}, func(s settings) bool {
			return strings.Join(s.propagators, ",") == "tracecontext" && strings.Join(s.ignoredProp, ",") == "b3"
		}, ""},
		// TRACEPARENT makes stage spans children of a run-wide context.
		{"traceparent", []string{envTraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", envTraceState, "k=v"}, func(s settings) bool {
			return s.envParent.IsValid() && s.envParent.TraceID().String() == "0af7651916cd43dd8448eb211c80319c" && s.envParent.TraceState().Get("k") == "v"
		}, ""},
		{"traceparent bad", []string{envTraceParent, "00-zz-01"}, nil, envTraceParent},
	}
	for _, c := range cases {
		s, err := parseSettings(env(envMap(append([]string{on, "true"}, c.env...)...)), &SetupOptions{})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.check(s) {
			t.Errorf("%s: unexpected settings %+v", c.name, s)
		}
	}
}

// Every problem is reported at once, each naming its variable.
func TestParseSettingsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := parseSettings(env(envMap(on, "true", envSampler, "sometimes", envBSPQueue, "many", envCaptureContent, "maybe")), &SetupOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, v := range []string{envSampler, envBSPQueue, envCaptureContent} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error %q does not name %s", err, v)
		}
	}
}

// SetupOptions.ServiceName overrides the environment (the simulator's own
// provider), ServiceNameDefault only fills in.
func TestServiceNameOptions(t *testing.T) {
	t.Parallel()
	e := env(envMap(envServiceName, "from-env"))
	if got := serviceName(e, &SetupOptions{ServiceName: "sim"}, nil); got != "sim" {
		t.Errorf("override: %q", got)
	}
	if got := serviceName(e, &SetupOptions{ServiceNameDefault: "d"}, nil); got != "from-env" {
		t.Errorf("env over default: %q", got)
	}
	if got := serviceName(env(envMap()), &SetupOptions{ServiceNameDefault: "d"}, nil); got != "d" {
		t.Errorf("default: %q", got)
	}
}

func TestParseSampler(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, arg string
		desc      string // the SDK's description of the sampler
		err       string
	}{
		// Unset: the SDK's default.
		{"", "", "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}", ""},
		{"always_on", "", "AlwaysOnSampler", ""},
		{"ALWAYS_OFF", "", "AlwaysOffSampler", ""},
		{"traceidratio", "0.1", "TraceIDRatioBased{0.1}", ""},
		// No argument: ratio 1, as the SDK.
		{"traceidratio", "", "TraceIDRatioBased{1}", ""},
		{"parentbased_always_on", "", "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}", ""},
		{"parentbased_always_off", "", "ParentBased{root:AlwaysOffSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}", ""},
		{"parentbased_traceidratio", "0.5", "ParentBased{root:TraceIDRatioBased{0.5},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}", ""},
		// The SDK falls back silently on these; we say what is wrong.
		{"traceidratio", "1.5", "", envSamplerArg},
		{"parentbased_traceidratio", "x", "", envSamplerArg},
		{"traceidratio", "NaN", "", envSamplerArg},
		{"jaeger_remote", "", "", envSampler},
	}
	for _, c := range cases {
		s, err := parseSampler(c.name, c.arg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s/%s: error %v, want %q", c.name, c.arg, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s/%s: %v", c.name, c.arg, err)
			continue
		}
		if s.Description() != c.desc {
			t.Errorf("%s/%s: %s, want %s", c.name, c.arg, s.Description(), c.desc)
		}
	}
}

// Our reading of OTEL_TRACES_SAMPLER decides exactly as the sampler the SDK
// builds from the process environment, for the six values, on root spans
// and under sampled and unsampled remote parents.
func TestSamplerMatchesSDK(t *testing.T) {
	for _, c := range [][2]string{
		{"always_on", ""}, {"always_off", ""}, {"traceidratio", "0.25"},
		{"parentbased_always_on", ""}, {"parentbased_always_off", ""}, {"parentbased_traceidratio", "0.25"},
	} {
		t.Setenv(envSampler, c[0])
		t.Setenv(envSamplerArg, c[1])
		ours, err := parseSampler(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		// Without WithSampler, the SDK reads the process environment.
		sdk := decisions(sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(&seqIDs{})))
		got := decisions(sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(&seqIDs{}), sdktrace.WithSampler(ours)))
		if got != sdk {
			t.Errorf("%s: ours %q, SDK %q", c[0], got, sdk)
		}
		if c[0] == "traceidratio" && (!strings.Contains(got, "1") || !strings.Contains(got, "0")) {
			t.Errorf("%s: ratio 0.25 sampled all or nothing: %q", c[0], got)
		}
	}
}

// decisions starts 64 root spans and 64 under each kind of remote parent and
// returns their sampled flags as a string of 0s and 1s.
func decisions(tp *sdktrace.TracerProvider) string {
	tr := tp.Tracer("t")
	var b strings.Builder
	for _, flags := range []trace.TraceFlags{0xff, trace.FlagsSampled, 0} {
		for i := range 64 {
			ctx := context.Background()
			if flags != 0xff {
				ctx = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: spreadTraceID(i), SpanID: trace.SpanID{1}, TraceFlags: flags, Remote: true,
				}))
			}
			_, span := tr.Start(ctx, "s")
			if span.SpanContext().IsSampled() {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
			span.End()
		}
	}
	return b.String()
}

// spreadTraceID spreads trace ids over the range a ratio sampler compares.
func spreadTraceID(i int) trace.TraceID {
	var id trace.TraceID
	id[0] = 1
	id[8] = byte(i * 4)
	id[9] = byte(i)
	return id
}

// seqIDs generates spread, repeatable ids.
type seqIDs struct{ n int }

func (g *seqIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	g.n++
	return spreadTraceID(g.n - 1), trace.SpanID{byte(g.n), 1}
}

func (g *seqIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	g.n++
	return trace.SpanID{byte(g.n), 2}
}

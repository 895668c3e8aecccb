package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// volatile are the resource attributes that differ between runs and hosts.
var volatile = map[string]bool{
	"host.name": true, "process.pid": true, "service.instance.id": true,
	"telemetry.sdk.version": true, "process.runtime.version": true,
}

// normalize replaces what differs between runs (times, ids, host) so that
// the console output can be compared with a golden file.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "StartTime", "EndTime", "Time":
				x[k] = "<time>"
			case "TraceID", "SpanID":
				if s, _ := val.(string); s != "" && strings.Trim(s, "0") != "" {
					x[k] = "<id>"
				}
			default:
				x[k] = normalize(val)
			}
		}
		if key, ok := x["Key"].(string); ok && volatile[key] {
			if val, ok := x["Value"].(map[string]any); ok {
				val["Value"] = "<volatile>"
			}
		}
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	}
	return v
}

// The console exporter prints each span as the SDK's indented JSON; the
// output for a fixed request is kept in testdata/console.golden.json
// (refresh with go test -run TestConsoleGolden -update).
func TestConsoleGolden(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{
		Getenv:         envMap(envTracesEnabled, "true", envResourceAttrs, "deployment.environment.name=test"),
		Log:            slog.New(logs),
		Clock:          clock.New(),
		Stdout:         &out,
		ServiceVersion: "v0.0.0-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	req := &client.Request{Stage: 1, Seq: 42, Intended: time.Second, Prompt: chatPrompt, SessionID: "s1"}
	ok := successRecord(true)
	ok.SessionID = "s1"
	tel.Tracer().StartRequest(context.Background(), start("chat", "vllm", true, req)).End(ok, []byte("out"))
	rec := failedRecord(false)
	tel.Tracer().StartRequest(context.Background(), start("completion", "sglang", false, &client.Request{Prompt: textPrompt})).End(rec, nil)
	if lost := shutdown(t, tel); lost != 0 {
		t.Fatalf("lost %d", lost)
	}
	if got := logs.messages(slog.LevelInfo)[0]; got != "Created OTEL tracer provider with console exporter" {
		t.Errorf("info line %q", got)
	}

	var spans []any
	dec := json.NewDecoder(&out)
	for {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("console output is not a JSON stream: %v", err)
		}
		spans = append(spans, normalize(v))
	}
	got, err := json.MarshalIndent(spans, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "console.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("console output differs from %s (run with -update after checking):\n%s", golden, got)
	}
}

// Off: no tracer (the client's Options.Tracer stays nil), no provider, no
// exporter, no goroutine; every method is a no-op, on a nil Telemetry too.
func TestOffCostsNothing(t *testing.T) {
	for _, kv := range [][]string{
		nil,
		{envTracesEnabled, "false", envEndpoint, "http://127.0.0.1:1"},
		{envTracesEnabled, "true", envSDKDisabled, "true", envEndpoint, "http://127.0.0.1:1"},
	} {
		before := runtime.NumGoroutine()
		tel, err := Setup(context.Background(), SetupOptions{Getenv: envMap(kv...), Log: slog.New(&logSink{})})
		after := runtime.NumGoroutine()
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			t.Errorf("%v: %d goroutines started", kv, after-before)
		}
		checkOff(t, tel)
	}
	checkOff(t, nil)

	// "1" is not "true" (as in the reference): off, with a warning.
	logs := &logSink{}
	tel, err := Setup(context.Background(), SetupOptions{Getenv: envMap(envTracesEnabled, "1"), Log: slog.New(logs)})
	if err != nil || tel.Enabled() {
		t.Fatalf("enabled %v err %v", tel.Enabled(), err)
	}
	if w := logs.messages(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], `OTEL_TRACES_ENABLED="1"`) {
		t.Errorf("warnings %q", w)
	}
}

func checkOff(t *testing.T, tel *Telemetry) {
	t.Helper()
	if tr := tel.Tracer(); tr != nil {
		t.Errorf("Tracer() = %#v, want nil", tr)
	}
	if tel != nil && tel.tp != nil {
		t.Error("a provider was built")
	}
	if tel.Enabled() || tel.PerStage() || tel.Stats() != (Stats{}) {
		t.Error("disabled telemetry reports activity")
	}
	ctx := context.Background()
	if c, end := tel.StartStage(ctx, StageInfo{ID: 1}); c != ctx {
		t.Error("StartStage changed ctx")
	} else {
		end("COMPLETED", nil)
	}
	if c, end := tel.StartSession(ctx, "s"); c != ctx {
		t.Error("StartSession changed ctx")
	} else {
		end(nil)
	}
	if lost, err := tel.Shutdown(ctx); lost != 0 || err != nil {
		t.Errorf("Shutdown: %d %v", lost, err)
	}
	_ = tel.TracerProvider().Tracer("x")
	_ = tel.Propagator().Fields()
}

// Setup's errors name the variable; a bad value fails before anything
// starts.
func TestSetupErrors(t *testing.T) {
	t.Parallel()
	_, err := Setup(context.Background(), SetupOptions{
		Getenv: envMap(envTracesEnabled, "true", envEndpoint, "http://c:4317", envProtocol, "http/json"),
		Log:    slog.New(&logSink{}),
	})
	if err == nil || !strings.Contains(err.Error(), envProtocol) {
		t.Errorf("error %v", err)
	}
}

// The resource: service name and version, the environment's attributes,
// the instance id and the SDK's own.
func TestResource(t *testing.T) {
	t.Parallel()
	tt := newTel(t, envServiceName, "svc", envResourceAttrs, "team=a,service.version=9")
	sendOne(tt.Telemetry)
	res := attrMap(tt.spans(t)[0].Resource.Attributes())
	if res["service.name"] != "svc" || res["team"] != "a" || res["service.version"] != "9" ||
		len(res["service.instance.id"].(string)) != 36 || res["telemetry.sdk.language"] != "go" ||
		res["host.name"] == nil || res["process.pid"] == nil {
		t.Errorf("resource %v", res)
	}
}

// The warning about unsupported propagators is logged at setup.
func TestSetupLogsIgnoredPropagators(t *testing.T) {
	t.Parallel()
	tt := newTel(t, envPropagators, "b3,tracecontext")
	if w := tt.logs.messages(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "OTEL_PROPAGATORS") {
		t.Errorf("warnings %q", w)
	}
}

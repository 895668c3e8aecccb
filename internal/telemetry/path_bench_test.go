package telemetry

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// BenchmarkRequestPath is the client's whole request path for a streamed
// chat request of 64 tokens over loopback (HTTP, SSE parsing with a chunk
// per token, token counting), with tracing off, on at 100% sampling and on
// at 10%, the spans exported over real OTLP/HTTP (on_100pct_sdk: through
// the SDK rather than the fast path, for comparison). The model server and the
// collector run in helper processes, so besides ns/op the benchmark reports
// cpu-us/op: this process's CPU time (user+system: client, batcher and
// exporter) per request, which tracing must not inflate by more than 10%.
//
//	go test -run XXX -bench RequestPath -benchtime 20000x ./internal/telemetry
func BenchmarkRequestPath(b *testing.B) {
	srvURL := startHelper(b, "sse")
	collectorURL := startHelper(b, "collector")

	p := prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "Summarise the plot of Hamlet in three sentences please"}}, Tokens: 9, MaxTokens: 64}
	for _, c := range []struct {
		name string
		env  []string // nil: tracing off
		sdk  bool     // request spans through the SDK, not the fast path
	}{
		{"off", nil, false},
		{"on_100pct_sdk", []string{envSampler, "always_on"}, true},
		{"on_100pct", []string{envSampler, "always_on"}, false},
		{"on_100pct_no_content", []string{envSampler, "always_on", envCaptureContent, "false"}, false},
		{"on_10pct", []string{envSampler, "traceidratio", envSamplerArg, "0.1"}, false},
		// no span at all, only the traceparent: the floor of tracing on
		{"on_always_off", []string{envSampler, "always_off"}, false},
		// off again, last: its distance from the first is the drift of
		// a noisy machine within one run
		{"off_again", nil, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			clk := clock.New()
			var tr client.Tracer
			if c.env != nil {
				env := append([]string{
					envTracesEnabled, "true",
					"OTEL_EXPORTER_OTLP_ENDPOINT", collectorURL,
					"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
					envBSPQueue, "65536",
				}, c.env...)
				tel, err := Setup(context.Background(), SetupOptions{Getenv: envMap(env...), Log: slog.New(&logSink{}), Clock: clk, sdkPath: c.sdk})
				if err != nil {
					b.Fatal(err)
				}
				defer func() {
					if lost, err := tel.Shutdown(context.Background()); lost > 0 || err != nil {
						b.Errorf("lost %d spans: %v", lost, err)
					}
				}()
				tr = tel.Tracer()
			}
			cl, err := client.New(client.Options{BaseURL: srvURL, Model: "m", APIType: "chat", Streaming: true,
				IgnoreEOS: true, Clock: clk, Tokenizer: tokenizer.Words{}, Tracer: tr})
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			ctx := context.Background()
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				rec := cl.Do(ctx, client.Request{Seq: uint64(i), Prompt: p})
				if rec.Error != nil {
					b.Fatal(rec.Error.Message)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
}

// helperEnv selects what a helper process serves.
const helperEnv = "INFERENCE_PERF_BENCH_HELPER"

// startHelper runs this test binary as a helper process serving kind
// ("sse" or "collector") on a loopback port and returns its URL.
func startHelper(b *testing.B, kind string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchHelper$")
	cmd.Env = append(os.Environ(), helperEnv+"="+kind)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("helper %s: %v", kind, err)
	}
	return strings.TrimSpace(line)
}

// TestBenchHelper is the helper process of BenchmarkRequestPath; it does
// nothing in a normal test run. As "sse" it streams 64 chunks, flushing
// each as a model server does; as "collector" it accepts OTLP/HTTP exports.
func TestBenchHelper(t *testing.T) {
	kind := os.Getenv(helperEnv)
	if kind == "" {
		t.Skip("helper process for BenchmarkRequestPath")
	}
	chunks := [][]byte{[]byte(`data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n")}
	for i := range 64 {
		chunks = append(chunks, []byte(`data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":" w`+strconv.Itoa(i)+`"},"finish_reason":null}]}`+"\n\n"))
	}
	chunks = append(chunks, []byte(`data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":64,"total_tokens":76}}`+"\n\ndata: [DONE]\n\n"))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if kind == "collector" {
			w.Header().Set("Content-Type", "application/x-protobuf")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, c := range chunks {
			_, _ = w.Write(c)
			f.Flush()
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	// Serve until the benchmark kills this process (or, at most, an hour).
	go func() { _ = http.Serve(ln, h) }()
	time.Sleep(time.Hour)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

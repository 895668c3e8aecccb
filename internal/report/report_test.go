package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// chatSSE is a streamed chat completion body as vLLM sends it: a role+content
// chunk, content chunks, a finish chunk, the usage chunk and [DONE].
func chatSSE(id string, words []string, prompt int) string {
	var b strings.Builder
	for i, w := range words {
		delta := fmt.Sprintf(`{"content":%q}`, w)
		if i == 0 {
			delta = fmt.Sprintf(`{"role":"assistant","content":%q}`, w)
		}
		fmt.Fprintf(&b, `data: {"id":%q,"object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":null}]}`+"\n\n", id, delta)
	}
	fmt.Fprintf(&b, `data: {"id":%q,"object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`+"\n\n", id, prompt, len(words), prompt+len(words))
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

func chatRequest(prompt string) string {
	return fmt.Sprintf(`{"model": "m", "messages": [{"role": "user", "content": %q}], "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`, prompt)
}

// streamed is a successful streamed record with one content chunk per word.
func streamed(sent float64, gaps []float64, words []string) *record.Record {
	r := &record.Record{Streaming: true, Intended: ms(sent), Sent: ms(sent), Status: 200,
		ClientPromptTokens: 4, ServerPromptTokens: 4, ClientOutputTokens: len(words), ServerOutputTokens: len(words),
		FinishReason: "length"}
	t := sent
	for _, g := range gaps {
		t += g
		r.Chunks = append(r.Chunks, ms(t))
	}
	r.End = ms(t + 1)
	r.RequestBody = []byte(chatRequest("mock prompt"))
	r.RequestBytes = len(r.RequestBody)
	r.ResponseBody = []byte(chatSSE("cmpl-x", words, 4))
	return r
}

// craftedRun has two stages: stage 0 (constant, 4 req/s) with streamed,
// unary and failed requests, a LoRA adapter and sessions; stage 1
// (concurrent) where every request failed.
func craftedRun() *Run {
	r1 := streamed(0, []float64{25, 5, 5, 15}, []string{" a", " b", " c", " d"})
	r2 := streamed(250, []float64{50, 12.5}, []string{" é", " 😀"})
	r2.Intended = ms(240)
	r2.LoRA, r2.SessionID = "adapter-a", "sess-1"
	r2.ClientOutputTokens = 3 // client and server disagree
	r3 := &record.Record{Streaming: false, Intended: ms(500), Sent: ms(501), End: ms(625), Status: 200,
		ClientPromptTokens: 7, ServerPromptTokens: record.Unknown, ClientOutputTokens: 5, ServerOutputTokens: 5,
		RequestBody:  []byte(`{"model": "m", "prompt": "1 2 3 <b>&", "max_tokens": 5}`),
		ResponseBody: []byte(`{"id":"cmpl-3","object":"text_completion","choices":[{"index":0,"text":" x y z w v","finish_reason":"length"}],"usage":{"prompt_tokens":7,"total_tokens":12,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":0}}}`)}
	r3.RequestBytes = len(r3.RequestBody)
	r4 := &record.Record{Streaming: true, Intended: ms(750), Sent: ms(750), End: ms(1750), Status: 504, SessionID: "sess-1",
		LoRA: "adapter-a", ClientPromptTokens: 9, ServerPromptTokens: record.Unknown,
		ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
		RequestBody:  []byte(chatRequest("will time out")),
		ResponseBody: []byte(`{"error": {"message": "upstream request timeout", "type": "Timeout"}}`),
		Error:        &record.Error{Type: "504 - Gateway Timeout", Message: "upstream request timeout"}}
	r5 := &record.Record{Streaming: true, Intended: ms(3000), Sent: ms(3000), End: ms(3001), ClientPromptTokens: 4,
		ServerPromptTokens: record.Unknown, ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
		RequestBody: []byte(chatRequest("refused")),
		Error:       &record.Error{Type: "Connection Error", Message: "Cannot connect to host 127.0.0.1:9 [Connection refused]"}}
	r6 := &record.Record{Streaming: true, Intended: ms(3000), Sent: ms(3002), End: ms(4000), ClientPromptTokens: 4,
		ServerPromptTokens: record.Unknown, ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
		RequestBody: []byte(chatRequest("slow")),
		Error:       &record.Error{Type: "Timeout", Message: "Request timed out"}}
	return &Run{Stages: []Stage{
		// given out of order on purpose: reports are by stage id
		{ID: 1, LoadType: "concurrent", RequestedRate: 2, Concurrency: 2, Start: ms(3000), End: ms(4000), Records: []*record.Record{r5, r6}},
		{ID: 0, LoadType: "constant", RequestedRate: 4, Start: 0, End: ms(2000), Records: []*record.Record{r1, r2, r3, r4}},
	}}
}

// TestGolden writes every report of the crafted run and compares each file
// with testdata/golden (refresh with go test ./internal/report -update).
func TestGolden(t *testing.T) {
	t.Parallel()
	opts := DefaultOptions()
	opts.Lifecycle.PerRequest = true
	opts.Lifecycle.PerAdapterStage = true
	set, err := BuildWith(craftedRun(), opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := WriteLocal(dir, "run1-", set, []byte("load:\n  type: constant\n"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	wantNames := []string{
		"run1-summary_lifecycle_metrics.json",
		"run1-stage_0_lifecycle_metrics.json",
		"run1-stage_1_lifecycle_metrics.json",
		"run1-per_request_lifecycle_metrics.json",
		"run1-adapter_adapter-a_lifecycle_metrics.json",
		"run1-adapter_adapter-a_stage_0_lifecycle_metrics.json",
		"run1-config.yaml",
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("wrote %v\nwant %v", names, wantNames)
	}
	var table bytes.Buffer
	if err := PrintSummary(&table, set); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"summary_table.txt": table.Bytes()}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(filepath.Base(p), "run1-")] = b
	}
	for name, got := range files {
		golden := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update and review the diff):\n%s", name, golden, got)
		}
	}
}

func TestWriteLocalFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		set    func(*Options)
		run    *Run
		config []byte
		want   []string
	}{
		{
			// Only what is asked for; no config.yaml without config bytes.
			name: "per-stage only",
			set:  func(o *Options) { o.Lifecycle.Summary = false; o.Lifecycle.PerAdapter = false },
			run:  craftedRun(),
			want: []string{"stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json"},
		},
		{
			// No records at all: no summary or stage files (as the reference),
			// but an empty per-request list and the config.
			name:   "empty run",
			set:    func(o *Options) { o.Lifecycle.PerRequest = true },
			run:    &Run{Stages: []Stage{{ID: 0, RequestedRate: 1}}},
			config: []byte("x: 1\n"),
			want:   []string{"per_request_lifecycle_metrics.json", "config.yaml"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opts := DefaultOptions()
			c.set(&opts)
			set, err := BuildWith(c.run, opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "nested", "out") // created by WriteLocal
			paths, err := WriteLocal(dir, "", set, c.config)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range paths {
				names = append(names, filepath.Base(p))
			}
			if !slices.Equal(names, c.want) {
				t.Fatalf("wrote %v, want %v", names, c.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(c.want) {
				t.Fatalf("directory has %d entries (temporary files left?): %v", len(entries), entries)
			}
			if slices.Contains(c.want, PerRequestFile) && c.name == "empty run" {
				b, _ := os.ReadFile(filepath.Join(dir, PerRequestFile))
				if string(b) != "[]" {
					t.Fatalf("empty per-request file = %q", b)
				}
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  *Run
		set  func(*Options)
	}{
		// numpy raises for percentiles outside [0, 100]
		{"percentile > 100", &Run{}, func(o *Options) { o.Lifecycle.Percentiles = []float64{50, 101} }},
		{"negative max_error_messages", &Run{}, func(o *Options) { o.Lifecycle.MaxErrorMessages = -1 }},
		// two stages with one id would overwrite each other's file
		{"duplicate stage", &Run{Stages: []Stage{{ID: 2}, {ID: 2}}}, func(*Options) {}},
	}
	for _, c := range cases {
		opts := DefaultOptions()
		c.set(&opts)
		if _, err := BuildWith(c.run, opts); err == nil {
			t.Errorf("%s: Build succeeded", c.name)
		}
	}
}

func TestBuildSkipsNegativeStages(t *testing.T) {
	t.Parallel()
	// A sweep's probe stage (-1) is in no report, as in the reference.
	run := craftedRun()
	run.Stages = append(run.Stages, Stage{ID: -1, Records: []*record.Record{streamed(0, []float64{1, 1}, []string{"a", "b"})}})
	set, err := BuildWith(run, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if set.Summary.Load.Count != 6 || len(set.Stages) != 2 {
		t.Fatalf("summary count %d, stages %d", set.Summary.Load.Count, len(set.Stages))
	}
}

func TestPrintSummaryNoStages(t *testing.T) {
	t.Parallel()
	set, err := BuildWith(&Run{}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := PrintSummary(&b, set); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "No per-stage lifecycle metrics found to display summary table.\n" {
		t.Fatalf("got %q", got)
	}
}

func TestBuildTakesOptionsFromConfig(t *testing.T) {
	t.Parallel()
	// Build reads report.request_lifecycle from the run's config.
	cfg := &config.Config{}
	cfg.Report.RequestLifecycle = config.RequestLifecycleReport{Percentiles: []float64{50}, MaxErrorMessages: 1}
	set, err := Build(&Run{Config: cfg, Stages: craftedRun().Stages})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Summary.Successes.Latency.RequestLatency.Percentiles; len(got) != 1 || got[0].Key != "median" {
		t.Fatalf("percentiles = %+v", got)
	}
	// nil config: the reference's defaults.
	set, err = Build(&Run{Stages: craftedRun().Stages})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.Summary.Load.ScheduleDelay.Percentiles); n != 11 {
		t.Fatalf("default percentiles: %d", n)
	}
}

// BenchmarkBuild100k is Build (summary + one stage) over 100k streamed
// records of 32 chunks.
func BenchmarkBuild100k(b *testing.B) {
	recs := make([]*record.Record, 100_000)
	for i := range recs {
		r := &record.Record{Streaming: true, Intended: ms(float64(i)), Sent: ms(float64(i) + 0.05), Status: 200,
			ClientPromptTokens: 128, ServerPromptTokens: 128, ClientOutputTokens: 32, ServerOutputTokens: 32, RequestBytes: 800}
		for j := range 32 {
			r.Chunks = append(r.Chunks, r.Sent+ms(20+float64(j)*5+float64(i%7)))
		}
		r.End = r.Chunks[31] + ms(1)
		recs[i] = r
	}
	run := &Run{Stages: []Stage{{ID: 0, RequestedRate: 1000, Records: recs}}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := BuildWith(run, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

package e2e

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// traceRow is one line of testdata/azure_trace.csv, offset from the first.
type traceRow struct {
	offset       float64 // seconds
	context, gen int
}

// readTraceFixture parses the fixture independently of the tool's reader.
func readTraceFixture(t *testing.T, path string) []traceRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []traceRow
	var t0 time.Time
	for i, r := range recs[1:] {
		ts, err := time.Parse("2006-01-02 15:04:05.9999999", r[0])
		if err != nil {
			t.Fatalf("fixture line %d: %v", i+2, err)
		}
		if i == 0 {
			t0 = ts
		}
		c, _ := strconv.Atoi(r[1])
		g, _ := strconv.Atoi(r[2])
		rows = append(rows, traceRow{offset: ts.Sub(t0).Seconds(), context: c, gen: g})
	}
	return rows
}

// load.type trace_replay with random data taking its lengths from the same
// Azure trace, against the embedded simulator: every row is sent once, at
// its recorded offset, with exactly its ContextTokens as the prompt and its
// GeneratedTokens as output (max_tokens + ignore_eos).
func TestTraceReplay(t *testing.T) {
	t.Parallel()
	trace, err := filepath.Abs("testdata/azure_trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := readTraceFixture(t, trace)
	dir := t.TempDir()
	// The stage's rate*duration (10 x 60) exceeds the trace: with data.trace
	// set, the reference sends one request per data trace row instead.
	cfg := writeConfig(t, dir, `
api: {type: completion, streaming: true}
server:
  type: sim
  sim: {ttft: 1ms, itl: 1ms}
data:
  type: random
  trace: {file: `+trace+`, format: AzurePublicDataset}
load:
  type: trace_replay
  trace: {file: `+trace+`, format: AzurePublicDataset}
  stages: [{rate: 10, duration: 60}]
report:
  request_lifecycle:
    per_request: true
storage:
  local_storage:
    path: out
`)
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	st := readJSON(t, filepath.Join(out, "stage_0_lifecycle_metrics.json"))
	if n := num(t, st, "load_summary", "count"); int(n) != len(rows) {
		t.Errorf("load_summary.count %v, want %d (the trace's rows)", n, len(rows))
	}
	if n := num(t, st, "successes", "count"); int(n) != len(rows) {
		t.Errorf("successes.count %v, want %d", n, len(rows))
	}
	// The sends follow the trace, not a rate: 30 requests over its 2.9 s.
	span := rows[len(rows)-1].offset
	if d := num(t, st, "load_summary", "send_duration"); math.Abs(d-span) > 0.25 {
		t.Errorf("send_duration %v s, want about the trace's %v s", d, span)
	}
	if r, want := num(t, st, "load_summary", "achieved_rate"), float64(len(rows))/span; math.Abs(r-want)/want > 0.15 {
		t.Errorf("achieved_rate %v, want about %v (rows / trace span)", r, want)
	}
	if d := num(t, st, "load_summary", "schedule_delay", "max"); d > 0.25 {
		t.Errorf("schedule_delay.max %v s: sends left late", d)
	}

	b, err := os.ReadFile(filepath.Join(out, "per_request_lifecycle_metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []struct {
		Start   float64 `json:"start_time"`
		Request string  `json:"request"`
		Info    struct {
			RequestMetrics struct {
				Text struct {
					InputTokens int `json:"input_tokens"`
				} `json:"text"`
			} `json:"request_metrics"`
			ResponseMetrics struct {
				OutputTokens int `json:"output_tokens"`
			} `json:"response_metrics"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatalf("per-request report: %v", err)
	}
	if len(reqs) != len(rows) {
		t.Fatalf("%d per-request entries, want %d", len(reqs), len(rows))
	}
	// GeneratedTokens is unique per fixture row, so max_tokens names the row.
	byGen := map[int]int{}
	for i, row := range rows {
		byGen[row.gen] = i
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Start < reqs[j].Start })
	seen := map[int]bool{}
	for _, q := range reqs {
		var body struct {
			MaxTokens int  `json:"max_tokens"`
			IgnoreEOS bool `json:"ignore_eos"`
		}
		if err := json.Unmarshal([]byte(q.Request), &body); err != nil {
			t.Fatalf("request body: %v", err)
		}
		i, ok := byGen[body.MaxTokens]
		if !ok || seen[i] {
			t.Errorf("max_tokens %d matches no unsent trace row", body.MaxTokens)
			continue
		}
		seen[i] = true
		row := rows[i]
		if !body.IgnoreEOS {
			t.Errorf("row %d: ignore_eos not set", i)
		}
		if got := q.Info.RequestMetrics.Text.InputTokens; got != row.context {
			t.Errorf("row %d: %d prompt tokens, want ContextTokens %d", i, got, row.context)
		}
		if got := q.Info.ResponseMetrics.OutputTokens; got != row.gen {
			t.Errorf("row %d: %d output tokens, want GeneratedTokens %d", i, got, row.gen)
		}
		// Sent at the recorded offset (relative to the first send).
		if off := q.Start - reqs[0].Start; math.Abs(off-row.offset) > 0.1 {
			t.Errorf("row %d sent at +%.3f s, trace says +%.3f s", i, off, row.offset)
		}
	}
}

// Without data.trace a trace_replay stage sends int(rate*duration) requests,
// the trace's first rows at their recorded offsets (not rescaled to the
// rate), as the reference's run_stage does.
func TestTraceReplayRateCount(t *testing.T) {
	t.Parallel()
	trace, err := filepath.Abs("testdata/azure_trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := readTraceFixture(t, trace)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
api: {type: completion, streaming: true}
server:
  type: sim
  sim: {ttft: 1ms, itl: 1ms}
data:
  type: random
  input_distribution: {type: fixed, min: 16, max: 16, mean: 16}
  output_distribution: {type: fixed, min: 4, max: 4, mean: 4}
load:
  type: trace_replay
  trace: {file: `+trace+`}
  stages: [{rate: 5, duration: 2}]
storage:
  local_storage:
    path: out
`)
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	st := readJSON(t, filepath.Join(dir, "out", "stage_0_lifecycle_metrics.json"))
	if n := num(t, st, "successes", "count"); n != 10 {
		t.Errorf("successes.count %v, want 10 (int(5*2))", n)
	}
	if rr := num(t, st, "load_summary", "requested_rate"); rr != 5 {
		t.Errorf("requested_rate %v, want the configured 5", rr)
	}
	// The 10th row is recorded 0.9 s after the first.
	if d, want := num(t, st, "load_summary", "send_duration"), rows[9].offset; math.Abs(d-want) > 0.2 {
		t.Errorf("send_duration %v s, want about %v s (the first 10 rows' span)", d, want)
	}
	if m := num(t, st, "successes", "prompt_tokens", "mean"); m != 16 {
		t.Errorf("prompt_tokens.mean %v, want 16", m)
	}
}

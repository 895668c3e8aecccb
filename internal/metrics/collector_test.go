package metrics

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// craftedRun is three successes and one failure whose every number is worked
// out by hand in TestCollectorFormulas.
func craftedRun() []*record.Record {
	return []*record.Record{
		{ // streamed, 4 one-token chunks, server and client agree
			Streaming: true, Intended: 0, Sent: ms(125), Chunks: chunks(375, 500, 625, 750), End: ms(1000),
			ServerPromptTokens: 100, ClientPromptTokens: 90, ClientOutputTokens: 4, ServerOutputTokens: 4,
			RequestBytes: 200, Status: 200,
		},
		{ // streamed, no server prompt count, client and server disagree on output
			Streaming: true, Intended: ms(500), Sent: ms(500), Chunks: chunks(750, 1000), End: ms(1250),
			ServerPromptTokens: record.Unknown, ClientPromptTokens: 50, ClientOutputTokens: 2, ServerOutputTokens: 3,
			RequestBytes: 300, Status: 200,
		},
		{ // unary, sent early (negative schedule delay), no server output count
			Streaming: false, Intended: ms(1000), Sent: ms(750), End: ms(2000),
			ServerPromptTokens: 10, ClientPromptTokens: 12, ClientOutputTokens: 5, ServerOutputTokens: record.Unknown,
			RequestBytes: 250, Status: 200,
		},
		{ // failure: gateway timeout with an OpenAI-style error body
			Streaming: true, Intended: ms(1000), Sent: ms(1000), End: ms(1500), SessionID: "s1",
			ServerPromptTokens: record.Unknown, ClientPromptTokens: 20, ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
			Status: 504, Error: &record.Error{Type: "504 - Gateway Timeout", Message: "upstream timeout"},
		},
	}
}

func TestCollectorFormulas(t *testing.T) {
	t.Parallel()
	ps := []float64{50, 90}
	c := NewCollector(Options{Percentiles: ps, MaxErrorMessages: 100, Stage: &StageLoad{RequestedRate: 4, Concurrency: 0}})
	for _, r := range craftedRun() {
		c.Add(r)
	}
	got := c.Report()

	want := &Lifecycle{
		// max End 2.0 - min Sent 0.125
		BenchmarkTimeSeconds: 1.875,
		Load: Load{
			Count: 4,
			// Sent - Intended: 0.125, 0, -0.25, 0
			ScheduleDelay: Summarize([]float64{0.125, 0, -0.25, 0}, ps),
			Stage:         &StageLoad{RequestedRate: 4},
			// max Sent 1.0 - min Sent 0.125; 4 requests over it
			SendDuration: 0.875,
			AchievedRate: 4 / 0.875,
		},
		Successes: Successes{
			Count: 3,
			Latency: Latency{
				RequestLatency: Summarize([]float64{0.875, 0.75, 1.25}, ps),
				// e2e / client output tokens: 0.875/4, 0.75/2, 1.25/5
				NTPOT: Summarize([]float64{0.21875, 0.375, 0.25}, ps),
				// (last-first)/(N-1): 0.375/3, 0.25/1; the unary request has none
				TPOT: Summarize([]float64{0.125, 0.25}, ps),
				TTFT: Summarize([]float64{0.25, 0.25}, ps),
				// every chunk gap of every streamed success
				ITL: Summarize([]float64{0.125, 0.125, 0.125, 0.25}, ps),
			},
			Throughput: Throughput{
				InputTokensPerSec:  160 / 1.875, // 100 (server) + 50 (client fallback) + 10 (server)
				OutputTokensPerSec: 11 / 1.875,  // client counts 4+2+5
				TotalTokensPerSec:  171 / 1.875,
				RequestsPerSec:     3 / 1.875,
			},
			RequestSizeBytes: Summarize([]float64{200, 300, 250}, ps),
			ImageCount:       Summarize([]float64{0, 0, 0}, ps),
			VideoCount:       Summarize([]float64{0, 0, 0}, ps),
			AudioCount:       Summarize([]float64{0, 0, 0}, ps),
			PromptTokens:     TokenUsage{Total: 160, Uncached: 160, Dist: Summarize([]float64{100, 50, 10}, ps)},
			OutputLen:        Summarize([]float64{4, 2, 5}, ps),
			// server count where reported, else the client's: 4, 3, 5
			OutputTokens:         OutputUsage{Total: 12, Dist: Summarize([]float64{4, 3, 5}, ps)},
			TokenCountMismatches: 1,
		},
		Failures: Failures{
			Count:          1,
			RequestLatency: Summarize([]float64{0.5}, ps),
			PromptTokens:   TokenUsage{Total: 20, Uncached: 20, Dist: Summarize([]float64{20}, ps)},
			ByLabel: []LabelCount{{Label: "504 - Gateway Timeout", Count: 1,
				Messages: []ErrorMessage{{Message: "upstream timeout", SessionIDs: []string{"s1"}}}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %s\nwant %s", dump(got), dump(want))
	}
}

func dump(l *Lifecycle) string {
	return fmt.Sprintf("%+v\n%+v\n%+v\n%+v", l.Load, l.Successes, l.Successes.Latency, l.Failures)
}

func TestCollectorEmpty(t *testing.T) {
	t.Parallel()
	// No records: no report (the reference writes no file).
	if r := NewCollector(Options{}).Report(); r != nil {
		t.Fatalf("Report() = %+v, want nil", r)
	}
}

func TestCollectorAllFailures(t *testing.T) {
	t.Parallel()
	c := NewCollector(Options{MaxErrorMessages: 100})
	for i := range 3 {
		c.Add(&record.Record{Sent: ms(float64(i) * 125), End: ms(float64(i)*125 + 500), ClientPromptTokens: 8,
			ServerPromptTokens: record.Unknown, ClientOutputTokens: record.Unknown, ServerOutputTokens: record.Unknown,
			Error: &record.Error{Type: "Connection Error", Message: "Cannot connect to host 127.0.0.1:1"}})
	}
	l := c.Report()
	s := l.Successes
	// Zero successes: every success distribution is null (not a summary of
	// zeros, because the reference summarizes an empty list), throughput 0.
	if s.Count != 0 || s.Latency != (Latency{}) || s.RequestSizeBytes != nil || s.ImageCount != nil ||
		s.OutputLen != nil || s.OutputTokens != (OutputUsage{}) || s.PromptTokens != (TokenUsage{}) {
		t.Errorf("successes = %+v", s)
	}
	if s.Throughput != (Throughput{}) {
		t.Errorf("throughput = %+v", s.Throughput)
	}
	if l.Failures.Count != 3 || l.Failures.PromptTokens.Total != 24 {
		t.Errorf("failures = %+v", l.Failures)
	}
	want := []LabelCount{{Label: "Connection Error", Count: 3, Messages: []ErrorMessage{{Message: "Cannot connect to host 127.0.0.1:1"}}}}
	if !reflect.DeepEqual(l.Failures.ByLabel, want) {
		t.Errorf("by_label = %+v", l.Failures.ByLabel)
	}
	// The run summary (no Stage) has no stage load fields.
	if l.Load.Stage != nil || l.Load.SendDuration != 0 || l.Load.AchievedRate != 0 {
		t.Errorf("load = %+v", l.Load)
	}
}

func TestCollectorZeroSendDuration(t *testing.T) {
	t.Parallel()
	// One request: send_duration is 0 and achieved_rate is 0, not +Inf.
	c := NewCollector(Options{Stage: &StageLoad{RequestedRate: 1}})
	c.Add(&record.Record{Sent: ms(125), End: ms(250), ClientOutputTokens: 1, ServerOutputTokens: record.Unknown})
	l := c.Report()
	if l.Load.SendDuration != 0 || l.Load.AchievedRate != 0 {
		t.Fatalf("load = %+v", l.Load)
	}
	if l.Successes.Throughput.RequestsPerSec != 8 { // 1 / 0.125
		t.Fatalf("throughput = %+v", l.Successes.Throughput)
	}
}

func TestMaxErrorMessagesCap(t *testing.T) {
	t.Parallel()
	c := NewCollector(Options{MaxErrorMessages: 2})
	add := func(msg, session string) {
		c.Add(&record.Record{Status: 500, SessionID: session,
			Error: &record.Error{Type: "500 - Internal Server Error", Message: msg}})
	}
	add("a", "s1")
	add("b", "")
	add("c", "s3") // third distinct message: counted, not kept
	add("a", "s4") // known message: its session id is still collected
	add("c", "s5")
	got := c.Report().Failures.ByLabel
	want := []LabelCount{{Label: "500 - Internal Server Error", Count: 5, Messages: []ErrorMessage{
		{Message: "a", SessionIDs: []string{"s1", "s4"}},
		{Message: "b"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	// 0 keeps counts and no messages.
	c0 := NewCollector(Options{MaxErrorMessages: 0})
	c0.Add(&record.Record{Status: 500, Error: &record.Error{Type: "500 - Internal Server Error", Message: "x"}})
	if l := c0.Report().Failures.ByLabel; len(l) != 1 || l[0].Count != 1 || len(l[0].Messages) != 0 {
		t.Fatalf("cap 0: %+v", l)
	}
}

func TestByLabelOrder(t *testing.T) {
	t.Parallel()
	// Labels (the client's record.Error.Type, used as is) sort by descending
	// count; ties keep first-seen order.
	c := NewCollector(Options{MaxErrorMessages: 10})
	labels := map[int]string{503: "503 - Service Unavailable", 429: "429 - Rate Limit", 502: "502 - Bad Gateway"}
	for _, st := range []int{503, 429, 503, 502, 429, 503} {
		c.Add(&record.Record{Status: st, Error: &record.Error{Type: labels[st], Message: "m"}})
	}
	var got []string
	for _, l := range c.Report().Failures.ByLabel {
		got = append(got, fmt.Sprintf("%s=%d", l.Label, l.Count))
	}
	want := []string{"503 - Service Unavailable=3", "429 - Rate Limit=2", "502 - Bad Gateway=1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

// BenchmarkCollector100k measures Add for 100k streamed records of 32 chunks
// plus one Report.
func BenchmarkCollector100k(b *testing.B) {
	const n = 100_000
	recs := make([]*record.Record, n)
	for i := range recs {
		base := ms(float64(i) * 0.1)
		r := &record.Record{Streaming: true, Intended: base, Sent: base + ms(0.05), ClientPromptTokens: 128,
			ServerPromptTokens: 128, ClientOutputTokens: 32, ServerOutputTokens: 32, RequestBytes: 800, Status: 200}
		for j := range 32 {
			r.Chunks = append(r.Chunks, r.Sent+ms(20+float64(j)*5+float64(i%7)))
		}
		r.End = r.Chunks[31] + ms(1)
		recs[i] = r
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := NewCollector(Options{MaxErrorMessages: 100})
		for _, r := range recs {
			c.Add(r)
		}
		if c.Report() == nil {
			b.Fatal("no report")
		}
	}
}

func TestComputeEqualsCollector(t *testing.T) {
	t.Parallel()
	// Compute is only a convenience over Collector.
	opts := Options{MaxErrorMessages: 100}
	c := NewCollector(opts)
	for _, r := range craftedRun() {
		c.Add(r)
	}
	if got, want := Compute(craftedRun(), opts), c.Report(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Compute differs from Collector:\n%s\n%s", dump(got), dump(want))
	}
	if Compute(nil, opts) != nil {
		t.Fatal("Compute(nil) != nil")
	}
}

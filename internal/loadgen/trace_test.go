package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

func TestTraceReplaySchedule(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	trace := []time.Duration{0, 130 * ms, 180 * ms, 1000 * ms}
	cases := []struct {
		name string
		offs []time.Duration
		n    int
		want []time.Duration
	}{
		// The recorded offsets, unscaled: the reference adds the trace
		// timestamps to the stage start whatever the stage's rate.
		{"whole trace", trace, 4, trace},
		// A smaller request count sends the first rows only.
		{"first rows", trace, 2, trace[:2]},
		// More requests than rows (or n<0) sends the whole trace once.
		{"capped", trace, 10, trace},
		{"negative means all", trace, -1, trace},
		// Zero requests is an empty stage.
		{"none", trace, 0, nil},
		// An unsorted trace keeps its order; a negative offset is due at
		// once (runOpen never waits for a past time).
		{"unsorted", []time.Duration{0, -ms, 5 * ms}, 3, []time.Duration{0, -ms, 5 * ms}},
	}
	for _, c := range cases {
		s := NewTraceReplay(c.offs, c.n)
		got := drain(s)
		if len(got) != len(c.want) || s.Len() != len(c.want) {
			t.Fatalf("%s: got %v (Len %d), want %v", c.name, got, s.Len(), c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: offset %d = %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestTraceRequestCount(t *testing.T) {
	t.Parallel()
	st := Stage{Type: config.LoadTraceReplay, Rate: 2, Duration: 10 * time.Second}
	cases := []struct {
		name               string
		dataRows, traceLen int
		want               int
	}{
		// Without data.trace the reference sends int(rate*duration) requests.
		{"rate times duration", 0, 100, 20},
		// With data.trace it sends one request per data trace row.
		{"data trace rows", 7, 100, 7},
		// Never more than load.trace has timestamps (the reference fails).
		{"capped by trace", 0, 5, 5},
		{"data rows capped", 50, 30, 30},
	}
	for _, c := range cases {
		if got := TraceRequestCount(st, c.dataRows, c.traceLen); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// A trace_replay stage is run open loop on its offsets: every request's
// intended time is stage start + its recorded offset.
func TestTraceReplayStage(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 10)
	close(g.release)
	out := make(chan *record.Record, 10)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out})
	offs := []time.Duration{0, 3 * time.Millisecond, 4 * time.Millisecond, 9 * time.Millisecond}
	res := gen.RunStage(context.Background(), Stage{Type: config.LoadTraceReplay, Rate: 1, Duration: time.Second, Trace: offs, NumRequests: 3})
	closeOut()
	recs := get()
	if res.Sent != 3 || len(recs) != 3 {
		t.Fatalf("sent %d, records %d; want 3", res.Sent, len(recs))
	}
	seen := map[time.Duration]bool{}
	for _, r := range recs {
		seen[r.Intended-res.Start] = true
	}
	for _, o := range offs[:3] {
		if !seen[o] {
			t.Errorf("no request intended at +%v; got %v", o, seen)
		}
	}
}

package loadgen

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// gate is a fake client whose requests block until released, so tests can
// observe what the load generator does while responses are slow.
type gate struct {
	clk      *clock.Clock
	release  chan struct{}
	started  chan uint64
	mu       sync.Mutex
	inFlight int
	maxSeen  int
}

func newGate(clk *clock.Clock, buf int) *gate {
	return &gate{clk: clk, release: make(chan struct{}), started: make(chan uint64, buf)}
}

func (g *gate) Do(ctx context.Context, req client.Request) *record.Record {
	rec := &record.Record{Stage: req.Stage, Seq: req.Seq, Intended: req.Intended, Sent: g.clk.Now()}
	g.mu.Lock()
	g.inFlight++
	g.maxSeen = max(g.maxSeen, g.inFlight)
	g.mu.Unlock()
	g.started <- req.Seq
	select {
	case <-g.release:
	case <-ctx.Done():
		rec.Error = &record.Error{Type: "cancelled", Message: ctx.Err().Error()}
	}
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	rec.End = g.clk.Now()
	return rec
}

type fixedData struct{}

func (fixedData) Get(i uint64) prompt.Prompt { return prompt.Prompt{Text: "x", Tokens: 1} }

func collect(out chan *record.Record) (func() []*record.Record, func()) {
	var recs []*record.Record
	done := make(chan struct{})
	go func() {
		for r := range out {
			recs = append(recs, r)
		}
		close(done)
	}()
	return func() []*record.Record { <-done; return recs }, func() { close(out) }
}

// Open loop: slow responses never lower the offered rate. Every request of
// the stage is sent while none has been answered yet.
func TestOpenLoopDoesNotWaitForResponses(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 100)
	out := make(chan *record.Record, 100)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out})
	done := make(chan Result)
	go func() {
		done <- gen.RunStage(context.Background(), Stage{Type: config.LoadConstant, Rate: 400, Duration: 100 * time.Millisecond})
	}()
	for range 40 {
		<-g.started // all 40 sends happen with no response released
	}
	close(g.release)
	res := <-done
	closeOut()
	recs := get()
	if res.Sent != 40 || len(recs) != 40 || res.Status != StatusCompleted {
		t.Fatalf("sent %d, records %d, status %s; want 40, 40, COMPLETED", res.Sent, len(recs), res.Status)
	}
	// Intended times are the absolute schedule: 2.5 ms apart from the stage start.
	seen := map[time.Duration]bool{}
	for _, r := range recs {
		off := r.Intended - res.Start
		if off%(2500*time.Microsecond) != 0 || off < 0 || off > 39*2500*time.Microsecond || seen[off] {
			t.Fatalf("intended offset %v is not a distinct slot of the 2.5 ms schedule", off)
		}
		seen[off] = true
	}
}

// A full in-flight pool delays sends instead of dropping them, and the
// delay is visible as Sent - Intended.
func TestInFlightCapDelaysButNeverDrops(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 100)
	out := make(chan *record.Record, 100)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out, MaxInFlight: 3})
	done := make(chan Result)
	go func() {
		done <- gen.RunStage(context.Background(), Stage{Type: config.LoadConstant, Rate: 1000, Duration: 10 * time.Millisecond})
	}()
	for range 3 {
		<-g.started
	}
	select {
	case seq := <-g.started:
		t.Fatalf("request %d started while 3 were in flight with a cap of 3", seq)
	default:
	}
	close(g.release)
	res := <-done
	closeOut()
	recs := get()
	if len(recs) != 10 || res.Sent != 10 {
		t.Fatalf("got %d records, %d sent; want 10", len(recs), res.Sent)
	}
	if g.maxSeen > 3 {
		t.Fatalf("max in flight %d exceeds the cap of 3", g.maxSeen)
	}
}

// Concurrent keeps exactly concurrency_level requests in flight, never more.
func TestConcurrentKeepsExactlyLevelInFlight(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 100)
	out := make(chan *record.Record, 100)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out})
	done := make(chan Result)
	go func() {
		done <- gen.RunStage(context.Background(), Stage{Type: config.LoadConcurrent, NumRequests: 50, Concurrency: 5})
	}()
	for range 5 {
		<-g.started
	}
	select {
	case seq := <-g.started:
		t.Fatalf("request %d started beyond the concurrency level", seq)
	default:
	}
	g.mu.Lock()
	if g.inFlight != 5 {
		t.Fatalf("in flight %d, want exactly 5", g.inFlight)
	}
	g.mu.Unlock()
	close(g.release)
	res := <-done
	closeOut()
	if n := len(get()); n != 50 || res.Sent != 50 {
		t.Fatalf("got %d records, %d sent; want 50", n, res.Sent)
	}
	if g.maxSeen != 5 {
		t.Fatalf("max in flight %d, want 5", g.maxSeen)
	}
}

// Cancelling the run stops dispatch, cancels in-flight requests, and still
// delivers their records.
func TestInterruptDeliversInFlightRecords(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 1000)
	out := make(chan *record.Record, 1000)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []Result)
	go func() {
		done <- gen.Run(ctx, []Stage{
			{ID: 0, Type: config.LoadConstant, Rate: 100, Duration: time.Hour},
			{ID: 1, Type: config.LoadConstant, Rate: 100, Duration: time.Second},
		})
	}()
	for range 3 {
		<-g.started
	}
	cancel()
	results := <-done
	closeOut()
	recs := get()
	if len(results) != 1 || results[0].Status != StatusInterrupted {
		t.Fatalf("results %+v, want one INTERRUPTED stage", results)
	}
	if len(recs) != results[0].Sent || len(recs) < 3 {
		t.Fatalf("%d records for %d sends", len(recs), results[0].Sent)
	}
	for _, r := range recs {
		if r.Error == nil || r.Error.Type != "cancelled" {
			t.Fatalf("in-flight record not marked cancelled: %+v", r)
		}
	}
}

// The teardown grace bounds how long a stage waits for a stuck server.
func TestTeardownCancelsStuckRequests(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	g := newGate(clk, 10) // never released
	out := make(chan *record.Record, 10)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clk, Client: g, Data: fixedData{}, Out: out, Teardown: 20 * time.Millisecond})
	res := gen.RunStage(context.Background(), Stage{Type: config.LoadConstant, Rate: 100, Duration: 20 * time.Millisecond})
	closeOut()
	recs := get()
	if len(recs) != 2 || res.Sent != 2 {
		t.Fatalf("got %d records for %d sends, want 2", len(recs), res.Sent)
	}
	for _, r := range recs {
		if r.Error == nil {
			t.Fatalf("stuck request finished without an error")
		}
	}
}

func TestStagesFromConfig(t *testing.T) {
	t.Parallel()
	f, d, n, c := 2.5, 10, 100, 4
	got, err := StagesFromConfig(config.LoadConfig{Type: config.LoadPoisson, Stages: []config.Stage{{Rate: &f, Duration: &d}}})
	if err != nil || len(got) != 1 || got[0].Rate != 2.5 || got[0].Duration != 10*time.Second {
		t.Fatalf("poisson stage: %+v, %v", got, err)
	}
	got, err = StagesFromConfig(config.LoadConfig{Type: config.LoadConcurrent, Stages: []config.Stage{{NumRequests: &n, ConcurrencyLevel: &c}}})
	if err != nil || got[0].NumRequests != 100 || got[0].Concurrency != 4 {
		t.Fatalf("concurrent stage: %+v, %v", got, err)
	}
	// trace_replay stages take {rate, duration} like constant ones.
	got, err = StagesFromConfig(config.LoadConfig{Type: config.LoadTraceReplay, Stages: []config.Stage{{Rate: &f, Duration: &d}}})
	if err != nil || got[0].Type != config.LoadTraceReplay || got[0].Rate != 2.5 {
		t.Fatalf("trace_replay stage: %+v, %v", got, err)
	}
	if _, err := StagesFromConfig(config.LoadConfig{Type: config.LoadConcurrent, Stages: []config.Stage{{Rate: &f, Duration: &d}}}); err == nil {
		t.Fatal("a rate stage under load.type concurrent must be rejected")
	}
}

// WrapStage gives every request of a stage the stage's context and hears
// how the stage ended.
func TestWrapStageContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	clk := clock.New()
	var mu sync.Mutex
	var seen []any
	doer := doerFunc(func(ctx context.Context, req client.Request) *record.Record {
		mu.Lock()
		seen = append(seen, ctx.Value(key{}))
		mu.Unlock()
		return &record.Record{Stage: req.Stage}
	})
	out := make(chan *record.Record, 100)
	get, closeOut := collect(out)
	var ended []Result
	gen := New(Options{Clock: clk, Client: doer, Data: fixedData{}, Out: out,
		WrapStage: func(ctx context.Context, s Stage) (context.Context, func(Result)) {
			return context.WithValue(ctx, key{}, s.ID), func(r Result) { ended = append(ended, r) }
		}})
	gen.Run(context.Background(), []Stage{
		{ID: 0, Type: config.LoadConstant, Rate: 1000, Duration: 5 * time.Millisecond},
		{ID: 1, Type: config.LoadConcurrent, NumRequests: 4, Concurrency: 2},
	})
	closeOut()
	recs := get()
	if len(recs) != 9 || len(ended) != 2 || ended[0].ID != 0 || ended[1].ID != 1 || ended[1].Sent != 4 {
		t.Fatalf("%d records, ended %+v", len(recs), ended)
	}
	counts := map[any]int{}
	for _, v := range seen {
		counts[v]++
	}
	if counts[0] != 5 || counts[1] != 4 {
		t.Fatalf("requests by stage context: %v", counts)
	}
}

type doerFunc func(ctx context.Context, req client.Request) *record.Record

func (f doerFunc) Do(ctx context.Context, req client.Request) *record.Record { return f(ctx, req) }

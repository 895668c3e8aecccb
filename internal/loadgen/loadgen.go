// Package loadgen runs load stages: it decides when each request leaves and
// how many are in flight, hands them to the client, and streams the Records
// out. Arrival rate and concurrency are kept apart: an open-loop stage sends
// on an absolute schedule whatever the server does, and a send that leaves
// late (because the in-flight cap is full or the machine is slow) is not
// skipped but recorded with its intended time, so the delay shows up in
// schedule_delay.
package loadgen

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Doer sends one request and measures it. client.Client implements it.
type Doer interface {
	Do(ctx context.Context, req client.Request) *record.Record
}

// Source gives the prompt of the i-th request of the run. datagen.Generator
// implements it; it is called from the request's own goroutine, never from
// the dispatch loop.
type Source interface {
	Get(i uint64) prompt.Prompt
}

// Stage describes one load step.
type Stage struct {
	ID          int
	Type        string        // config.LoadConstant, LoadPoisson, LoadTraceReplay or LoadConcurrent
	Rate        float64       // open loop: requests per second
	Duration    time.Duration // open loop: length of the sending window
	NumRequests int           // concurrent, trace_replay: requests to send
	Concurrency int           // concurrent: requests kept in flight
	// Trace holds trace_replay's recorded send offsets (read only, shared
	// by every stage); the stage sends the first NumRequests of them.
	Trace []time.Duration
}

// Status of a finished stage.
const (
	StatusCompleted   = "COMPLETED"
	StatusInterrupted = "INTERRUPTED"
)

// Result is what happened in a stage, on the run clock.
type Result struct {
	Stage
	Start  time.Duration // when the stage began
	End    time.Duration // when its last request finished
	Sent   int           // requests handed to the client
	Status string
}

// Options configure a Generator.
type Options struct {
	Clock  *clock.Clock
	Client Doer
	Data   Source
	// MaxInFlight caps concurrent requests of open-loop stages
	// (num_workers x worker_max_concurrency); 0 means no cap.
	MaxInFlight int
	// Teardown bounds how long a stage waits for in-flight requests after
	// its last send before cancelling them.
	Teardown time.Duration
	// Interval is the pause between stages.
	Interval time.Duration
	// Seed makes poisson schedules repeatable (stage i uses Seed+i) and,
	// with the request seq, picks each request's LoRA adapter.
	Seed int64
	// LoRATrafficSplit (load.lora_traffic_split), when set, gives every
	// request an adapter, sent as the model, in these proportions.
	LoRATrafficSplit []config.LoRASplit
	// Out receives every Record; the caller must keep reading it.
	Out chan<- *record.Record
	// OnStage, when set, is told when each stage starts.
	OnStage func(s Stage, expected int)
	// WrapStage, when set, gives each stage its context (telemetry puts the
	// stage's span there, so request spans become its children) and is told
	// how the stage ended.
	WrapStage func(ctx context.Context, s Stage) (context.Context, func(Result))
	Log       *slog.Logger
}

// Generator runs stages in order.
type Generator struct {
	o    Options
	lora *LoRAPicker // nil without a split
	seq  atomic.Uint64
}

// New returns a Generator.
func New(o Options) *Generator {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Generator{o: o, lora: NewLoRAPicker(o.LoRATrafficSplit)}
}

// request builds the client request of the seq-th send of the run.
func (g *Generator) request(stage int, seq uint64, intended time.Duration) client.Request {
	return client.Request{Stage: stage, Seq: seq, Intended: intended, Prompt: g.o.Data.Get(seq),
		LoRA: g.lora.Pick(g.o.Seed, seq)}
}

// StagesFromConfig turns the configured stages into Stages.
func StagesFromConfig(l config.LoadConfig) ([]Stage, error) {
	out := make([]Stage, 0, len(l.Stages))
	for i, s := range l.Stages {
		st := Stage{ID: i, Type: l.Type}
		switch l.Type {
		case config.LoadConstant, config.LoadPoisson, config.LoadTraceReplay:
			// trace_replay takes its times from load.trace; the caller sets
			// Trace and NumRequests (see TraceRequestCount).
			if s.Rate == nil || s.Duration == nil {
				return nil, fmt.Errorf("load.stages[%d]: %s stages need rate and duration", i, l.Type)
			}
			st.Rate, st.Duration = *s.Rate, time.Duration(*s.Duration)*time.Second
		case config.LoadConcurrent:
			if s.NumRequests == nil || s.ConcurrencyLevel == nil {
				return nil, fmt.Errorf("load.stages[%d]: concurrent stages need num_requests and concurrency_level", i)
			}
			st.NumRequests, st.Concurrency = *s.NumRequests, *s.ConcurrencyLevel
		default:
			return nil, fmt.Errorf("not supported yet: load.type=%s", l.Type)
		}
		out = append(out, st)
	}
	return out, nil
}

// Run runs the stages in order with the configured interval between them.
// It stops early, with the stages done so far, when ctx is cancelled.
func (g *Generator) Run(ctx context.Context, stages []Stage) []Result {
	results := make([]Result, 0, len(stages))
	for i, s := range stages {
		if i > 0 && g.o.Interval > 0 {
			if !sleepCtx(ctx, g.o.Interval) {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
		results = append(results, g.RunStage(ctx, s))
	}
	return results
}

// RunStage runs one stage to completion (or until ctx is cancelled).
func (g *Generator) RunStage(ctx context.Context, s Stage) Result {
	if g.o.WrapStage == nil {
		return g.runStage(ctx, s)
	}
	ctx, done := g.o.WrapStage(ctx, s)
	res := g.runStage(ctx, s)
	done(res)
	return res
}

func (g *Generator) runStage(ctx context.Context, s Stage) Result {
	switch s.Type {
	case config.LoadConcurrent:
		return g.runClosed(ctx, s)
	case config.LoadTraceReplay:
		return g.runOpen(ctx, s, NewTraceReplay(s.Trace, s.NumRequests))
	case config.LoadPoisson:
		return g.runOpen(ctx, s, NewPoisson(s.Rate, s.Duration, uint64(g.o.Seed)+uint64(s.ID)))
	default:
		return g.runOpen(ctx, s, NewConstant(s.Rate, s.Duration))
	}
}

// runOpen dispatches on an absolute schedule. The loop only waits and
// spawns; prompt building and the request run on the request's goroutine.
func (g *Generator) runOpen(ctx context.Context, s Stage, sched Schedule) Result {
	clk := g.o.Clock
	g.notify(s, sched.Len())
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()

	var slots chan struct{}
	if g.o.MaxInFlight > 0 {
		slots = make(chan struct{}, g.o.MaxInFlight)
	}
	var wg sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()

	res := Result{Stage: s, Status: StatusCompleted}
	res.Start = clk.Now()
dispatch:
	for {
		off, ok := sched.Next()
		if !ok {
			break
		}
		due := res.Start + off
		if wait := due - clk.Now(); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				break dispatch
			}
		}
		if slots != nil {
			// A full pool delays this send; it is not dropped, and its
			// lateness is recorded against the intended time.
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				break dispatch
			}
		}
		res.Sent++
		wg.Add(1)
		go g.send(reqCtx, &wg, slots, s.ID, due)
	}
	if ctx.Err() != nil {
		res.Status = StatusInterrupted
		cancel() // an interrupted run does not wait for in-flight requests
	}
	g.wait(&wg, cancel, s.ID)
	res.End = clk.Now()
	return res
}

// send runs one request and hands its record on.
func (g *Generator) send(ctx context.Context, wg *sync.WaitGroup, slots chan struct{}, stage int, intended time.Duration) {
	defer wg.Done()
	seq := g.seq.Add(1) - 1
	rec := g.o.Client.Do(ctx, g.request(stage, seq, intended))
	if slots != nil {
		<-slots
	}
	g.o.Out <- rec
}

// runClosed keeps exactly Concurrency requests in flight until NumRequests
// have been sent. Each request is intended to leave the moment its worker is
// free, so schedule delay measures only the client's own overhead.
func (g *Generator) runClosed(ctx context.Context, s Stage) Result {
	clk := g.o.Clock
	g.notify(s, s.NumRequests)
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	var next atomic.Int64
	var sent atomic.Int64
	var wg sync.WaitGroup
	res := Result{Stage: s, Status: StatusCompleted}
	res.Start = clk.Now()
	workers := min(s.Concurrency, s.NumRequests)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reqCtx.Err() == nil {
				if next.Add(1) > int64(s.NumRequests) {
					return
				}
				sent.Add(1)
				seq := g.seq.Add(1) - 1
				intended := clk.Now()
				rec := g.o.Client.Do(reqCtx, g.request(s.ID, seq, intended))
				g.o.Out <- rec
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		res.Status = StatusInterrupted
	}
	res.Sent = int(sent.Load())
	res.End = clk.Now()
	return res
}

// wait waits for in-flight requests, cancelling them once the teardown
// grace has passed so a stage never hangs on a stuck server.
func (g *Generator) wait(wg *sync.WaitGroup, cancel context.CancelFunc, stage int) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if g.o.Teardown <= 0 {
		<-done
		return
	}
	t := time.NewTimer(g.o.Teardown)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		g.o.Log.Warn("stage teardown grace expired; cancelling in-flight requests", "stage", stage, "grace", g.o.Teardown)
		cancel()
		<-done
	}
}

func (g *Generator) notify(s Stage, expected int) {
	if g.o.OnStage != nil {
		g.o.OnStage(s, expected)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

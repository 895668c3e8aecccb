package loadgen

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Over 100k draws every adapter gets its share within a tolerance far above
// the sampling error (about 0.0016 for p=0.5), and a seed change still does.
func TestLoRAPickerProportions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		splits []config.LoRASplit
		seed   int64
		want   map[string]float64
	}{
		// The e2e split: two adapters, uneven shares.
		{"70/30", []config.LoRASplit{{Name: "a1", Split: 0.7}, {Name: "a2", Split: 0.3}}, 1, map[string]float64{"a1": 0.7, "a2": 0.3}},
		// Three shares that do not add up exactly in float64 still cover [0,1).
		{"thirds", []config.LoRASplit{{Name: "x", Split: 0.1}, {Name: "y", Split: 0.2}, {Name: "z", Split: 0.7}}, 42, map[string]float64{"x": 0.1, "y": 0.2, "z": 0.7}},
		// A zero share is never picked, wherever it is in the list.
		{"zero share", []config.LoRASplit{{Name: "off", Split: 0}, {Name: "on", Split: 1}, {Name: "off2", Split: 0}}, 7, map[string]float64{"on": 1}},
		// One adapter takes everything.
		{"single", []config.LoRASplit{{Name: "only", Split: 1}}, -5, map[string]float64{"only": 1}},
		// A tiny share still shows up at about its rate.
		{"tiny share", []config.LoRASplit{{Name: "rare", Split: 0.01}, {Name: "common", Split: 0.99}}, 1234567890123, map[string]float64{"rare": 0.01, "common": 0.99}},
	}
	const n = 100_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewLoRAPicker(tt.splits)
			got := map[string]int{}
			for seq := range uint64(n) {
				got[p.Pick(tt.seed, seq)]++
			}
			for name, c := range got {
				if _, ok := tt.want[name]; !ok {
					t.Errorf("picked %q %d times; it should never be picked", name, c)
				}
			}
			for name, share := range tt.want {
				if f := float64(got[name]) / n; math.Abs(f-share) > 0.01 {
					t.Errorf("%s: share %.4f, want %.2f ± 0.01", name, f, share)
				}
			}
		})
	}
}

// The same seed gives the same adapter per seq; another seed gives a
// different sequence (the choice depends on the seed, not only on seq).
func TestLoRAPickerDeterministic(t *testing.T) {
	t.Parallel()
	splits := []config.LoRASplit{{Name: "a1", Split: 0.5}, {Name: "a2", Split: 0.5}}
	p1, p2 := NewLoRAPicker(splits), NewLoRAPicker(splits)
	differ := 0
	for seq := range uint64(1000) {
		if a, b := p1.Pick(99, seq), p2.Pick(99, seq); a != b {
			t.Fatalf("seq %d: %q then %q under the same seed", seq, a, b)
		}
		if p1.Pick(99, seq) != p1.Pick(100, seq) {
			differ++
		}
	}
	if differ < 400 || differ > 600 { // independent fair coins disagree about half the time
		t.Errorf("seeds 99 and 100 disagree on %d of 1000 requests; want about 500", differ)
	}
}

// No split, or one with no positive share, means no adapter: requests go
// to the base model.
func TestLoRAPickerNone(t *testing.T) {
	t.Parallel()
	for _, splits := range [][]config.LoRASplit{nil, {}, {{Name: "a", Split: 0}}} {
		if p := NewLoRAPicker(splits); p != nil || p.Pick(1, 1) != "" {
			t.Errorf("NewLoRAPicker(%v) = %v picking %q; want nil picking \"\"", splits, p, p.Pick(1, 1))
		}
	}
}

// recorder is a client that answers at once and remembers each request's
// adapter by seq.
type recorder struct {
	mu   sync.Mutex
	lora map[uint64]string
}

func (r *recorder) Do(_ context.Context, req client.Request) *record.Record {
	r.mu.Lock()
	r.lora[req.Seq] = req.LoRA
	r.mu.Unlock()
	return &record.Record{Stage: req.Stage, Seq: req.Seq, LoRA: req.LoRA}
}

// Every load type sets the picked adapter on the request, and the choice
// per seq is the picker's, whatever order the goroutines ran in.
func TestGeneratorSetsLoRA(t *testing.T) {
	t.Parallel()
	splits := []config.LoRASplit{{Name: "a1", Split: 0.7}, {Name: "a2", Split: 0.3}}
	stages := []struct {
		name  string
		stage Stage
	}{
		// Closed loop: workers draw seqs concurrently.
		{"concurrent", Stage{Type: config.LoadConcurrent, NumRequests: 50, Concurrency: 8}},
		// Open loop, evenly paced.
		{"constant", Stage{Type: config.LoadConstant, Rate: 1000, Duration: 50 * time.Millisecond}},
		// Open loop, random arrivals.
		{"poisson", Stage{Type: config.LoadPoisson, Rate: 1000, Duration: 50 * time.Millisecond}},
	}
	for _, tt := range stages {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := &recorder{lora: map[uint64]string{}}
			out := make(chan *record.Record, 1024)
			get, closeOut := collect(out)
			gen := New(Options{Clock: clock.New(), Client: rc, Data: fixedData{}, Out: out, Seed: 5, LoRATrafficSplit: splits})
			res := gen.RunStage(context.Background(), tt.stage)
			closeOut()
			recs := get()
			if res.Sent == 0 || len(recs) != res.Sent {
				t.Fatalf("sent %d, got %d records", res.Sent, len(recs))
			}
			want := NewLoRAPicker(splits)
			for _, r := range recs {
				if w := want.Pick(5, r.Seq); r.LoRA != w || rc.lora[r.Seq] != w {
					t.Errorf("seq %d: record %q, request %q; want %q", r.Seq, r.LoRA, rc.lora[r.Seq], w)
				}
			}
		})
	}
}

// Without a split no request names an adapter.
func TestGeneratorNoLoRA(t *testing.T) {
	t.Parallel()
	rc := &recorder{lora: map[uint64]string{}}
	out := make(chan *record.Record, 16)
	get, closeOut := collect(out)
	gen := New(Options{Clock: clock.New(), Client: rc, Data: fixedData{}, Out: out})
	gen.RunStage(context.Background(), Stage{Type: config.LoadConcurrent, NumRequests: 10, Concurrency: 2})
	closeOut()
	for _, r := range get() {
		if r.LoRA != "" {
			t.Errorf("seq %d sent adapter %q with no split configured", r.Seq, r.LoRA)
		}
	}
}

func BenchmarkLoRAPick(b *testing.B) {
	p := NewLoRAPicker([]config.LoRASplit{{Name: "a", Split: 0.2}, {Name: "b", Split: 0.3}, {Name: "c", Split: 0.5}})
	b.ReportAllocs()
	for i := range b.N {
		_ = p.Pick(1, uint64(i))
	}
}

package sim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStreamTimingLowerBounds checks the schedule from below only: token i
// may never reach the client before send+TTFT+i*ITL. That bound is exact
// under the absolute schedule; a per-gap bound is not (a token that is late
// by a timer wake-up shortens the gap to the next, which is on time), and
// upper bounds depend on the machine, so neither is asserted.
func TestStreamTimingLowerBounds(t *testing.T) {
	t.Parallel()
	const ttft, itl, n = 40 * time.Millisecond, 15 * time.Millisecond, 6
	rs := startSim(t, func(o *Options) { o.TTFT, o.ITL, o.OutputTokens = ttft, itl, n })
	c := newClient(t)
	cases := []struct{ name, path, body string }{
		{"completion", "/v1/completions", `{"prompt":"x","stream":true}`},
		// Chat's role chunk rides with the first token, so it is not early either.
		{"chat", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"stream":true}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sent := time.Now()
			resp := post(context.Background(), t, c, rs.URL(), tc.path, tc.body)
			defer resp.Body.Close()
			evs := readEvents(t, resp.Body)
			if tc.name == "chat" {
				if got := evs[0].at.Sub(sent); got < ttft {
					t.Errorf("role chunk after %v, before TTFT %v", got, ttft)
				}
				evs = evs[1:]
			}
			evs = evs[:len(evs)-1] // [DONE]
			if len(evs) != n {
				t.Fatalf("%d token chunks, want %d", len(evs), n)
			}
			for i, ev := range evs {
				if got, min := ev.at.Sub(sent), ttft+time.Duration(i)*itl; got < min {
					t.Errorf("token %d after %v, before its due time %v", i, got, min)
				}
			}
		})
	}
}

// A non-streaming answer comes once its last token is due.
func TestUnaryWaitsForLastToken(t *testing.T) {
	t.Parallel()
	const ttft, itl, n = 30 * time.Millisecond, 10 * time.Millisecond, 5
	rs := startSim(t, func(o *Options) { o.TTFT, o.ITL, o.OutputTokens = ttft, itl, n })
	c := newClient(t)
	sent := time.Now()
	resp := post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"prompt":"x"}`)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, min := time.Since(sent), ttft+(n-1)*itl; got < min {
		t.Fatalf("answered after %v, before the last token was due at %v", got, min)
	}
}

// With jitter the schedule still never runs backwards and lengths are exact.
func TestJitterKeepsOrderAndLength(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) {
		o.TTFT, o.ITL, o.TTFTJitter, o.ITLJitter, o.OutputTokens = 2*time.Millisecond, time.Millisecond, 5*time.Millisecond, 5*time.Millisecond, 20
	})
	c := newClient(t)
	resp := post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"prompt":"x","stream":true}`)
	defer resp.Body.Close()
	evs := readEvents(t, resp.Body)
	if len(evs) != 21 {
		t.Fatalf("%d events, want 20 tokens + [DONE]", len(evs))
	}
}

func TestMaxNumSeqsQueuesAndDisconnectFreesSlot(t *testing.T) {
	t.Parallel()
	// An hour-long TTFT keeps admitted requests in their slot until their
	// client leaves, so every state below is reached by events, not by time.
	rs := startSim(t, func(o *Options) { o.MaxNumSeqs, o.TTFT = 2, time.Hour })
	s := rs.Server()
	changed := hookChanges(s)
	c := newClient(t)

	type result struct {
		i    int
		resp *http.Response
	}
	const total = 5
	headers := make(chan result, total)
	cancels := make([]context.CancelFunc, total)
	var wg sync.WaitGroup
	for i := range total {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rs.URL()+"/v1/completions",
				strings.NewReader(`{"prompt":"x","stream":true}`))
			resp, err := c.Do(req)
			if err != nil {
				return // cancelled while queued: no headers ever came
			}
			headers <- result{i, resp}
		}()
	}
	t.Cleanup(func() {
		for _, c := range cancels {
			c()
		}
		wg.Wait()
	})

	waitState(t, s, changed, "2 running, 3 waiting", func() bool { return s.Running() == 2 && s.Waiting() == 3 })
	if s.MaxRunningSeen() != 2 || s.InFlight() != 5 {
		t.Fatalf("MaxRunningSeen=%d InFlight=%d", s.MaxRunningSeen(), s.InFlight())
	}
	// Streaming headers go out on admission: exactly the two admitted have them.
	first := <-headers
	<-headers
	select {
	case r := <-headers:
		t.Fatalf("request %d got headers while queued", r.i)
	default:
	}

	// One admitted client leaves: its slot goes to a queued request.
	cancels[first.i]()
	first.resp.Body.Close()
	waitState(t, s, changed, "slot handed on", func() bool { return s.Running() == 2 && s.Waiting() == 2 })
	third := <-headers
	if third.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", third.resp.StatusCode)
	}

	// Everyone leaves, queued or not: nothing stays running or waiting.
	for _, c := range cancels {
		c()
	}
	waitState(t, s, changed, "all gone", func() bool { return s.Running() == 0 && s.Waiting() == 0 })
	if s.MaxRunningSeen() != 2 {
		t.Fatalf("MaxRunningSeen=%d, want 2", s.MaxRunningSeen())
	}
	if err := rs.Close(); err != nil { // waits for the handlers, so counters are final
		t.Fatal(err)
	}
	got := s.Requests()
	// A queued request may be admitted in the moment before its own cancel
	// lands, so Admitted is at least the 3 seen above.
	if got.Received != 5 || got.Aborted != 5 || got.Admitted < 3 || got.Queued != 3 || got.Completed != 0 {
		t.Fatalf("counters %+v", got)
	}
}

// Requests beyond MaxNumSeqs wait their turn and then complete normally.
func TestMaxNumSeqsCompletesAll(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.MaxNumSeqs, o.ITL, o.OutputTokens = 2, time.Millisecond, 10 })
	c := newClient(t)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := post(context.Background(), t, c, rs.URL(), "/v1/chat/completions",
				`{"messages":[{"role":"user","content":"x"}],"stream":true}`)
			defer resp.Body.Close()
			evs := readEvents(t, resp.Body)
			if len(evs) != 12 {
				t.Errorf("%d events, want role + 10 + [DONE]", len(evs))
			}
		}()
	}
	wg.Wait()
	s := rs.Server()
	if m := s.MaxRunningSeen(); m > 2 || m < 1 {
		t.Fatalf("MaxRunningSeen=%d with MaxNumSeqs=2", m)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests(); got.Completed != 5 || got.GenerationTokens != 50 {
		t.Fatalf("counters %+v", got)
	}
}

package sim

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// urlHandler is a slog.Handler that hands over the "url" attribute of the
// first record carrying one.
type urlHandler struct{ url chan string }

func (h urlHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h urlHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h urlHandler) WithGroup(string) slog.Handler            { return h }
func (h urlHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "url" && r.Level == slog.LevelInfo {
			select {
			case h.url <- a.Value.String():
			default:
			}
			return false
		}
		return true
	})
	return nil
}

// Run logs its URL at INFO, serves, and returns nil once ctx is cancelled.
func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	o.Port = 0
	h := urlHandler{url: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o, slog.New(h)) }()

	var url string
	select {
	case url = <-h.url:
	case err := <-done:
		t.Fatalf("Run returned early: %v", err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("logged url %q", url)
	}
	c := newClient(t)
	resp, err := c.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// Invalid options fail before anything listens.
func TestRunInvalidOptions(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	o.MaxNumSeqs = 0
	if err := Run(context.Background(), o, nil); err == nil || !strings.Contains(err.Error(), "--max-num-seqs") {
		t.Fatalf("Run: %v", err)
	}
}

// Shutdown lets an in-flight stream finish; Close is idempotent afterwards.
func TestShutdownLetsStreamsFinish(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.ITL, o.OutputTokens = 2*time.Millisecond, 10 })
	c := newClient(t)
	resp := post(context.Background(), t, c, rs.URL(), "/v1/completions", `{"prompt":"x","stream":true}`)
	defer resp.Body.Close()
	// Headers mean the request is admitted and streaming.
	shut := make(chan error, 1)
	go func() { shut <- rs.Shutdown(context.Background()) }()
	if evs := readEvents(t, resp.Body); len(evs) != 11 {
		t.Fatalf("%d events, want 10 tokens + [DONE]", len(evs))
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rs.Server().Requests(); got.Completed != 1 || got.Aborted != 0 {
		t.Fatalf("counters %+v", got)
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		addr net.Addr
		want string
	}{
		// The normal case: the listener's own loopback address.
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}, "http://127.0.0.1:8000"},
		// Listening on all interfaces is reached locally through loopback.
		{&net.TCPAddr{IP: net.IPv4zero, Port: 1}, "http://127.0.0.1:1"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 2}, "http://[::1]:2"},
		// IPv6 addresses need brackets.
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 3}, "http://[::1]:3"},
	}
	for _, tc := range cases {
		if got := baseURL(tc.addr); got != tc.want {
			t.Errorf("baseURL(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

package metrics

import (
	"slices"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// ms is a run-clock offset in milliseconds. Tests use multiples of 1/8 s so
// that every expected number is exact in binary.
func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func chunks(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = ms(x)
	}
	return out
}

func TestComputeRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		r         record.Record
		useServer bool
		want      RequestLatency
		itl       []float64
	}{
		{
			// The common case: 4 chunks of one token each.
			// e2e 1.5, TTFT 0.25, TPOT (2.0-1.25)/3, NTPOT 1.5/4.
			name: "streaming",
			r: record.Record{Streaming: true, Sent: ms(1000), Chunks: chunks(1250, 1375, 1500, 2000), End: ms(2500),
				ClientOutputTokens: 4, ServerOutputTokens: 4},
			want: RequestLatency{Latency: 1.5, NTPOT: 0.375, TTFT: 0.25, HasTTFT: true, TPOT: 0.25, HasTPOT: true},
			itl:  []float64{0.125, 0.125, 0.5},
		},
		{
			// One output token: the reference has a single token time, so no
			// TTFT, TPOT or ITL; NTPOT is still e2e/1.
			name: "one token",
			r: record.Record{Streaming: true, Sent: 0, Chunks: chunks(250), End: ms(500),
				ClientOutputTokens: 1, ServerOutputTokens: 1},
			want: RequestLatency{Latency: 0.5, NTPOT: 0.5},
		},
		{
			// One chunk carrying 3 tokens: TTFT exists, TPOT is 0 (no spread
			// between first and last), and there is no chunk gap to report.
			name: "one chunk many tokens",
			r: record.Record{Streaming: true, Sent: 0, Chunks: chunks(250), End: ms(500),
				ClientOutputTokens: 3, ServerOutputTokens: record.Unknown},
			want: RequestLatency{Latency: 0.5, NTPOT: 0.5 / 3, TTFT: 0.25, HasTTFT: true, TPOT: 0, HasTPOT: true},
		},
		{
			// Non-streaming: only e2e and NTPOT are defined.
			name: "unary",
			r: record.Record{Streaming: false, Sent: ms(125), End: ms(625),
				ClientOutputTokens: 4, ServerOutputTokens: 4},
			want: RequestLatency{Latency: 0.5, NTPOT: 0.125},
		},
		{
			// Zero output tokens: NTPOT is 0, not a division by zero.
			name: "no output",
			r: record.Record{Streaming: false, Sent: 0, End: ms(500),
				ClientOutputTokens: 0, ServerOutputTokens: 0},
			want: RequestLatency{Latency: 0.5, NTPOT: 0},
		},
		{
			// use_server_output_tokens: N is the server's count (2) for TPOT and
			// NTPOT; the token-time count stays the client's (4 chunks).
			name:      "server tokens",
			useServer: true,
			r: record.Record{Streaming: true, Sent: ms(1000), Chunks: chunks(1250, 1375, 1500, 2000), End: ms(2500),
				ClientOutputTokens: 4, ServerOutputTokens: 2},
			want: RequestLatency{Latency: 1.5, NTPOT: 0.75, TTFT: 0.25, HasTTFT: true, TPOT: 0.75, HasTPOT: true},
			itl:  []float64{0.125, 0.125, 0.5},
		},
		{
			// Streaming but two chunks and one effective token (server says 1):
			// TTFT and ITL exist (two token times), TPOT needs N > 1.
			name:      "server says one token",
			useServer: true,
			r: record.Record{Streaming: true, Sent: 0, Chunks: chunks(250, 375), End: ms(500),
				ClientOutputTokens: 2, ServerOutputTokens: 1},
			want: RequestLatency{Latency: 0.5, NTPOT: 0.5, TTFT: 0.25, HasTTFT: true},
			itl:  []float64{0.125},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, itl := ComputeRequest(&c.r, c.useServer, nil)
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if !slices.Equal(itl, c.itl) {
				t.Errorf("itl = %v, want %v", itl, c.itl)
			}
		})
	}
}

func TestTokenCountMismatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		client, server int
		want           bool
	}{
		{4, 4, false},              // agree
		{4, 5, true},               // disagree
		{record.Unknown, 5, false}, // client did not count: nothing to compare
		{4, record.Unknown, false}, // server sent no usage
	}
	for _, c := range cases {
		r := record.Record{ClientOutputTokens: c.client, ServerOutputTokens: c.server}
		if got := tokenCountMismatch(&r); got != c.want {
			t.Errorf("client %d server %d: got %v", c.client, c.server, got)
		}
	}
}

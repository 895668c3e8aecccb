package metrics

import (
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// RequestLatency holds what one successful request contributes to the latency
// distributions, in seconds. The Has* flags say whether the metric is defined
// for this request; undefined metrics are left out of their distribution, as
// the reference leaves out its None values.
type RequestLatency struct {
	Latency float64 // e2e: End - Sent
	NTPOT   float64 // Latency / output tokens; 0 when there are no output tokens

	TTFT    float64 // first content chunk - Sent
	HasTTFT bool
	TPOT    float64 // (last chunk - first chunk) / (output tokens - 1)
	HasTPOT bool
}

// ComputeRequest computes the per-request latency metrics of a successful
// record, the way the reference's summarize_requests does per request, and
// appends its inter-token latencies (seconds between consecutive content-chunk
// arrivals) to itl.
//
// Edge cases, as in the reference:
//   - NTPOT is Latency/N for N > 0 output tokens, else 0 (the value is still
//     counted).
//   - TTFT, TPOT and ITL exist only for streamed responses that have more than
//     one output token time. The reference has one time per output token (each
//     token stamped with its chunk's arrival), so a one-token streamed reply
//     has none of the three. We count token times as max(chunks, client output
//     tokens), which is the same number.
//   - TPOT needs N > 1 output tokens (N from UseServerOutputTokens as in
//     OutputTokens); a stream with one chunk of many tokens has TPOT 0.
//
// ITL deliberately differs from the reference: the reference stamps every
// token of a chunk with the chunk's arrival, so a chunk of k tokens gives k-1
// zero gaps and the next chunk's gap absorbs the wait. We use the real gaps
// between chunk arrivals, one per pair of consecutive chunks (docs/reports.md).
func ComputeRequest(r *record.Record, useServerOutputTokens bool, itl []float64) (RequestLatency, []float64) {
	var m RequestLatency
	m.Latency = r.Latency().Seconds()
	n := r.OutputTokens(useServerOutputTokens)
	if n > 0 {
		m.NTPOT = m.Latency / float64(n)
	}
	if !r.Streaming || len(r.Chunks) == 0 {
		return m, itl
	}
	tokenTimes := max(len(r.Chunks), r.OutputTokens(false))
	if tokenTimes <= 1 {
		return m, itl
	}
	first, last := r.Chunks[0], r.Chunks[len(r.Chunks)-1]
	m.TTFT, m.HasTTFT = (first - r.Sent).Seconds(), true
	if n > 1 {
		m.TPOT, m.HasTPOT = (last-first).Seconds()/float64(n-1), true
	}
	for i := 1; i < len(r.Chunks); i++ {
		itl = append(itl, (r.Chunks[i] - r.Chunks[i-1]).Seconds())
	}
	return m, itl
}

// promptTokens is the per-request input token count the reports use
// (request_metrics.text.input_tokens: server usage when present, else the
// client's count), never negative.
func promptTokens(r *record.Record) int {
	return max(r.PromptTokens(), 0)
}

// clientOutputTokens is the reference's response_metrics.output_tokens, the
// client's count (output_len). When the client could not count, the server's
// count stands in (record.OutputTokens), as the rest of our reports do.
func clientOutputTokens(r *record.Record) int {
	return r.OutputTokens(false)
}

// serverOutputTokens is what the reference's output_tokens summary counts: the
// server's usage.completion_tokens, or the client's count when the server
// reported none.
func serverOutputTokens(r *record.Record) int {
	return r.OutputTokens(true)
}

// tokenCountMismatch reports whether client and server disagree on the output
// token count, when both counted.
func tokenCountMismatch(r *record.Record) bool {
	return r.ClientOutputTokens >= 0 && r.ServerOutputTokens >= 0 && r.ClientOutputTokens != r.ServerOutputTokens
}

// requestBytes is the request body size (request_size_bytes).
func requestBytes(r *record.Record) int {
	if r.RequestBytes > 0 {
		return r.RequestBytes
	}
	return len(r.RequestBody)
}

package loadgen

import "time"

// TraceReplay yields a recorded trace's send offsets (first request at 0),
// unscaled: the reference's TraceReplayLoadTimer adds the trace timestamps
// to the stage start as they are, whatever the stage's rate. It yields the
// first n offsets (all of them when n is negative or beyond the trace).
// Offsets that go backwards (an unsorted trace) are due at once, as in the
// reference, whose workers do not sleep for a time already past.
type TraceReplay struct {
	offsets []time.Duration
	n, i    int
}

// NewTraceReplay returns the schedule of a trace_replay stage over offsets,
// which it only reads (stages share one slice).
func NewTraceReplay(offsets []time.Duration, n int) *TraceReplay {
	if n < 0 || n > len(offsets) {
		n = len(offsets)
	}
	return &TraceReplay{offsets: offsets, n: n}
}

// Next implements Schedule.
func (t *TraceReplay) Next() (time.Duration, bool) {
	if t.i >= t.n {
		return 0, false
	}
	off := t.offsets[t.i]
	t.i++
	return off, true
}

// Len implements Schedule.
func (t *TraceReplay) Len() int { return t.n }

// TraceRequestCount is how many requests a trace_replay stage sends, as the
// reference's run_stage counts them: the data trace's row count when random
// data takes its lengths from data.trace (dataRows > 0), otherwise
// int(rate*duration); in both cases at most the load trace's length
// (traceLen), where the reference would fail running out of timestamps.
func TraceRequestCount(s Stage, dataRows, traceLen int) int {
	n := int(s.Rate * s.Duration.Seconds())
	if dataRows > 0 {
		n = dataRows
	}
	return min(n, traceLen)
}

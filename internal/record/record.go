// Package record defines Record, the one result every request produces.
// Reports, spans, progress and per-request files are all computed from Records.
package record

import "time"

// Unknown marks a token count or time that was not observed.
const Unknown = -1

// Record is everything measured about one request. All times are offsets on
// the run's monotonic clock (see package clock); a zero FirstByte or empty
// ChunkTimes means the event did not happen.
type Record struct {
	Stage     int    // stage id (reports number stages from 0)
	Seq       uint64 // sequence number within the run
	SessionID string // multi-turn session id, "" for single requests
	LoRA      string // LoRA adapter sent as model, "" when none
	Streaming bool

	Intended  time.Duration   // when the schedule wanted the request sent
	Sent      time.Duration   // just before the request was written
	FirstByte time.Duration   // first response byte (0: none)
	Chunks    []time.Duration // arrival of every chunk that carried content
	End       time.Duration   // last byte read (or failure)

	// Token counts. Server counts come from the response `usage` and are
	// Unknown when absent; client counts come from the configured tokenizer.
	ClientPromptTokens int
	ServerPromptTokens int
	ClientOutputTokens int
	ServerOutputTokens int

	FinishReason string
	ResponseID   string
	Model        string // model the response says served it
	Status       int    // HTTP status (0: no response)
	Error        *Error // nil on success

	RequestBytes int // size of the request body

	// Bodies are kept only when per-request reports are asked for.
	RequestBody  []byte
	ResponseBody []byte
	OutputText   string
}

// Error describes why a request failed.
type Error struct {
	Type    string // short class, e.g. "504 - Gateway Timeout", "timeout", "connection refused"
	Message string
}

// Failed reports whether the request failed.
func (r *Record) Failed() bool { return r.Error != nil }

// PromptTokens is the input token count reports use: the server's usage when
// present, else the client's count (as the reference does).
func (r *Record) PromptTokens() int {
	if r.ServerPromptTokens >= 0 {
		return r.ServerPromptTokens
	}
	return r.ClientPromptTokens
}

// OutputTokens is the output token count reports use: the client's count by
// default, the server's when useServer is set and the server reported one.
// When the client could not count (no text), the server's count is used.
func (r *Record) OutputTokens(useServer bool) int {
	if (useServer || r.ClientOutputTokens < 0) && r.ServerOutputTokens >= 0 {
		return r.ServerOutputTokens
	}
	if r.ClientOutputTokens < 0 {
		return 0
	}
	return r.ClientOutputTokens
}

// TTFT is the time from the actual send to the first content chunk.
func (r *Record) TTFT() (time.Duration, bool) {
	if len(r.Chunks) == 0 {
		return 0, false
	}
	return r.Chunks[0] - r.Sent, true
}

// Latency is the end-to-end time from the actual send to the last byte.
func (r *Record) Latency() time.Duration { return r.End - r.Sent }

// ScheduleDelay is how late the request left compared to its schedule.
func (r *Record) ScheduleDelay() time.Duration { return r.Sent - r.Intended }

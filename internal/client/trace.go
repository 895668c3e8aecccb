package client

import (
	"context"
	"net/http"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Tracer observes requests; internal/telemetry implements it with
// OpenTelemetry spans. Options.Tracer is nil when tracing is off, and the
// request path then does no tracing work at all.
type Tracer interface {
	// StartRequest is called right before a request is sent. It starts the
	// request's span as a child of any span in ctx and writes the trace
	// headers (W3C traceparent, tracestate) into s.Header.
	StartRequest(ctx context.Context, s *RequestStart) RequestSpan
}

// RequestSpan is one request's span, ended with the request's outcome.
type RequestSpan interface {
	// End records the outcome and ends the span at rec.End. output is the
	// response text; it is only valid during the call.
	End(rec *record.Record, output []byte)
}

// RequestStart describes a request as it is sent.
type RequestStart struct {
	Request    *Request
	Model      string // model name sent (the LoRA adapter when set)
	APIType    string // "completion" or "chat"
	ServerType string
	Streaming  bool
	MaxTokens  int         // max_tokens as sent
	URL        string      // full request URL
	Host       string      // server address (host without port)
	Port       int         // server port
	Header     http.Header // the request's headers, for trace propagation
}

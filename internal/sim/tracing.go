package sim

import (
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of the simulator's spans.
const tracerName = "github.com/inference-perf-go/inference-perf/internal/sim"

// spanName is the name of vLLM's per-request server span.
const spanName = "llm_request"

// Attribute keys of vLLM's llm_request span (vllm/tracing SpanAttributes).
// They predate, and differ from, the OpenTelemetry GenAI conventions (e.g.
// gen_ai.usage.prompt_tokens rather than input_tokens); the simulator copies
// them so that dashboards and queries built for vLLM work unchanged.
const (
	attrRequestID        = attribute.Key("gen_ai.request.id")
	attrResponseModel    = attribute.Key("gen_ai.response.model")
	attrMaxTokens        = attribute.Key("gen_ai.request.max_tokens")
	attrTemperature      = attribute.Key("gen_ai.request.temperature")
	attrTopP             = attribute.Key("gen_ai.request.top_p")
	attrN                = attribute.Key("gen_ai.request.n")
	attrPromptTokens     = attribute.Key("gen_ai.usage.prompt_tokens")
	attrCompletionTokens = attribute.Key("gen_ai.usage.completion_tokens")
	attrFinishReasons    = attribute.Key("gen_ai.response.finish_reasons")
	attrE2E              = attribute.Key("gen_ai.latency.e2e")
	attrTimeInQueue      = attribute.Key("gen_ai.latency.time_in_queue")
	attrTTFT             = attribute.Key("gen_ai.latency.time_to_first_token")
	attrPrefill          = attribute.Key("gen_ai.latency.time_in_model_prefill")
	attrDecode           = attribute.Key("gen_ai.latency.time_in_model_decode")
	attrInference        = attribute.Key("gen_ai.latency.time_in_model_inference")

	// Standard OpenTelemetry keys, for requests vLLM would not trace at all
	// (rejected before reaching its engine) and for aborts.
	attrHTTPStatus = attribute.Key("http.response.status_code")
	attrErrorType  = attribute.Key("error.type")
)

// vLLM writes the finish reasons as a JSON list in a string attribute.
const (
	finishReasonsStop   = `["stop"]`
	finishReasonsLength = `["length"]`
	finishReasonsAbort  = `["abort"]`
)

// errorTypeAbort is error.type on the span of a request whose client went
// away; it matches the finished_reason label of the abort counter.
const errorTypeAbort = "abort"

// spanData is what a generation request's span reports. The handler fills it
// as the request goes (a few stores, no allocation), and endSpan turns it
// into a span once, when the handler returns; nothing happens per token.
type spanData struct {
	rejected *requestError // answered with a 4xx; nothing else is set
	valid    bool          // p, a and id are set: the request was accepted
	a        api
	p        parsed
	id       [32]byte // the response id's hex part
	admitted bool
	admit    time.Time
	out      outcome
	finish   string // finishStop or finishLength, for a completed request
}

// endSpan records the request's llm_request span: a SERVER span whose parent
// is the request's W3C trace context (a root without one), from arrival to the
// last byte written, or to now for a request that was aborted or rejected.
// Whether it is recorded is the provider's sampler's decision; the default
// ParentBased sampler follows the traceparent's sampled flag.
func (s *Server) endSpan(r *http.Request, sp *spanData, arrival time.Time) {
	end := sp.out.end
	if !sp.out.completed {
		end = time.Now()
	}
	// Only the W3C propagator, never the global one: the global default is
	// a no-op, and a traceparent must join the client's trace regardless of
	// how the process configured its own propagation.
	ctx := propagation.TraceContext{}.Extract(r.Context(), traceHeaders(r.Header))
	_, span := s.tracer.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(arrival))
	if span.IsRecording() {
		s.annotate(span, sp, arrival, end)
	}
	span.End(trace.WithTimestamp(end))
}

// annotate sets the attributes and status of a recording span.
func (s *Server) annotate(span trace.Span, sp *spanData, arrival, end time.Time) {
	if e := sp.rejected; e != nil {
		span.SetAttributes(attrHTTPStatus.Int(e.status), attrErrorType.String(strconv.Itoa(e.status)))
		span.SetStatus(codes.Error, e.msg)
		return
	}
	if !sp.valid {
		return // cannot happen: every exit before acceptance is a rejection
	}
	p := &sp.p
	kv := make([]attribute.KeyValue, 0, 16)
	prefix := idPrefixComplete
	if sp.a == apiChat {
		prefix = idPrefixChat
	}
	kv = append(kv, attrRequestID.String(prefix+string(sp.id[:])), attrResponseModel.String(s.responseModel(p.model)))
	maxTok := p.maxTokens
	if maxTok == 0 {
		maxTok = maxModelLen - p.promptTokens // vLLM's default max_tokens
	}
	kv = append(kv, attrMaxTokens.Int(maxTok))
	// vLLM leaves out the sampling parameters that are zero.
	if p.temperature != 0 {
		kv = append(kv, attrTemperature.Float64(p.temperature))
	}
	if p.topP != 0 {
		kv = append(kv, attrTopP.Float64(p.topP))
	}
	if p.n != 0 {
		kv = append(kv, attrN.Int(p.n))
	}
	out := &sp.out
	kv = append(kv, attrPromptTokens.Int(p.promptTokens), attrCompletionTokens.Int(out.generated),
		attrE2E.Float64(end.Sub(arrival).Seconds()))
	if sp.admitted {
		kv = append(kv, attrTimeInQueue.Float64(sp.admit.Sub(arrival).Seconds()))
	}
	if !out.first.IsZero() {
		kv = append(kv, attrTTFT.Float64(out.first.Sub(arrival).Seconds()),
			attrPrefill.Float64(out.first.Sub(sp.admit).Seconds()))
	}
	switch {
	case !out.completed:
		kv = append(kv, attrFinishReasons.String(finishReasonsAbort), attrErrorType.String(errorTypeAbort))
	case sp.finish == finishLength:
		kv = append(kv, attrFinishReasons.String(finishReasonsLength))
	default:
		kv = append(kv, attrFinishReasons.String(finishReasonsStop))
	}
	if out.completed {
		kv = append(kv, attrDecode.Float64(out.end.Sub(out.first).Seconds()),
			attrInference.Float64(out.end.Sub(sp.admit).Seconds()))
	}
	span.SetAttributes(kv...)
	if !out.completed {
		span.SetStatus(codes.Error, "client disconnected before the response was complete")
	}
}

// traceHeaders is propagation.HeaderCarrier for extraction only, looking the
// two W3C headers up by their canonical names directly: http.Header.Get
// would build the canonical name anew, an allocation, on every call.
type traceHeaders http.Header

// Get returns the first value of the header key, like http.Header.Get.
func (h traceHeaders) Get(key string) string {
	var v []string
	switch key {
	case "traceparent":
		v = h["Traceparent"]
	case "tracestate":
		v = h["Tracestate"]
	default:
		return http.Header(h).Get(key)
	}
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Set is never called: the simulator only extracts.
func (h traceHeaders) Set(key, value string) { http.Header(h).Set(key, value) }

// Keys lists the header names, as propagation.HeaderCarrier does.
func (h traceHeaders) Keys() []string { return propagation.HeaderCarrier(h).Keys() }

// responseModel is the model id a request is answered as: the adapter it
// named, else the base model.
func (s *Server) responseModel(requested string) string {
	if requested != "" && s.adapters[requested] != nil {
		return requested
	}
	return s.opts.Model
}

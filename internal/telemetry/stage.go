package telemetry

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
)

// Stage and session attribute keys: ours, plus the reference's names.
const (
	keyStageLoadType    = attribute.Key("inference_perf.stage.load_type")
	keyStageRate        = attribute.Key("inference_perf.stage.rate")
	keyStageConcurrency = attribute.Key("inference_perf.stage.concurrency")
	keyStageNumRequests = attribute.Key("inference_perf.stage.num_requests")
	keyStageDuration    = attribute.Key("inference_perf.stage.duration")
	keyStageStatus      = attribute.Key("inference_perf.stage.status")
	keyRefStageID       = attribute.Key("stage.id")
	keyRefStageRate     = attribute.Key("stage.rate")
	keyRefStageDuration = attribute.Key("stage.duration")
	keyRefSessionID     = attribute.Key("session.id")
)

var spanKindInternal = trace.WithSpanKind(trace.SpanKindInternal)

// StageInfo describes a load stage for its span.
type StageInfo struct {
	ID          int
	LoadType    string        // constant, poisson, concurrent, ...
	Rate        float64       // open loop: requests per second (0: not set)
	Concurrency int           // closed loop: requests in flight (0: not set)
	NumRequests int           // closed loop: requests to send (0: not set)
	Duration    time.Duration // open loop: sending window (0: not set)
}

// StartStage starts the span of a stage when OTEL_TRACE_PER_STAGE=true: an
// INTERNAL root span "stage {id}" (a child of TRACEPARENT when that is set),
// returned in ctx so that the stage's session and request spans become its
// children, making the stage one trace. Otherwise it returns ctx unchanged
// and a no-op. The returned function ends the span with the stage's status
// (e.g. COMPLETED, INTERRUPTED) and error; calling it more than once does
// nothing.
//
// With per-stage traces every span of a stage shares one trace id, so a
// trace-id ratio sampler keeps or drops whole stages.
func (t *Telemetry) StartStage(ctx context.Context, st StageInfo) (context.Context, func(status string, err error)) {
	if !t.PerStage() {
		return ctx, func(string, error) {}
	}
	attrs := make([]attribute.KeyValue, 0, 9)
	attrs = append(attrs,
		keyStageID.Int(st.ID),
		keyRefStageID.Int(st.ID),
		keyStageLoadType.String(st.LoadType))
	if st.Rate > 0 {
		attrs = append(attrs, keyStageRate.Float64(st.Rate), keyRefStageRate.Float64(st.Rate))
	}
	if st.Concurrency > 0 {
		attrs = append(attrs, keyStageConcurrency.Int(st.Concurrency))
	}
	if st.NumRequests > 0 {
		attrs = append(attrs, keyStageNumRequests.Int(st.NumRequests))
	}
	if st.Duration > 0 {
		attrs = append(attrs, keyStageDuration.Float64(st.Duration.Seconds()), keyRefStageDuration.Float64(st.Duration.Seconds()))
	}
	opts := []trace.SpanStartOption{spanKindInternal, trace.WithAttributes(attrs...), trace.WithTimestamp(t.now())}
	if t.envParent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, t.envParent)
	} else {
		opts = append(opts, trace.WithNewRoot())
	}
	ctx, span := t.tracer.Start(ctx, "stage "+strconv.Itoa(st.ID), opts...)
	var once sync.Once
	return ctx, func(status string, err error) {
		once.Do(func() {
			if status != "" {
				span.SetAttributes(keyStageStatus.String(status))
			}
			t.endWithError(span, err)
		})
	}
}

// StartSession starts the span of a multi-turn session, "session {id}",
// with gen_ai.conversation.id: a child of the stage span with per-stage
// traces, else a root, so a conversation is one trace whose turns are its
// children (pass the returned ctx to the turns' requests). attrs are added
// to the span. The returned function ends it; calling it more than once
// does nothing. With tracing off it returns ctx and a no-op.
func (t *Telemetry) StartSession(ctx context.Context, id string, attrs ...attribute.KeyValue) (context.Context, func(err error)) {
	if !t.Enabled() {
		return ctx, func(error) {}
	}
	all := make([]attribute.KeyValue, 0, 2+len(attrs))
	all = append(all, semconv.GenAIConversationID(id), keyRefSessionID.String(id))
	all = append(all, attrs...)
	opts := []trace.SpanStartOption{spanKindInternal, trace.WithAttributes(all...), trace.WithTimestamp(t.now())}
	if !t.perStage {
		opts = append(opts, trace.WithNewRoot())
	}
	ctx, span := t.tracer.Start(ctx, "session "+id, opts...)
	var once sync.Once
	return ctx, func(err error) {
		once.Do(func() { t.endWithError(span, err) })
	}
}

// endWithError ends a stage or session span, with Error status when err is
// set (success leaves the status Unset, as the conventions ask).
func (t *Telemetry) endWithError(span trace.Span, err error) {
	if err != nil {
		typ := semconv.ErrorTypeOther.Value.AsString()
		switch {
		case errors.Is(err, context.Canceled):
			typ = "cancelled"
		case errors.Is(err, context.DeadlineExceeded):
			typ = "timeout"
		}
		msg := validUTF8(err.Error())
		span.SetAttributes(semconv.ErrorTypeKey.String(typ), keyErrorMessage.String(msg))
		span.SetStatus(codes.Error, msg)
	}
	span.End(trace.WithTimestamp(t.now()))
}

// now is the current time on the run's clock, so that stage and session
// spans line up with the request spans, which are timed from the records.
func (t *Telemetry) now() time.Time { return t.clk.Wall(t.clk.Now()) }

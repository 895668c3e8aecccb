package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// mockClient is server.type mock: no HTTP at all, every request succeeds
// after a fixed latency. Like the reference's mock client it reports zero
// prompt and output tokens, no usage and no stream (so no TTFT), and fails
// with a timeout when load.request_timeout is shorter than the latency.
type mockClient struct {
	o       Options
	latency time.Duration
	spec    bodySpec
}

func newMock(o Options) *mockClient {
	lat := o.MockLatency
	if lat <= 0 {
		lat = DefaultMockLatency
	}
	return &mockClient{o: o, latency: lat, spec: bodySpec{chat: o.APIType == config.APIChat, ignoreEOS: o.IgnoreEOS}}
}

// Do implements Client. It waits on a timer, never spins.
func (m *mockClient) Do(ctx context.Context, req Request) *record.Record {
	clk := m.o.Clock
	rec := newRecord(m.o, req)
	rec.Streaming = false
	rec.ClientPromptTokens = 0
	rec.ClientOutputTokens = 0
	rec.Model = MockModel
	if req.LoRA != "" {
		rec.Model = req.LoRA
	}
	// The body the request would have had, so request sizes are not zero.
	body := m.spec.appendBody(nil, rec.Model, &req.Prompt)
	rec.RequestBytes = len(body)
	if m.o.KeepBodies {
		rec.RequestBody = bytes.Clone(body)
	}

	// A span too, as for a real request; the trace headers go nowhere.
	var span RequestSpan
	if m.o.Tracer != nil {
		span = m.o.Tracer.StartRequest(ctx, &RequestStart{
			Request: &req, Model: rec.Model, APIType: m.o.APIType, ServerType: m.o.ServerType,
			MaxTokens: maxTokensSent(&req.Prompt), Header: make(http.Header),
		})
		defer func() { span.End(rec, nil) }()
	}
	rec.Sent = clk.Now()
	wait, timedOut := m.latency, false
	if m.o.Timeout > 0 && m.o.Timeout < m.latency {
		wait, timedOut = m.o.Timeout, true
	}
	t := time.NewTimer(time.Until(clk.At(rec.Sent + wait)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		rec.End = clk.Now()
		rec.Error = &record.Error{Type: ErrCancelled, Message: context.Cause(ctx).Error()}
		return rec
	}
	rec.End = clk.Now()
	if timedOut {
		rec.Error = &record.Error{Type: ErrTimeout, Message: fmt.Sprintf("Request timed out after %gs (load.request_timeout)", m.o.Timeout.Seconds())}
	}
	return rec
}

// Close implements Client.
func (m *mockClient) Close() {}

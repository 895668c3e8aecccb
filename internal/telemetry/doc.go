// Package telemetry traces every LLM request with OpenTelemetry, configured
// from the environment the way the reference (kubernetes-sigs/inference-perf)
// and the OpenTelemetry SDKs are.
//
// Tracing is off unless OTEL_TRACES_ENABLED=true. When it is off, Setup starts
// nothing (no exporter, no goroutine) and Tracer returns nil, so the request
// path pays nothing. When it is on, each request is a CLIENT span named
// "{gen_ai.operation.name} {model}" carrying both the attribute names the
// reference's users query and the OpenTelemetry GenAI conventions (v1.41),
// the W3C traceparent is injected into the request so that a model server
// (vLLM's llm_request span) joins the trace, and spans are exported in
// batches off the request path: a slow or absent collector costs dropped,
// counted spans, never request time. With an OTLP exporter, request spans
// bypass the SDK's per-span objects: they are encoded straight into OTLP
// and uploaded through the official OTLP client (fast.go), identical to
// what the SDK would send, at a third of its CPU.
//
// docs/otel.md lists every variable, span and attribute.
package telemetry

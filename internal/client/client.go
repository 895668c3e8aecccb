// Package client sends one prompt to an OpenAI-compatible model server and
// measures it: every request becomes one record.Record with exact timings
// from the run's monotonic clock. Failures are data in the record, never
// errors of Do.
//
// Request bodies, routes, headers and failure labels follow the reference
// kubernetes-sigs/inference-perf; docs/client.md describes them.
package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// Client sends requests. Do is safe for concurrent use.
type Client interface {
	// Do sends one request and returns its record. It never returns nil and
	// never fails: failures are recorded in Record.Error. Cancelling ctx
	// ends the request with the error type ErrCancelled.
	Do(ctx context.Context, req Request) *record.Record
	// Close releases idle connections. Do must not be called after Close.
	Close()
}

// Request is one request to send.
type Request struct {
	Stage    int
	Seq      uint64
	Intended time.Duration // when the schedule wanted it sent, on the run's clock
	Prompt   prompt.Prompt
	// LoRA is the adapter to send as the model name; "" sends Options.Model.
	LoRA string
	// SessionID identifies a multi-turn session. When set, the record keeps
	// OutputText (the next turn needs it) and, if Options.SessionIDHeader is
	// set, the id is sent in that header.
	SessionID string
}

// Options configures a client.
type Options struct {
	BaseURL string // server root; a trailing "/" or "/v1" is accepted
	Model   string // model name sent in every request (unless Request.LoRA)
	// APIType is "completion" (default) or "chat".
	APIType string
	// ServerType is vllm (default), sglang, tgi, openai, sim or mock. Only
	// mock changes behaviour: it sends nothing and answers after MockLatency.
	ServerType string
	Streaming  bool
	IgnoreEOS  bool
	APIKey     string            // sent as "Authorization: Bearer <key>" when set
	Headers    map[string]string // extra headers (api.headers); they override the defaults
	// SessionIDHeader names the header carrying Request.SessionID
	// (api.session_id_header_key); "" sends none.
	SessionIDHeader string
	// Timeout bounds a whole request, connecting included; 0 means none.
	Timeout time.Duration
	// KeepBodies keeps request and response bodies and the output text in
	// every record, for per-request reports. It costs memory per request.
	KeepBodies bool
	// MaxConns caps the TCP connections to the server; 0 means no cap.
	MaxConns int
	// CertFile and KeyFile, when both set, are a client certificate for mTLS
	// (server.cert_path, server.key_path).
	CertFile, KeyFile string
	// Clock times everything; nil means a new clock.
	Clock *clock.Clock
	// Tokenizer counts output tokens; nil leaves ClientOutputTokens Unknown.
	Tokenizer tokenizer.Tokenizer
	// MockLatency is how long the mock server type takes per request; 0
	// means the reference's 1 s.
	MockLatency time.Duration
	// Tracer, when set, gets a span per request (see Tracer); nil means
	// tracing is off.
	Tracer Tracer
}

// DefaultMockLatency is the reference mock client's latency.
const DefaultMockLatency = time.Second

// MockModel is the model name the mock server type reports, as the reference.
const MockModel = "mock_model"

// New validates o and returns a client.
func New(o Options) (Client, error) {
	if o.Clock == nil {
		o.Clock = clock.New()
	}
	switch o.APIType {
	case "":
		o.APIType = config.APICompletion
	case config.APICompletion, config.APIChat:
	default:
		return nil, fmt.Errorf("api.type %q: the client supports %q and %q", o.APIType, config.APICompletion, config.APIChat)
	}
	switch o.ServerType {
	case "":
		o.ServerType = config.ServerVLLM
	case config.ServerVLLM, config.ServerSGLang, config.ServerTGI, config.ServerOpenAI, config.ServerSim, config.ServerMock:
	default:
		return nil, fmt.Errorf("server.type %q: want one of vllm, sglang, tgi, openai, sim, mock", o.ServerType)
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("load.request_timeout %v: must not be negative", o.Timeout)
	}
	if o.MaxConns < 0 {
		return nil, fmt.Errorf("load.worker_max_tcp_connections %d: must not be negative", o.MaxConns)
	}
	if o.ServerType == config.ServerMock {
		return newMock(o), nil
	}
	if o.Model == "" {
		return nil, errors.New("server.model_name: no model name (set it, or discover it with DiscoverModel)")
	}
	return newHTTP(o)
}

// ResolveModel fills server.model_name when it is unset: the mock server
// type has a fixed name, any other asks the server (GET /v1/models, first
// id, like the reference) for 30 s at most. The effective config, and so the
// saved config.yaml, then names the model that was benchmarked.
func ResolveModel(ctx context.Context, cfg *config.Config) error {
	s := cfg.Server
	if s == nil {
		return errors.New("server: missing section (server.base_url is required)")
	}
	if s.ModelName != nil && *s.ModelName != "" {
		return nil
	}
	m := MockModel
	if s.Type != config.ServerMock {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		apiKey := ""
		if s.APIKey != nil {
			apiKey = *s.APIKey
		}
		var err error
		if m, err = DiscoverModel(ctx, s.BaseURL, apiKey, nil); err != nil {
			return fmt.Errorf("server.model_name is not set and could not be discovered: %w", err)
		}
	}
	s.ModelName = &m
	return nil
}

// NewFromConfig builds a client from a run's configuration. The model name
// must be known (see ResolveModel). tracer may be nil (tracing off).
func NewFromConfig(cfg *config.Config, clk *clock.Clock, tok tokenizer.Tokenizer, tracer Tracer) (Client, error) {
	if cfg.Server == nil {
		return nil, errors.New("server: missing section (server.base_url is required)")
	}
	s := cfg.Server
	if s.ModelName == nil || *s.ModelName == "" {
		return nil, errors.New("server.model_name: not set (call ResolveModel first)")
	}
	o := Options{
		BaseURL:    s.BaseURL,
		Model:      *s.ModelName,
		APIType:    cfg.API.Type,
		ServerType: s.Type,
		Streaming:  cfg.API.Streaming,
		IgnoreEOS:  s.IgnoreEOS,
		Headers:    cfg.API.Headers,
		KeepBodies: cfg.Report.RequestLifecycle.PerRequest,
		// The reference's limit is per worker process; we have one process
		// doing the work of all of them.
		MaxConns:  max(1, cfg.Load.NumWorkers) * cfg.Load.WorkerMaxTCPConnections,
		Clock:     clk,
		Tokenizer: tok,
		Tracer:    tracer,
	}
	if s.APIKey != nil {
		o.APIKey = *s.APIKey
	}
	if s.CertPath != nil && s.KeyPath != nil {
		o.CertFile, o.KeyFile = *s.CertPath, *s.KeyPath
	}
	if cfg.API.SessionIDHeaderKey != nil {
		o.SessionIDHeader = *cfg.API.SessionIDHeaderKey
	}
	if t := cfg.Load.RequestTimeout; t != nil {
		if *t < 0 {
			return nil, fmt.Errorf("load.request_timeout %g: must not be negative", *t)
		}
		o.Timeout = time.Duration(*t * float64(time.Second))
	}
	return New(o)
}

// endpoint returns the root of the OpenAI routes for a base URL given with or
// without a trailing "/" or "/v1". The reference appends the route to
// base_url verbatim, so only the bare form works there; the others are
// common spellings of the same server.
func endpoint(base string) (string, error) {
	if base == "" {
		return "", errors.New("server.base_url: empty (want e.g. http://127.0.0.1:8000)")
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return "", fmt.Errorf("server.base_url %q: want an http:// or https:// URL", base)
	}
	b := strings.TrimRight(base, "/")
	b = strings.TrimSuffix(b, "/v1")
	return strings.TrimRight(b, "/") + "/v1", nil
}

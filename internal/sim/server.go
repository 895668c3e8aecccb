package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// Server is the simulator as an http.Handler. It serves
//
//	POST /v1/completions, POST /v1/chat/completions (streaming or not)
//	GET  /v1/models, /health, /metrics
//
// and is safe for concurrent use. Start wraps it in a listening HTTP server.
type Server struct {
	opts      Options
	seed      uint64
	modelJSON []byte // the model id as a JSON string, quotes included
	adapters  map[string]*adapter
	models    []byte // GET /v1/models body
	sched     *scheduler
	metrics   *metrics
	promH     http.Handler
	tracer    trace.Tracer // nil when Options.TracerProvider is nil
	tok       tokenizer.Tokenizer

	seq      atomic.Uint64 // request index: with the seed, picks a request's words
	counters struct {
		received, rejected, admitted, queued, completed, aborted atomic.Uint64
		promptTokens, generationTokens                           atomic.Uint64
	}

	// active counts generation handlers in progress, so Close can wait for
	// them; idle is closed when it drops to 0 while someone waits.
	actMu  sync.Mutex
	active int
	idle   chan struct{}
}

// Counters are cumulative request counts since the server was created.
type Counters struct {
	// Received counts POSTs to the two generation endpoints.
	Received uint64
	// Rejected counts those answered with a 4xx (bad body, unknown model...).
	Rejected uint64
	// Admitted counts requests that got a sequence slot.
	Admitted uint64
	// Queued counts requests that had to wait for a slot (admitted or not).
	Queued uint64
	// Completed counts requests whose every token was sent.
	Completed uint64
	// Aborted counts requests whose client went away, queued or running.
	Aborted uint64
	// PromptTokens sums the prompt tokens of admitted requests.
	PromptTokens uint64
	// GenerationTokens sums the tokens sent (or, non-streaming, produced).
	GenerationTokens uint64
}

// New builds a simulator from validated options.
func New(o Options) (*Server, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	modelJSON, err := json.Marshal(o.Model)
	if err != nil {
		return nil, fmt.Errorf("sim: encode model name %q: %w", o.Model, err)
	}
	s := &Server{opts: o, seed: o.seed(), modelJSON: modelJSON, sched: newScheduler(o.MaxNumSeqs), tok: o.Tokenizer}
	if s.tok == nil {
		s.tok = tokenizer.Words{}
	}
	if o.TracerProvider != nil {
		s.tracer = o.TracerProvider.Tracer(tracerName)
	}
	s.metrics, err = newMetrics(o.Model, s.sched)
	if err != nil {
		return nil, err
	}
	var list []*adapter
	s.adapters, list, err = newAdapters(o.LoRAs)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		// As vLLM, only a server with LoRA enabled has the series.
		if err := s.metrics.registry.Register(newLoRAInfo(list)); err != nil {
			return nil, fmt.Errorf("sim metrics: register: %w", err)
		}
	}
	s.promH = promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	created := time.Now().Unix()
	maxLen := maxModelLen
	cards := []modelCard{{
		ID: o.Model, Object: "model", Created: created, OwnedBy: "vllm",
		Root: o.Model, MaxModelLen: &maxLen,
	}}
	// vLLM lists each adapter after the base model with the base model as
	// parent, its path as root (here the name: there are no weights) and
	// no max_model_len.
	for _, a := range list {
		parent := o.Model
		cards = append(cards, modelCard{ID: a.name, Object: "model", Created: created, OwnedBy: "vllm",
			Root: a.name, Parent: &parent})
	}
	s.models, err = json.Marshal(modelList{Object: "list", Data: cards})
	if err != nil {
		return nil, fmt.Errorf("sim: encode model list: %w", err)
	}
	return s, nil
}

// Options returns the options the server was built with.
func (s *Server) Options() Options { return s.opts }

// Registry returns the private Prometheus registry behind GET /metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

// InFlight returns the requests holding or waiting for a sequence slot
// (Running + Waiting). Requests still sending their body are not counted.
func (s *Server) InFlight() int {
	r, w, _ := s.sched.state()
	return r + w
}

// Running returns the requests holding a sequence slot (generating).
func (s *Server) Running() int {
	r, _, _ := s.sched.state()
	return r
}

// Waiting returns the requests queued for a sequence slot.
func (s *Server) Waiting() int {
	_, w, _ := s.sched.state()
	return w
}

// MaxRunningSeen returns the highest Running count so far; it never exceeds
// MaxNumSeqs.
func (s *Server) MaxRunningSeen() int {
	_, _, m := s.sched.state()
	return m
}

// Requests returns a snapshot of the cumulative counters.
func (s *Server) Requests() Counters {
	c := &s.counters
	return Counters{
		Received: c.received.Load(), Rejected: c.rejected.Load(), Admitted: c.admitted.Load(),
		Queued: c.queued.Load(), Completed: c.completed.Load(), Aborted: c.aborted.Load(),
		PromptTokens: c.promptTokens.Load(), GenerationTokens: c.generationTokens.Load(),
	}
}

// ServeHTTP routes a request to its endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/completions":
		if s.allow(w, r, http.MethodPost) {
			s.serveGenerate(w, r, apiCompletion)
		}
	case "/v1/chat/completions":
		if s.allow(w, r, http.MethodPost) {
			s.serveGenerate(w, r, apiChat)
		}
	case "/v1/models":
		if s.allow(w, r, http.MethodGet) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.models)
		}
	case "/health":
		if s.allow(w, r, http.MethodGet) {
			w.WriteHeader(http.StatusOK) // vLLM answers 200 with an empty body
		}
	case "/metrics":
		if s.allow(w, r, http.MethodGet) {
			s.promH.ServeHTTP(w, r)
		}
	default:
		writeError(w, &requestError{status: http.StatusNotFound, kind: "NotFoundError",
			msg: fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)})
	}
}

// allow answers 405 unless r uses method (GET also admits HEAD).
func (s *Server) allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	allowed := method
	if method == http.MethodGet {
		allowed = "GET, HEAD"
	}
	w.Header().Set("Allow", allowed)
	writeError(w, &requestError{status: http.StatusMethodNotAllowed, kind: "MethodNotAllowedError",
		msg: fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, method)})
	return false
}

// errorBody is the OpenAI error shape vLLM answers with.
type errorBody struct {
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    int     `json:"code"`
}

func writeError(w http.ResponseWriter, e *requestError) {
	info := errorInfo{Message: e.msg, Type: e.kind, Code: e.status}
	if e.param != "" {
		info.Param = &e.param
	}
	body, err := json.Marshal(errorBody{Error: info})
	if err != nil { // cannot happen for these types; keep the status anyway
		body = []byte(`{"error":{"message":"internal error","type":"InternalServerError","param":null,"code":500}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

type modelList struct {
	Object string      `json:"object"`
	Data   []modelCard `json:"data"`
}

type modelCard struct {
	ID          string  `json:"id"`
	Object      string  `json:"object"`
	Created     int64   `json:"created"`
	OwnedBy     string  `json:"owned_by"`
	Root        string  `json:"root"`
	Parent      *string `json:"parent"`
	MaxModelLen *int    `json:"max_model_len"`
}

func (s *Server) enter() {
	s.actMu.Lock()
	s.active++
	s.actMu.Unlock()
}

func (s *Server) leave() {
	s.actMu.Lock()
	s.active--
	if s.active == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
	s.actMu.Unlock()
}

// waitIdle blocks until no generation handler runs, or ctx ends.
func (s *Server) waitIdle(ctx context.Context) error {
	s.actMu.Lock()
	if s.active == 0 {
		s.actMu.Unlock()
		return nil
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	ch := s.idle
	s.actMu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sim: waiting for in-flight requests: %w", ctx.Err())
	}
}

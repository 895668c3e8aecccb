package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxBodyBytes bounds a request body; larger ones get 413.
const maxBodyBytes = 64 << 20

// maxPooledBuf is the largest buffer returned to the pool, so one huge
// request does not pin its memory forever.
const maxPooledBuf = 64 << 10

// genState is a request's scratch space, pooled so that a request in steady
// state allocates nothing per token and little per request.
type genState struct {
	pcg  rand.PCG
	rng  *rand.Rand      // draws from pcg
	body []byte          // request body
	head []byte          // "data: " + envelope + choice opening
	buf  []byte          // the bytes of one write
	gaps []time.Duration // non-streaming inter-token gaps
}

var statePool = sync.Pool{New: func() any {
	st := &genState{body: make([]byte, 0, 4096)}
	st.rng = rand.New(&st.pcg)
	return st
}}

func putState(st *genState) {
	if cap(st.body) > maxPooledBuf {
		st.body = make([]byte, 0, 4096)
	}
	if cap(st.buf) > maxPooledBuf {
		st.buf = nil
	}
	if cap(st.head) > maxPooledBuf {
		st.head = nil
	}
	if cap(st.gaps) > maxPooledBuf/8 {
		st.gaps = nil
	}
	statePool.Put(st)
}

// outcome is how a generation ended.
type outcome struct {
	generated int
	completed bool
	first     time.Time // first token sent (streaming) or due (non-streaming)
	end       time.Time
}

func (s *Server) serveGenerate(w http.ResponseWriter, r *http.Request, a api) {
	arrival := time.Now()
	s.enter()
	defer s.leave()
	s.counters.received.Add(1)

	st := statePool.Get().(*genState)
	defer putState(st)

	// sp gathers what the request's span reports; the span is made once,
	// when the handler returns, and not at all without a tracer.
	var sp spanData
	if s.tracer != nil {
		defer s.endSpan(r, &sp, arrival)
	}

	var err error
	st.body, err = readBody(http.MaxBytesReader(w, r.Body, maxBodyBytes), st.body[:0])
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, &sp, &requestError{status: http.StatusRequestEntityTooLarge, kind: "BadRequestError",
				msg: fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit)})
			return
		}
		s.reject(w, &sp, badRequest("", "reading request body: %v", err))
		return
	}
	p, rerr := parseRequest(a, st.body, s.tok)
	if rerr != nil {
		s.reject(w, &sp, rerr)
		return
	}
	// An adapter is served like the base model; vLLM answers with the
	// model id the request named.
	modelJSON := s.modelJSON
	var lora *adapter
	if p.model != "" && p.model != s.opts.Model {
		if lora = s.adapters[p.model]; lora == nil {
			s.reject(w, &sp, &requestError{status: http.StatusNotFound, kind: "NotFoundError", param: "model",
				msg: fmt.Sprintf("The model `%s` does not exist.", p.model)})
			return
		}
		modelJSON = lora.modelJSON
	}
	n, finish := s.outputLength(p)
	// The request's index in arrival order, not the time, seeds its words
	// and jitter, so the k-th valid request of a run gets the same answer
	// under the same seed. The id is drawn before queueing, so that a
	// request aborted in the queue has one for its span too.
	idx := s.seq.Add(1)
	st.pcg.Seed(s.seed, idx)
	meta := respMeta{created: arrival.Unix(), model: modelJSON}
	appendHex32(&meta.id, st.rng.Uint64(), st.rng.Uint64())
	sp.valid, sp.a, sp.p, sp.id = true, a, p, meta.id

	ctx := r.Context()
	if lora != nil {
		lora.waiting.Add(1)
	}
	queued, err := s.sched.acquire(ctx)
	if lora != nil {
		lora.waiting.Add(-1)
		if err == nil {
			lora.running.Add(1)
			defer lora.running.Add(-1)
		}
	}
	if queued {
		s.counters.queued.Add(1)
	}
	if err != nil {
		s.abort(0)
		return
	}
	defer s.sched.release()
	admit := time.Now()
	sp.admitted, sp.admit = true, admit
	s.counters.admitted.Add(1)
	s.counters.promptTokens.Add(uint64(p.promptTokens))
	s.metrics.promptTokens.Add(float64(p.promptTokens))

	var out outcome
	if p.stream {
		out = s.stream(w, r, st, a, &meta, p, n, finish, admit, arrival)
	} else {
		out = s.unary(w, r, st, a, &meta, p, n, finish, admit, arrival)
	}
	sp.out, sp.finish = out, finish
	if !out.completed {
		s.abort(out.generated)
		return
	}
	s.finish(p, out, finish, arrival, admit)
}

// outputLength decides how many tokens to send and why generation stops:
// max_tokens with ignore_eos forces the length; otherwise the natural length
// (OutputTokens), capped by max_tokens.
func (s *Server) outputLength(p parsed) (int, string) {
	n := s.opts.OutputTokens
	if p.maxTokens > 0 && (p.ignoreEOS || p.maxTokens <= n) {
		return p.maxTokens, finishLength
	}
	return n, finishStop
}

// stream sends the SSE response: headers at admission, then one chunk per
// token on the absolute schedule admit+TTFT+i*ITL (plus jitter), each flushed.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, st *genState, a api, meta *respMeta,
	p parsed, n int, finish string, admit, arrival time.Time) outcome {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	// The controller finds the Flusher behind wrapping middleware, and its
	// error tells a gone client early.
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return outcome{}
	}

	obj, open, tail, last := objCompletion, complTextOpen, complTail, complTailStop
	if finish == finishLength {
		last = complTailLength
	}
	if a == apiChat {
		obj, open, tail, last = objChatChunk, chatContentOpen, chatTail, chatTailStop
		if finish == finishLength {
			last = chatTailLength
		}
	}
	st.head = append(st.head[:0], "data: "...)
	st.head = appendEnvelope(st.head, a, meta, obj, meta.model)
	envLen := len(st.head)
	st.head = append(st.head, open...)

	var timer *time.Timer
	defer stopTimer(&timer)
	done := r.Context().Done()
	due := admit.Add(s.jitter(st.rng, s.opts.TTFT, s.opts.TTFTJitter))
	out := outcome{}
	// now is the clock as of the last flush. Reusing it to size the next
	// sleep saves a clock read per token; it is stale only by the few
	// instructions since, which can make a token later, never earlier.
	now := time.Now()
	var prev time.Time
	for i := 0; i < n; i++ {
		if i > 0 {
			due = due.Add(s.jitter(st.rng, s.opts.ITL, s.opts.ITLJitter))
		}
		tok := wordTokens[st.rng.IntN(len(wordTokens))]
		if !sleepFor(done, &timer, due.Sub(now)) {
			return out
		}
		b := st.buf[:0]
		if i == 0 && a == apiChat {
			// vLLM sends the role chunk with the first output, not at admission.
			b = append(b, st.head[:envLen]...)
			b = append(b, chatRoleChoice...)
		}
		b = append(b, st.head...)
		b = append(b, tok...)
		if i < n-1 {
			b = append(b, tail...)
		} else {
			b = append(b, last...)
			if p.includeUsage {
				b = appendUsageChunk(b, a, meta, meta.model, p.promptTokens, n)
			}
			b = append(b, sseDone...)
		}
		st.buf = b
		if _, err := w.Write(b); err != nil {
			return out
		}
		if rc.Flush() != nil {
			return out
		}
		now = time.Now()
		if i == 0 {
			out.first = now
			s.metrics.ttft.Observe(now.Sub(arrival).Seconds())
		} else {
			s.metrics.itl.observe(now.Sub(prev))
		}
		prev = now
		out.generated++
	}
	out.completed = true
	out.end = prev
	return out
}

// unary produces the whole answer, waits until its last token is due and
// sends it as one JSON body. Token timings for the metrics come from the
// schedule, since nothing is sent per token.
func (s *Server) unary(w http.ResponseWriter, r *http.Request, st *genState, a api, meta *respMeta,
	p parsed, n int, finish string, admit, arrival time.Time) outcome {
	b := st.buf[:0]
	if a == apiChat {
		b = appendEnvelope(b, a, meta, objChat, meta.model)
		b = append(b, `"choices":[{"index":0,"message":{"role":"assistant","content":"`...)
	} else {
		b = appendEnvelope(b, a, meta, objCompletion, meta.model)
		b = append(b, complTextOpen...)
	}
	first := admit.Add(s.jitter(st.rng, s.opts.TTFT, s.opts.TTFTJitter))
	due := first
	st.gaps = st.gaps[:0] // observed only once the answer is sent
	for i := 0; i < n; i++ {
		if i > 0 {
			gap := s.jitter(st.rng, s.opts.ITL, s.opts.ITLJitter)
			due = due.Add(gap)
			st.gaps = append(st.gaps, gap)
		}
		b = append(b, wordTokens[st.rng.IntN(len(wordTokens))]...)
	}
	if a == apiChat {
		b = append(b, `","tool_calls":[]},"logprobs":null,"finish_reason":"`...)
		b = append(b, finish...)
		b = append(b, `","stop_reason":null}],`...)
		b = appendUsage(b, p.promptTokens, n)
		b = append(b, `,"prompt_logprobs":null}`...)
	} else {
		b = append(b, `","logprobs":null,"finish_reason":"`...)
		b = append(b, finish...)
		b = append(b, `","stop_reason":null,"prompt_logprobs":null}],`...)
		b = appendUsage(b, p.promptTokens, n)
		b = append(b, '}')
	}
	st.buf = b

	var timer *time.Timer
	defer stopTimer(&timer)
	if !sleepFor(r.Context().Done(), &timer, time.Until(due)) {
		return outcome{}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b); err != nil {
		return outcome{}
	}
	s.metrics.ttft.Observe(first.Sub(arrival).Seconds())
	for _, g := range st.gaps {
		s.metrics.itl.observe(g)
	}
	return outcome{generated: n, completed: true, first: first, end: time.Now()}
}

// finish records a completed request's metrics.
func (s *Server) finish(p parsed, out outcome, finish string, arrival, admit time.Time) {
	m := s.metrics
	s.counters.completed.Add(1)
	s.counters.generationTokens.Add(uint64(out.generated))
	m.generationTokens.Add(float64(out.generated))
	if finish == finishLength {
		m.successLength.Inc()
	} else {
		m.successStop.Inc()
	}
	m.e2e.Observe(out.end.Sub(arrival).Seconds())
	m.queueTime.Observe(admit.Sub(arrival).Seconds())
	m.inferenceTime.Observe(out.end.Sub(admit).Seconds())
	m.prefillTime.Observe(out.first.Sub(admit).Seconds())
	decode := out.end.Sub(out.first).Seconds()
	m.decodeTime.Observe(decode)
	if out.generated > 1 {
		m.reqTPOT.Observe(decode / float64(out.generated-1))
	}
	m.reqPromptTokens.Observe(float64(p.promptTokens))
	m.reqGenTokens.Observe(float64(out.generated))
	maxTok := p.maxTokens
	if maxTok == 0 {
		maxTok = maxModelLen - p.promptTokens // vLLM's default max_tokens
	}
	m.reqParamsMaxToks.Observe(float64(maxTok))
}

// abort records a request whose client went away after generated tokens.
func (s *Server) abort(generated int) {
	s.counters.aborted.Add(1)
	s.counters.generationTokens.Add(uint64(generated))
	s.metrics.generationTokens.Add(float64(generated))
	s.metrics.successAbort.Inc()
}

// reject answers a 4xx and notes it for the request's span.
func (s *Server) reject(w http.ResponseWriter, sp *spanData, e *requestError) {
	s.counters.rejected.Add(1)
	sp.rejected = e
	writeError(w, e)
}

// jitter returns d plus a normal deviation of std-dev sd, clamped at 0. With
// sd 0 it draws nothing, so exact runs do not consume the RNG.
func (s *Server) jitter(rng *rand.Rand, d, sd time.Duration) time.Duration {
	if sd <= 0 {
		return d
	}
	j := d + time.Duration(rng.NormFloat64()*float64(sd))
	if j < 0 {
		return 0
	}
	return j
}

// sleepFor waits d using one reusable timer, and reports false if done
// closed first. A due time already past (d <= 0) costs no timer at all.
func sleepFor(done <-chan struct{}, t **time.Timer, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	if *t == nil {
		*t = time.NewTimer(d)
	} else {
		(*t).Reset(d)
	}
	select {
	case <-(*t).C:
		return true
	case <-done:
		return false
	}
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
	}
}

// readBody reads r to EOF into buf, growing it as needed.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

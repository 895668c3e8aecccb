package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
	"github.com/inference-perf-go/inference-perf/internal/sse"
)

const (
	// dialTimeout bounds connecting; a server that cannot accept within it
	// is failing, and the failure should show as such, not as latency.
	dialTimeout = 10 * time.Second
	// maxUnaryBody bounds a non-streaming response body.
	maxUnaryBody = 64 << 20
	// maxErrorBody is how much of a non-200 body is read for its message.
	maxErrorBody = 64 << 10
	// maxDrain is how much is read past the end of what the client needs
	// ([DONE], an error message) to return the connection to the pool;
	// beyond it the connection is closed instead.
	maxDrain = 256 << 10
	// drainGrace bounds the wait for the end of a response after [DONE],
	// so a server that keeps the stream open cannot hold the request.
	drainGrace = time.Second
	// idleConnsNoCap is the idle-connection pool size when MaxConns is 0.
	idleConnsNoCap = 10000
)

type httpClient struct {
	o        Options
	clk      *clock.Clock
	u        *url.URL // the route; shared read-only by all requests
	addr     string   // host:port, for messages
	port     int      // server port, for spans
	urlStr   string   // u.String(), for spans
	host     string   // u.Hostname(), for spans
	tr       *http.Transport
	header   http.Header // shared read-only by all requests
	spec     bodySpec
	chat     bool
	timeoutS float64
	pool     sync.Pool // *state
	model    atomic.Pointer[string]
	// drainGrace is the drainGrace constant; a field so tests can shorten it.
	drainGrace time.Duration
}

func newHTTP(o Options) (*httpClient, error) {
	root, err := endpoint(o.BaseURL)
	if err != nil {
		return nil, err
	}
	chat := o.APIType == config.APIChat
	route := root + "/completions"
	if chat {
		route = root + "/chat/completions"
	}
	u, err := url.Parse(route)
	if err != nil {
		return nil, fmt.Errorf("server.base_url %q: %w", o.BaseURL, err)
	}
	tr, err := newTransport(o)
	if err != nil {
		return nil, err
	}
	c := &httpClient{
		o:        o,
		clk:      o.Clock,
		u:        u,
		addr:     u.Host,
		port:     urlPort(u),
		urlStr:   u.String(),
		host:     u.Hostname(),
		tr:       tr,
		header:   buildHeader(o.APIKey, o.Headers),
		spec:     bodySpec{chat: chat, ignoreEOS: o.IgnoreEOS, stream: o.Streaming},
		chat:     chat,
		timeoutS: o.Timeout.Seconds(),

		drainGrace: drainGrace,
	}
	c.pool.New = func() any { return newState(c) }
	return c, nil
}

// urlPort is the URL's port, or the scheme's default.
func urlPort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// newTransport returns the one transport all requests share: HTTP/1.1 only
// (like the reference's aiohttp), keep-alive, no compression (it would cost
// CPU on both ends and delay chunks), no proxy (aiohttp ignores the
// environment's too).
func newTransport(o Options) (*http.Transport, error) {
	idle := o.MaxConns
	if idle == 0 {
		idle = idleConnsNoCap
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0, // no global cap: one host
		MaxIdleConnsPerHost: idle,
		MaxConnsPerHost:     o.MaxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     16 << 10, // long prompts go out in few writes
		TLSHandshakeTimeout: dialTimeout,
	}
	p := new(http.Protocols)
	p.SetHTTP1(true)
	tr.Protocols = p
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("server.cert_path/key_path: %w", err)
		}
		tr.TLSClientConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return tr, nil
}

// buildHeader builds the headers the reference sends: JSON content type, the
// bearer token, then api.headers, which override either.
func buildHeader(apiKey string, extra map[string]string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if apiKey != "" {
		h.Set("Authorization", "Bearer "+apiKey)
	}
	for k, v := range extra {
		h.Set(k, v)
	}
	return h
}

// Close implements Client.
func (c *httpClient) Close() { c.tr.CloseIdleConnections() }

// state is the reusable working memory of one request. It returns to the
// pool only when both Do and the transport are done with it: the transport
// may read the request body after RoundTrip returned.
type state struct {
	c       *httpClient
	refs    atomic.Int32
	body    []byte // request body
	first   reqBody
	getBody func() (io.ReadCloser, error)
	timed   timedReader
	sse     *sse.Reader
	dec     decoder
	out     []byte          // output text
	chunks  []time.Duration // content chunk arrivals
	raw     []byte          // response bytes, for unary parsing or KeepBodies
	drain   [2048]byte
}

func newState(c *httpClient) *state {
	st := &state{c: c, sse: sse.NewReader(nil)}
	st.first.st = st
	st.getBody = st.newBody
	return st
}

func (st *state) release() {
	if st.refs.Add(-1) == 0 {
		const keep = 1 << 20 // do not pin buffers grown by one huge request
		if cap(st.body) > keep {
			st.body = nil
		}
		if cap(st.raw) > keep {
			st.raw = nil
		}
		if cap(st.out) > keep {
			st.out = nil
		}
		st.c.pool.Put(st)
	}
}

// newBody is Request.GetBody: the transport calls it to resend the body
// when a kept-alive connection turned out dead.
func (st *state) newBody() (io.ReadCloser, error) {
	st.refs.Add(1)
	return &reqBody{st: st}, nil
}

// reqBody reads the pooled request body and releases it once closed.
type reqBody struct {
	st     *state
	off    int
	closed atomic.Bool
}

func (b *reqBody) Read(p []byte) (int, error) {
	if b.off >= len(b.st.body) {
		return 0, io.EOF
	}
	n := copy(p, b.st.body[b.off:])
	b.off += n
	return n, nil
}

func (b *reqBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.st.release()
	}
	return nil
}

// timedReader notes when each read of the response body returned data.
// The SSE reader reads only when it has no complete event buffered, so when
// it returns an event, the last read is the one that brought the event's
// final byte: its time is the event's arrival.
type timedReader struct {
	r    io.Reader
	clk  *clock.Clock
	last time.Duration
	eof  bool
	keep *[]byte // when non-nil, everything read is appended
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.last = t.clk.Now()
		if t.keep != nil {
			*t.keep = append(*t.keep, p[:n]...)
		}
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

// firstByte receives httptrace's GotFirstResponseByte, which runs on the
// transport's goroutine and may run late on a failed request: hence its own
// allocation and an atomic.
type firstByte struct {
	clk   *clock.Clock
	at    atomic.Int64
	trace httptrace.ClientTrace
}

func (f *firstByte) got() { f.at.Store(int64(f.clk.Now())) }

// Do implements Client.
func (c *httpClient) Do(ctx context.Context, req Request) *record.Record {
	rec := newRecord(c.o, req)
	st := c.pool.Get().(*state)
	st.refs.Store(1)
	defer st.release()
	st.out, st.chunks, st.raw = st.out[:0], st.chunks[:0], st.raw[:0]

	model := c.o.Model
	if req.LoRA != "" {
		model = req.LoRA
	}
	st.body = c.spec.appendBody(st.body[:0], model, &req.Prompt)
	rec.RequestBytes = len(st.body)
	if c.o.KeepBodies {
		rec.RequestBody = bytes.Clone(st.body)
	}

	var reqCtx context.Context
	var cancel context.CancelFunc
	if c.o.Timeout > 0 {
		reqCtx, cancel = context.WithTimeout(ctx, c.o.Timeout)
	} else {
		reqCtx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	fb := &firstByte{clk: c.clk}
	fb.trace.GotFirstResponseByte = fb.got

	header := c.header
	if (c.o.SessionIDHeader != "" && req.SessionID != "") || c.o.Tracer != nil {
		header = c.header.Clone()
		if c.o.SessionIDHeader != "" && req.SessionID != "" {
			header.Set(c.o.SessionIDHeader, req.SessionID)
		}
	}
	var span RequestSpan
	if c.o.Tracer != nil {
		span = c.o.Tracer.StartRequest(ctx, &RequestStart{
			Request: &req, Model: model, APIType: c.o.APIType, ServerType: c.o.ServerType,
			Streaming: c.o.Streaming, MaxTokens: maxTokensSent(&req.Prompt),
			URL: c.urlStr, Host: c.host, Port: c.port, Header: header,
		})
	}
	st.first.off = 0
	st.first.closed.Store(false)
	st.refs.Add(1) // held by the transport until it closes the body
	hreq := (&http.Request{
		Method:        http.MethodPost,
		URL:           c.u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          &st.first,
		GetBody:       st.getBody,
		ContentLength: int64(len(st.body)),
		Host:          c.u.Host,
	}).WithContext(httptrace.WithClientTrace(reqCtx, &fb.trace))

	// Sent is taken right before the exchange starts, as the reference takes
	// its start: waiting for a pooled connection, dialing and writing the
	// request all count as the request's latency.
	rec.Sent = c.clk.Now()
	resp, err := c.tr.RoundTrip(hreq)
	if err != nil {
		rec.End = c.clk.Now()
		rec.FirstByte = time.Duration(fb.at.Load())
		rec.Error = transportError(err, ctx, reqCtx, c.timeoutS, c.addr, false)
		c.finish(rec, st, req)
		if span != nil {
			span.End(rec, st.out)
		}
		return rec
	}
	rec.FirstByte = time.Duration(fb.at.Load())
	rec.Status = resp.StatusCode

	st.timed = timedReader{r: resp.Body, clk: c.clk}
	switch {
	case resp.StatusCode != http.StatusOK:
		c.readFailure(resp, rec, st)
	case c.o.Streaming:
		c.readStream(ctx, reqCtx, cancel, resp, rec, st)
	default:
		c.readUnary(ctx, reqCtx, resp, rec, st)
	}
	resp.Body.Close()
	c.finish(rec, st, req)
	if span != nil {
		span.End(rec, st.out)
	}
	return rec
}

func newRecord(o Options, req Request) *record.Record {
	rec := &record.Record{
		Stage:              req.Stage,
		Seq:                req.Seq,
		SessionID:          req.SessionID,
		LoRA:               req.LoRA,
		Streaming:          o.Streaming,
		Intended:           req.Intended,
		ClientPromptTokens: req.Prompt.Tokens,
		ServerPromptTokens: record.Unknown,
		ServerOutputTokens: record.Unknown,
		ClientOutputTokens: record.Unknown,
	}
	return rec
}

// readStream reads an SSE response, timestamping every content chunk.
func (c *httpClient) readStream(ctx, reqCtx context.Context, cancel context.CancelFunc, resp *http.Response, rec *record.Record, st *state) {
	if c.o.KeepBodies {
		st.timed.keep = &st.raw
	}
	st.sse.Reset(&st.timed)
	var ch chunk
	for {
		data, err := st.sse.Next()
		if err != nil {
			rec.End = c.clk.Now()
			switch {
			case err == io.EOF:
			case errors.Is(err, sse.ErrTooLong):
				rec.Error = &record.Error{Type: ErrPayload, Message: "Response payload is not completed: " + err.Error()}
			default:
				rec.Error = transportError(err, ctx, reqCtx, c.timeoutS, c.addr, true)
			}
			break
		}
		at := st.timed.last // before any parsing: the bytes' arrival
		data = trimASCIISpace(data)
		if len(data) == 0 {
			continue
		}
		if string(data) == "[DONE]" {
			rec.End = at
			if !st.timed.eof {
				c.drain(resp.Body, cancel, st)
			}
			break
		}
		st.dec.skipMeta = rec.ResponseID != "" && rec.Model != ""
		if err := st.dec.decode(data, &ch); err != nil {
			rec.End = at
			rec.Error = &record.Error{Type: ErrMalformed, Message: clip("malformed SSE chunk: " + err.Error() + ": " + string(data))}
			break
		}
		if ch.errTruthy {
			rec.End = at
			msg := ErrorMessage(data)
			rec.Error = &record.Error{Type: messageLabel(ErrInBand, msg), Message: msg}
			break
		}
		c.absorb(rec, &st.dec, &ch)
		var text []byte
		switch {
		case !c.chat:
			text = st.dec.get(ch.text)
		case ch.content.ok && ch.content.end > ch.content.start:
			text = st.dec.get(ch.content)
		case ch.reasoning.ok && ch.reasoning.end > ch.reasoning.start:
			text = st.dec.get(ch.reasoning)
		default:
			text = st.dec.get(ch.reasoningContent)
		}
		if len(text) > 0 {
			st.chunks = append(st.chunks, at)
			st.out = append(st.out, text...)
		}
	}
	if len(st.chunks) > 0 {
		rec.Chunks = slices.Clone(st.chunks)
	}
}

// readUnary reads a whole non-streaming response. Without a stream there is
// no first token to time: Chunks stays empty, as the reference reports TTFT
// for streaming only.
func (c *httpClient) readUnary(ctx, reqCtx context.Context, resp *http.Response, rec *record.Record, st *state) {
	var err error
	st.raw, err = readAtMost(st.raw[:0], &st.timed, maxUnaryBody)
	rec.End = c.clk.Now()
	if err != nil {
		if errors.Is(err, errTooLarge) {
			rec.Error = &record.Error{Type: ErrPayload, Message: fmt.Sprintf("response body larger than %d MiB", maxUnaryBody>>20)}
		} else {
			rec.Error = transportError(err, ctx, reqCtx, c.timeoutS, c.addr, true)
		}
		return
	}
	var ch chunk
	st.dec.skipMeta = false
	if err := st.dec.decode(st.raw, &ch); err != nil {
		rec.Error = &record.Error{Type: ErrMalformed, Message: clip("malformed response body: " + err.Error() + ": " + string(st.raw))}
		return
	}
	if ch.errTruthy {
		msg := ErrorMessage(st.raw)
		rec.Error = &record.Error{Type: messageLabel(ErrInBand, msg), Message: msg}
		return
	}
	c.absorb(rec, &st.dec, &ch)
	if c.chat {
		for _, p := range ch.msgParts {
			st.out = append(st.out, st.dec.get(p)...)
		}
	} else {
		st.out = append(st.out, st.dec.get(ch.text)...)
	}
}

// readFailure reads a non-200 response: its label comes from the status and
// the server's message, as in the reference's reports.
func (c *httpClient) readFailure(resp *http.Response, rec *record.Record, st *state) {
	st.raw, _ = readAtMost(st.raw[:0], &st.timed, maxErrorBody)
	rec.End = c.clk.Now()
	msg := ErrorMessage(st.raw)
	if len(st.raw) == 0 {
		msg = resp.Status
	}
	rec.Error = &record.Error{Type: HTTPLabel(resp.StatusCode, msg), Message: msg}
	if !st.timed.eof {
		c.drainBounded(resp.Body, st)
	}
}

// absorb takes the metadata of one chunk into the record: usage keys
// override earlier ones (the reference merges usage dicts), the first id and
// model stay, the last finish reason wins.
func (c *httpClient) absorb(rec *record.Record, d *decoder, ch *chunk) {
	if ch.hasUsage {
		if ch.promptSet {
			rec.ServerPromptTokens = ch.prompt
		}
		if ch.completionSet {
			rec.ServerOutputTokens = ch.completion
		}
	}
	if rec.ResponseID == "" && ch.id.ok && ch.id.end > ch.id.start {
		rec.ResponseID = string(d.get(ch.id))
	}
	if rec.Model == "" && ch.model.ok && ch.model.end > ch.model.start {
		rec.Model = c.internModel(d.get(ch.model))
	}
	if ch.finish.ok {
		rec.FinishReason = internFinish(d.get(ch.finish))
	}
}

// finish fills what every record gets at the end: output token count, kept
// bodies, and the empty-response rule.
func (c *httpClient) finish(rec *record.Record, st *state, req Request) {
	keepText := c.o.KeepBodies || req.SessionID != ""
	if rec.Error == nil && len(st.out) == 0 && rec.ServerPromptTokens < 0 && rec.ServerOutputTokens < 0 {
		// The reference (#713) fails a 200 that carried nothing measurable.
		rec.Error = &record.Error{Type: ErrEmpty, Message: "200 response with no completion content and no usage"}
	}
	if c.o.Tokenizer != nil || keepText {
		text := string(st.out)
		if c.o.Tokenizer != nil {
			rec.ClientOutputTokens = c.o.Tokenizer.Count(text)
		}
		if keepText {
			rec.OutputText = text
		}
	}
	if c.o.KeepBodies && rec.Status != 0 {
		rec.ResponseBody = bytes.Clone(st.raw)
	}
}

// drain reads the rest of a stream after [DONE] so the connection can be
// reused, giving up (and closing it) after drainGrace.
func (c *httpClient) drain(body io.Reader, cancel context.CancelFunc, st *state) {
	t := time.AfterFunc(c.drainGrace, cancel)
	c.drainBounded(body, st)
	t.Stop()
}

func (c *httpClient) drainBounded(body io.Reader, st *state) {
	for n := 0; n < maxDrain; {
		m, err := body.Read(st.drain[:])
		n += m
		if err != nil {
			return
		}
	}
}

func (c *httpClient) internModel(b []byte) string {
	if p := c.model.Load(); p != nil && *p == string(b) {
		return *p
	}
	s := string(b)
	c.model.Store(&s)
	return s
}

func internFinish(b []byte) string {
	switch string(b) {
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "abort":
		return "abort"
	case "eos_token":
		return "eos_token"
	}
	return string(b)
}

func trimASCIISpace(b []byte) []byte {
	for len(b) > 0 && isPySpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isPySpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isPySpace is the whitespace Python's bytes.strip removes.
func isPySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

var errTooLarge = errors.New("too large")

// readAtMost appends all of r to dst, failing with errTooLarge past limit.
func readAtMost(dst []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst) > limit {
			return dst[:limit], errTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

func sseFrame(json string) string { return "data: " + json + "\n\n" }

const doneFrame = "data: [DONE]\n\n"

// TestStreamTiming releases each SSE event from the test and checks that the
// recorded arrival lies between its release and the next one, i.e. that the
// client timestamps the event it just read, not an earlier or later one.
func TestStreamTiming(t *testing.T) {
	t.Parallel()
	s := newScripted(t, http.StatusOK, "text/event-stream")
	clk := clock.New()
	c := newTestClient(t, s.srv.URL, func(o *Options) { o.Clock = clk; o.KeepBodies = true })
	p := attachProbe(c)
	req := Request{Stage: 2, Seq: 7, Intended: 5 * time.Millisecond, Prompt: prompt.Prompt{Text: "hi there", Tokens: 2, MaxTokens: 4}}
	res := doAsync(context.Background(), c, req)

	got := <-s.got
	conn := <-p.conns
	frames := []struct {
		data    string
		marker  string
		content bool
	}{
		// An empty text chunk is not content (cf. role-only chat deltas).
		{`{"id":"cmpl-9","model":"served","choices":[{"index":0,"text":"","finish_reason":null}]}`, `"text":""`, false},
		{`{"id":"cmpl-9","model":"served","choices":[{"index":0,"text":" one","finish_reason":null}]}`, " one", true},
		// A keep-alive comment between chunks is no chunk.
		{"", ": ping", false},
		{`{"id":"cmpl-9","model":"served","choices":[{"index":0,"text":" two","finish_reason":null}]}`, " two", true},
		{`{"id":"cmpl-9","model":"served","choices":[{"index":0,"text":" three","finish_reason":"length"}]}`, " three", true},
		// The usage-only chunk is not content either.
		{`{"id":"cmpl-9","model":"served","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}`, "total_tokens", false},
	}
	var release []time.Duration
	var contentRelease []int // index into release of each content frame
	var raw strings.Builder
	for _, f := range frames {
		payload := sseFrame(f.data)
		if f.data == "" {
			payload = f.marker + "\n\n"
		}
		raw.WriteString(payload)
		release = append(release, clk.Now())
		if f.content {
			contentRelease = append(contentRelease, len(release)-1)
		}
		s.write(payload)
		conn.waitAsked(f.marker)
	}
	doneAt := clk.Now()
	release = append(release, doneAt)
	raw.WriteString(doneFrame)
	s.write(doneFrame)
	s.end()
	rec := (<-res).rec

	if rec.Error != nil {
		t.Fatalf("unexpected error %+v", rec.Error)
	}
	if len(rec.Chunks) != len(contentRelease) {
		t.Fatalf("got %d chunks, want %d", len(rec.Chunks), len(contentRelease))
	}
	for i, ri := range contentRelease {
		if rec.Chunks[i] < release[ri] || rec.Chunks[i] >= release[ri+1] {
			t.Errorf("chunk %d at %v, want in [%v, %v)", i, rec.Chunks[i], release[ri], release[ri+1])
		}
	}
	if !(rec.Sent > 0 && rec.Sent <= rec.FirstByte && rec.FirstByte <= rec.Chunks[0]) {
		t.Errorf("Sent %v, FirstByte %v, first chunk %v: want them in this order", rec.Sent, rec.FirstByte, rec.Chunks[0])
	}
	if rec.End < doneAt {
		t.Errorf("End %v before [DONE] was released at %v", rec.End, doneAt)
	}
	if ttft, ok := rec.TTFT(); !ok || ttft <= 0 {
		t.Errorf("TTFT = %v, %v", ttft, ok)
	}
	want := record.Record{
		Stage: 2, Seq: 7, Intended: 5 * time.Millisecond, Streaming: true,
		ClientPromptTokens: 2, ServerPromptTokens: 3, ClientOutputTokens: 3, ServerOutputTokens: 3,
		FinishReason: "length", ResponseID: "cmpl-9", Model: "served", Status: 200,
		OutputText: " one two three",
	}
	gotFields := record.Record{
		Stage: rec.Stage, Seq: rec.Seq, Intended: rec.Intended, Streaming: rec.Streaming,
		ClientPromptTokens: rec.ClientPromptTokens, ServerPromptTokens: rec.ServerPromptTokens,
		ClientOutputTokens: rec.ClientOutputTokens, ServerOutputTokens: rec.ServerOutputTokens,
		FinishReason: rec.FinishReason, ResponseID: rec.ResponseID, Model: rec.Model, Status: rec.Status,
		OutputText: rec.OutputText,
	}
	if fmt.Sprintf("%+v", gotFields) != fmt.Sprintf("%+v", want) {
		t.Errorf("record\n got  %+v\n want %+v", gotFields, want)
	}
	wantBody := `{"model": "test-model", "prompt": "hi there", "max_tokens": 4, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`
	if string(got.Body) != wantBody || string(rec.RequestBody) != wantBody || rec.RequestBytes != len(wantBody) {
		t.Errorf("request body %q (kept %q, %d bytes), want %q", got.Body, rec.RequestBody, rec.RequestBytes, wantBody)
	}
	if string(rec.ResponseBody) != raw.String() {
		t.Errorf("kept response body %q, want %q", rec.ResponseBody, raw.String())
	}
}

// TestChatStreamReasoning: reasoning tokens start the output for TTFT
// (reference issue #559); role-only and usage-only chunks do not.
func TestChatStreamReasoning(t *testing.T) {
	t.Parallel()
	body := sseFrame(`{"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`) +
		sseFrame(`{"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":" think"},"finish_reason":null}]}`) +
		sseFrame(`{"id":"c1","choices":[{"index":0,"delta":{"reasoning":" more","content":null},"finish_reason":null}]}`) +
		sseFrame(`{"id":"c1","choices":[{"index":0,"delta":{"content":" answer"},"finish_reason":"stop"}]}`) +
		sseFrame(`{"id":"c1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}`) + doneFrame
	srv, got := canned(t, 200, "text/event-stream", body)
	c := newTestClient(t, srv.URL, func(o *Options) { o.APIType = "chat" })
	rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q", Tokens: 1}})
	if rec.Error != nil {
		t.Fatal(rec.Error)
	}
	if len(rec.Chunks) != 3 || rec.ClientOutputTokens != 3 || rec.ServerOutputTokens != 3 || rec.FinishReason != "stop" {
		t.Fatalf("chunks %d, client tokens %d, server tokens %d, finish %q", len(rec.Chunks), rec.ClientOutputTokens, rec.ServerOutputTokens, rec.FinishReason)
	}
	if g := <-got; g.Path != "/v1/chat/completions" {
		t.Fatalf("path %q", g.Path)
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		base      string // appended to the server URL
		mod       func(*Options)
		req       Request
		wantPath  string
		wantBody  string
		wantAuth  string
		wantExtra map[string]string
	}{
		{
			// The reference's default: completion, streaming, bare base URL.
			name: "completion", base: "", wantPath: "/v1/completions",
			req:      Request{Prompt: prompt.Prompt{Text: "p"}},
			wantBody: `{"model": "test-model", "prompt": "p", "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
		},
		{
			// A trailing slash must not produce "//v1".
			name: "trailing slash", base: "/", wantPath: "/v1/completions",
			mod:      func(o *Options) { o.Streaming = false; o.IgnoreEOS = false },
			req:      Request{Prompt: prompt.Prompt{Text: "p", MaxTokens: 9}},
			wantBody: `{"model": "test-model", "prompt": "p", "max_tokens": 9, "ignore_eos": false, "stream": false}`,
		},
		{
			// Base URLs copied from OpenAI SDK settings end in /v1.
			name: "base with v1", base: "/v1/", wantPath: "/v1/chat/completions",
			mod:      func(o *Options) { o.APIType = "chat"; o.APIKey = "sekret" },
			req:      Request{LoRA: "adapter-a", Prompt: prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "u"}}}},
			wantBody: `{"model": "adapter-a", "messages": [{"role": "user", "content": "u"}], "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
			wantAuth: "Bearer sekret",
		},
		{
			// api.headers are sent, and override the defaults case-insensitively.
			name: "headers", base: "", wantPath: "/v1/completions",
			mod: func(o *Options) {
				o.APIKey = "k"
				o.Headers = map[string]string{"x-slo-ttft-ms": "200", "authorization": "Bearer other"}
			},
			req:       Request{Prompt: prompt.Prompt{Text: "p"}},
			wantBody:  `{"model": "test-model", "prompt": "p", "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
			wantAuth:  "Bearer other",
			wantExtra: map[string]string{"X-Slo-Ttft-Ms": "200"},
		},
		{
			// A session id goes out in the configured header.
			name: "session header", base: "", wantPath: "/v1/completions",
			mod:       func(o *Options) { o.SessionIDHeader = "x-session-id" },
			req:       Request{SessionID: "s-42", Prompt: prompt.Prompt{Text: "p"}},
			wantBody:  `{"model": "test-model", "prompt": "p", "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`,
			wantExtra: map[string]string{"X-Session-Id": "s-42"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Streaming: true}
			if tt.mod != nil {
				tt.mod(&o)
			}
			body := sseFrame(`{"choices":[{"text":"x","delta":{"content":"x"}}]}`) + doneFrame
			if !o.Streaming {
				body = `{"choices":[{"text":"x"}]}`
			}
			srv, got := canned(t, 200, "text/event-stream", body)
			c := newTestClient(t, srv.URL+tt.base, tt.mod)
			rec := c.Do(context.Background(), tt.req)
			if rec.Error != nil {
				t.Fatal(rec.Error)
			}
			g := <-got
			if g.Method != http.MethodPost || g.Path != tt.wantPath {
				t.Errorf("%s %s, want POST %s", g.Method, g.Path, tt.wantPath)
			}
			if string(g.Body) != tt.wantBody {
				t.Errorf("body\n got  %s\n want %s", g.Body, tt.wantBody)
			}
			if ct := g.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if a := g.Header.Get("Authorization"); a != tt.wantAuth {
				t.Errorf("Authorization %q, want %q", a, tt.wantAuth)
			}
			if ae := g.Header.Get("Accept-Encoding"); ae != "" {
				t.Errorf("Accept-Encoding %q: compression should be off", ae)
			}
			for k, v := range tt.wantExtra {
				if g.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, g.Header.Get(k), v)
				}
			}
			if rec.LoRA != tt.req.LoRA || rec.SessionID != tt.req.SessionID {
				t.Errorf("record LoRA %q session %q", rec.LoRA, rec.SessionID)
			}
			// A session's next turn needs the answer even without KeepBodies.
			if tt.req.SessionID != "" && rec.OutputText != "x" {
				t.Errorf("OutputText %q for a session request", rec.OutputText)
			}
			if tt.req.SessionID == "" && rec.OutputText != "" {
				t.Errorf("OutputText %q kept without KeepBodies", rec.OutputText)
			}
		})
	}
}

func TestUnary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		api, body           string
		wantText            string
		wantPrompt, wantOut int
		wantFinish          string
	}{
		{
			// A completion body: choices[0].text and usage.
			name: "completion", api: "completion",
			body:     `{"id":"cmpl-1","object":"text_completion","model":"m","choices":[{"index":0,"text":" a b c","finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}`,
			wantText: " a b c", wantPrompt: 4, wantOut: 3, wantFinish: "length",
		},
		{
			// A chat body; no usage leaves the server counts Unknown.
			name: "chat without usage", api: "chat",
			body:     `{"id":"chatcmpl-1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"x y"},"finish_reason":"stop"}]}`,
			wantText: "x y", wantPrompt: record.Unknown, wantOut: record.Unknown, wantFinish: "stop",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := canned(t, 200, "application/json", tt.body)
			c := newTestClient(t, srv.URL, func(o *Options) { o.APIType = tt.api; o.Streaming = false; o.KeepBodies = true })
			rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q", Tokens: 1}})
			if rec.Error != nil {
				t.Fatal(rec.Error)
			}
			if rec.Streaming || len(rec.Chunks) != 0 {
				t.Errorf("unary request has Streaming=%v and %d chunks; TTFT is streaming-only", rec.Streaming, len(rec.Chunks))
			}
			if rec.OutputText != tt.wantText || rec.ServerPromptTokens != tt.wantPrompt || rec.ServerOutputTokens != tt.wantOut || rec.FinishReason != tt.wantFinish {
				t.Errorf("text %q prompt %d out %d finish %q", rec.OutputText, rec.ServerPromptTokens, rec.ServerOutputTokens, rec.FinishReason)
			}
			if rec.ClientOutputTokens != len(strings.Fields(tt.wantText)) {
				t.Errorf("client output tokens %d", rec.ClientOutputTokens)
			}
			if string(rec.ResponseBody) != tt.body || rec.End < rec.FirstByte || rec.FirstByte < rec.Sent {
				t.Errorf("body %q, Sent %v FirstByte %v End %v", rec.ResponseBody, rec.Sent, rec.FirstByte, rec.End)
			}
		})
	}
}

// TestHTTPErrors: labels are the reference's failures.by_label keys.
func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		wantType  string
		wantMsg   string
		streaming bool
	}{
		// The status decides for 5xx and 429, whatever the message says.
		{"504", 504, `{"error":{"message":"upstream timed out","type":"x"}}`, "504 - Gateway Timeout", "upstream timed out", true},
		{"429", 429, `{"message":"slow down"}`, "429 - Rate Limit", "slow down", false},
		{"500 plain", 500, "Internal Server Error", "500 - Internal Server Error", "Internal Server Error", true},
		// For other codes the server's message decides.
		{"400 context", 400, `{"object":"error","message":"This model's maximum context length is 2048 tokens.","type":"BadRequestError","code":400}`, "400 - Context Window", "This model's maximum context length is 2048 tokens.", true},
		{"404 model", 404, `{"error":{"message":"model not found: x"}}`, "404 - Model Not Found", "model not found: x", true},
		{"422 other", 422, `{"detail":"bad"}`, "422 - other", `{"detail":"bad"}`, false},
		// An empty body still gets a message.
		{"503 empty", 503, "", "503 - Service Unavailable", "503 Service Unavailable", true},
		// A redirect is not followed: it is not what the benchmark asked for.
		{"307", 307, "", "307 - other", "307 Temporary Redirect", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := canned(t, tt.status, "application/json", tt.body)
			c := newTestClient(t, srv.URL, func(o *Options) { o.Streaming = tt.streaming })
			rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
			if rec.Error == nil || rec.Error.Type != tt.wantType || rec.Error.Message != tt.wantMsg {
				t.Fatalf("error %+v, want %q / %q", rec.Error, tt.wantType, tt.wantMsg)
			}
			if rec.Status != tt.status || rec.End < rec.Sent || len(rec.Chunks) != 0 {
				t.Errorf("status %d, Sent %v End %v, chunks %d", rec.Status, rec.Sent, rec.End, len(rec.Chunks))
			}
		})
	}
}

// TestResponseFailures covers 200 responses that are not completions.
func TestResponseFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantType   string
		wantPrefix string
		wantChunks int
	}{
		// A chunk that is not JSON fails the request instead of vanishing.
		{"malformed", sseFrame(`{"choices":[{"text":" a"}]}`) + sseFrame(`{"choices":[{"text": nope}]}`) + doneFrame, ErrMalformed, "malformed SSE chunk: invalid JSON at offset 21", 1},
		// vLLM reports errors after a 200 as a data frame with "error".
		{"in-band", sseFrame(`{"choices":[{"text":" a"}]}`) + sseFrame(`{"error":{"message":"engine dead","code":500}}`), ErrInBand, "engine dead", 1},
		// The reference labels in-band messages about timeouts as Timeout.
		{"in-band timeout", sseFrame(`{"error":{"message":"request timed out in queue"}}`), ErrTimeout, "request timed out in queue", 0},
		// Nothing measurable: no content, no usage (#713 in the reference).
		{"empty", doneFrame, ErrEmpty, "200 response with no completion content", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := canned(t, 200, "text/event-stream", tt.body)
			c := newTestClient(t, srv.URL, nil)
			rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
			if rec.Error == nil || rec.Error.Type != tt.wantType || !strings.HasPrefix(rec.Error.Message, tt.wantPrefix) {
				t.Fatalf("error %+v, want %q / %q...", rec.Error, tt.wantType, tt.wantPrefix)
			}
			if len(rec.Chunks) != tt.wantChunks || rec.Status != 200 {
				t.Errorf("%d chunks, status %d", len(rec.Chunks), rec.Status)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	// The server accepts the request and never answers.
	s := newScripted(t, 200, "text/event-stream")
	c := newTestClient(t, s.srv.URL, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	res := doAsync(context.Background(), c, Request{Prompt: prompt.Prompt{Text: "q"}})
	<-s.got
	// Headers were flushed; now one chunk, then silence mid-stream. On a
	// slow machine the client may time out before the chunk is sent.
	var rec *record.Record
	select {
	case s.send <- sseFrame(`{"choices":[{"text":" a"}]}`):
		<-s.flushed
		rec = (<-res).rec
	case r := <-res:
		rec = r.rec
	}
	if rec.Error == nil || rec.Error.Type != ErrTimeout || !strings.Contains(rec.Error.Message, "timed out after 0.05s") {
		t.Fatalf("error %+v", rec.Error)
	}
	if len(rec.Chunks) > 1 || rec.End-rec.Sent < 50*time.Millisecond {
		t.Errorf("%d chunks, latency %v", len(rec.Chunks), rec.End-rec.Sent)
	}

	// Before any response header arrives.
	block := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so the server notices the client leaving
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(block) }) // runs before the server's Close
	c2 := newTestClient(t, srv.URL, func(o *Options) { o.Timeout = 20 * time.Millisecond })
	rec = c2.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
	if rec.Error == nil || rec.Error.Type != ErrTimeout || rec.Status != 0 {
		t.Fatalf("error %+v status %d", rec.Error, rec.Status)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	s := newScripted(t, 200, "text/event-stream")
	c := newTestClient(t, s.srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	res := doAsync(ctx, c, Request{Prompt: prompt.Prompt{Text: "q"}})
	<-s.got
	cancel()
	rec := (<-res).rec
	if rec.Error == nil || rec.Error.Type != ErrCancelled {
		t.Fatalf("error %+v", rec.Error)
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nothing listens on
	c := newTestClient(t, "http://"+addr, nil)
	rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
	want := "cannot connect to host " + addr + ": connection refused"
	if rec.Error == nil || rec.Error.Type != ErrConnection || rec.Error.Message != want {
		t.Fatalf("error %+v, want %q", rec.Error, want)
	}
	if rec.Status != 0 || rec.FirstByte != 0 || rec.End < rec.Sent {
		t.Errorf("status %d FirstByte %v Sent %v End %v", rec.Status, rec.FirstByte, rec.Sent, rec.End)
	}
}

// TestBrokenConnection: the server goes away before or during the response.
func TestBrokenConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		headers  bool // send a 200 and one chunk first
		rst      bool // abort with a TCP reset instead of a FIN
		wantType string
		wantMsg  string
	}{
		// aiohttp calls this ServerDisconnectedError; the reference labels it a connection error.
		{"closed before response", false, false, ErrConnection, "server disconnected before responding: EOF"},
		// A stream cut short: the reference's ClientPayloadError.
		{"closed mid-stream", true, false, ErrPayload, "Response payload is not completed: unexpected EOF"},
		{"reset mid-stream", true, true, ErrPayload, "Response payload is not completed: connection reset by peer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			proceed := make(chan struct{})
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				conn, bw, err := w.(http.Hijacker).Hijack()
				if err != nil {
					return
				}
				defer conn.Close()
				if tt.headers {
					frame := sseFrame(`{"choices":[{"text":" a"}]}`)
					fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(frame), frame)
					bw.Flush()
					<-proceed
				}
				if tt.rst {
					conn.(*net.TCPConn).SetLinger(0)
				}
			})
			c := newTestClient(t, srv.URL, nil)
			p := attachProbe(c)
			res := doAsync(context.Background(), c, Request{Prompt: prompt.Prompt{Text: "q"}})
			if tt.headers {
				(<-p.conns).waitAsked(`" a"`) // the client took the chunk
				close(proceed)
			}
			rec := (<-res).rec
			if rec.Error == nil || rec.Error.Type != tt.wantType || rec.Error.Message != tt.wantMsg {
				t.Fatalf("error %+v, want %q / %q", rec.Error, tt.wantType, tt.wantMsg)
			}
			if tt.headers && (len(rec.Chunks) != 1 || rec.Status != 200) {
				t.Errorf("%d chunks, status %d", len(rec.Chunks), rec.Status)
			}
		})
	}
}

// TestConnectionReuse: keep-alive works for every kind of response, so a
// load test does not pay a TCP handshake per request.
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		streaming bool
		body      string
	}{
		{"stream", 200, true, sseFrame(`{"choices":[{"text":" a"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`) + doneFrame},
		{"unary", 200, false, `{"choices":[{"text":" a"}]}`},
		{"error status", 500, true, `{"error":{"message":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := canned(t, tt.status, "text/event-stream", tt.body)
			c := newTestClient(t, srv.URL, func(o *Options) { o.Streaming = tt.streaming })
			p := attachProbe(c)
			for range 3 {
				c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
			}
			if n := p.count(); n != 1 {
				t.Fatalf("%d connections for 3 sequential requests", n)
			}
		})
	}

	// A chunked stream whose end arrives after [DONE] is drained, and the
	// connection reused.
	s := newScripted(t, 200, "text/event-stream")
	c := newTestClient(t, s.srv.URL, nil)
	p := attachProbe(c)
	for range 2 {
		res := doAsync(context.Background(), c, Request{Prompt: prompt.Prompt{Text: "q"}})
		<-s.got
		s.write(sseFrame(`{"choices":[{"text":" a"}]}`))
		s.write(doneFrame)
		s.end()
		if rec := (<-res).rec; rec.Error != nil {
			t.Fatal(rec.Error)
		}
	}
	if n := p.count(); n != 1 {
		t.Fatalf("chunked: %d connections for 2 requests", n)
	}
}

// TestStreamHeldOpenAfterDone: a server that never ends the response after
// [DONE] cannot hold the request; the connection is dropped instead.
func TestStreamHeldOpenAfterDone(t *testing.T) {
	t.Parallel()
	s := newScripted(t, 200, "text/event-stream")
	clk := clock.New()
	c := newTestClient(t, s.srv.URL, func(o *Options) { o.Clock = clk })
	c.(*httpClient).drainGrace = 20 * time.Millisecond
	res := doAsync(context.Background(), c, Request{Prompt: prompt.Prompt{Text: "q"}})
	<-s.got
	s.write(sseFrame(`{"choices":[{"text":" a"}]}`))
	done := clk.Now()
	s.write(doneFrame)
	rec := (<-res).rec
	returned := clk.Now()
	if rec.Error != nil || len(rec.Chunks) != 1 {
		t.Fatalf("error %+v, %d chunks", rec.Error, len(rec.Chunks))
	}
	// End is the [DONE] arrival, not the end of the grace period.
	if rec.End < done || rec.End >= returned-20*time.Millisecond {
		t.Errorf("End %v, [DONE] released at %v, Do returned at %v", rec.End, done, returned)
	}
}

func TestNoTokenizer(t *testing.T) {
	t.Parallel()
	srv, _ := canned(t, 200, "text/event-stream", sseFrame(`{"choices":[{"text":" a"}]}`)+doneFrame)
	c := newTestClient(t, srv.URL, func(o *Options) { o.Tokenizer = nil })
	rec := c.Do(context.Background(), Request{Prompt: prompt.Prompt{Text: "q"}})
	// Without a tokenizer the client count is unknown, and reports fall back
	// to the server's.
	if rec.Error != nil || rec.ClientOutputTokens != record.Unknown {
		t.Fatalf("error %+v, client tokens %d", rec.Error, rec.ClientOutputTokens)
	}
}

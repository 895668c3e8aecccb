package client

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/record"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// captured is a request as the server received it.
type captured struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// scripted is a test server whose response the test writes piece by piece:
// each string sent on send is written and flushed, then acknowledged on
// flushed; an empty string ends the response. Nothing is timed by sleeping.
type scripted struct {
	srv     *httptest.Server
	got     chan captured
	send    chan string
	flushed chan struct{}
}

func newScripted(t *testing.T, status int, contentType string) *scripted {
	t.Helper()
	s := &scripted{got: make(chan captured, 1), send: make(chan string), flushed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.got <- captured{r.Method, r.URL.Path, r.Header.Clone(), body}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.(http.Flusher).Flush()
		for {
			select {
			case p := <-s.send:
				if p == "" {
					return // end of this response
				}
				io.WriteString(w, p)
				w.(http.Flusher).Flush()
				s.flushed <- struct{}{}
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// end finishes the current response.
func (s *scripted) end() { s.send <- "" }

// write sends p to the client and waits until the server flushed it.
func (s *scripted) write(p string) {
	s.send <- p
	<-s.flushed
}

// newServer starts a loopback server with handler h.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// canned is a server that answers every request with the same response.
func canned(t *testing.T, status int, contentType, body string) (*httptest.Server, chan captured) {
	t.Helper()
	got := make(chan captured, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- captured{r.Method, r.URL.Path, r.Header.Clone(), b}:
		default:
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// probeConn lets a test wait until the client has consumed given response
// bytes and come back for more, i.e. finished handling them.
type probeConn struct {
	net.Conn
	mu      sync.Mutex
	cond    *sync.Cond
	seen    []byte // every byte the client read
	askedAt int    // len(seen) when the client last started a Read
	closed  bool
}

func (c *probeConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.askedAt = len(c.seen)
	c.cond.Broadcast()
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.seen = append(c.seen, p[:n]...)
	if err != nil {
		c.closed = true
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	return n, err
}

// waitAsked blocks until the client, having read marker, asks for more.
func (c *probeConn) waitAsked(marker string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !bytes.Contains(c.seen[:c.askedAt], []byte(marker)) && !c.closed {
		c.cond.Wait()
	}
}

// probe installs a dialer on the client's transport that wraps every
// connection; conns receives each one, dials counts them.
type probe struct {
	conns chan *probeConn
	mu    sync.Mutex
	dials int
}

func (p *probe) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dials
}

func attachProbe(c Client) *probe {
	hc := c.(*httpClient)
	p := &probe{conns: make(chan *probeConn, 16)}
	var d net.Dialer
	hc.tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		pc := &probeConn{Conn: conn}
		pc.cond = sync.NewCond(&pc.mu)
		p.mu.Lock()
		p.dials++
		p.mu.Unlock()
		select {
		case p.conns <- pc:
		default:
		}
		return pc, nil
	}
	return p
}

// newTestClient builds a client against base with test defaults.
func newTestClient(t *testing.T, base string, mod func(*Options)) Client {
	t.Helper()
	o := Options{
		BaseURL:   base,
		Model:     "test-model",
		APIType:   "completion",
		Streaming: true,
		IgnoreEOS: true,
		Clock:     clock.New(),
		Tokenizer: tokenizer.Words{},
	}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type recordResult struct{ rec *record.Record }

// doAsync runs Do on its own goroutine.
func doAsync(ctx context.Context, c Client, req Request) <-chan recordResult {
	ch := make(chan recordResult, 1)
	go func() { ch <- recordResult{c.Do(ctx, req)} }()
	return ch
}

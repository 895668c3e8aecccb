package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// shutdownGrace is how long Run lets in-flight requests finish after its
// context ends before cutting them off.
const shutdownGrace = 5 * time.Second

// Running is a simulator listening on a TCP port, serving in the background.
type Running struct {
	srv    *Server
	hs     *http.Server
	url    string
	served chan struct{} // closed when hs.Serve has returned
	// serveErr is hs.Serve's error (nil after Close/Shutdown); read it only
	// after served is closed.
	serveErr error

	closeOnce sync.Once
	closeErr  error
}

// Start builds a simulator and serves it on o.Host:o.Port in the background.
// Port 0 picks a free port; URL tells which.
func Start(o Options) (*Running, error) {
	srv, err := New(o)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 30 * time.Second,
		// No write timeout: a stream lasts as long as its tokens do.
		IdleTimeout: 2 * time.Minute,
	}
	r := &Running{srv: srv, hs: hs, url: baseURL(ln.Addr()), served: make(chan struct{})}
	go func() {
		err := hs.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			r.serveErr = err
		}
		close(r.served)
	}()
	return r, nil
}

// baseURL is the URL a local client uses for addr; an unspecified listen
// address (0.0.0.0, ::) is reached through loopback.
func baseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		if ip.To4() != nil {
			ip = net.IPv4(127, 0, 0, 1)
		} else {
			ip = net.IPv6loopback
		}
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// URL returns the base URL, e.g. http://127.0.0.1:8000 (no trailing slash).
func (r *Running) URL() string { return r.url }

// Server returns the handler, for its gauges and counters.
func (r *Running) Server() *Server { return r.srv }

// Close stops listening, cuts every open connection (in-flight requests end
// as aborted) and waits for their handlers to return.
// Calling it again returns the first call's result.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		err := r.hs.Close()
		_ = r.srv.waitIdle(context.Background()) // handlers end once their connection is gone
		r.closeErr = errors.Join(err, r.wait())
	})
	return r.closeErr
}

// Shutdown stops listening and lets in-flight requests finish until ctx ends;
// then it cuts the rest off as Close does. It returns ctx's error if it had to.
func (r *Running) Shutdown(ctx context.Context) error {
	err := r.hs.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, r.Close())
	} else {
		_ = r.srv.waitIdle(context.Background())
		err = r.wait()
	}
	if err != nil {
		return fmt.Errorf("sim: shutdown: %w", err)
	}
	return nil
}

// wait returns hs.Serve's error once it has returned.
func (r *Running) wait() error {
	<-r.served
	return r.serveErr
}

// Run serves a simulator until ctx is cancelled, logging its URL, then shuts
// down gracefully. It is the body of `inference-perf sim`.
func Run(ctx context.Context, o Options, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	r, err := Start(o)
	if err != nil {
		return err
	}
	log.Info("simulator serving", "url", r.URL(), "model", o.Model, "lora_modules", o.LoRAs, "ttft", o.TTFT, "itl", o.ITL,
		"ttft_jitter", o.TTFTJitter, "itl_jitter", o.ITLJitter, "output_tokens", o.OutputTokens,
		"max_num_seqs", o.MaxNumSeqs, "seed", o.seed(), "tracing", o.TracerProvider != nil)
	select {
	case <-ctx.Done():
	case <-r.served:
		// Serve failed on its own; nothing is listening any more.
		err := r.Close()
		if err == nil {
			err = errors.New("stopped serving unexpectedly")
		}
		return fmt.Errorf("sim: serve %s: %w", r.URL(), err)
	}
	log.Info("simulator stopping", "url", r.URL())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return r.Shutdown(sctx)
}

package sim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const bench64 = `{"model":"sim-model","prompt":"the quick brown fox","max_tokens":64,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`

// BenchmarkStream64 is one streaming request of 64 tokens over loopback with
// TTFT=ITL=0: the whole per-request cost, client included.
func BenchmarkStream64(b *testing.B) {
	rs := startSim(b, func(o *Options) { o.MaxNumSeqs = 1024 })
	c := newClient(b)
	url := rs.URL() + "/v1/completions"
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(bench64))
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
}

// BenchmarkHandlerStream64 is the server side alone: the same request served
// into an in-memory writer, so allocs/op are the simulator's own.
func BenchmarkHandlerStream64(b *testing.B) {
	o := DefaultOptions()
	o.TTFT, o.ITL, o.MaxNumSeqs = 0, 0, 1024
	srv, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	w := newMemWriter(0)
	body := []byte(bench64)
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/completions", bytes.NewReader(body)))
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(w.n), "bytes/op")
}

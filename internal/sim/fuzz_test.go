package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// memWriter is an in-memory http.ResponseWriter and Flusher that keeps the
// first bytes of the body, so huge answers cost no memory.
type memWriter struct {
	h      http.Header
	status int
	n      int
	body   []byte
	keep   int
}

func newMemWriter(keep int) *memWriter { return &memWriter{h: make(http.Header), keep: keep} }

func (w *memWriter) Header() http.Header { return w.h }

func (w *memWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(b)
	if room := w.keep - len(w.body); room > 0 {
		w.body = append(w.body, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

func (w *memWriter) Flush() {}

func (w *memWriter) reset() {
	clear(w.h)
	w.status, w.n, w.body = 0, 0, w.body[:0]
}

// FuzzGenerate feeds arbitrary bodies to both generation endpoints: the
// server must never panic, must answer 200 or a 4xx, and a 4xx must carry an
// OpenAI error body while a complete non-streaming 200 must be valid JSON.
func FuzzGenerate(f *testing.F) {
	seeds := []string{
		`{"model":"sim-model","prompt":"hello world","max_tokens":3,"ignore_eos":true}`,
		`{"prompt":["a b","c"],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"prompt":[1,2,3],"max_tokens":2}`,
		`{"prompt":[[1],[2,3]]}`,
		`{"messages":[{"role":"user","content":"hi"}],"max_completion_tokens":4,"stream":true}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}}]}]}`,
		`{"messages":[{"role":"assistant","content":null}]}`,
		`{"model":"nope","prompt":"x"}`,
		`{"prompt":"x","max_tokens":-1}`,
		`{"prompt":"x","max_tokens":99999999999999999999}`,
		`{"prompt":"x","stream_options":{}}`,
		`{"messages":"not a list"}`,
		`{"prompt":"x","temperature":0.7,"top_p":null,"n":2}`,
		`{"prompt":"x","temperature":"hot","n":1e400}`,
		`[]`, `null`, `{`, ``, "\xff\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	o := DefaultOptions()
	o.TTFT, o.ITL, o.OutputTokens, o.MaxNumSeqs = 0, 0, 4, 4
	srv, err := New(o)
	if err != nil {
		f.Fatal(err)
	}
	w := newMemWriter(1 << 20)
	f.Fuzz(func(t *testing.T, body []byte, chat bool) {
		path := "/v1/completions"
		if chat {
			path = "/v1/chat/completions"
		}
		w.reset()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		switch {
		case w.status == http.StatusOK:
			if w.h.Get("Content-Type") == "application/json" && w.n == len(w.body) && !json.Valid(w.body) {
				t.Fatalf("invalid JSON answer %q for %q", w.body, body)
			}
		case w.status >= 400 && w.status < 500:
			var e wireError
			if err := json.Unmarshal(w.body, &e); err != nil || e.Error.Code != w.status || e.Error.Message == "" {
				t.Fatalf("status %d with body %q for %q", w.status, w.body, body)
			}
		default:
			t.Fatalf("status %d for %q", w.status, body)
		}
		if srv.InFlight() != 0 {
			t.Fatalf("slot leaked: in flight %d", srv.InFlight())
		}
	})
}

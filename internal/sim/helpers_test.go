package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startSim starts a simulator on a free loopback port with fast defaults,
// adjusted by mutate, and closes it when the test ends.
func startSim(t testing.TB, mutate func(*Options)) *Running {
	t.Helper()
	o := DefaultOptions()
	o.Port = 0
	o.TTFT, o.ITL = 0, 0
	o.OutputTokens = 8
	if mutate != nil {
		mutate(&o)
	}
	r, err := Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// newClient returns a client with its own connection pool, dropped at the end.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// post sends body to url+path and returns the response; the caller closes it.
func post(ctx context.Context, t testing.TB, c *http.Client, url, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

// sseEvent is one `data:` event and when the client finished reading it.
type sseEvent struct {
	data string
	at   time.Time
}

// readEvents reads an SSE body to its end, timestamping each event.
func readEvents(t testing.TB, body io.Reader) []sseEvent {
	t.Helper()
	br := bufio.NewReader(body)
	var evs []sseEvent
	var data string
	have := false
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			t.Fatalf("reading stream: %v", err)
		}
		if err == io.EOF && line == "" {
			break
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if have {
				evs = append(evs, sseEvent{data: data, at: time.Now()})
				have = false
			}
		case strings.HasPrefix(line, "data: "):
			if have {
				t.Fatalf("two data lines in one event: %q", line)
			}
			data, have = strings.TrimPrefix(line, "data: "), true
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
		if err == io.EOF {
			break
		}
	}
	if have {
		t.Fatalf("stream ended inside an event: %q", data)
	}
	return evs
}

// wireChunk is a streamed chunk as a client decodes it. Pointers tell a
// missing field from a zero one.
type wireChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int     `json:"index"`
		Text  *string `json:"text"`
		Delta *struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *wireUsage `json:"usage"`
}

type wireUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type wireError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    int     `json:"code"`
	} `json:"error"`
}

// decodeJSON decodes data into v or fails the test.
func decodeJSON(t testing.TB, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// waitState blocks until pred holds, woken by the scheduler's change hook;
// the deadline is only a failsafe so a broken server fails instead of hanging.
func waitState(t *testing.T, s *Server, changed <-chan struct{}, what string, pred func() bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for !pred() {
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s: running=%d waiting=%d", what, s.Running(), s.Waiting())
		}
	}
}

// hookChanges installs a coalescing change signal on s's scheduler.
func hookChanges(s *Server) <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.sched.setHook(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	return ch
}

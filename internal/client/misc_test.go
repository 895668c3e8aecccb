package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/record"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

func TestHTTPLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		msg  string
		want string
	}{
		{504, "", "504 - Gateway Timeout"},
		// The code wins over a misleading message (the reference's #601 review).
		{500, "bad gateway", "500 - Internal Server Error"},
		{400, "max_tokens is too large", "400 - Context Window"},
		// "max 1500 tokens" does not match max.?tokens in the reference either.
		{400, "max 1500 tokens", "400 - other"},
		{400, "Expecting value: line 1 column 1", "400 - Invalid JSON"},
		{408, "the request timed out", "408 - Timeout"},
		{404, "No such model", "404 - Model Not Found"},
		{401, "bad key", "401 - other"},
	}
	for _, tt := range tests {
		if got := HTTPLabel(tt.code, tt.msg); got != tt.want {
			t.Errorf("HTTPLabel(%d, %q) = %q, want %q", tt.code, tt.msg, got, tt.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		// OpenAI shape.
		{`{"error":{"message":"m1","type":"t"}}`, "m1"},
		// vLLM's flat ErrorResponse.
		{`{"object":"error","message":"m2","code":400}`, "m2"},
		// TGI puts a string in "error": the reference keeps the whole body.
		{`{"error":"m3","error_type":"x"}`, `{"error":"m3","error_type":"x"}`},
		// A non-string message is shown as JSON.
		{`{"error":{"message":{"a":1}}}`, `{"a":1}`},
		// Not JSON: the body itself.
		{"<html>bad gateway</html>", "<html>bad gateway</html>"},
		// Bounded, on a rune boundary.
		{strings.Repeat("é", maxMessage), strings.Repeat("é", maxMessage/2) + "…(truncated)"},
	}
	for _, tt := range tests {
		if got := ErrorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("ErrorMessage(%.40q) = %.60q, want %.60q", tt.body, got, tt.want)
		}
	}
}

// FuzzErrorMessage: error bodies come from the server. Extracting their
// message must never panic, and the result stays bounded.
func FuzzErrorMessage(f *testing.F) {
	for _, s := range []string{
		`{"error": {"message": "x"}}`, `{"message": 1.5e3}`, `{"error": {}}`, `[]`, `null`, "",
		`{"error": {"message": {"nested": [1, "a"]}}}`, "\xff\xfe", `{"message": "\u00e9"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := ErrorMessage(body)
		if len(got) > maxMessage+len("…(truncated)") {
			t.Fatalf("ErrorMessage returned %d bytes, more than the bound", len(got))
		}
		_ = HTTPLabel(500, got)
		_ = HTTPLabel(418, got)
	})
}

func TestDiscoverModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		want    string
		wantErr string
	}{
		// The first id wins, as in the reference.
		{"ok", 200, `{"object":"list","data":[{"id":"m1","object":"model"},{"id":"m2"}]}`, "m1", ""},
		{"empty", 200, `{"object":"list","data":[]}`, "", "lists no models at /v1/models; set server.model_name"},
		{"no id", 200, `{"data":[{"name":"x"}]}`, "", "no string id"},
		{"not json", 200, `<html>`, "", "not an OpenAI model list"},
		{"unauthorized", 401, `{"error":{"message":"bad key"}}`, "", "401 Unauthorized: bad key (check server.api_key)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, got := canned(t, tt.status, "application/json", tt.body)
			m, err := DiscoverModel(context.Background(), srv.URL+"/v1", "key", srv.Client())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || m != tt.want {
				t.Fatalf("got %q, %v", m, err)
			}
			g := <-got
			if g.Method != http.MethodGet || g.Path != "/v1/models" || g.Header.Get("Authorization") != "Bearer key" {
				t.Fatalf("request %s %s auth %q", g.Method, g.Path, g.Header.Get("Authorization"))
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		ln.Close()
		_, err = DiscoverModel(context.Background(), base, "", nil)
		want := "cannot reach server at " + base + ": connection refused; is it running? (server.base_url)"
		if err == nil || err.Error() != want {
			t.Fatalf("err %v\nwant %s", err, want)
		}
	})
}

func TestMock(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	c, err := New(Options{ServerType: "mock", Clock: clk, MockLatency: 30 * time.Millisecond, Streaming: true, KeepBodies: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := c.Do(context.Background(), Request{Seq: 3, LoRA: "a1", Prompt: prompt.Prompt{Text: "q", Tokens: 1}})
	if rec.Error != nil || rec.End-rec.Sent < 30*time.Millisecond {
		t.Fatalf("error %+v, latency %v", rec.Error, rec.End-rec.Sent)
	}
	// The reference's mock reports zero tokens and no stream.
	if rec.Streaming || len(rec.Chunks) != 0 || rec.ClientPromptTokens != 0 || rec.ClientOutputTokens != 0 ||
		rec.ServerPromptTokens != record.Unknown || rec.Model != "a1" || rec.Seq != 3 || rec.RequestBytes == 0 {
		t.Fatalf("record %+v", rec)
	}

	// A request timeout shorter than the latency times out, as in the reference.
	c, _ = New(Options{ServerType: "mock", Clock: clk, MockLatency: time.Hour, Timeout: 10 * time.Millisecond})
	if rec := c.Do(context.Background(), Request{}); rec.Error == nil || rec.Error.Type != ErrTimeout {
		t.Fatalf("error %+v", rec.Error)
	}

	// Cancelling ends the wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ = New(Options{ServerType: "mock", Clock: clk, MockLatency: time.Hour})
	if rec := c.Do(ctx, Request{}); rec.Error == nil || rec.Error.Type != ErrCancelled {
		t.Fatalf("error %+v", rec.Error)
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"bad api", Options{BaseURL: "http://x", Model: "m", APIType: "embeddings"}, `api.type "embeddings"`},
		{"bad server", Options{BaseURL: "http://x", Model: "m", ServerType: "triton"}, `server.type "triton"`},
		{"no model", Options{BaseURL: "http://x"}, "server.model_name"},
		{"no scheme", Options{BaseURL: "localhost:8000", Model: "m"}, "want an http:// or https:// URL"},
		{"empty url", Options{Model: "m"}, "server.base_url: empty"},
		{"bad cert", Options{BaseURL: "https://x", Model: "m", CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"}, "server.cert_path/key_path"},
		{"ok", Options{BaseURL: "http://127.0.0.1:1/v1/", Model: "m", ServerType: "sglang"}, ""},
	}
	for _, tt := range tests {
		c, err := New(tt.o)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else {
				c.Close()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestNewFromConfig(t *testing.T) {
	t.Parallel()
	model, key, sess := "served-model", "k", "x-sid"
	timeout := 2.5
	cfg := &config.Config{
		API:    config.APIConfig{Type: "chat", Streaming: true, Headers: map[string]string{"h": "v"}, SessionIDHeaderKey: &sess},
		Load:   config.LoadConfig{NumWorkers: 2, WorkerMaxTCPConnections: 123, RequestTimeout: &timeout},
		Report: config.ReportConfig{RequestLifecycle: config.RequestLifecycleReport{PerRequest: true}},
		Server: &config.ServerConfig{Type: "vllm", ModelName: &model, BaseURL: "http://127.0.0.1:8000", IgnoreEOS: true, APIKey: &key},
	}
	clk := clock.New()
	c, err := NewFromConfig(cfg, clk, tokenizer.Words{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := c.(*httpClient).o
	if o.Model != model || o.APIType != "chat" || !o.Streaming || !o.IgnoreEOS || o.APIKey != key || o.Headers["h"] != "v" ||
		o.Timeout != 2500*time.Millisecond || o.MaxConns != 246 || !o.KeepBodies || o.SessionIDHeader != sess || o.Clock != clk {
		t.Fatalf("options %+v", o)
	}
	if c.(*httpClient).u.String() != "http://127.0.0.1:8000/v1/chat/completions" {
		t.Fatalf("url %s", c.(*httpClient).u)
	}

	// Without a model name, NewFromConfig refuses and ResolveModel asks the server.
	srv, _ := canned(t, 200, "application/json", `{"data":[{"id":"discovered"}]}`)
	cfg.Server.ModelName = nil
	cfg.Server.BaseURL = srv.URL
	if _, err := NewFromConfig(cfg, clk, nil, nil); err == nil || !strings.Contains(err.Error(), "server.model_name") {
		t.Fatalf("NewFromConfig without a model: err %v", err)
	}
	if err := ResolveModel(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if m := *cfg.Server.ModelName; m != "discovered" {
		t.Fatalf("model %q", m)
	}

	// The mock server type needs no server and has a fixed model name.
	cfg.Server.Type = "mock"
	cfg.Server.ModelName = nil
	if err := ResolveModel(context.Background(), cfg); err != nil || *cfg.Server.ModelName != MockModel {
		t.Fatalf("mock model: %v", err)
	}
	if c, err := NewFromConfig(cfg, clk, nil, nil); err != nil {
		t.Fatal(err)
	} else if _, ok := c.(*mockClient); !ok {
		t.Fatalf("%T", c)
	}

	if _, err := NewFromConfig(&config.Config{}, clk, nil, nil); err == nil || !strings.Contains(err.Error(), "server.base_url is required") {
		t.Fatalf("err %v", err)
	}
}

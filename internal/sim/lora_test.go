package sim

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Adapters are listed after the base model with it as parent, as vLLM
// lists --lora-modules; without adapters the list is the base model alone.
func TestModelsListsAdapters(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.Model, o.LoRAs = "base", []string{"a1", "a2"} })
	resp, err := newClient(t).Get(rs.URL() + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list struct {
		Data []struct {
			ID          string  `json:"id"`
			Root        string  `json:"root"`
			Parent      *string `json:"parent"`
			MaxModelLen *int    `json:"max_model_len"`
		} `json:"data"`
	}
	decodeJSON(t, data, &list)
	if len(list.Data) != 3 {
		t.Fatalf("models: %s", data)
	}
	// The base model first: a client with no model_name takes the first id.
	if b := list.Data[0]; b.ID != "base" || b.Parent != nil || b.MaxModelLen == nil {
		t.Errorf("base card: %s", data)
	}
	for i, want := range []string{"a1", "a2"} {
		a := list.Data[i+1]
		if a.ID != want || a.Parent == nil || *a.Parent != "base" || a.Root != want {
			t.Errorf("adapter card %d: %s", i, data)
		}
	}
}

// A request naming an adapter is served like the base model and answered
// under the adapter's id (stream, usage chunk and unary); an unknown name
// is still 404.
func TestAdapterRequests(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.LoRAs = []string{"a1"} })
	c := newClient(t)
	cases := []struct {
		name, path, body string
		status           int
		wantModel        int // occurrences of "model":"a1" in the answer
	}{
		// Streaming: every token chunk and the usage chunk name the adapter.
		{"stream", "/v1/completions", `{"model":"a1","prompt":"a b","max_tokens":3,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`, 200, 4},
		// Unary chat: one body naming the adapter, with usage.
		{"unary chat", "/v1/chat/completions", `{"model":"a1","messages":[{"role":"user","content":"x"}],"max_tokens":2}`, 200, 1},
		// The base model is still served under its own id.
		{"base", "/v1/completions", `{"model":"sim-model","prompt":"a","max_tokens":1}`, 200, 0},
		// Names that are neither the model nor an adapter are refused.
		{"unknown", "/v1/completions", `{"model":"a2","prompt":"a"}`, 404, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := post(context.Background(), t, c, rs.URL(), tc.path, tc.body)
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, data)
			}
			if n := strings.Count(string(data), `"model":"a1"`); n != tc.wantModel {
				t.Errorf("%d answers name a1, want %d: %s", n, tc.wantModel, data)
			}
			if tc.status == 200 && !strings.Contains(string(data), `"usage":{"prompt_tokens":`) {
				t.Errorf("no usage: %s", data)
			}
		})
	}
}

// vllm:lora_requests_info names the adapters with running and waiting
// requests; states are reached by events (an hour-long TTFT holds the slot).
func TestLoRARequestsInfo(t *testing.T) {
	t.Parallel()
	rs := startSim(t, func(o *Options) { o.MaxNumSeqs, o.TTFT, o.LoRAs = 1, time.Hour, []string{"a1", "a2"} })
	s := rs.Server()
	changed := hookChanges(s)
	c := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// a1 takes the only slot: its headers are sent once it is admitted
	// (and counted as running).
	resp := post(ctx, t, c, rs.URL(), "/v1/completions", `{"model":"a1","prompt":"x","stream":true}`)
	defer resp.Body.Close()
	// a2 waits for it; it is counted before it enters the queue.
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, rs.URL()+"/v1/completions",
			strings.NewReader(`{"model":"a2","prompt":"x","stream":true}`))
		if r, err := c.Do(req); err == nil {
			r.Body.Close()
		}
	}()
	waitState(t, s, changed, "a2 queued", func() bool { return s.Waiting() == 1 })

	mresp, err := c.Get(rs.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	want := `vllm:lora_requests_info{max_lora="2",running_lora_adapters="a1",waiting_lora_adapters="a2"} `
	if !strings.Contains(string(data), "\n"+want) {
		t.Errorf("/metrics lacks %q:\n%s", want, grepLines(string(data), "lora"))
	}
	cancel()
	waitState(t, s, changed, "both gone", func() bool { return s.InFlight() == 0 })
}

// Without adapters there is no LoRA series, as in vLLM without --enable-lora.
func TestNoLoRAInfoWithoutAdapters(t *testing.T) {
	t.Parallel()
	rs := startSim(t, nil)
	resp, err := newClient(t).Get(rs.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(data), "lora") {
		t.Errorf("/metrics has LoRA series without adapters:\n%s", grepLines(string(data), "lora"))
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The --lora-modules parser never panics, and what it accepts are names
// that are non-empty and free of the separators.
func FuzzLoRAFlag(f *testing.F) {
	for _, s := range []string{"a", "a,b", "a=/p", "a=/p,b=q", ",", "=", "a,,b", " a , b ", "名=路径"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var names []string
		if err := (loraFlag{&names}).Set(v); err != nil {
			return
		}
		for _, n := range names {
			if n == "" || strings.ContainsAny(n, ",=") {
				t.Fatalf("Set(%q) accepted name %q", v, n)
			}
		}
	})
}

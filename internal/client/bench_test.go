package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// streamBody is a vLLM-like completion stream of n content chunks, usage and
// [DONE], built once so the server costs little.
func streamBody(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "data: {\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"created\":1795570378,\"model\":\"bench\",\"choices\":[{\"index\":0,\"text\":\" tok%d\",\"logprobs\":null,\"finish_reason\":null}]}\n\n", i)
	}
	b.WriteString("data: {\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"created\":1795570378,\"model\":\"bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":128,\"completion_tokens\":64,\"total_tokens\":192}}\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

func benchClient(b *testing.B, streaming bool, body []byte) Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	c, err := New(Options{
		BaseURL: srv.URL, Model: "bench", Streaming: streaming, IgnoreEOS: true,
		Clock: clock.New(), Tokenizer: tokenizer.Words{},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

// BenchmarkDoStream is one streaming request over loopback, server
// included. allocs/op is the same for 1, 64 and 256 chunks: the client
// allocates per request (record, chunk times, ids, contexts), never per
// chunk. Most allocations are net/http's, client and server side.
func BenchmarkDoStream(b *testing.B) {
	for _, n := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("chunks=%d", n), func(b *testing.B) {
			c := benchClient(b, true, streamBody(n))
			req := Request{Prompt: prompt.Prompt{Text: strings.Repeat("word ", 128), Tokens: 128, MaxTokens: n}}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if rec := c.Do(ctx, req); rec.Error != nil || len(rec.Chunks) != n {
					b.Fatalf("error %+v, %d chunks", rec.Error, len(rec.Chunks))
				}
			}
		})
	}
}

// BenchmarkDoStream64Parallel measures throughput with concurrent requests.
func BenchmarkDoStream64Parallel(b *testing.B) {
	c := benchClient(b, true, streamBody(64))
	req := Request{Prompt: prompt.Prompt{Text: strings.Repeat("word ", 128), Tokens: 128, MaxTokens: 64}}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := c.Do(ctx, req); rec.Error != nil {
				b.Errorf("error %+v", rec.Error)
				return
			}
		}
	})
}

func BenchmarkDoUnary(b *testing.B) {
	c := benchClient(b, false, []byte(`{"id":"cmpl-bench","object":"text_completion","model":"bench","choices":[{"index":0,"text":" a b c d","finish_reason":"length"}],"usage":{"prompt_tokens":128,"completion_tokens":4}}`))
	req := Request{Prompt: prompt.Prompt{Text: strings.Repeat("word ", 128), Tokens: 128, MaxTokens: 4}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if rec := c.Do(ctx, req); rec.Error != nil {
			b.Fatal(rec.Error)
		}
	}
}

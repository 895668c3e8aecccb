package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// data.type shared_prefix against the embedded simulator: every request is
// sent, each prompt is system_prompt_len + question_len tokens as the
// simulator counts them (with the word counter and with GPT-2), and the
// requests of a group share their system prompt byte for byte.
func TestSharedPrefix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, api string
		gpt2      bool
	}{
		// The word counter: completion prompt = system prompt + " " + question.
		{"words completion", "completion", false},
		// A real BPE tokenizer: the seam is converged to the exact total.
		{"gpt2 completion", "completion", true},
		// Chat sends [system, user]; the counts are those of the two contents.
		{"words chat", "chat", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tok := ""
			if tc.gpt2 {
				writeGPT2(t, dir)
				tok = "tokenizer: {pretrained_model_name_or_path: ./tokenizer.json}\n"
			}
			cfg := writeConfig(t, dir, fmt.Sprintf(`
api: {type: %s}
server: {type: sim, sim: {ttft: 1ms, itl: 1ms}}
%sdata:
  type: shared_prefix
  shared_prefix:
    num_unique_system_prompts: 2
    num_users_per_system_prompt: 3
    system_prompt_len: 30
    question_len: 7
    output_len: 4
    seed: 42
load:
  type: concurrent
  stages: [{num_requests: 9, concurrency_level: 3}]
report: {request_lifecycle: {per_request: true}}
storage: {local_storage: {path: out}}
`, tc.api, tok))
			r := runCLI(t, dir, "-c", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			out := filepath.Join(dir, "out")
			sum := readJSON(t, filepath.Join(out, "summary_lifecycle_metrics.json"))
			if n := num(t, sum, "successes", "count"); n != 9 {
				t.Errorf("%v successes, want 9", n)
			}
			for _, k := range []string{"min", "max"} {
				if v := num(t, sum, "successes", "prompt_tokens", k); v != 37 {
					t.Errorf("prompt_tokens.%s = %v, want system_prompt_len + question_len = 37", k, v)
				}
			}
			b, err := os.ReadFile(filepath.Join(out, "per_request_lifecycle_metrics.json"))
			if err != nil {
				t.Fatal(err)
			}
			var reqs []struct {
				Request string `json:"request"`
			}
			if err := json.Unmarshal(b, &reqs); err != nil {
				t.Fatalf("per-request report: %v", err)
			}
			if len(reqs) != 9 {
				t.Fatalf("%d per-request entries, want 9", len(reqs))
			}
			prompts := map[string]bool{}
			for _, q := range reqs {
				var body struct {
					Prompt    string `json:"prompt"`
					MaxTokens int    `json:"max_tokens"`
					Messages  []struct {
						Role    string `json:"role"`
						Content string `json:"content"`
					} `json:"messages"`
				}
				if err := json.Unmarshal([]byte(q.Request), &body); err != nil {
					t.Fatalf("request body %q: %v", q.Request, err)
				}
				if body.MaxTokens != 4 {
					t.Errorf("max_tokens %d, want output_len 4", body.MaxTokens)
				}
				p := body.Prompt
				if tc.api == "chat" {
					if len(body.Messages) != 2 || body.Messages[0].Role != "system" || body.Messages[1].Role != "user" {
						t.Fatalf("messages %+v, want [system, user]", body.Messages)
					}
					p = body.Messages[0].Content + "\x00" + body.Messages[1].Content
				}
				prompts[p] = true
			}
			// 9 requests over 6 distinct prompts: the cycle came back.
			if len(prompts) != 6 {
				t.Errorf("%d distinct prompts, want 6 (2 groups × 3 users)", len(prompts))
			}
			// The first 30 words of the word-counter prompts (or the system
			// message) name the group: two groups, three prompts each.
			groups := map[string]int{}
			for p := range prompts {
				key := p
				if tc.api == "chat" {
					key, _, _ = strings.Cut(p, "\x00")
				} else if !tc.gpt2 {
					key = strings.Join(strings.Fields(p)[:30], " ")
				} else {
					key = p[:40] // 30 GPT-2 tokens are more than 40 bytes
				}
				groups[key]++
			}
			if len(groups) != 2 {
				t.Errorf("%d groups by system prompt, want 2: %v", len(groups), groups)
			}
			for k, n := range groups {
				if n != 3 {
					t.Errorf("group %.30q has %d prompts, want 3", k, n)
				}
			}
		})
	}
}

// writeGPT2 puts the shipped GPT-2 tokenizer at dir/tokenizer.json.
func writeGPT2(t *testing.T, dir string) {
	t.Helper()
	gz, err := os.ReadFile("../internal/tokenizer/testdata/gpt2.tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// data.type shareGPT from the datagen fixture against the embedded
// simulator: completion sends turn 0 with max_tokens = turn 1's length (in
// the run's tokenizer, here the word counter the simulator shares), in file
// order after the reference's skipped first record, cycling; chat sends
// whole conversations with the client's default max_tokens.
func TestShareGPT(t *testing.T) {
	t.Parallel()
	fixture, err := filepath.Abs("../internal/datagen/testdata/sharegpt/sharegpt.json")
	if err != nil {
		t.Fatal(err)
	}
	// Prompt -> max_tokens, and how often each is sent in 7 requests:
	// r1, r5, r6, r7, r0, then r1, r5 again (see the datagen tests).
	completion := map[string][2]int{
		"What is two plus two": {1, 2},
		"Be terse":             {3, 2},
		"one two three four five six seven eight nine ten eleven twelve": {8, 1},
		"Encoded question here": {2, 1},
		"Tell me a joke":        {7, 1},
	}
	t.Run("completion", func(t *testing.T) {
		t.Parallel()
		reqs := runShareGPT(t, "completion", fixture)
		seen := map[string]int{}
		for _, q := range reqs {
			var body struct {
				Prompt    string `json:"prompt"`
				MaxTokens int    `json:"max_tokens"`
			}
			if err := json.Unmarshal([]byte(q), &body); err != nil {
				t.Fatalf("request body %q: %v", q, err)
			}
			want, ok := completion[body.Prompt]
			if !ok {
				t.Errorf("unexpected prompt %q", body.Prompt)
				continue
			}
			if body.MaxTokens != want[0] {
				t.Errorf("prompt %q sent max_tokens %d, want %d (turn 1's length)", body.Prompt, body.MaxTokens, want[0])
			}
			seen[body.Prompt]++
		}
		for p, w := range completion {
			if seen[p] != w[1] {
				t.Errorf("prompt %q sent %d times, want %d", p, seen[p], w[1])
			}
		}
	})
	t.Run("chat", func(t *testing.T) {
		t.Parallel()
		reqs := runShareGPT(t, "chat", fixture)
		// r1, r4, r5, r6, r7, r0, r1 by first message and turn count.
		want := map[string]int{"What is two plus two/4": 2, "/2": 1, "Be terse/3": 1,
			"one two three four five six seven eight nine ten eleven twelve/2": 1, "Encoded question here/2": 1, "Tell me a joke/2": 1}
		seen := map[string]int{}
		for _, q := range reqs {
			var body struct {
				Messages []struct {
					Role    string `json:"role"`
					Content string `json:"content"`
				} `json:"messages"`
				MaxTokens int `json:"max_tokens"`
			}
			if err := json.Unmarshal([]byte(q), &body); err != nil {
				t.Fatalf("request body %q: %v", q, err)
			}
			if body.MaxTokens != 30 {
				t.Errorf("chat request sent max_tokens %d, want the client default 30", body.MaxTokens)
			}
			if len(body.Messages) == 0 || body.Messages[len(body.Messages)-1].Role != "assistant" {
				t.Errorf("chat request messages %+v: want the whole conversation, ending with the gpt turn", body.Messages)
				continue
			}
			seen[fmt.Sprintf("%s/%d", body.Messages[0].Content, len(body.Messages))]++
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("conversations sent %v, want %v", seen, want)
		}
	})
}

// runShareGPT runs 7 requests of api over the fixture and returns the
// request bodies from the per-request report.
func runShareGPT(t *testing.T, api, fixture string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`
api:
  type: %s
server:
  type: sim
  sim: {ttft: 1ms, itl: 1ms, output_tokens: 2}
data:
  type: shareGPT
  path: %q
load:
  type: concurrent
  stages:
  - {num_requests: 7, concurrency_level: 2}
report:
  request_lifecycle:
    per_request: true
storage:
  local_storage:
    path: out
`, api, fixture))
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	rep := readJSON(t, filepath.Join(out, "summary_lifecycle_metrics.json"))
	if n := num(t, rep, "successes", "count"); n != 7 {
		t.Errorf("%v successes, want 7", n)
	}
	if n := num(t, rep, "failures", "count"); n != 0 {
		t.Errorf("%v failures, want 0", n)
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
	if len(reqs) != 7 {
		t.Fatalf("%d per-request entries, want 7", len(reqs))
	}
	bodies := make([]string, len(reqs))
	for i, q := range reqs {
		bodies[i] = q.Request
	}
	return bodies
}

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// data.type cnn_dailymail, billsum_conversations and infinity_instruct from
// the datagen fixtures against the embedded simulator: each request's
// prompt (completion: prompt and max_tokens, and the prompt's token count in
// the per-request report; chat: the messages) is the record the reference
// would send, in file order after its skipped first record, cycling. The
// expected multisets follow the datagen unit tests.
func TestDatasets(t *testing.T) {
	t.Parallel()
	fixture := func(name string) string {
		p, err := filepath.Abs(filepath.Join("../internal/datagen/testdata/datasets", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, dataType, api, path string
		n                         int
		want                      map[string]int // rendered prompt -> times sent
	}{
		// The article is the prompt, max_tokens the highlights' length.
		{"cnn_dailymail", "cnn_dailymail", "completion", fixture("cnn_dailymail.json"), 5, map[string]int{
			"The cat sat on the mat/2": 2, "Short one/10": 1, "Storm hits the coast today/1": 1, "First article skipped once/2": 1}},
		// A directory: its .json files in name order.
		{"cnn_dailymail directory", "cnn_dailymail", "completion", fixture("cnn_dir"), 4, map[string]int{
			"Beta story here/2": 2, "Gamma/3": 1, "Alpha story/1": 1}},
		{"billsum completion", "billsum_conversations", "completion", fixture("billsum_conversations.json"), 4, map[string]int{
			"Summarize the following bill text/5": 2, "Bill five text/1": 1, "Summarize bill zero/1": 1}},
		{"billsum chat", "billsum_conversations", "chat", fixture("billsum_conversations.json"), 5, map[string]int{
			"user:Summarize the following bill text|assistant:A bill to fund roads": 2,
			"user:|assistant:empty prompt":                                          1,
			"user:Bill five text|assistant:five|user:Shorter please|user:ok":        1,
			"user:Summarize bill zero|assistant:zero":                               1}},
		{"infinity completion", "infinity_instruct", "completion", fixture("infinity_instruct.json"), 4, map[string]int{
			"You are helpful\nName three colors/3": 2, "Q one\nA one\nQ two/4": 1, "Hi there/1": 1}},
		{"infinity chat", "infinity_instruct", "chat", fixture("infinity_instruct.json"), 7, map[string]int{
			"assistant:You are helpful|user:Name three colors|assistant:red green blue": 2,
			"user:No answer":     1,
			"assistant:orphan":   1,
			"user:Count to five": 1,
			"user:Q one|assistant:A one|user:Q two|assistant:A two is longer": 1,
			"user:Hi there|assistant:Hello":                                   1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]int{}
			for _, q := range runDataset(t, tc.dataType, tc.api, tc.path, tc.n) {
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
				if tc.api == "chat" {
					if body.MaxTokens != 30 {
						t.Errorf("chat request sent max_tokens %d, want the client default 30", body.MaxTokens)
					}
					parts := make([]string, len(body.Messages))
					for i, m := range body.Messages {
						parts[i] = m.Role + ":" + m.Content
					}
					seen[strings.Join(parts, "|")]++
					continue
				}
				if in, words := q.Info.InputTokens, len(strings.Fields(body.Prompt)); in != words {
					t.Errorf("prompt %q: input_tokens %d in the per-request report, want %d", body.Prompt, in, words)
				}
				seen[fmt.Sprintf("%s/%d", body.Prompt, body.MaxTokens)]++
			}
			if fmt.Sprint(seen) != fmt.Sprint(tc.want) {
				t.Errorf("prompts sent %v, want %v", seen, tc.want)
			}
		})
	}
}

// dsRequest is what these tests read of a per-request report entry.
type dsRequest struct {
	Request string `json:"request"`
	Info    struct {
		InputTokens int `json:"input_tokens"`
	} `json:"info"`
}

// runDataset runs n requests of dataType and api over path against the
// simulator and returns the per-request report entries.
func runDataset(t *testing.T, dataType, api, path string, n int) []dsRequest {
	t.Helper()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`
api:
  type: %s
server:
  type: sim
  sim: {ttft: 1ms, itl: 1ms, output_tokens: 2}
data:
  type: %s
  path: %q
load:
  type: concurrent
  stages:
  - {num_requests: %d, concurrency_level: 2}
report:
  request_lifecycle:
    per_request: true
storage:
  local_storage:
    path: out
`, api, dataType, path, n))
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	rep := readJSON(t, filepath.Join(out, "summary_lifecycle_metrics.json"))
	if got := num(t, rep, "successes", "count"); got != float64(n) {
		t.Errorf("%v successes, want %d", got, n)
	}
	if got := num(t, rep, "failures", "count"); got != 0 {
		t.Errorf("%v failures, want 0", got)
	}
	b, err := os.ReadFile(filepath.Join(out, "per_request_lifecycle_metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []dsRequest
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatalf("per-request report: %v", err)
	}
	if len(reqs) != n {
		t.Fatalf("%d per-request entries, want %d", len(reqs), n)
	}
	return reqs
}

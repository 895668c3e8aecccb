package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// The README's quick start config runs end to end against the embedded
// simulator (server.type: sim) and writes every report file.
func TestQuickstartEmbeddedSim(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, _ := filepath.Abs("../examples/quickstart.yml")
	r := runCLI(t, dir, "--config_file", cfg,
		"--load.stages", `[{"rate":20,"duration":2},{"rate":40,"duration":1}]`,
		"--load.interval", "0",
		"--storage.local_storage.path", "out")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	for _, f := range []string{"summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json", "config.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Errorf("missing report %s", f)
		}
	}
	sum := readJSON(t, filepath.Join(dir, "out", "summary_lifecycle_metrics.json"))
	if n := num(t, sum, "successes", "count"); n != 80 {
		t.Errorf("successes.count = %v, want 80 (40 + 40)", n)
	}
	if n := num(t, sum, "failures", "count"); n != 0 {
		t.Errorf("failures.count = %v, want 0", n)
	}
	st := readJSON(t, filepath.Join(dir, "out", "stage_1_lifecycle_metrics.json"))
	if rr := num(t, st, "load_summary", "requested_rate"); rr != 40 {
		t.Errorf("stage 1 requested_rate = %v, want 40", rr)
	}
	// 64 output tokens with ignore_eos from the fixed output distribution.
	if m := num(t, st, "successes", "output_tokens", "mean"); m != 64 {
		t.Errorf("output_tokens.mean = %v, want 64", m)
	}
	if ttft := num(t, st, "successes", "latency", "time_to_first_token", "median"); ttft < 0.050 {
		t.Errorf("TTFT median %v below the simulator's 50ms", ttft)
	}
	if !strings.Contains(r.stdout, "TTFT") && !strings.Contains(r.stdout, "Time to first token") {
		t.Errorf("stdout has no summary table:\n%s", r.stdout)
	}
}

// A separate `inference-perf sim` process, model discovered from /v1/models,
// chat streaming, per-request report.
func TestChatAgainstSimProcess(t *testing.T) {
	t.Parallel()
	url := startSim(t, "--ttft", "20ms", "--itl", "2ms", "--output-tokens", "16", "--model", "e2e-model")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
api:
  type: chat
  streaming: true
server:
  type: vllm
  base_url: `+url+`
data:
  type: mock
load:
  type: concurrent
  stages:
  - {num_requests: 12, concurrency_level: 3}
report:
  request_lifecycle:
    per_request: true
storage:
  local_storage:
    path: out-{timestamp}
`)
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "out-2*"))
	if len(outs) != 1 {
		t.Fatalf("want one out-<timestamp> dir, got %v", outs)
	}
	out := outs[0]
	st := readJSON(t, filepath.Join(out, "stage_0_lifecycle_metrics.json"))
	if n := num(t, st, "successes", "count"); n != 12 {
		t.Fatalf("successes %v, want 12", n)
	}
	// As the reference reports a concurrent stage: rate = num_requests.
	if r := num(t, st, "load_summary", "requested_rate"); r != 12 {
		t.Errorf("requested_rate %v, want 12", r)
	}
	b, err := os.ReadFile(filepath.Join(out, "per_request_lifecycle_metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []map[string]any
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatalf("per-request report: %v", err)
	}
	if len(reqs) != 12 {
		t.Fatalf("%d per-request entries, want 12", len(reqs))
	}
	if !strings.Contains(reqs[0]["request"].(string), `"model":"e2e-model"`) &&
		!strings.Contains(reqs[0]["request"].(string), `"model": "e2e-model"`) {
		t.Errorf("model not discovered: request %s", reqs[0]["request"])
	}
	cfgOut, err := os.ReadFile(filepath.Join(out, "config.yaml"))
	if err != nil || !strings.Contains(string(cfgOut), "model_name: e2e-model") {
		t.Errorf("config.yaml lacks the discovered model: %v\n%s", err, cfgOut)
	}
}

// --dry-run prints the effective config and sends nothing.
func TestDryRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
load:
  stages: [{rate: 1, duration: 1}]
server:
  base_url: http://127.0.0.1:9
`)
	r := runCLI(t, dir, "-c", cfg, "--dry-run", "--load.stages", `[{"rate":5,"duration":10}]`)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"rate: 5", "duration: 10", "worker_max_concurrency: 100", "percentiles:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("effective config lacks %q:\n%s", want, r.stdout)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("dry run wrote files: %v", entries)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runCLI(t, t.TempDir(), args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "inference-perf ") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

// A named tokenizer.json is used for every count, by the client and by the
// embedded simulator alike; a name that cannot be found is a one-line error.
func TestTokenizerFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeGPT2(t, dir)
	cfg := writeConfig(t, dir, `
api: {type: chat, streaming: true}
server: {type: sim, sim: {ttft: 1ms, itl: 1ms}}
data: {type: mock}
tokenizer: {pretrained_model_name_or_path: ./tokenizer.json}
load:
  type: concurrent
  stages: [{num_requests: 4, concurrency_level: 2}]
storage: {local_storage: {path: out}}
`)
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "tokenizer loaded") {
		t.Errorf("no tokenizer log line:\n%s", r.stderr)
	}
	sum := readJSON(t, filepath.Join(dir, "out", "summary_lifecycle_metrics.json"))
	// The simulator counted "mock prompt N" with the same file: GPT-2's
	// count, not the word counter's 3.
	tok, err := tokenizer.LoadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i := 1; i <= 4; i++ {
		want += float64(tok.Count(fmt.Sprintf("mock prompt %d", i))) / 4
	}
	if want == 3 {
		t.Fatal("GPT-2 counts the mock prompts like the word counter: the test would prove nothing")
	}
	if m := num(t, sum, "successes", "prompt_tokens", "mean"); m != want {
		t.Errorf("prompt_tokens.mean = %v, want %v GPT-2 tokens", m, want)
	}

	// Random prompts are exactly as long as asked, in GPT-2 tokens, as the
	// simulator (counting with the same file) confirms in its usage.
	r = runCLI(t, dir, "-c", cfg, "--api.type", "completion", "--data.type", "random",
		"--data.input_distribution", `{"type":"fixed","min":64,"max":64,"mean":64}`,
		"--data.output_distribution", `{"type":"fixed","min":8,"max":8,"mean":8}`,
		"--storage.local_storage.path", "out-random")
	if r.code != 0 {
		t.Fatalf("random data: exit %d\n%s", r.code, r.stderr)
	}
	sum = readJSON(t, filepath.Join(dir, "out-random", "summary_lifecycle_metrics.json"))
	for _, k := range []string{"min", "max"} {
		if v := num(t, sum, "successes", "prompt_tokens", k); v != 64 {
			t.Errorf("random prompt_tokens.%s = %v, want exactly 64", k, v)
		}
	}
	if n := num(t, sum, "successes", "token_count_mismatches"); n != 0 {
		t.Errorf("token_count_mismatches = %v, want 0", n)
	}

	r = runCLI(t, dir, "-c", cfg, "--tokenizer.pretrained_model_name_or_path", "Org/NotCached")
	if r.code != 2 || !strings.Contains(r.stderr, "tokenizer.pretrained_model_name_or_path") || !strings.Contains(r.stderr, "Org/NotCached") {
		t.Errorf("missing tokenizer: exit %d\n%s", r.code, r.stderr)
	}
}

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

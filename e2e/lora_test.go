package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load.lora_traffic_split against the embedded simulator (which serves the
// split's adapters): every request is sent with an adapter as model, the
// per-adapter reports exist and add up to the run, and the same base_seed
// picks the same adapters again.
func TestLoRATrafficSplit(t *testing.T) {
	t.Parallel()
	first := runLoRA(t)
	second := runLoRA(t)
	if first != second {
		t.Errorf("same base_seed, different adapter counts: %v then %v", first, second)
	}
	// The draw is a pure function of (base_seed, request number), so the
	// counts are exact: 73/27 for base_seed 20251125, near the 70/30 asked.
	// A change here changes which adapter every seeded run sends.
	if first != [2]int{73, 27} {
		t.Errorf("a1/a2 got %v of 100 requests, want [73 27] under base_seed 20251125", first)
	}
}

// runLoRA runs the split once and returns the success counts of a1 and a2.
func runLoRA(t *testing.T) [2]int {
	t.Helper()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
api:
  type: completion
  streaming: true
server:
  type: sim
  sim: {ttft: 1ms, itl: 1ms, output_tokens: 4}
data:
  type: mock
load:
  type: concurrent
  base_seed: 20251125
  stages:
  - {num_requests: 100, concurrency_level: 16}
  lora_traffic_split:
  - {name: a1, split: 0.7}
  - {name: a2, split: 0.3}
report:
  request_lifecycle:
    per_request: true
storage:
  local_storage:
    path: out
`)
	r := runCLI(t, dir, "-c", cfg)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	var counts [2]int
	for i, name := range []string{"a1", "a2"} {
		rep := readJSON(t, filepath.Join(out, "adapter_"+name+"_lifecycle_metrics.json"))
		counts[i] = int(num(t, rep, "successes", "count"))
		if f := num(t, rep, "failures", "count"); f != 0 {
			t.Errorf("%s: %v failures", name, f)
		}
	}
	if counts[0]+counts[1] != 100 {
		t.Errorf("adapter successes %v add up to %d, want 100", counts, counts[0]+counts[1])
	}

	b, err := os.ReadFile(filepath.Join(out, "per_request_lifecycle_metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []struct {
		Request string `json:"request"`
		Info    struct {
			LoRA string `json:"lora_adapter"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatalf("per-request report: %v", err)
	}
	if len(reqs) != 100 {
		t.Fatalf("%d per-request entries, want 100", len(reqs))
	}
	var perBody [2]int
	for _, q := range reqs {
		var body struct {
			Model string `json:"model"`
		}
		if err := json.Unmarshal([]byte(q.Request), &body); err != nil {
			t.Fatalf("request body %q: %v", q.Request, err)
		}
		switch {
		case body.Model != q.Info.LoRA:
			t.Errorf("request sent model %q but records adapter %q", body.Model, q.Info.LoRA)
		case body.Model == "a1":
			perBody[0]++
		case body.Model == "a2":
			perBody[1]++
		default:
			t.Errorf("request sent model %q, want a1 or a2: %s", body.Model, strings.TrimSpace(q.Request))
		}
	}
	if perBody != counts {
		t.Errorf("request bodies name a1/a2 %v times, adapter reports count %v", perBody, counts)
	}
	return counts
}

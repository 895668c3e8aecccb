package e2e

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestFidelity checks that what the tool reports is what the simulator did:
// with a fixed TTFT of 50 ms, ITL of 10 ms and 64 output tokens at a moderate
// rate, the reported TTFT, ITL and end-to-end medians are within 2 ms of the
// truth, and the achieved rate within 2% of the requested one, for constant
// and poisson stages.
//
// It measures real time on a shared machine, so it runs only when asked
// (INFERENCE_PERF_FIDELITY=1, as .ci/run does, without -race and alone).
func TestFidelity(t *testing.T) {
	if os.Getenv("INFERENCE_PERF_FIDELITY") != "1" {
		t.Skip("set INFERENCE_PERF_FIDELITY=1 to run the timing fidelity check")
	}
	url := startSim(t, "--ttft", "50ms", "--itl", "10ms", "--output-tokens", "64", "--max-num-seqs", "1024")
	const (
		ttft = 0.050
		itl  = 0.010
		e2e  = ttft + 63*itl
		tol  = 0.002
	)
	for _, loadType := range []string{"constant", "poisson"} {
		dir := t.TempDir()
		cfg := writeConfig(t, dir, `
api: {type: completion, streaming: true}
server: {type: vllm, base_url: `+url+`}
data:
  type: random
  input_distribution: {type: fixed, min: 128, max: 128, mean: 128}
  output_distribution: {type: fixed, min: 64, max: 64, mean: 64}
load:
  type: `+loadType+`
  stages: [{rate: 50, duration: 10}]
storage: {local_storage: {path: out}}
`)
		r := runCLI(t, dir, "-c", cfg)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", loadType, r.code, r.stderr)
		}
		st := readJSON(t, filepath.Join(dir, "out", "stage_0_lifecycle_metrics.json"))
		lat := func(name string) float64 { return num(t, st, "successes", "latency", name, "median") }
		got := map[string][2]float64{
			"time_to_first_token": {lat("time_to_first_token"), ttft},
			"inter_token_latency": {lat("inter_token_latency"), itl},
			"request_latency":     {lat("request_latency"), e2e},
		}
		for name, g := range got {
			t.Logf("%s %s median: %.6f s (truth %.3f s, error %+.3f ms)", loadType, name, g[0], g[1], (g[0]-g[1])*1000)
			if math.Abs(g[0]-g[1]) > tol {
				t.Errorf("%s: %s median %.6f s is more than 2 ms from the truth %.3f s", loadType, name, g[0], g[1])
			}
		}
		achieved := num(t, st, "load_summary", "achieved_rate")
		requested := num(t, st, "load_summary", "requested_rate")
		t.Logf("%s achieved_rate %.3f/s for %.0f/s requested (%+.2f%%)", loadType, achieved, requested, (achieved/requested-1)*100)
		if math.Abs(achieved/requested-1) > 0.02 {
			t.Errorf("%s: achieved_rate %.3f is more than 2%% from %.0f", loadType, achieved, requested)
		}
		if n := num(t, st, "successes", "count"); n != 500 {
			t.Errorf("%s: %v successes, want 500", loadType, n)
		}
	}
}

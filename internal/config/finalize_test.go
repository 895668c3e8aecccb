package config

import "testing"

func TestFinalize(t *testing.T) {
	t.Parallel()
	// The reference's sample run: random data, constant 600/s for 10 s, gives
	// total_count 6001 in its saved config.
	cfg, err := LoadBytes("c.yml", []byte(`
data:
  type: random
  input_distribution: {type: fixed, min: 128, max: 128, mean: 128}
  output_distribution: {type: fixed, min: 32, max: 32, mean: 32, total_count: 99999}
load:
  stages: [{rate: 600, duration: 10}, {rate: 1, duration: 5}]
server: {base_url: "http://127.0.0.1:8000"}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	Finalize(cfg)
	if got := *cfg.Data.InputDistribution.TotalCount; got != 6001 {
		t.Errorf("input total_count = %d, want 6001", got)
	}
	if got := *cfg.Data.OutputDistribution.TotalCount; got != 99999 {
		t.Errorf("a larger total_count must be kept, got %d", got)
	}
	if cfg.Load.WorkerMaxConcurrency != 100 {
		t.Errorf("worker_max_concurrency changed for a constant load: %d", cfg.Load.WorkerMaxConcurrency)
	}

	// Concurrent stages read as rate = num_requests over 1 s, and
	// worker_max_concurrency as 0, as the reference saves them.
	cfg, err = LoadBytes("c.yml", []byte(`
load:
  type: concurrent
  stages: [{num_requests: 50, concurrency_level: 4}]
server: {base_url: "http://127.0.0.1:8000"}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	Finalize(cfg)
	s := cfg.Load.Stages[0]
	if *s.Rate != 50 || *s.Duration != 1 || *s.NumRequests != 50 || *s.ConcurrencyLevel != 4 || cfg.Load.WorkerMaxConcurrency != 0 {
		t.Errorf("concurrent stage %+v, worker_max_concurrency %d", s, cfg.Load.WorkerMaxConcurrency)
	}
	// What is saved loads back.
	y, err := Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBytes("config.yaml", y, nil); err != nil {
		t.Fatalf("finalized config does not load back: %v\n%s", err, y)
	}
}

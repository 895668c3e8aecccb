package config

// Finalize makes the run-time adjustments the reference makes to a loaded
// config before it runs (inference_perf/main.py), so the effective config
// printed by --dry-run and saved as config.yaml reads as the reference's:
//   - concurrent stages are rewritten to rate = num_requests, duration = 1,
//     and worker_max_concurrency is reported as 0 (it does not apply);
//   - for random and synthetic data, total_count of the input and output
//     distributions is raised to the largest stage's request count + 1.
//
// Load generation reads num_requests and concurrency_level of concurrent
// stages, so the rewrite changes nothing in how they run.
func Finalize(cfg *Config) {
	maxRequests := 0
	for i := range cfg.Load.Stages {
		s := &cfg.Load.Stages[i]
		switch {
		case cfg.Load.Type == LoadConcurrent && s.NumRequests != nil:
			rate, duration := float64(*s.NumRequests), 1
			s.Rate, s.Duration = &rate, &duration
			maxRequests = max(maxRequests, *s.NumRequests)
		case s.Rate != nil && s.Duration != nil:
			maxRequests = max(maxRequests, int(*s.Rate*float64(*s.Duration)))
		}
	}
	if cfg.Load.Type == LoadConcurrent {
		cfg.Load.WorkerMaxConcurrency = 0
	}
	if cfg.Data.Type != DataRandom && cfg.Data.Type != DataSynthetic {
		return
	}
	total := maxRequests + 1
	for _, d := range []*Distribution{cfg.Data.InputDistribution, cfg.Data.OutputDistribution} {
		if d != nil && (d.TotalCount == nil || *d.TotalCount < total) {
			t := total
			d.TotalCount = &t
		}
	}
}

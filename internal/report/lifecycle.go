package report

import (
	"github.com/inference-perf-go/inference-perf/internal/metrics"
)

// lifecycleObject lays out a lifecycle report with the keys and key order of
// the reference v0.5.0 files (summary_lifecycle_metrics.json,
// stage_N_lifecycle_metrics.json).
func lifecycleObject(l *metrics.Lifecycle) object {
	load := object{
		{"count", l.Load.Count},
		{"schedule_delay", l.Load.ScheduleDelay},
	}
	if st := l.Load.Stage; st != nil {
		load = append(load,
			member{"send_duration", l.Load.SendDuration},
			member{"requested_rate", st.RequestedRate},
			member{"achieved_rate", l.Load.AchievedRate},
		)
		if st.Concurrency > 0 {
			load = append(load, member{"concurrency", st.Concurrency})
		}
	}

	s := &l.Successes
	successes := object{
		{"count", s.Count},
		{"latency", object{
			{"request_latency", s.Latency.RequestLatency},
			{"normalized_time_per_output_token", s.Latency.NTPOT},
			{"time_per_output_token", s.Latency.TPOT},
			{"time_to_first_token", s.Latency.TTFT},
			{"inter_token_latency", s.Latency.ITL},
		}},
		{"throughput", object{
			{"input_tokens_per_sec", s.Throughput.InputTokensPerSec},
			{"output_tokens_per_sec", s.Throughput.OutputTokensPerSec},
			{"total_tokens_per_sec", s.Throughput.TotalTokensPerSec},
			{"requests_per_sec", s.Throughput.RequestsPerSec},
			{"images_per_sec", s.Throughput.ImagesPerSec},
			{"videos_per_sec", s.Throughput.VideosPerSec},
			{"audios_per_sec", s.Throughput.AudiosPerSec},
		}},
		{"request_size_bytes", s.RequestSizeBytes},
		// Per-item media distributions stay null until multimodal data exists.
		{"image", object{
			{"count", s.ImageCount},
			{"pixels", nil},
			{"bytes", nil},
			{"aspect_ratio", nil},
		}},
		{"video", object{
			{"count", s.VideoCount},
			{"frames", nil},
			{"pixels", nil},
			{"bytes", nil},
			{"aspect_ratio", nil},
		}},
		{"audio", object{
			{"count", s.AudioCount},
			{"seconds", nil},
			{"bytes", nil},
		}},
		{"prompt_tokens", tokenUsageObject(s.PromptTokens)},
		{"output_len", s.OutputLen},
		{"output_tokens", withDist(object{{"total", s.OutputTokens.Total}}, s.OutputTokens.Dist)},
		{"token_count_mismatches", s.TokenCountMismatches},
	}

	byLabel := make(object, 0, len(l.Failures.ByLabel))
	for _, lc := range l.Failures.ByLabel {
		msgs := make([]any, 0, len(lc.Messages))
		for _, m := range lc.Messages {
			e := object{{"message", m.Message}}
			if len(m.SessionIDs) > 0 {
				e = append(e, member{"session_ids", m.SessionIDs})
			}
			msgs = append(msgs, e)
		}
		byLabel = append(byLabel, member{lc.Label, object{{"count", lc.Count}, {"messages", msgs}}})
	}
	failures := object{
		{"count", l.Failures.Count},
		{"request_latency", l.Failures.RequestLatency},
		{"prompt_tokens", tokenUsageObject(l.Failures.PromptTokens)},
		{"by_label", byLabel},
	}

	return object{
		{"benchmark_time_seconds", l.BenchmarkTimeSeconds},
		{"load_summary", load},
		{"successes", successes},
		{"failures", failures},
	}
}

// tokenUsageObject is prompt_tokens: total, cached, uncached, then the
// distribution's keys inline when there were requests.
func tokenUsageObject(u metrics.TokenUsage) object {
	return withDist(object{
		{"total", u.Total},
		{"cached", u.Cached},
		{"uncached", u.Uncached},
	}, u.Dist)
}

// withDist appends a summary's keys to o (the reference's result.update(dist)).
func withDist(o object, dist *metrics.Summary) object {
	if dist == nil {
		return o
	}
	keys, vals := dist.Fields()
	for i := range keys {
		o = o.set(keys[i], vals[i])
	}
	return o
}

// MarshalLifecycle returns a lifecycle report as the reference writes it
// (json.dumps indent=2, no trailing newline).
func MarshalLifecycle(l *metrics.Lifecycle) []byte {
	return appendJSON(nil, lifecycleObject(l), 0)
}

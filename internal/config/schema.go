package config

// keySchema lists the keys of a section we keep free-form (map[string]any)
// because its feature is not built yet. Checking its keys still catches typos
// now; the values are checked when the feature is built. Keys are in the
// reference's order, which Marshal follows.
type keySchema struct {
	keys []string
	sub  map[string]*keySchema // schema of a key whose value is a mapping
	elem map[string]*keySchema // schema of each element of a key whose value is a list
}

func (s *keySchema) has(k string) bool {
	for _, x := range s.keys {
		if x == k {
			return true
		}
	}
	return false
}

// with returns a copy of s with more keys, for the reference's subclassing.
func (s *keySchema) with(keys ...string) *keySchema {
	c := &keySchema{keys: append(append([]string(nil), s.keys...), keys...), sub: map[string]*keySchema{}, elem: map[string]*keySchema{}}
	for k, v := range s.sub {
		c.sub[k] = v
	}
	for k, v := range s.elem {
		c.elem[k] = v
	}
	return c
}

// distSchema is Distribution's keys (common.py).
var distSchema = &keySchema{keys: []string{"min", "max", "mean", "std_dev", "total_count", "type", "variance", "skew"}}

// sessionReplaySchema is SessionReplayConfig (config/datagen/replay.py), the
// base of the trace replay and synthetic agentic sections.
var sessionReplaySchema = &keySchema{keys: []string{
	"use_static_model", "static_model_name", "model_mapping", "default_max_tokens",
	"override_tool_call_max_tokens", "tool_choice_mode", "inject_random_session_id",
	"duplicate_sessions_target", "max_wait_ms", "predecessor_wait_timeout_sec",
	"include_errors", "skip_invalid_files", "bad_tool_call_handling",
}}

func mediaSchema(extra ...string) *keySchema {
	return &keySchema{keys: append([]string{"count", "insertion_point"}, extra...)}
}

// schemas are the free-form sections by the name their cfg tag gives.
var schemas = map[string]*keySchema{
	"multimodal": {
		keys: []string{"image", "video", "audio"},
		sub: map[string]*keySchema{
			"image": mediaSchema("resolutions", "representation"),
			"video": mediaSchema("profiles", "representation"),
			"audio": mediaSchema("durations"),
		},
	},
	"otel_trace_replay": sessionReplaySchema.with(
		"trace_directory", "trace_files", "hf_dataset_path", "filter",
		"disable_output_substitution", "attribute_to_header_map", "attribute_to_label_map"),
	"weka_trace_replay": sessionReplaySchema.with(
		"trace_directory", "trace_files", "hf_dataset_path", "trace_idle_gap_cap_seconds",
		"ignore_trace_delays", "use_think_time_only", "default_block_size", "num_dataset_entries",
		"datagen_workers"),
	"conversation_replay": {
		keys: []string{"seed", "num_conversations", "shared_system_prompt_len", "dynamic_system_prompt_len",
			"turns_per_conversation", "input_tokens_per_turn", "output_tokens_per_turn", "tool_call_latency_sec",
			"max_model_len"},
		sub: map[string]*keySchema{
			"dynamic_system_prompt_len": distSchema, "turns_per_conversation": distSchema,
			"input_tokens_per_turn": distSchema, "output_tokens_per_turn": distSchema,
			"tool_call_latency_sec": distSchema,
		},
	},
	"visionarena": {keys: []string{"hf_dataset_name", "hf_split", "hf_data_files", "num_rows",
		"max_images_per_request", "insertion_point"}},
	"synthetic_agentic": func() *keySchema {
		s := sessionReplaySchema.with("num_sessions", "input_tokens_per_turn", "output_tokens_per_turn",
			"turns_per_session", "fanout_probability", "theme_mix", "seed", "shared_system_prompt_len",
			"tool_loop_depth", "sub_agents_per_spawn", "max_depth", "max_events_per_session",
			"tool_catalog_size_per_agent", "parallel_tool_calls_per_step", "tool_call_latency_sec",
			"user_think_time_sec", "max_model_len", "context_compaction")
		for _, k := range []string{"input_tokens_per_turn", "output_tokens_per_turn", "turns_per_session",
			"tool_loop_depth", "sub_agents_per_spawn", "tool_catalog_size_per_agent",
			"parallel_tool_calls_per_step", "tool_call_latency_sec", "user_think_time_sec"} {
			s.sub[k] = distSchema
		}
		s.sub["context_compaction"] = &keySchema{
			keys: []string{"trigger_tokens", "target_tokens"},
			sub:  map[string]*keySchema{"trigger_tokens": distSchema, "target_tokens": distSchema},
		}
		return s
	}(),
	"sharegpt4video": {keys: []string{"token", "cache_dir", "representation", "target_resolution",
		"max_frames_per_request", "insertion_point", "hf_dataset_name", "hf_data_files", "hf_split"}},
	"cb_metrics": {keys: []string{"matches", "rules"}},
	"cb_trigger": {keys: []string{"type", "window_sec", "threshold", "min_samples"}},
}

package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of every test load: base_seed and {timestamp} follow it.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

const testCPUs = 4

// minimal is the smallest valid config: one stage and a server.
const minimal = `load:
  stages:
  - rate: 1
    duration: 1
server:
  type: mock
`

func load(yml string, ov ...Override) (*Config, error) {
	return loadAt("config.yml", []byte(yml), ov, testNow, testCPUs)
}

func mustLoad(t *testing.T, yml string, ov ...Override) *Config {
	t.Helper()
	cfg, err := load(yml, ov...)
	if err != nil {
		t.Fatalf("load failed:\n%v\nconfig:\n%s", err, yml)
	}
	return cfg
}

func ptr[T any](v T) *T { return &v }

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, minimal)
	// Each case is one key of the reference's effective config (sample-run
	// config.yaml, v0.5.0) that minimal does not set.
	cases := []struct {
		key  string
		got  any
		want any
	}{
		{"api.type", cfg.API.Type, "completion"},
		{"api.streaming", cfg.API.Streaming, false},
		{"api.headers", cfg.API.Headers, map[string]string(nil)},
		{"api.slo_unit", cfg.API.SLOUnit, (*string)(nil)},
		{"api.slo_tpot_header", cfg.API.SLOTPOTHeader, (*string)(nil)},
		{"api.slo_ttft_header", cfg.API.SLOTTFTHeader, (*string)(nil)},
		{"api.response_format", cfg.API.ResponseFormat, (*ResponseFormat)(nil)},
		{"api.session_id_header_key", cfg.API.SessionIDHeaderKey, (*string)(nil)},
		{"api.session_token_header_key", cfg.API.SessionTokenHeaderKey, (*string)(nil)},
		{"data.type", cfg.Data.Type, "mock"},
		{"data.path", cfg.Data.Path, (*string)(nil)},
		{"data.corpus_file_path", cfg.Data.CorpusFilePath, (*string)(nil)},
		{"data.input_distribution", cfg.Data.InputDistribution, (*Distribution)(nil)},
		{"data.output_distribution", cfg.Data.OutputDistribution, (*Distribution)(nil)},
		{"data.shared_prefix", cfg.Data.SharedPrefix, (*SharedPrefix)(nil)},
		{"data.multimodal", cfg.Data.Multimodal, map[string]any(nil)},
		{"data.trace", cfg.Data.Trace, (*TraceConfig)(nil)},
		{"data.otel_trace_replay", cfg.Data.OTelTraceReplay, map[string]any(nil)},
		{"data.weka_trace_replay", cfg.Data.WekaTraceReplay, map[string]any(nil)},
		{"data.conversation_replay", cfg.Data.ConversationReplay, (*ConversationReplay)(nil)},
		{"data.visionarena", cfg.Data.VisionArena, map[string]any(nil)},
		{"data.use_chat_template", cfg.Data.UseChatTemplate, false},
		{"load.type", cfg.Load.Type, "constant"},
		{"load.interval", cfg.Load.Interval, 1.0},
		{"load.sweep", cfg.Load.Sweep, (*SweepConfig)(nil)},
		// num_workers is the CPU count (loadAt takes it as an input).
		{"load.num_workers", cfg.Load.NumWorkers, testCPUs},
		{"load.worker_max_concurrency", cfg.Load.WorkerMaxConcurrency, 100},
		{"load.worker_max_tcp_connections", cfg.Load.WorkerMaxTCPConnections, 2500},
		{"load.trace", cfg.Load.Trace, (*TraceConfig)(nil)},
		// An empty list, not null: the reference prints `circuit_breakers: []` here.
		{"load.circuit_breakers", cfg.Load.CircuitBreakers, []string{}},
		{"load.request_timeout", cfg.Load.RequestTimeout, (*float64)(nil)},
		{"load.request_retries", cfg.Load.RequestRetries, 0},
		{"load.request_retry_backoff_sec", cfg.Load.RequestRetryBackoffSec, 0.5},
		{"load.stage_teardown_grace_seconds", cfg.Load.StageTeardownGraceSeconds, 120.0},
		{"load.lora_traffic_split", cfg.Load.LoRATrafficSplit, []LoRASplit(nil)},
		// base_seed is the load time in milliseconds.
		{"load.base_seed", cfg.Load.BaseSeed, testNow.UnixMilli()},
		{"metrics", cfg.Metrics, (*MetricsConfig)(nil)},
		{"report.request_lifecycle.summary", cfg.Report.RequestLifecycle.Summary, true},
		{"report.request_lifecycle.per_stage", cfg.Report.RequestLifecycle.PerStage, true},
		{"report.request_lifecycle.per_request", cfg.Report.RequestLifecycle.PerRequest, false},
		{"report.request_lifecycle.per_adapter", cfg.Report.RequestLifecycle.PerAdapter, true},
		{"report.request_lifecycle.per_adapter_stage", cfg.Report.RequestLifecycle.PerAdapterStage, false},
		{"report.request_lifecycle.percentiles", cfg.Report.RequestLifecycle.Percentiles, []float64{0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9}},
		{"report.request_lifecycle.use_server_output_tokens", cfg.Report.RequestLifecycle.UseServerOutputTokens, false},
		{"report.request_lifecycle.max_error_messages", cfg.Report.RequestLifecycle.MaxErrorMessages, 100},
		{"report.request_lifecycle.metrics_only", cfg.Report.RequestLifecycle.MetricsOnly, false},
		// v0.5.0 prints `prometheus: null`; newer versions default it to a section.
		{"report.prometheus", cfg.Report.Prometheus, (*PrometheusReport)(nil)},
		{"report.session_lifecycle", cfg.Report.SessionLifecycle, &SessionLifecycleReport{Summary: true, PerStage: true}},
		{"report.goodput", cfg.Report.Goodput, (*GoodputConfig)(nil)},
		// {timestamp} is replaced at load time, %Y%m%d-%H%M%S.
		{"storage.local_storage.path", cfg.Storage.LocalStorage.Path, "reports-20250102-030405"},
		{"storage.local_storage.report_file_prefix", cfg.Storage.LocalStorage.ReportFilePrefix, (*string)(nil)},
		{"storage.google_cloud_storage", cfg.Storage.GoogleCloudStorage, (*GoogleCloudStorage)(nil)},
		{"storage.simple_storage_service", cfg.Storage.SimpleStorageService, (*SimpleStorageService)(nil)},
		{"server.model_name", cfg.Server.ModelName, (*string)(nil)},
		{"server.base_url", cfg.Server.BaseURL, ""},
		{"server.ignore_eos", cfg.Server.IgnoreEOS, true},
		{"server.api_key", cfg.Server.APIKey, (*string)(nil)},
		{"server.cert_path", cfg.Server.CertPath, (*string)(nil)},
		{"server.key_path", cfg.Server.KeyPath, (*string)(nil)},
		{"server.sim", cfg.Server.Sim, (*SimConfig)(nil)},
		{"tokenizer", cfg.Tokenizer, (*TokenizerConfig)(nil)},
		{"circuit_breakers", cfg.CircuitBreakers, []CircuitBreakerConfig(nil)},
	}
	for _, c := range cases {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.key, c.got, c.want)
		}
	}
	// server.type defaults to vllm when the section is given without it.
	if got := mustLoad(t, minimal+"  base_url: http://h:1\n", Override{"server.type", "vllm"}).Server.Type; got != "vllm" {
		t.Errorf("server.type = %q", got)
	}
	cfg = mustLoad(t, "load:\n  stages: [{rate: 1, duration: 1}]\nserver:\n  base_url: http://h:1\n")
	if cfg.Server.Type != ServerVLLM {
		t.Errorf("server.type default = %q, want vllm", cfg.Server.Type)
	}
	// Defaults is the same effective config, with the real clock and CPU count.
	d := Defaults()
	if d.Server != nil || d.Load.NumWorkers != max(1, runtime.NumCPU()) || d.Load.BaseSeed < testNow.UnixMilli() ||
		d.Storage.LocalStorage.Path != defaultStoragePath || d.API.Type != APICompletion {
		t.Errorf("Defaults() = %+v", d)
	}
}

// TestPartialDefaults: a nested object given partly gets its other fields from
// the model's defaults, as pydantic fills them (sample-run: input_distribution
// given without variance prints variance: null, skew: 0.0).
func TestPartialDefaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		yml  string
		got  func(*Config) any
		want any
	}{
		{"distribution", "data:\n  input_distribution: {min: 5}\n", func(c *Config) any { return *c.Data.InputDistribution },
			Distribution{Min: 5, Max: 1024, Mean: 512, StdDev: 200, Type: "normal"}},
		{"report.prometheus given empty gets summary=true, per_stage=false", "report:\n  prometheus: {}\n",
			func(c *Config) any { return *c.Report.Prometheus }, PrometheusReport{Summary: true}},
		{"request_lifecycle keeps its other defaults", "report:\n  request_lifecycle: {per_request: true}\n",
			func(c *Config) any {
				return c.Report.RequestLifecycle.Summary && c.Report.RequestLifecycle.PerAdapter && c.Report.RequestLifecycle.PerRequest
			}, true},
		{"sweep", "load:\n  sweep: {type: linear}\n", func(c *Config) any { return *c.Load.Sweep },
			SweepConfig{Type: "linear", NumRequests: 2000, Timeout: 60, NumStages: 5, StageDuration: 180, SaturationPercentile: 95}},
		{"prometheus client", "metrics:\n  type: prometheus\n  prometheus: {url: 'http://p:9090'}\n", func(c *Config) any { return *c.Metrics.Prometheus },
			PrometheusConfig{ScrapeInterval: 15, URL: ptr("http://p:9090"), Filters: []string{}, VerifySSL: true}},
		{"gcs path default", "storage:\n  google_cloud_storage: {bucket_name: b}\n", func(c *Config) any { return *c.Storage.GoogleCloudStorage },
			GoogleCloudStorage{Path: "reports-20250102-030405", BucketName: "b"}},
		{"storage without local_storage keeps the default local storage", "storage:\n  google_cloud_storage: {bucket_name: b}\n",
			func(c *Config) any { return c.Storage.LocalStorage.Path }, "reports-20250102-030405"},
		{"tokenizer", "tokenizer: {pretrained_model_name_or_path: x}\n", func(c *Config) any { return *c.Tokenizer },
			TokenizerConfig{PretrainedModelNameOrPath: ptr("x"), LoadTimeout: ptr(300.0)}},
		{"response_format", "api:\n  response_format: {}\n", func(c *Config) any { return *c.API.ResponseFormat },
			ResponseFormat{Type: "json_schema", Name: "structured_output"}},
		{"trace format", "data:\n  trace: {file: t.csv}\n", func(c *Config) any { return *c.Data.Trace },
			TraceConfig{File: "t.csv", Format: "AzurePublicDataset"}},
		{"shared_prefix", "data:\n  shared_prefix: {}\n", func(c *Config) any { return *c.Data.SharedPrefix },
			SharedPrefix{NumGroups: 10, NumPromptsPerGroup: 10, SystemPromptLen: 100, QuestionLen: 50, OutputLen: 50}},
		{"goodput constraints default to {}", "report:\n  goodput: {}\n", func(c *Config) any { return c.Report.Goodput.Constraints },
			map[string]float64{}},
		{"variance alone sets std_dev", "data:\n  input_distribution: {variance: 16}\n", func(c *Config) any { return c.Data.InputDistribution.StdDev }, 4.0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := minimal
			if strings.HasPrefix(c.yml, "load:") {
				base = "server: {type: mock}\n"
			}
			cfg := mustLoad(t, base+c.yml)
			if got := c.got(cfg); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	// Every storage path gets the same load-time stamp, every occurrence replaced.
	cfg := mustLoad(t, minimal+`storage:
  local_storage: {path: "out/{timestamp}/{timestamp}"}
  google_cloud_storage: {bucket_name: b, path: "g-{timestamp}"}
  simple_storage_service: {bucket_name: b, path: "s-{timestamp}"}
`)
	st := cfg.Storage
	got := []string{st.LocalStorage.Path, st.GoogleCloudStorage.Path, st.SimpleStorageService.Path}
	want := []string{"out/20250102-030405/20250102-030405", "g-20250102-030405", "s-20250102-030405"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
	// An override's path is stamped too (substitution follows the overrides).
	cfg = mustLoad(t, minimal, Override{"storage.local_storage.path", "x-{timestamp}"})
	if cfg.Storage.LocalStorage.Path != "x-20250102-030405" {
		t.Errorf("override path = %q", cfg.Storage.LocalStorage.Path)
	}
	// Storage may be null: no reports are written, nothing to stamp.
	if cfg := mustLoad(t, minimal+"storage: null\n"); cfg.Storage != nil {
		t.Errorf("storage = %+v, want nil", cfg.Storage)
	}
}

func TestSim(t *testing.T) {
	t.Parallel()
	const stage = "load:\n  stages: [{rate: 1, duration: 1}]\n"
	// type sim needs no base_url; the model name is the simulator's.
	cfg := mustLoad(t, stage+"server:\n  type: sim\n")
	want := SimConfig{Model: "sim-model", TTFT: "50ms", ITL: "10ms", TTFTJitter: "0s", ITLJitter: "0s", OutputTokens: 128, MaxNumSeqs: 256, Seed: 42}
	if !reflect.DeepEqual(*cfg.Server.Sim, want) {
		t.Errorf("sim = %+v, want %+v", *cfg.Server.Sim, want)
	}
	if cfg.Server.ModelName == nil || *cfg.Server.ModelName != "sim-model" {
		t.Errorf("model_name = %v, want sim-model", cfg.Server.ModelName)
	}
	s := cfg.Server.Sim
	if s.TTFTDuration() != 50*time.Millisecond || s.ITLDuration() != 10*time.Millisecond || s.TTFTJitterDuration() != 0 || s.ITLJitterDuration() != 0 {
		t.Errorf("durations = %v %v %v %v", s.TTFTDuration(), s.ITLDuration(), s.TTFTJitterDuration(), s.ITLJitterDuration())
	}
	// A given model_name is what the simulator serves.
	cfg = mustLoad(t, stage+"server:\n  type: sim\n  model_name: m1\n  sim: {ttft: 1s, itl_jitter: 2ms, seed: 7}\n")
	if cfg.Server.Sim.Model != "m1" || cfg.Server.Sim.TTFTDuration() != time.Second || cfg.Server.Sim.ITLJitterDuration() != 2*time.Millisecond || cfg.Server.Sim.Seed != 7 {
		t.Errorf("sim = %+v", *cfg.Server.Sim)
	}
	// sim.model alone names the model too.
	cfg = mustLoad(t, stage+"server:\n  type: sim\n  sim: {model: m2}\n")
	if *cfg.Server.ModelName != "m2" {
		t.Errorf("model_name = %q, want m2", *cfg.Server.ModelName)
	}
}

// checkErrors asserts that err holds exactly the want lines, in any order.
func checkErrors(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want:\n%s", strings.Join(want, "\n"))
	}
	got := strings.Split(err.Error(), "\n")
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if !reflect.DeepEqual(got, w) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		yml  string
		ov   []Override
		want []string
	}{
		{
			// A typo at the top level: the line and the nearest valid key.
			name: "unknown top-level key suggests",
			yml:  minimal + "lod:\n  type: constant\n",
			want: []string{`config.yml:7: unknown key "lod" in <root>; did you mean "load"?`},
		},
		{
			// Nothing close: list what is valid.
			name: "unknown key lists valid keys",
			yml:  minimal + "report:\n  zzzzzzzz: 1\n",
			want: []string{`config.yml:8: unknown key "zzzzzzzz" in report; valid: request_lifecycle, prometheus, session_lifecycle, goodput`},
		},
		{
			// Strictness reaches list elements: a stage key typo.
			name: "unknown key in a stage",
			yml:  "load:\n  stages:\n  - rate: 1\n    duraton: 1\nserver: {type: mock}\n",
			want: []string{`config.yml:4: unknown key "duraton" in load.stages[0]; did you mean "duration"?`},
		},
		{
			// The brief's example: field path, line and the bad value.
			name: "wrong type names path and line",
			yml:  "server: {type: mock}\nload:\n  type: constant\n  interval: 1\n  stages:\n  - duration: 10\n    rate: fast\n",
			want: []string{`config.yml:7: load.stages[0].rate: expected a number, got "fast"`},
		},
		{
			// duration is an int in the reference: 1.5 is rejected, not truncated.
			name: "fractional int",
			yml:  "server: {type: mock}\nload:\n  stages:\n  - {rate: 1, duration: 1.5}\n",
			want: []string{`config.yml:4: load.stages[0].duration: expected an integer, got 1.5`},
		},
		{
			// A word that is no boolean in YAML 1.1 nor to pydantic.
			name: "bool",
			yml:  minimal + "api:\n  streaming: maybe\n",
			want: []string{`config.yml:8: api.streaming: expected a boolean (true or false), got "maybe"`},
		},
		{
			// A number where a string belongs is the pydantic error too.
			name: "number for a string",
			yml:  minimal + "  model_name: 123\n",
			want: []string{`config.yml:7: server.model_name: expected a string, got 123 (quote it to use it as a string)`},
		},
		{
			// pydantic would take inf; a stage at an infinite rate is never meant.
			name: "inf rate",
			yml:  "server: {type: mock}\nload:\n  stages:\n  - {rate: .inf, duration: 1}\n",
			want: []string{`config.yml:4: load.stages[0].rate: expected a finite number, got .inf`},
		},
		{
			// A single stage written without the list dash.
			name: "list expected",
			yml:  "server: {type: mock}\nload:\n  stages: {rate: 1}\n",
			want: []string{`config.yml:3: load.stages: expected a list, got a mapping`},
		},
		{
			// report is not Optional in the reference.
			name: "null section",
			yml:  minimal + "report: null\n",
			want: []string{`config.yml:7: report: expected a mapping, got null`},
		},
		{
			// A pointer in Go, but not Optional in the reference.
			name: "session_lifecycle may not be null",
			yml:  minimal + "report:\n  session_lifecycle: null\n",
			want: []string{`config.yml:8: report.session_lifecycle: expected a mapping (it may not be null), got null`},
		},
		{
			// A file that is a list, not a config.
			name: "root must be a mapping",
			yml:  "- a\n",
			want: []string{`config.yml:1: <root>: expected a mapping, got a list`},
		},
		{
			// One line with the file and the line of the open bracket (yaml.v3's 0-based parser lines corrected).
			name: "yaml syntax error is one line",
			yml:  "load:\n  stages: [1, 2\nserver: 3\n",
			want: []string{`config.yml:2: YAML syntax error: did not find expected ',' or ']'`},
		},
		{
			// PyYAML's safe_load refuses a second document too.
			name: "second document",
			yml:  minimal + "---\nload: {}\n",
			want: []string{`config.yml:7: a config file holds one YAML document; found a second one (remove the "---" separator)`},
		},
		{
			// PyYAML keeps the last silently; we say so.
			name: "duplicate key",
			yml:  minimal + "api: {type: chat}\napi: {type: chat}\n",
			want: []string{`config.yml:8: duplicate key "api" in <root> (first given at line 7)`},
		},
		{
			// Two names for one field would make the value ambiguous.
			name: "alias and name together",
			yml:  minimal + "data:\n  shared_prefix:\n    num_groups: 1\n    num_unique_system_prompts: 2\n",
			want: []string{`config.yml:10: data.shared_prefix.num_unique_system_prompts: "num_groups" and "num_unique_system_prompts" name the same field; give one`},
		},
		{
			// StandardLoadStage: rate > 0, duration > 0.
			name: "rate and duration must be positive",
			yml:  "server: {type: mock}\nload:\n  stages:\n  - rate: 0\n    duration: -1\n",
			want: []string{
				`config.yml:4: load.stages[0].rate: must be > 0, got 0.0`,
				`config.yml:5: load.stages[0].duration: must be > 0, got -1`,
			},
		},
		{
			// StandardLoadStage forbids the concurrent fields.
			name: "constant stage with concurrent fields",
			yml:  "server: {type: mock}\nload:\n  stages:\n  - {rate: 1, duration: 1, num_requests: 5, concurrency_level: 2}\n",
			want: []string{
				`config.yml:4: load.stages[0].num_requests: not a field of constant stages (they take rate, duration; num_requests and concurrency_level belong to load.type concurrent)`,
				`config.yml:4: load.stages[0].concurrency_level: not a field of constant stages (they take rate, duration; num_requests and concurrency_level belong to load.type concurrent)`,
			},
		},
		{
			// Both fields are required; the error points at the stage.
			name: "constant stage missing fields",
			yml:  "server: {type: mock}\nload:\n  type: poisson\n  stages:\n  - {}\n",
			want: []string{
				`config.yml:5: load.stages[0].rate: required for load.type poisson`,
				`config.yml:5: load.stages[0].duration: required for load.type poisson`,
			},
		},
		{
			// ConcurrentLoadStage: both counts > 0; session fields are another type's.
			name: "concurrent stage shape",
			yml:  "server: {type: mock}\nload:\n  type: concurrent\n  stages:\n  - {num_requests: 0}\n  - {num_requests: 3, concurrency_level: 2, timeout: 3}\n",
			want: []string{
				`config.yml:5: load.stages[0].num_requests: must be > 0, got 0`,
				`config.yml:5: load.stages[0].concurrency_level: required for load.type concurrent`,
				`config.yml:6: load.stages[1].timeout: not a field of concurrent stages (they take num_requests, concurrency_level; timeout belongs to load.type trace_session_replay)`,
			},
		},
		{
			// TraceSessionReplayLoadStage takes only session fields; session_rate is capped.
			name: "trace_session_replay stage shape",
			yml:  "server: {type: mock}\nload:\n  type: trace_session_replay\n  stages:\n  - {rate: 1, concurrent_sessions: 2, session_rate: 3}\n",
			want: []string{
				`config.yml:5: load.stages[0].rate: not a field of trace_session_replay stages (they take concurrent_sessions, session_rate, num_sessions, timeout)`,
				`config.yml:5: load.stages[0].session_rate: 3.0 cannot exceed concurrent_sessions (2)`,
			},
		},
		{
			// main.py refuses to run without stages or a sweep; no line to point at.
			name: "no stages and no sweep",
			yml:  "server: {type: mock}\n",
			want: []string{`config.yml: load.stages: no stages; give at least one stage (or a load.sweep)`},
		},
		{
			// LoadConfig's validator.
			name: "sweep with concurrent",
			yml:  "server: {type: mock}\nload:\n  type: concurrent\n  sweep: {type: linear}\n",
			want: []string{`config.yml:4: load.sweep: cannot be used with load.type concurrent`},
		},
		{
			// SweepConfig.type has no default.
			name: "sweep type required",
			yml:  "server: {type: mock}\nload:\n  sweep: {num_stages: 3}\n",
			want: []string{`config.yml:3: load.sweep.type: required; one of geometric, linear`},
		},
		{
			// MultiLoRA splits must add up to 1.0; names are required.
			name: "lora splits must sum to 1",
			yml:  "server: {type: mock}\nload:\n  stages: [{rate: 1, duration: 1}]\n  lora_traffic_split:\n  - {name: a, split: 0.5}\n  - {split: 0.4}\n",
			want: []string{
				`config.yml:6: load.lora_traffic_split[1].name: required: the LoRA adapter name`,
				`config.yml:4: load.lora_traffic_split: splits must add up to 1.0, got 0.9`,
			},
		},
		{
			// Enum errors list the allowed values and suggest the closest.
			name: "enums",
			yml: "server: {type: vlm, base_url: 'http://h:1'}\napi: {type: chatt, slo_unit: sec}\n" +
				"data:\n  type: randm\n  input_distribution: {type: gauss}\nload:\n  type: constnt\n  stages: [{rate: 1, duration: 1}]\n",
			want: []string{
				`config.yml:1: server.type: "vlm" is not allowed; did you mean "vllm"? (allowed: vllm, sglang, tgi, mock, openai, sim)`,
				`config.yml:2: api.type: "chatt" is not allowed; did you mean "chat"? (allowed: completion, chat, anthropic_messages, embeddings)`,
				`config.yml:2: api.slo_unit: "sec" is not allowed; did you mean "s"? (allowed: s, ms, us)`,
				`config.yml:4: data.type: "randm" is not allowed; did you mean "random"? (allowed: mock, shareGPT, synthetic, random, shared_prefix, cnn_dailymail, infinity_instruct, billsum_conversations, otel_trace_replay, weka_trace_replay, conversation_replay, visionarena, synthetic_agentic, sharegpt4video)`,
				`config.yml:7: load.type: "constnt" is not allowed; did you mean "constant"? (allowed: constant, poisson, trace_replay, concurrent, trace_session_replay)`,
			},
		},
		{
			// The six DistributionType values.
			name: "distribution type",
			yml:  minimal + "data:\n  input_distribution: {type: gauss}\n",
			want: []string{`config.yml:8: data.input_distribution.type: "gauss" is not allowed (allowed: normal, skew_normal, lognormal, uniform, poisson, fixed)`},
		},
		{
			// random/synthetic lengths come from generate_distribution, which has four types.
			name: "distribution type not available for random",
			yml:  minimal + "data:\n  type: random\n  input_distribution: {type: skew_normal}\n  output_distribution: {type: poisson}\n",
			want: []string{
				`config.yml:9: data.input_distribution.type: "skew_normal" is not available for data.type random (allowed: normal, lognormal, uniform, fixed)`,
				`config.yml:10: data.output_distribution.type: "poisson" is not available for data.type random (allowed: normal, lognormal, uniform, fixed)`,
			},
		},
		{
			// main.py's checks for random, and its generator's API support.
			name: "random needs distributions and completion",
			yml:  minimal + "api: {type: chat}\ndata:\n  type: random\n",
			want: []string{
				`config.yml:8: data.input_distribution: required by data.type random (unless data.trace is given)`,
				`config.yml:8: data.output_distribution: required by data.type random (unless data.trace is given)`,
				`config.yml:9: data.type: random supports api.type completion only, not chat`,
			},
		},
		{
			// Distribution's validator: min <= max, std_dev or variance.
			name: "distribution bounds",
			yml:  minimal + "data:\n  output_distribution: {min: 10, max: 5, std_dev: 2, variance: 9}\n",
			want: []string{
				`config.yml:8: data.output_distribution: min (10) cannot be greater than max (5)`,
				`config.yml:8: data.output_distribution: give either std_dev or variance, not both`,
			},
		},
		{
			// Newer inference-perf syntax, named rather than a bare type error.
			name: "distribution expression strings",
			yml:  minimal + "data:\n  input_distribution: Normal(512, 200)\n",
			want: []string{`config.yml:8: data.input_distribution: expected a distribution mapping (expression strings like "Normal(512, 200)" are not supported yet), got "Normal(512, 200)"`},
		},
		{
			// main.py: "model server client config missing".
			name: "server missing",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\n",
			want: []string{`config.yml: server: missing: the model server under test, e.g. {type: vllm, base_url: http://localhost:8000} (or {type: sim} for the embedded simulator)`},
		},
		{
			// base_url is required (but for mock and sim); located at the server section.
			name: "base_url required and checked",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\nserver:\n  type: openai\n",
			want: []string{`config.yml:3: server.base_url: required for server.type openai, e.g. http://localhost:8000`},
		},
		{
			// A URL without a scheme would fail at the first request.
			name: "base_url must be http(s)",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\nserver:\n  base_url: localhost:8000\n",
			want: []string{`config.yml:4: server.base_url: "localhost:8000" is not an http(s) URL like http://localhost:8000`},
		},
		{
			// PrometheusClientConfig's check_exclusive_fields.
			name: "prometheus url xor google_managed",
			yml:  minimal + "metrics:\n  type: prometheus\n  prometheus: {url: 'http://p:9090', google_managed: true}\n",
			want: []string{`config.yml:9: metrics.prometheus: exactly one of url or google_managed must be set`},
		},
		{
			// metrics.type is required, and a prometheus section needs a target.
			name: "prometheus needs one of them",
			yml:  minimal + "metrics:\n  prometheus: {scrape_interval: 5}\n",
			want: []string{
				`config.yml:7: metrics.type: required; one of prometheus, default`,
				`config.yml:8: metrics.prometheus: exactly one of url or google_managed must be set`,
			},
		},
		{
			// Only the five known constraints, each a positive number of seconds.
			name: "goodput constraint names",
			yml:  minimal + "report:\n  goodput:\n    constraints: {ttf: 0.5, itl: 0}\n",
			want: []string{
				`config.yml:9: report.goodput.constraints.itl: must be > 0 seconds, got 0.0`,
				`config.yml:9: report.goodput.constraints.ttf: unknown constraint "ttf"; did you mean "ttft"?`,
			},
		},
		{
			// A config saved by a run has its credentials masked: refuse to send the mask.
			name: "redacted credentials",
			yml:  minimal + "  api_key: '[REDACTED]'\napi:\n  headers: {Authorization: '[REDACTED]', X-Other: '[REDACTED]'}\n",
			want: []string{
				`config.yml:9: api.headers.Authorization: holds "[REDACTED]" from a saved config; set the real credential`,
				`config.yml:7: server.api_key: holds "[REDACTED]" from a saved config; set the real credential`,
			},
		},
		{
			// A name with no breaker behind it would be silently ignored.
			name: "load.circuit_breakers names a defined breaker",
			yml:  minimal + "  base_url: http://h:1\n",
			ov:   []Override{{"load.circuit_breakers", `["cb"]`}},
			want: []string{`--load.circuit_breakers: load.circuit_breakers[0]: no top-level circuit_breakers entry named "cb" (none are defined)`},
		},
		{
			// Free-form sections (features not built yet) still have their keys checked.
			name: "free-form section key typo",
			yml:  minimal + "data:\n  multimodal:\n    imagee: {count: 1}\n",
			want: []string{`config.yml:9: unknown key "imagee" in data.multimodal; did you mean "image"?`},
		},
		{
			// DataConfig's validate_use_chat_template_scope.
			name: "use_chat_template only for random",
			yml:  minimal + "data:\n  use_chat_template: true\n",
			want: []string{`config.yml:8: data.use_chat_template: only the random data generator uses it; unset it or set data.type to random`},
		},
		{
			// Our extension: Go durations, positive counts, one model.
			name: "sim durations and model",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\nserver:\n  type: sim\n  model_name: a\n  sim: {model: b, ttft: fast, itl: -1ms, output_tokens: 0}\n",
			want: []string{
				`config.yml:6: server.sim.ttft: expected a Go duration string like "50ms", got "fast"`,
				`config.yml:6: server.sim.itl: cannot be negative, got -1ms`,
				`config.yml:6: server.sim.output_tokens: must be > 0, got 0`,
				`config.yml:5: server.model_name: "a" differs from server.sim.model "b", which is the only model the simulator serves`,
			},
		},
		{
			// All problems at once, decode and validation alike; none repeated
			// for a field that already failed to decode.
			name: "many problems at once",
			yml:  "api: {type: x}\nload:\n  stages:\n  - rate: fast\n    duration: 0\n  interval: -1\nserver: {type: vllm}\n",
			want: []string{
				`config.yml:4: load.stages[0].rate: expected a number, got "fast"`,
				`config.yml:5: load.stages[0].duration: must be > 0, got 0`,
				`config.yml:1: api.type: "x" is not allowed (allowed: completion, chat, anthropic_messages, embeddings)`,
				`config.yml:6: load.interval: cannot be negative, got -1.0`,
				`config.yml:7: server.base_url: required for server.type vllm, e.g. http://localhost:8000`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(c.yml, c.ov...)
			if cfg != nil && err != nil {
				t.Errorf("got a config with an error")
			}
			checkErrors(t, err, c.want)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error is not a *FieldError: %T", err)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	t.Parallel()
	// A missing file is one line naming it, and still errors.Is ErrNotExist.
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"), nil)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "nope.yml") {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(p, []byte(minimal+"lod: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Errors name the file by the path given.
	_, err = Load(p, nil)
	if err == nil || !strings.HasPrefix(err.Error(), p+":7: unknown key") {
		t.Errorf("error = %v", err)
	}
	if err := os.WriteFile(p, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p, []Override{{"api.type", "chat"}})
	if err != nil || cfg.API.Type != "chat" {
		t.Errorf("Load = %v, %v", cfg, err)
	}
	// Load uses the real clock: base_seed is recent, the path stamped.
	if cfg.Load.BaseSeed < time.Now().Add(-time.Hour).UnixMilli() || strings.Contains(cfg.Storage.LocalStorage.Path, "{") {
		t.Errorf("base_seed %d, path %q", cfg.Load.BaseSeed, cfg.Storage.LocalStorage.Path)
	}
}

func TestEmptyConfigNeedsServerAndStages(t *testing.T) {
	t.Parallel()
	// An empty file is the defaults (the reference reads it as {}), which lack
	// the two things a run needs.
	for _, yml := range []string{"", "# only a comment\n", "null\n"} {
		_, err := load(yml)
		checkErrors(t, err, []string{
			`config.yml: load.stages: no stages; give at least one stage (or a load.sweep)`,
			`config.yml: server: missing: the model server under test, e.g. {type: vllm, base_url: http://localhost:8000} (or {type: sim} for the embedded simulator)`,
		})
	}
}

// TestYAMLFeatures: anchors, merge keys and YAML 1.1 booleans, which PyYAML reads.
func TestYAMLFeatures(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `load:
  stages:
  - &s {rate: 2, duration: 3}
  - *s
  - <<: *s
    rate: 5
api:
  streaming: yes
server: {type: mock}
`)
	if len(cfg.Load.Stages) != 3 || *cfg.Load.Stages[1].Rate != 2 || *cfg.Load.Stages[2].Rate != 5 || *cfg.Load.Stages[2].Duration != 3 {
		t.Errorf("stages = %+v", cfg.Load.Stages)
	}
	if !cfg.API.Streaming {
		t.Error("streaming: yes should be true")
	}
}

func TestAliasBomb(t *testing.T) {
	t.Parallel()
	// Exponential alias expansion must end in an error, not exhaust memory.
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a")
		b.WriteString(string(rune('0' + i%10)))
		b.WriteString(strings.Repeat("x", i/10))
		b.WriteString(": &a")
		b.WriteString(string(rune('0' + i%10)))
		b.WriteString(strings.Repeat("x", i/10))
		prev := "*a" + string(rune('0'+(i-1)%10)) + strings.Repeat("x", (i-1)/10)
		b.WriteString(" [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	yml := "data:\n  multimodal:\n    image:\n      count:\n" + indent(b.String(), "        ") + minimal
	_, err := load(yml)
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Errorf("err = %v", err)
	}
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestErrorCap(t *testing.T) {
	t.Parallel()
	// A file of garbage keys reports a bounded number of problems.
	var b strings.Builder
	b.WriteString(minimal)
	for i := range 200 {
		b.WriteString("k")
		b.WriteString(strings.Repeat("z", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(string(rune('a' + i/26)))
		b.WriteString(": 1\n")
	}
	_, err := load(b.String())
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxErrors+1 || !strings.HasSuffix(lines[maxErrors], "150 more problems not shown") {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

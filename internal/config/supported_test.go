package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCheckSupported(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		yml  string
		ov   []Override
		want []string // nil: supported
	}{
		// What is built: the sample run and the chat-stream run of the reference.
		{name: "sample-run", yml: readFile(t, "testdata/sample-run.config.yaml")},
		{name: "chat-stream", yml: readFile(t, "testdata/chat-stream.in.yml")},
		{name: "built features", yml: `api: {type: chat, streaming: true, headers: {X-A: b}}
data:
  type: synthetic
  corpus_file_path: c.txt
  input_distribution: {type: uniform, min: 1, max: 9}
  output_distribution: {type: lognormal}
  multimodal: null
load:
  type: concurrent
  stages: [{num_requests: 9, concurrency_level: 3}]
  interval: 2
  num_workers: 1
  worker_max_concurrency: 5
  worker_max_tcp_connections: 5
  request_timeout: 3
  base_seed: 1
  stage_teardown_grace_seconds: 5
  lora_traffic_split: [{name: a, split: 0.25}, {name: b, split: 0.75}]
report:
  request_lifecycle: {per_request: true, per_adapter: false, per_adapter_stage: true, percentiles: [50], use_server_output_tokens: true, max_error_messages: 1}
  session_lifecycle: {summary: false}
storage: {local_storage: {path: x, report_file_prefix: p}}
server: {type: openai, base_url: 'http://h:1', model_name: m, api_key: k, ignore_eos: false}
tokenizer: {pretrained_model_name_or_path: gpt2, trust_remote_code: true, token: t}
circuit_breakers: []
`, ov: []Override{{"api.type", "completion"}}},
		{name: "sim server", yml: "load:\n  stages: [{rate: 1, duration: 1}]\nserver: {type: sim, sim: {ttft: 1ms}}\n"},
		{name: "poisson, mock data", yml: minimal, ov: []Override{{"load.type", "poisson"}}},
		// What is not built yet: every one is named with its value, all at once.
		{
			name: "api",
			yml: minimal + `api:
  type: anthropic_messages
  slo_unit: ms
  slo_tpot_header: a
  slo_ttft_header: b
  response_format: {type: json_object}
  session_id_header_key: c
  session_token_header_key: d
`,
			want: []string{
				"not supported yet: api.type=anthropic_messages",
				"not supported yet: api.slo_unit=ms",
				"not supported yet: api.slo_tpot_header=a",
				"not supported yet: api.slo_ttft_header=b",
				"not supported yet: api.response_format={type: json_object, name: structured_output, json_schema: null}",
				"not supported yet: api.session_id_header_key=c",
				"not supported yet: api.session_token_header_key=d",
			},
		},
		{
			name: "data",
			yml: minimal + `data:
  type: shared_prefix
  shared_prefix: {num_groups: 2}
  multimodal: {image: {count: 1}}
  trace: {file: t.csv}
  conversation_replay: {seed: 1}
  visionarena: {num_rows: 1}
`,
			want: []string{
				"not supported yet: data.multimodal={image: {count: 1}}",
				"not supported yet: data.trace={file: t.csv, format: AzurePublicDataset}",
				"not supported yet: data.conversation_replay={seed: 1}",
				"not supported yet: data.visionarena={num_rows: 1}",
			},
		},
		{name: "other data types", yml: minimal + "data: {type: visionarena, visionarena: {num_rows: 1}}\n",
			want: []string{"not supported yet: data.type=visionarena", "not supported yet: data.visionarena={num_rows: 1}"}},
		// The local-file datasets are built: they pass.
		{name: "cnn_dailymail", yml: minimal + "data: {type: cnn_dailymail, path: d.json}\n"},
		{name: "billsum_conversations", yml: minimal + "data: {type: billsum_conversations, path: d.json}\n"},
		{name: "infinity_instruct", yml: minimal + "data: {type: infinity_instruct, path: d.json}\n"},
		// shared_prefix single-turn is built; sessions, prefix images and
		// context trimming are not, and must not be silently ignored.
		{name: "shared_prefix", yml: minimal + "data:\n  type: shared_prefix\n  shared_prefix: {num_groups: 2, question_len: {mean: 5}}\n"},
		{name: "shared_prefix unbuilt keys", yml: minimal + "data:\n  type: shared_prefix\n  shared_prefix:\n    enable_multi_turn_chat: true\n    max_model_len: 100\n    multimodal: {image: {count: 1}}\n",
			want: []string{
				"not supported yet: data.shared_prefix.enable_multi_turn_chat=true",
				"not supported yet: data.shared_prefix.multimodal={image: {count: 1}}",
				"not supported yet: data.shared_prefix.max_model_len=100",
			}},
		// data.trace is built for random only; elsewhere it would be ignored.
		{name: "trace on synthetic", yml: minimal + "data:\n  type: synthetic\n  trace: {file: t.csv}\n  input_distribution: {}\n  output_distribution: {}\n",
			want: []string{"not supported yet: data.trace={file: t.csv, format: AzurePublicDataset}"}},
		{name: "use_chat_template", yml: minimal + "data:\n  type: random\n  use_chat_template: true\n  input_distribution: {}\n  output_distribution: {}\n",
			want: []string{"not supported yet: data.use_chat_template=true"}},
		{
			name: "load",
			yml: `server: {type: mock}
load:
  type: trace_replay
  trace: {file: t.csv}
  sweep: {type: linear}
  circuit_breakers: [cb]
  request_retries: 1
circuit_breakers:
- {name: cb, metrics: {matches: [x]}, triggers: [{type: consecutive, threshold: 1}]}
`,
			want: []string{
				"not supported yet: load.sweep={type: linear, num_requests: 2000, timeout: 60.0, num_stages: 5, stage_duration: 180, saturation_percentile: 95.0}",
				"not supported yet: load.circuit_breakers=[cb]",
				"not supported yet: load.request_retries=1",
				"not supported yet: circuit_breakers=[{name: cb, metrics: {matches: [x]}, triggers: [{type: consecutive, threshold: 1}]}]",
			},
		},
		{name: "trace_session_replay", yml: "server: {type: mock}\nload:\n  type: trace_session_replay\n  stages: [{concurrent_sessions: 1}]\n",
			want: []string{"not supported yet: load.type=trace_session_replay"}},
		{
			name: "metrics, reports, storage, server TLS",
			yml: minimal + `  base_url: 'http://h:1'
  cert_path: c
  key_path: k
metrics: {type: prometheus, prometheus: {google_managed: true}}
report:
  prometheus: {}
  goodput: {constraints: {ttft: 1}}
  session_lifecycle: {per_session: true}
  request_lifecycle: {metrics_only: true}
storage:
  google_cloud_storage: {bucket_name: g}
  simple_storage_service: {bucket_name: s}
`,
			want: []string{
				"not supported yet: metrics={type: prometheus, prometheus: {scrape_interval: 15, url: null, filters: [], google_managed: true}}",
				"not supported yet: report.prometheus={summary: true, per_stage: false}",
				"not supported yet: report.goodput={constraints: {ttft: 1.0}}",
				"not supported yet: report.request_lifecycle.metrics_only=true",
				"not supported yet: report.session_lifecycle.per_session=true",
				"not supported yet: storage.google_cloud_storage={path: reports-20250102-030405, report_file_prefix: null, bucket_name: g}",
				"not supported yet: storage.simple_storage_service={path: reports-20250102-030405, report_file_prefix: null, bucket_name: s, endpoint_url: null, region_name: null, addr...",
				"not supported yet: server.cert_path=c",
				"not supported yet: server.key_path=k",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := CheckSupported(mustLoad(t, c.yml, c.ov...))
			if c.want == nil {
				if err != nil {
					t.Errorf("unexpected: %v", err)
				}
				return
			}
			checkErrors(t, err, c.want)
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !strings.Contains(c.want[0], ue.Key+"=") {
				t.Errorf("first error %v is not an *UnsupportedError for %q", ue, c.want[0])
			}
		})
	}
}

func TestCheckSupportedNil(t *testing.T) {
	t.Parallel()
	if CheckSupported(nil) == nil {
		t.Error("CheckSupported(nil) passed")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReferenceExamples: the reference's example configs load unchanged; the
// features they use that are not built yet are named.
func TestReferenceExamples(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"testdata/examples-vllm-config.yml": nil,
		"testdata/examples-vllm-config-shared-prefix-multi-turn.yml": {
			"not supported yet: data.shared_prefix.enable_multi_turn_chat=true",
			"not supported yet: metrics={type: prometheus, prometheus: {scrape_interval: 15, url: http://localhost:9090, filters: [], google_managed: false}}",
		},
		"testdata/chat-stream.in.yml":     nil,
		"testdata/sample-run.config.yaml": nil,
		"testdata/e2e-mock-client.yml":    nil,
	}
	for f, want := range cases {
		cfg, err := Load(f, nil)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		err = CheckSupported(cfg)
		if want == nil {
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
			continue
		}
		checkErrors(t, err, want)
	}
}

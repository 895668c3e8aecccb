package config

import (
	"flag"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestMarshalSample: the reference's effective config (sample-run config.yaml,
// v0.5.0) loads and prints back byte for byte: same keys, same order, same
// nulls, same float and list formatting.
func TestMarshalSample(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("testdata/sample-run.config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadAt("config.yaml", want, nil, testNow, testCPUs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Marshal differs from the reference:\n%s", lineDiff(string(want), string(got)))
	}
}

// TestMarshalKeysMatchReference: a config written by a user (the chat-stream
// run's input) prints every key of the reference's effective config, in its
// order, and no other. Values differ (base_seed, paths, ...).
func TestMarshalKeysMatchReference(t *testing.T) {
	t.Parallel()
	ref, err := os.ReadFile("testdata/sample-run.config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"testdata/chat-stream.in.yml", "testdata/examples-vllm-config.yml", "testdata/examples-vllm-config-shared-prefix-multi-turn.yml"} {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := loadAt(f, in, nil, testNow, testCPUs)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Marshal(cfg)
		// Compare the key paths down to three levels, except below a section
		// one side prints as null (the sample sets distributions, the
		// shared-prefix example sets metrics).
		wantKeys, gotKeys := comparableKeys(t, ref, got)
		if !reflect.DeepEqual(gotKeys, wantKeys) {
			t.Errorf("%s: keys differ from the reference:\n%s", f, lineDiff(strings.Join(wantKeys, "\n"), strings.Join(gotKeys, "\n")))
		}
		if f == "testdata/chat-stream.in.yml" {
			golden(t, "testdata/chat-stream.effective.yaml", got)
		}
	}
}

// comparableKeys lists the key paths (three levels deep) of two YAML
// documents, leaving out keys under a section that is null in either.
func comparableKeys(t *testing.T, a, b []byte) ([]string, []string) {
	t.Helper()
	ka, na := keyPaths(t, a, 3)
	kb, nb := keyPaths(t, b, 3)
	keep := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if !underNull(k, na) && !underNull(k, nb) {
				out = append(out, k)
			}
		}
		return out
	}
	return keep(ka), keep(kb)
}

func underNull(k string, nulls map[string]bool) bool {
	for p := parentPath(k); p != ""; p = parentPath(p) {
		if nulls[p] {
			return true
		}
	}
	return false
}

// keyPaths lists the dotted mapping keys of a YAML document in order, to
// depth, and which of them hold null.
func keyPaths(t *testing.T, data []byte, depth int) ([]string, map[string]bool) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	nulls := map[string]bool{}
	var walk func(n *yaml.Node, prefix string, d int)
	walk = func(n *yaml.Node, prefix string, d int) {
		if n.Kind != yaml.MappingNode || d == 0 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := joinPath(prefix, n.Content[i].Value)
			out = append(out, p)
			if isNull(n.Content[i+1]) {
				nulls[p] = true
			}
			walk(n.Content[i+1], p, d-1)
		}
	}
	walk(doc.Content[0], "", depth)
	return out, nulls
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

// richConfig sets (nearly) every key, newer ones and extensions included.
const richConfig = `api:
  type: chat
  streaming: true
  headers: {X-Team: perf, "needs: quoting": "yes"}
  slo_unit: ms
  slo_tpot_header: x-tpot
  slo_ttft_header: x-ttft
  response_format: {type: json_object, json_schema: {type: object, properties: {a: {type: string}}}}
  session_id_header_key: x-session
  session_token_header_key: x-token
data:
  type: synthetic
  corpus_file_path: /tmp/corpus.txt
  input_distribution: {min: 1, max: 100, mean: 50.5, std_dev: 3, variance: 9, total_count: 10, type: lognormal}
  output_distribution: {type: fixed, mean: 8, std_dev: 0}
  shared_prefix:
    num_groups: 3
    num_prompts_per_group: 4
    system_prompt_len: {type: uniform, min: 1, max: 5}
    question_len: "Normal(512, 200)"
    output_len: 7
    max_model_len: 4096
    seed: 9
    enable_multi_turn_chat: true
  multimodal:
    image: {count: {type: fixed, mean: 1}, resolutions: [{resolution: 1080p, weight: 2.0}, {resolution: {height: 10, width: 20}}]}
  trace: {file: trace.csv}
  conversation_replay: {seed: 1, turns_per_conversation: {min: 1, max: 3}}
  visionarena: {num_rows: 5}
load:
  type: poisson
  interval: 0.5
  stages:
  - {rate: 1.5, duration: 3}
  - {rate: 1e-05, duration: 1}
  sweep: {type: geometric, num_stages: 3}
  num_workers: 3
  worker_max_concurrency: 7
  worker_max_tcp_connections: 9
  trace: {file: load.csv}
  circuit_breakers: [cb1]
  request_timeout: 12.5
  request_retries: 2
  request_retry_backoff_sec: 0.25
  stage_teardown_grace_seconds: 0
  lora_traffic_split: [{name: a, split: 0.25}, {name: b, split: 0.75}]
  base_seed: 123456789
metrics:
  type: prometheus
  prometheus: {scrape_interval: 5, url: 'http://p:9090', filters: ['namespace="x"'], verify_ssl: false, headers: {X-A: b}}
report:
  request_lifecycle: {per_request: true, percentiles: [50, 99], max_error_messages: 3, metrics_only: true}
  prometheus: {per_stage: true}
  session_lifecycle: {per_session: true}
  goodput: {constraints: {ttft: 0.5, request_latency: 10}}
storage:
  local_storage: {path: "out-{timestamp}", report_file_prefix: "p-"}
  google_cloud_storage: {bucket_name: g}
  simple_storage_service: {bucket_name: s, endpoint_url: 'http://minio:9000', addressing_style: path}
server:
  type: sim
  ignore_eos: false
  cert_path: c.pem
  key_path: k.pem
  sim: {ttft: 5ms, itl: 1ms, ttft_jitter: 1ms, itl_jitter: 100us, output_tokens: 16, max_num_seqs: 8, seed: 3}
tokenizer: {pretrained_model_name_or_path: gpt2, trust_remote_code: false, load_timeout: null}
circuit_breakers:
- name: cb1
  metrics: {matches: ['x > 1'], rules: []}
  triggers: [{type: consecutive, threshold: 3}, {type: rate_over_window, window_sec: 10, threshold: 0.5}]
`

// TestMarshalRoundTrip: Marshal then load gives the same config, for every
// shape of value (so config.yaml from a run reproduces the run).
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	sample, _ := os.ReadFile("testdata/sample-run.config.yaml")
	cases := []struct {
		name string
		yml  string
	}{
		{"sample-run", string(sample)},
		{"minimal", minimal},
		{"rich", richConfig},
		{"concurrent (worker_max_concurrency 0, as the reference saves it)",
			"load:\n  type: concurrent\n  worker_max_concurrency: 0\n  stages: [{num_requests: 5, concurrency_level: 2, rate: 5, duration: 1}]\nserver: {type: mock}\n"},
		{"trace_session_replay stages",
			"data:\n  type: otel_trace_replay\n  otel_trace_replay: {trace_directory: d}\nload:\n  type: trace_session_replay\n  stages: [{concurrent_sessions: 0}, {concurrent_sessions: 4, session_rate: 2, num_sessions: 9, timeout: 60}]\nserver: {type: vllm, base_url: 'http://h:1'}\n"},
		{"odd strings", minimal + "  model_name: \"it's: a 'model' # not a comment\"\n  api_key: ''\napi:\n  headers: {'': '', 'k': \"line1\\nline2\", 'u': 'héllo', 'n': 'null', 't': 'true', 'num': '1.0', '<<': x}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, c.yml)
			out, err := Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			back, err := loadAt("marshalled", out, nil, testNow, testCPUs)
			if err != nil {
				t.Fatalf("reload: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(cfg, back) {
				again, _ := Marshal(back)
				t.Errorf("round trip differs:\n%s", lineDiff(string(out), string(again)))
			}
		})
	}
}

func TestMarshalRich(t *testing.T) {
	t.Parallel()
	// Golden of a config using every key: newer keys and server.sim appear
	// because they are set; key order follows the reference.
	out, err := Marshal(mustLoad(t, richConfig))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/rich.effective.yaml", out)
}

func TestMarshalNewerKeysOnlyWhenSet(t *testing.T) {
	t.Parallel()
	out, _ := Marshal(mustLoad(t, minimal+"tokenizer: {}\nmetrics: {type: prometheus, prometheus: {url: 'http://p:1'}}\n"))
	for _, k := range []string{"request_retries", "request_retry_backoff_sec", "stage_teardown_grace_seconds", "metrics_only", "load_timeout", "verify_ssl", "bearer_token", "sim:", "synthetic_agentic", "sharegpt4video"} {
		if strings.Contains(string(out), k) {
			t.Errorf("default-valued newer key %q printed", k)
		}
	}
	out, _ = Marshal(mustLoad(t, minimal, Override{"load.request_retries", "2"}, Override{"tokenizer.load_timeout", "null"}))
	for _, k := range []string{"request_retries: 2", "load_timeout: null"} {
		if !strings.Contains(string(out), k) {
			t.Errorf("set newer key %q not printed:\n%s", k, out)
		}
	}
}

func TestMarshalRedacts(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, minimal+"  api_key: sk-secret\napi:\n  headers: {authorization: 'Bearer sk', X-Plain: ok}\n"+
		"tokenizer: {token: hf_secret}\nmetrics: {type: prometheus, prometheus: {url: 'http://p:1', bearer_token: pt, headers: {Cookie: c}}}\n")
	out, _ := Marshal(cfg)
	s := string(out)
	for _, secret := range []string{"sk-secret", "Bearer sk", "hf_secret", "pt\n", "Cookie: c"} {
		if strings.Contains(s, secret) {
			t.Errorf("secret %q in output:\n%s", secret, s)
		}
	}
	for _, want := range []string{"api_key: '[REDACTED]'", "authorization: '[REDACTED]'", "X-Plain: ok", "token: '[REDACTED]'", "bearer_token: '[REDACTED]'", "Cookie: '[REDACTED]'"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	// The config itself is untouched.
	if *cfg.Server.APIKey != "sk-secret" {
		t.Error("Marshal changed the config")
	}
	if _, err := Marshal(nil); err == nil {
		t.Error("Marshal(nil) succeeded")
	}
}

func TestPyFloat(t *testing.T) {
	t.Parallel()
	// Python repr (then PyYAML) of each value.
	cases := map[float64]string{
		1: "1.0", 0.1: "0.1", 99.9: "99.9", 600: "600.0", 0: "0.0", -1: "-1.0", 1.5e-3: "0.0015",
		0.0001: "0.0001", 1e-5: "1.0e-05", 1.5e-7: "1.5e-07", 1e15: "1000000000000000.0", 1e16: "1.0e+16",
		123456789.125: "123456789.125",
	}
	for f, want := range cases {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestQuoteStr(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"./out": "./out", "http://127.0.0.1:18000": "http://127.0.0.1:18000", "": "''",
		// Strings YAML would read as something else are quoted, PyYAML style.
		"null": "'null'", "true": "'true'", "yes": "'yes'", "1.0": "'1.0'", "[REDACTED]": "'[REDACTED]'",
		"it's: x": "'it''s: x'", "a\nb": `"a\nb"`,
	}
	for in, want := range cases {
		if got := quoteStr(in); got != want {
			t.Errorf("quoteStr(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := yaml.Unmarshal([]byte(quoteStr(in)), &back); err != nil || back != in {
			t.Errorf("quoteStr(%q) reads back as %q (%v)", in, back, err)
		}
	}
}

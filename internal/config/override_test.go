package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestOverrides(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		yml  string
		ov   []Override
		got  func(*Config) any
		want any
	}{
		{
			// The reference's own example: a list takes JSON and replaces the file's list.
			name: "stages as JSON replace the file's",
			yml:  minimal,
			ov:   []Override{{"load.stages", `[{"rate":5,"duration":10},{"rate":7.5,"duration":2}]`}},
			got: func(c *Config) any {
				return []float64{*c.Load.Stages[0].Rate, *c.Load.Stages[1].Rate, float64(len(c.Load.Stages))}
			},
			want: []float64{5, 7.5, 2},
		},
		{
			// A string is taken as is.
			name: "string scalar",
			yml:  minimal,
			ov:   []Override{{"server.base_url", "http://10.0.0.1:8000"}},
			got:  func(c *Config) any { return c.Server.BaseURL },
			want: "http://10.0.0.1:8000",
		},
		{
			// cli_parser.py: "true", "1", "yes" are true, case-insensitively.
			name: "bool words",
			yml:  minimal,
			ov: []Override{{"report.request_lifecycle.per_request", "YES"}, {"api.streaming", "1"},
				{"report.request_lifecycle.per_stage", "False"}, {"server.ignore_eos", "no"}},
			got: func(c *Config) any {
				return []bool{c.Report.RequestLifecycle.PerRequest, c.API.Streaming, c.Report.RequestLifecycle.PerStage, c.Server.IgnoreEOS}
			},
			want: []bool{true, true, false, false},
		},
		{
			// Parsed by the field's type (int for num_workers, float for interval), spaces trimmed as int() does.
			name: "numbers by field type",
			yml:  minimal,
			ov:   []Override{{"load.num_workers", " 8 "}, {"load.interval", "0.25"}, {"load.base_seed", "42"}, {"load.request_timeout", "30"}},
			got: func(c *Config) any {
				return []any{c.Load.NumWorkers, c.Load.Interval, c.Load.BaseSeed, *c.Load.RequestTimeout}
			},
			want: []any{8, 0.25, int64(42), 30.0},
		},
		{
			// Our addition: the reference cannot clear a field.
			name: "null clears",
			yml:  minimal + "  model_name: m\nstorage:\n  local_storage: {path: x, report_file_prefix: p}\n",
			ov:   []Override{{"server.model_name", "null"}, {"storage.local_storage.report_file_prefix", "null"}},
			got: func(c *Config) any {
				return c.Server.ModelName == nil && c.Storage.LocalStorage.ReportFilePrefix == nil
			},
			want: true,
		},
		{
			// A leaf under a null section creates it with its defaults, as the
			// reference's deep merge then pydantic do.
			name: "leaf creates its section",
			yml:  minimal,
			ov:   []Override{{"data.input_distribution.min", "3"}},
			got:  func(c *Config) any { return *c.Data.InputDistribution },
			want: Distribution{Min: 3, Max: 1024, Mean: 512, StdDev: 200, Type: "normal"},
		},
		{
			// A section as a JSON object merges into what the file set.
			name: "section JSON merges",
			yml:  minimal + "data:\n  output_distribution: {min: 1, max: 9}\n",
			ov:   []Override{{"data.output_distribution", `{"max": 20, "type": "uniform"}`}},
			got:  func(c *Config) any { return *c.Data.OutputDistribution },
			want: Distribution{Min: 1, Max: 20, Mean: 512, StdDev: 200, Type: "uniform"},
		},
		{
			// Deep merge of dicts, as the reference's deep_merge.
			name: "map JSON merges",
			yml:  minimal + "api:\n  headers: {A: a, B: b}\n",
			ov:   []Override{{"api.headers", `{"B": "x", "C": "c"}`}},
			got:  func(c *Config) any { return c.API.Headers },
			want: map[string]string{"A": "a", "B": "x", "C": "c"},
		},
		{
			// The reference's flag is the field name (num_groups), not the alias.
			name: "alias path",
			yml:  minimal + "data:\n  shared_prefix: {}\n",
			ov:   []Override{{"data.shared_prefix.num_groups", "3"}},
			got:  func(c *Config) any { return c.Data.SharedPrefix.NumGroups },
			want: 3,
		},
		{
			// Overrides apply in order.
			name: "later override wins",
			yml:  minimal,
			ov:   []Override{{"api.type", "chat"}, {"api.type", "completion"}},
			got:  func(c *Config) any { return c.API.Type },
			want: "completion",
		},
		{
			// Paths reach into sections kept free-form (features not built yet).
			name: "key inside a free-form section",
			yml:  minimal,
			ov:   []Override{{"data.multimodal.image", `{"count": 2}`}},
			got:  func(c *Config) any { return c.Data.Multimodal },
			want: map[string]any{"image": map[string]any{"count": 2}},
		},
		{
			// Go durations and shared_prefix lengths need no JSON.
			name: "duration and length plain values",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\nserver: {type: sim}\ndata:\n  shared_prefix: {}\n",
			ov:   []Override{{"server.sim.ttft", "2s"}, {"data.shared_prefix.question_len", "7"}, {"data.shared_prefix.output_len", "Normal(5, 1)"}},
			got: func(c *Config) any {
				return []any{c.Server.Sim.TTFT, c.Data.SharedPrefix.QuestionLen, c.Data.SharedPrefix.OutputLen}
			},
			want: []any{"2s", 7, "Normal(5, 1)"},
		},
		{
			// The file may lack a server entirely: overrides can supply it.
			name: "server from overrides",
			yml:  "load:\n  stages: [{rate: 1, duration: 1}]\n",
			ov:   []Override{{"server.base_url", "http://h:1"}},
			got:  func(c *Config) any { return []any{c.Server.Type, c.Server.IgnoreEOS, c.Server.BaseURL} },
			want: []any{"vllm", true, "http://h:1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, c.yml, c.ov...)
			if got := c.got(cfg); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ov   []Override
		want []string
	}{
		// A typo in a flag gets the closest valid path.
		{"unknown path suggests", []Override{{"load.stagse", "[]"}},
			[]string{`--load.stagse: unknown override path "load.stagse"; did you mean "load.stages"?`}},
		// Nothing close: point at the list.
		{"unknown path far from any", []Override{{"zzz.qqq.www", "1"}},
			[]string{`--zzz.qqq.www: unknown override path "zzz.qqq.www"; see the list of valid paths (--help)`}},
		// A scalar has no sub-keys.
		{"path through a scalar", []Override{{"api.type.x", "1"}},
			[]string{`--api.type.x: unknown override path "api.type.x"; did you mean "api.type"?`}},
		// Invalid JSON is reported with the decoder's reason.
		{"bad JSON", []Override{{"load.stages", `[{"rate": 5,}]`}},
			[]string{`--load.stages: invalid JSON value "[{\"rate\": 5,}]": invalid character '}' looking for beginning of object key string`}},
		// Valid JSON, wrong type for the field.
		{"JSON of the wrong shape", []Override{{"load.stages", `{"rate": 5}`}},
			[]string{`--load.stages: expected a list, got a mapping`}},
		// Errors inside the JSON name the element.
		{"bad element", []Override{{"load.stages", `[{"rate": "x", "duration": 1}]`}},
			[]string{`--load.stages: load.stages[0].rate: expected a number, got "x"`}},
		{"unknown key in JSON", []Override{{"load.stages", `[{"rate": 1, "duration": 1, "rtae": 2}]`}},
			[]string{`--load.stages: unknown key "rtae" in load.stages[0]; did you mean "rate"?`}},
		// A typo should not silently turn a switch off (the reference reads it as false).
		{"bad bool", []Override{{"api.streaming", "ture"}},
			[]string{`--api.streaming: expected a boolean (true/false, 1/0, yes/no), got "ture"`}},
		// argparse's int() rejects 2.5 too.
		{"bad int", []Override{{"load.num_workers", "2.5"}},
			[]string{`--load.num_workers: expected an integer, got "2.5"`}},
		// float() rejects words.
		{"bad float", []Override{{"load.interval", "soon"}},
			[]string{`--load.interval: expected a number, got "soon"`}},
		// load.type has no null.
		{"null where not allowed", []Override{{"load.type", "null"}},
			[]string{`--load.type: may not be null`}},
		// Validation problems of overridden values point at the override.
		{"validation at the override", []Override{{"load.stages", `[{"rate": -1, "duration": 1}]`}},
			[]string{`--load.stages: load.stages[0].rate: must be > 0, got -1.0`}},
		{"enum via override", []Override{{"api.type", "chatt"}},
			[]string{`--api.type: "chatt" is not allowed; did you mean "chat"? (allowed: completion, chat, anthropic_messages, embeddings)`}},
		// Keys of free-form sections are checked too.
		{"free-form key typo", []Override{{"data.multimodal.imag", "{}"}},
			[]string{`--data.multimodal.imag: unknown override path "data.multimodal.imag"; did you mean "data.multimodal.image"?`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(minimal, c.ov...)
			checkErrors(t, err, c.want)
		})
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	paths := Paths()
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Errorf("duplicate path %q", p)
		}
		seen[p] = true
	}
	// Every key of the reference's effective config is a path, in order.
	for _, p := range []string{"api.type", "load.stages", "load.sweep.type", "server.base_url",
		"report.request_lifecycle.per_request", "storage.local_storage.path", "tokenizer.token",
		"circuit_breakers", "load.request_retries", "server.sim.ttft", "data.shared_prefix.num_groups"} {
		if !seen[p] {
			t.Errorf("missing path %q", p)
		}
	}
	if paths[0] != "api" || paths[1] != "api.type" {
		t.Errorf("paths start %q", paths[:2])
	}
	// Every listed path is accepted as an override path.
	for _, p := range paths {
		_, err := load(minimal, Override{p, "null"})
		if err != nil && strings.Contains(err.Error(), "unknown override path") {
			t.Errorf("Paths lists %q but it is not accepted: %v", p, err)
		}
	}
	// Paths returns a copy.
	paths[0] = "x"
	if Paths()[0] != "api" {
		t.Error("Paths shares its slice")
	}
}

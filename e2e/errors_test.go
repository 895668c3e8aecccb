package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// Bad input gives a one-line actionable error and a non-zero exit, never a
// stack trace.
func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string // "" = no file written
		args   []string
		code   int
		want   []string // substrings of stderr
	}{
		// The file named on the command line does not exist.
		{"missing file", "", []string{"-c", "nope.yml"}, 2, []string{"nope.yml"}},
		// YAML syntax error: file and line.
		{"syntax error", "load:\n  type: [constant\n", nil, 2, []string{"config.yml:2", "YAML syntax error"}},
		// Unknown key: file, line, key and the nearest valid key.
		{"unknown key", "lod:\n  type: constant\n", nil, 2, []string{"config.yml:1", `"lod"`, `"load"`}},
		// Wrong type: the field path.
		{"wrong type", "load:\n  stages:\n  - {rate: fast, duration: 1}\nserver: {base_url: 'http://127.0.0.1:9'}\n", nil, 2, []string{"load.stages[0].rate"}},
		// Invalid value: the field path.
		{"rate zero", "load:\n  stages:\n  - {rate: 0, duration: 1}\nserver: {base_url: 'http://127.0.0.1:9'}\n", nil, 2, []string{"rate"}},
		// Missing base_url.
		{"no base_url", "load:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {type: vllm}\n", nil, 2, []string{"server.base_url"}},
		// No server at all: say what to add.
		{"no server", "load:\n  stages:\n  - {rate: 1, duration: 1}\n", nil, 2, []string{"server", "base_url"}},
		// A valid key of a feature not built yet.
		{"not supported", "data:\n  type: visionarena\n  visionarena: {num_rows: 1}\nload:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {base_url: 'http://127.0.0.1:9'}\n", nil, 2, []string{"not supported yet: data.type=visionarena"}},
		// shareGPT without a local file: the reference would download it; we say so.
		{"sharegpt without path", "data:\n  type: shareGPT\napi: {type: completion}\nload:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {type: sim}\n", nil, 2, []string{"data.path"}},
		// The same for cnn_dailymail: a datagen error naming data.path, exit 2.
		{"cnn_dailymail without path", "data:\n  type: cnn_dailymail\napi: {type: completion}\nload:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {type: sim}\n", nil, 2, []string{"data.path", "abisee/cnn_dailymail"}},
		// Unknown override path.
		{"bad override", "load:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {base_url: 'http://127.0.0.1:9'}\n", []string{"--load.stagez", "[]"}, 2, []string{"load.stagez"}},
		// Nothing listens on port 9 of loopback: the model cannot be discovered.
		{"unreachable server", "load:\n  stages:\n  - {rate: 1, duration: 1}\nserver: {base_url: 'http://127.0.0.1:9'}\n", nil, 1, []string{"127.0.0.1:9"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := c.args
			if c.config != "" {
				args = append([]string{"-c", writeConfig(t, dir, c.config)}, args...)
			}
			r := runCLI(t, dir, args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
				t.Errorf("stack trace on stderr:\n%s", r.stderr)
			}
			if _, err := filepath.Glob(filepath.Join(dir, "reports-*")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

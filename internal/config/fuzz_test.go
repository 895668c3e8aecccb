package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoadBytes: any input either loads or fails with errors, never panics;
// and whatever loads prints (Marshal) to YAML that loads back to the same
// config.
func FuzzLoadBytes(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.y*ml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte(richConfig))
	f.Add([]byte("load: {stages: [{rate: 1, duration: 1}]}\nserver: {type: sim, sim: {ttft: 1ms}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("<<: {server: {type: mock}}\nload: {stages: [{<<: {rate: 1}, duration: 2}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := loadAt("fuzz.yml", data, nil, testNow, testCPUs)
		if err != nil {
			if cfg != nil {
				t.Fatal("config returned with an error")
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		_ = CheckSupported(cfg)
		out, err := Marshal(cfg)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if hasSecrets(cfg) {
			return // redacted on purpose: the reload rejects the marker
		}
		back, err := loadAt("marshalled.yml", out, nil, testNow, testCPUs)
		if err != nil {
			t.Fatalf("reload of Marshal output failed: %v\ninput:\n%s\noutput:\n%s", err, data, out)
		}
		if !reflect.DeepEqual(cfg, back) {
			again, _ := Marshal(back)
			t.Fatalf("round trip differs:\n%s", lineDiff(string(out), string(again)))
		}
	})
}

// hasSecrets reports whether Marshal would redact anything in cfg.
func hasSecrets(cfg *Config) bool {
	set := func(s *string) bool { return s != nil && *s != "" }
	headers := func(h map[string]string) bool {
		for k, v := range h {
			if isCredentialHeader(k) && v != "" {
				return true
			}
		}
		return false
	}
	if cfg.Server != nil && set(cfg.Server.APIKey) || cfg.Tokenizer != nil && set(cfg.Tokenizer.Token) || headers(cfg.API.Headers) {
		return true
	}
	if m := cfg.Metrics; m != nil && m.Prometheus != nil && (set(m.Prometheus.BearerToken) || headers(m.Prometheus.Headers)) {
		return true
	}
	return false
}

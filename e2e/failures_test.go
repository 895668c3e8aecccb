package e2e

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// 4xx and 5xx answers are counted failures with the reference's labels, and
// the run still writes its reports.
func TestHTTPErrorsAreCountedFailures(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/models":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"m","object":"model"}]}`))
		case r.Header.Get("X-Fail") == "400":
			http.Error(w, `{"error":{"message":"bad prompt","type":"BadRequestError","code":400}}`, http.StatusBadRequest)
		default:
			http.Error(w, `{"error":{"message":"overloaded","type":"ServiceUnavailable","code":503}}`, http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, header, label string
	}{
		{"5xx", "", "503 - Service Unavailable"},
		{"4xx", "400", "400 - other"}, // the reference names only some 4xx codes
	} {
		dir := t.TempDir()
		headers := ""
		if tc.header != "" {
			headers = "  headers: {X-Fail: '" + tc.header + "'}\n"
		}
		cfg := writeConfig(t, dir, `
api:
  type: completion
`+headers+`server:
  base_url: `+srv.URL+`
load:
  type: concurrent
  stages: [{num_requests: 5, concurrency_level: 2}]
storage: {local_storage: {path: out}}
`)
		r := runCLI(t, dir, "-c", cfg)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, r.code, r.stderr)
		}
		sum := readJSON(t, filepath.Join(dir, "out", "summary_lifecycle_metrics.json"))
		t.Logf("%s failures: %v", tc.name, sum["failures"])
		if n := num(t, sum, "failures", "count"); n != 5 {
			t.Errorf("%s: failures.count = %v, want 5", tc.name, n)
		}
		if n := num(t, sum, "failures", "by_label", tc.label, "count"); n != 5 {
			t.Errorf("%s: by_label[%q].count = %v, want 5", tc.name, tc.label, n)
		}
		if n := num(t, sum, "successes", "count"); n != 0 {
			t.Errorf("%s: successes.count = %v, want 0", tc.name, n)
		}
	}
}

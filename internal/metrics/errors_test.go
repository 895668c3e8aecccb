package metrics

import (
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

func TestErrorType(t *testing.T) {
	t.Parallel()
	cases := []struct {
		r    record.Record
		want string
	}{
		// A non-200 status is an HTTP error whatever the client called it.
		{record.Record{Status: 503, Error: &record.Error{Type: "503 - Service Unavailable"}}, "HTTP Error 503"},
		// A stream that broke after a 200: the client's type.
		{record.Record{Status: 200, Error: &record.Error{Type: "ClientPayloadError"}}, "ClientPayloadError"},
		// No response at all.
		{record.Record{Error: &record.Error{Type: "TimeoutError"}}, "TimeoutError"},
	}
	for _, c := range cases {
		if got := ErrorType(&c.r); got != c.want {
			t.Errorf("ErrorType(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

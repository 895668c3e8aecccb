package metrics

import (
	"testing"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, raw, want string
	}{
		// OpenAI/vLLM error body: the inner message.
		{"openai", `{"error": {"message": "max tokens exceeded", "type": "BadRequestError"}}`, "max tokens exceeded"},
		// No "error" key: a top-level message is used.
		{"top-level message", `{"message": "model not found", "code": 404}`, "model not found"},
		// A falsy "error" falls back to the body itself.
		{"null error", `{"error": null, "message": "x"}`, "x"},
		// A string "error" is truthy and not an object: raw is kept.
		{"string error", `{"error": "boom"}`, `{"error": "boom"}`},
		// Non-string messages are stringified as Python's str() does.
		{"int message", `{"message": 42}`, "42"},
		{"bool message", `{"message": true}`, "True"},
		{"null message", `{"message": null}`, "None"},
		// Not JSON, or not an object, or trailing data: raw unchanged.
		{"plain text", "Request timed out", "Request timed out"},
		{"array", `[1, 2]`, `[1, 2]`},
		{"trailing", `{"message": "a"} x`, `{"message": "a"} x`},
		{"empty", "", ""},
	}
	for _, c := range cases {
		if got := ParseErrorMessage(c.raw); got != c.want {
			t.Errorf("%s: ParseErrorMessage(%q) = %q, want %q", c.name, c.raw, got, c.want)
		}
	}
}

func TestErrorLabel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ, msg, want string
	}{
		{"HTTP Error 504", "whatever", "504 - Gateway Timeout"},                      // code decides
		{"HTTP Error 500", "context length exceeded", "500 - Internal Server Error"}, // code beats message
		{"HTTP Error 400", "This model's maximum context length is 2048", "400 - Context Window"},
		{"HTTP Error 400", "Expecting value: line 1", "400 - Invalid JSON"},
		{"HTTP Error 408", "request timed out", "408 - Timeout"},
		{"HTTP Error 404", "The model `x` does not exist / model not found", "404 - Model Not Found"},
		{"HTTP Error 418", "teapot", "418 - other"},
		{"TimeoutError", "Request timed out", "Timeout"},
		{"ClientConnectorError", "Cannot connect to host", "Connection Error"},
		{"ServerDisconnectedError", "Server disconnected", "Connection Error"},            // "connect" matches inside "disconnected", as in the reference
		{"ClientPayloadError", "Response payload is not completed", "clientpayloaderror"}, // lower-cased type
		{"", "", "unknown"},
	}
	for _, c := range cases {
		if got := ErrorLabel(c.typ, c.msg); got != c.want {
			t.Errorf("ErrorLabel(%q, %q) = %q, want %q", c.typ, c.msg, got, c.want)
		}
	}
}

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

// FuzzParseErrorMessage: error bodies come from the server; parsing them
// must never panic, and the result is either raw or a string found in it.
func FuzzParseErrorMessage(f *testing.F) {
	for _, s := range []string{
		`{"error": {"message": "x"}}`, `{"message": 1.5e3}`, `{"error": {}}`, `[]`, `null`, "",
		`{"error": {"message": {"nested": [1, "a"]}}}`, "\xff\xfe", `{"message": "\u00e9"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := ParseErrorMessage(raw)
		if got != raw && !utf8.ValidString(got) {
			t.Fatalf("ParseErrorMessage(%q) = invalid UTF-8 %q", raw, got)
		}
		_ = ErrorLabel("HTTP Error "+raw, got)
		_ = ErrorLabel(raw, got)
	})
}

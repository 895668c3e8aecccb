package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Error types (record.Error.Type) for failures that are not an HTTP status.
// Each is the key the reference's report puts the failure under in
// failures.by_label, so reports group the same failures the same way.
const (
	// ErrTimeout: load.request_timeout expired, or connecting timed out.
	ErrTimeout = "Timeout"
	// ErrConnection: the server could not be reached, or closed or reset the
	// connection before sending a response.
	ErrConnection = "Connection Error"
	// ErrPayload: the response body broke off after a 200 (the reference's
	// aiohttp ClientPayloadError), or exceeded the client's size limits.
	ErrPayload = "clientpayloaderror"
	// ErrMalformed: a 200 body or SSE chunk that is not valid JSON.
	ErrMalformed = "jsondecodeerror"
	// ErrInBand: a 200 body or SSE chunk carrying a top-level "error". When
	// the server's message mentions a timeout or connection failure the
	// reference's rule labels it ErrTimeout or ErrConnection instead.
	ErrInBand = "inbanderror"
	// ErrEmpty: a 200 response with no content and no usage.
	ErrEmpty = "emptyresponseerror"
	// ErrCancelled: the caller's context ended before the request did.
	ErrCancelled = "cancelled"
)

// maxMessage bounds record.Error.Message: reports keep up to
// max_error_messages distinct messages per label, and an HTML error page
// should not become one.
const maxMessage = 2048

// Labels of HTTP failures, from the reference (reportgen/base.py): the status
// code decides where it is unambiguous, else the server's message, else
// "other".
var (
	httpCodeLabels = map[int]string{
		429: "Rate Limit",
		500: "Internal Server Error",
		502: "Bad Gateway",
		503: "Service Unavailable",
		504: "Gateway Timeout",
	}
	httpMessageLabels = []struct {
		re    *regexp.Regexp
		label string
	}{
		{regexp.MustCompile(`(?i)context.window|context length|maximum context|max.?tokens|token.?limit`), "Context Window"},
		{regexp.MustCompile(`(?i)invalid.?json|json.?parse|malformed.?json|unexpected.?token|expecting value|unterminated string|expecting ',' delimiter`), "Invalid JSON"},
		{regexp.MustCompile(`(?i)timeout|timed.?out`), "Timeout"},
		{regexp.MustCompile(`(?i)model.?not.?found|no such model`), "Model Not Found"},
	}
	reTimeout    = regexp.MustCompile(`(?i)timeout|timed.?out`)
	reConnection = regexp.MustCompile(`(?i)connection.?refused|connect`)
)

// HTTPLabel returns the failure label of an HTTP status with the server's
// error message, e.g. "504 - Gateway Timeout" or "400 - Context Window".
func HTTPLabel(code int, message string) string {
	c := strconv.Itoa(code)
	if l, ok := httpCodeLabels[code]; ok {
		return c + " - " + l
	}
	for _, m := range httpMessageLabels {
		if m.re.MatchString(message) {
			return c + " - " + m.label
		}
	}
	return c + " - other"
}

// messageLabel applies the reference's rule for failures that are not an
// HTTP status to a message the server wrote: timeouts and connection
// failures by their wording, else the given type.
func messageLabel(typ, message string) string {
	switch {
	case reTimeout.MatchString(message):
		return ErrTimeout
	case reConnection.MatchString(message):
		return ErrConnection
	}
	return typ
}

// ErrorMessage extracts the human-readable message of an error body the way
// the reference's reports do: error.message (or message) of a JSON object,
// else the body itself. The result is cut to a bounded length.
func ErrorMessage(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) == nil {
		if m, ok := v.(map[string]any); ok {
			e := any(m)
			if inner, ok := m["error"]; ok && pyTruthy(inner) {
				e = inner
			}
			if em, ok := e.(map[string]any); ok {
				if msg, ok := em["message"]; ok {
					if s, ok := msg.(string); ok {
						return clip(s)
					}
					b, _ := json.Marshal(msg)
					return clip(string(b))
				}
			}
		}
	}
	return clip(string(body))
}

// pyTruthy is Python's truth value of a decoded JSON value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// clip bounds s to maxMessage bytes without splitting a UTF-8 sequence.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(truncated)"
}

// transportError describes a failure of the HTTP exchange itself. reqCtx is
// the request's context (with the timeout), parent the caller's; inBody says
// whether a 200 response had started.
func transportError(err error, parent, reqCtx context.Context, timeout float64, addr string, inBody bool) *record.Error {
	if parent.Err() != nil {
		return &record.Error{Type: ErrCancelled, Message: context.Cause(parent).Error()}
	}
	if errors.Is(reqCtx.Err(), context.DeadlineExceeded) {
		return &record.Error{Type: ErrTimeout, Message: fmt.Sprintf("Request timed out after %gs (load.request_timeout)", timeout)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the method and URL are the same for every request
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		return &record.Error{Type: ErrTimeout, Message: clip(err.Error())}
	}
	if inBody {
		return &record.Error{Type: ErrPayload, Message: clip("Response payload is not completed: " + shortNetError(err))}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &record.Error{Type: ErrConnection, Message: clip("cannot connect to host " + addr + ": " + shortNetError(err))}
	}
	return &record.Error{Type: ErrConnection, Message: clip("server disconnected before responding: " + shortNetError(err))}
}

// shortNetError drops the address noise from network errors
// ("read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer"
// becomes "connection reset by peer") so that equal failures of different
// connections have equal messages in reports.
func shortNetError(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, io.EOF):
		return "EOF"
	}
	return err.Error()
}

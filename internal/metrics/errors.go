package metrics

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Error labels: the reference's make_concise_label tables (reportgen/base.py).
var (
	// httpCodeLabels are decided by the status code alone.
	httpCodeLabels = map[string]string{
		"429": "Rate Limit",
		"500": "Internal Server Error",
		"502": "Bad Gateway",
		"503": "Service Unavailable",
		"504": "Gateway Timeout",
	}
	// httpMessageLabels are inferred from the message of other HTTP errors,
	// first match wins.
	httpMessageLabels = []labelPattern{
		{regexp.MustCompile(`(?i)context.window|context length|maximum context|max.?tokens|token.?limit`), "Context Window"},
		{regexp.MustCompile(`(?i)invalid.?json|json.?parse|malformed.?json|unexpected.?token|expecting value|unterminated string|expecting ',' delimiter`), "Invalid JSON"},
		{regexp.MustCompile(`(?i)timeout|timed.?out`), "Timeout"},
		{regexp.MustCompile(`(?i)model.?not.?found|no such model`), "Model Not Found"},
	}
	// otherLabels classify errors that never got an HTTP status.
	otherLabels = []labelPattern{
		{regexp.MustCompile(`(?i)timeout|timed.?out`), "Timeout"},
		{regexp.MustCompile(`(?i)connection.?refused|connect`), "Connection Error"},
	}
)

type labelPattern struct {
	re    *regexp.Regexp
	label string
}

// ErrorType is the reference's error_type of a failed record: "HTTP Error
// <status>" when the server answered with a status other than 200, else the
// record's own error type.
func ErrorType(r *record.Record) string {
	if r.Status != 0 && r.Status != 200 {
		return "HTTP Error " + strconv.Itoa(r.Status)
	}
	if r.Error == nil {
		return ""
	}
	return r.Error.Type
}

// ErrorLabel is the reference's make_concise_label: "<code> - <label>" for
// HTTP errors (label from the code, else from the message, else "other");
// for other errors a label matched from the message, else the lower-cased
// error type. message should already be through ParseErrorMessage.
func ErrorLabel(errorType, message string) string {
	if code, ok := strings.CutPrefix(errorType, "HTTP Error "); ok {
		if f := strings.Fields(code); len(f) > 0 {
			code = f[len(f)-1]
		} else {
			code = "?"
		}
		if l, ok := httpCodeLabels[code]; ok {
			return code + " - " + l
		}
		for _, p := range httpMessageLabels {
			if p.re.MatchString(message) {
				return code + " - " + p.label
			}
		}
		return code + " - other"
	}
	for _, p := range otherLabels {
		if p.re.MatchString(message) {
			return p.label
		}
	}
	if l := strings.ToLower(strings.TrimSpace(errorType)); l != "" {
		return l
	}
	return "unknown" // the reference always has a type (an exception class name)
}

// ParseErrorMessage is the reference's parse_error_message: when raw is a JSON
// object like {"error": {"message": "..."}} (or {"message": "..."}), the
// inner message; otherwise raw unchanged. raw is untrusted server output.
func ParseErrorMessage(raw string) string {
	// json.Valid rejects trailing data after the value, as json.loads does.
	if !json.Valid([]byte(raw)) {
		return raw
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // keep numbers' text: str(1) is "1", str(1.0) is "1.0"
	var body any
	if err := dec.Decode(&body); err != nil {
		return raw
	}
	obj, ok := body.(map[string]any)
	if !ok {
		return raw
	}
	var inner any = obj
	if e, ok := obj["error"]; ok && pyTruthy(e) {
		inner = e
	}
	m, ok := inner.(map[string]any)
	if !ok {
		return raw
	}
	msg, ok := m["message"]
	if !ok {
		return raw
	}
	return pyStr(msg)
}

// pyTruthy is Python's truth value of a decoded JSON value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// pyStr approximates Python's str() of a decoded JSON value: strings as is,
// literals as Python spells them, containers as compact JSON.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// ErrorMessage is one distinct message of a failure label.
type ErrorMessage struct {
	Message string
	// SessionIDs of every failure with this message that had a session id,
	// in arrival order; empty (and left out of the JSON) when none had one.
	SessionIDs []string
}

// LabelCount is one entry of failures.by_label.
type LabelCount struct {
	Label    string
	Count    int            // every failure with this label
	Messages []ErrorMessage // at most MaxErrorMessages distinct messages
}

// errorCounter is the reference's build_error_counts, fed one failure at a
// time so that failures need not be kept.
type errorCounter struct {
	maxMessages int
	labels      []*labelEntry
	byLabel     map[string]*labelEntry
}

type labelEntry struct {
	LabelCount
	byMessage map[string]int // message -> index in Messages
}

func (c *errorCounter) add(errorType, rawMessage, sessionID string) {
	msg := ParseErrorMessage(rawMessage)
	label := ErrorLabel(errorType, msg)
	if c.byLabel == nil {
		c.byLabel = make(map[string]*labelEntry)
	}
	e := c.byLabel[label]
	if e == nil {
		e = &labelEntry{LabelCount: LabelCount{Label: label}, byMessage: make(map[string]int)}
		c.byLabel[label] = e
		c.labels = append(c.labels, e)
	}
	e.Count++
	if i, ok := e.byMessage[msg]; ok {
		if sessionID != "" {
			e.Messages[i].SessionIDs = append(e.Messages[i].SessionIDs, sessionID)
		}
		return
	}
	if len(e.Messages) >= c.maxMessages {
		return
	}
	em := ErrorMessage{Message: msg}
	if sessionID != "" {
		em.SessionIDs = []string{sessionID}
	}
	e.byMessage[msg] = len(e.Messages)
	e.Messages = append(e.Messages, em)
}

// result returns the labels by descending count; ties keep first-seen order
// (Python's sorted is stable).
func (c *errorCounter) result() []LabelCount {
	out := make([]LabelCount, 0, len(c.labels))
	for _, e := range c.labels {
		lc := e.LabelCount
		lc.Messages = append([]ErrorMessage(nil), e.Messages...)
		out = append(out, lc)
	}
	sortStableByCount(out)
	return out
}

func sortStableByCount(l []LabelCount) {
	// insertion sort: few labels, and stability matters
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Count > l[j-1].Count; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

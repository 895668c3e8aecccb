package metrics

import (
	"strconv"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

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

// add counts one failure. The client already gave it its final label (the
// reference's make_concise_label, see client.HTTPLabel) and parsed the
// server's message, so both are used as they are.
func (c *errorCounter) add(label, msg, sessionID string) {
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

package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/metrics"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// writePerRequest writes per_request_lifecycle_metrics.json one record at a
// time: only one entry's bodies are laid out in memory at once.
func writePerRequest(w io.Writer, recs func(yield func(*record.Record) bool)) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	n := 0
	for r := range recs {
		if n == 0 {
			buf = append(buf[:0], "[\n  "...)
		} else {
			buf = append(buf[:0], ",\n  "...)
		}
		buf = appendJSON(buf, perRequestEntry(r), 1)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		buf = append(buf[:0], "[]"...)
	} else {
		buf = append(buf[:0], "\n]"...)
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// perRequestEntry is one element of per_request_lifecycle_metrics.json, with
// the keys of the reference v0.5.0 sample: start_time, end_time, request,
// response, info{request_metrics, response_metrics, extra_info, lora_adapter,
// labels, input_tokens}, error. Times are seconds on the run clock (the
// reference writes perf_counter seconds: also a monotonic clock with an
// arbitrary origin).
func perRequestEntry(r *record.Record) object {
	e := object{
		{"start_time", secs(r.Sent)},
		{"end_time", secs(r.End)},
	}
	if r.SessionID != "" {
		// Newer reference versions write session_id when the request had one.
		e = append(e, member{"session_id", r.SessionID})
	}
	input := max(r.PromptTokens(), 0)
	var lora any
	if r.LoRA != "" {
		lora = r.LoRA
	}
	var errObj any
	var respMetrics any
	if r.Failed() {
		errObj = object{
			{"error_type", metrics.ErrorType(r)},
			{"error_msg", r.Error.Message},
		}
	} else {
		respMetrics = responseMetrics(r)
	}
	e = append(e,
		member{"request", string(r.RequestBody)},
		member{"response", string(r.ResponseBody)},
		member{"info", object{
			{"request_metrics", object{
				{"text", object{{"input_tokens", input}}},
				{"image", nil},
				{"video", nil},
				{"audio", nil},
			}},
			{"response_metrics", respMetrics},
			{"extra_info", object{}},
			{"lora_adapter", lora},
			{"labels", object{}},
			{"input_tokens", input},
		}},
		member{"error", errObj},
	)
	return e
}

// responseMetrics is info.response_metrics of a successful request:
// {output_tokens, server_usage} for a unary response, plus response_chunks,
// chunk_times and output_token_times for a streamed one.
func responseMetrics(r *record.Record) object {
	var sse []sseMessage
	if r.Streaming {
		sse = parseSSE(string(r.ResponseBody))
	}
	rm := object{
		{"output_tokens", r.OutputTokens(false)},
		{"server_usage", serverUsage(r, sse)},
	}
	if !r.Streaming {
		return rm
	}
	chunks := []string{}
	for _, m := range sse {
		if m.content {
			chunks = append(chunks, m.data)
		}
	}
	times := make([]float64, len(r.Chunks))
	for i, c := range r.Chunks {
		times[i] = secs(c)
	}
	// output_token_times: the reference stamps each re-tokenized token with
	// its chunk's arrival; we measure ITL between chunk arrivals, so the
	// times our metrics use are the chunk times (docs/reports.md).
	return append(rm,
		member{"response_chunks", chunks},
		member{"chunk_times", times},
		member{"output_token_times", times},
	)
}

// serverUsage is the usage dict the server sent, as the reference keeps it
// (streaming: every usage seen merged, later keys winning; unary: the body's
// usage). When the body was not kept or carries none, it is rebuilt from the
// record's counts; null when the server reported none.
func serverUsage(r *record.Record, sse []sseMessage) any {
	var usage object
	if r.Streaming {
		for _, m := range sse {
			for _, kv := range m.usage {
				usage = usage.set(kv.key, kv.val)
			}
		}
	} else if len(r.ResponseBody) > 0 {
		if v, err := decodeOrdered(string(r.ResponseBody)); err == nil {
			if o, ok := v.(object); ok {
				if u, ok := o.get("usage"); ok {
					if uo, ok := u.(object); ok {
						usage = uo
					}
				}
			}
		}
	}
	if usage != nil {
		return usage
	}
	if r.ServerPromptTokens < 0 && r.ServerOutputTokens < 0 {
		return nil
	}
	u := object{}
	if r.ServerPromptTokens >= 0 {
		u = append(u, member{"prompt_tokens", r.ServerPromptTokens})
	}
	if r.ServerOutputTokens >= 0 {
		u = append(u, member{"completion_tokens", r.ServerOutputTokens})
	}
	if r.ServerPromptTokens >= 0 && r.ServerOutputTokens >= 0 {
		u = append(u, member{"total_tokens", r.ServerPromptTokens + r.ServerOutputTokens})
	}
	return u
}

// sseMessage is one data payload of an SSE stream.
type sseMessage struct {
	data    string // the JSON text after "data:"
	content bool   // carries generated text (a content chunk)
	usage   object // its usage dict, if any
}

// parseSSE splits a raw SSE body the way the reference's parse_sse_stream
// does (messages separated by a blank line, "data:" lines, "[DONE]" ends the
// stream) and classifies each JSON payload. Payloads that are not JSON
// objects of the expected shape are skipped, as the reference skips
// payloads it cannot parse. body is untrusted server output.
func parseSSE(body string) []sseMessage {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []sseMessage
	for msg := range strings.SplitSeq(body, "\n\n") {
		for line := range strings.SplitSeq(msg, "\n") {
			data, ok := strings.CutPrefix(line, "data:")
			if !ok {
				continue
			}
			data = strings.TrimSpace(data)
			if data == "[DONE]" {
				return out
			}
			var p chunkProbe
			if err := json.Unmarshal([]byte(data), &p); err != nil {
				continue
			}
			m := sseMessage{data: data, content: p.hasContent(), usage: usageObject(p.Usage)}
			if m.usage == nil && p.Message != nil {
				m.usage = usageObject(p.Message.Usage) // Anthropic message_start
			}
			out = append(out, m)
		}
	}
	return out
}

// usageObject decodes a usage value, nil unless it is a JSON object.
func usageObject(raw json.RawMessage) object {
	if len(raw) == 0 {
		return nil
	}
	v, err := decodeOrdered(string(raw))
	if err != nil {
		return nil
	}
	o, _ := v.(object)
	return o
}

// chunkProbe decodes only what classifies a streamed chunk: its text
// (choices[0].text for completions, choices[0].delta.content for chat,
// delta.text for Anthropic) and its usage. Decoding into a struct is far
// cheaper than walking every token of every chunk.
type chunkProbe struct {
	Choices []struct {
		Text  *string `json:"text"`
		Delta *struct {
			Content *string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
	Delta *struct {
		Text *string `json:"text"`
	} `json:"delta"`
	Usage   json.RawMessage `json:"usage"`
	Message *struct {
		Usage json.RawMessage `json:"usage"`
	} `json:"message"`
}

// hasContent reports whether the chunk carries generated text.
func (p *chunkProbe) hasContent() bool {
	if len(p.Choices) > 0 {
		c := p.Choices[0]
		if c.Text != nil && *c.Text != "" {
			return true
		}
		return c.Delta != nil && c.Delta.Content != nil && *c.Delta.Content != ""
	}
	return p.Choices == nil && p.Delta != nil && p.Delta.Text != nil && *p.Delta.Text != ""
}

// secs converts a run-clock offset to seconds.
func secs(d time.Duration) float64 { return d.Seconds() }

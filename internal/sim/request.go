package sim

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// maxModelLen is the simulated context length: prompt plus max_tokens above
// it is refused with 400, as vLLM refuses requests beyond --max-model-len.
// It also bounds the work a single request can ask for.
const maxModelLen = 131072

// api tells the two generation endpoints apart.
type api uint8

const (
	apiCompletion api = iota
	apiChat
)

// genRequest is the part of an OpenAI request body the simulator acts on.
// Unknown fields are ignored, as vLLM ignores (and logs) them.
type genRequest struct {
	Model               string          `json:"model"`
	Prompt              json.RawMessage `json:"prompt"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	IgnoreEOS           bool            `json:"ignore_eos"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	// Sampling parameters are not simulated; they are read only to be
	// reported on the request's span, as vLLM reports them.
	Temperature float64 `json:"temperature"`
	TopP        float64 `json:"top_p"`
	N           int     `json:"n"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// parsed is a validated generation request.
type parsed struct {
	model        string // as sent; empty means the served model
	promptTokens int
	maxTokens    int // 0 when the request set no limit
	ignoreEOS    bool
	stream       bool
	includeUsage bool
	temperature  float64 // as sent, or vLLM's default 1.0
	topP         float64 // as sent, or vLLM's default 1.0
	n            int     // as sent, or 1; the simulator still answers with one choice
}

// requestError is a client error answered with an OpenAI-style error body.
type requestError struct {
	status int
	kind   string // OpenAI error "type", e.g. BadRequestError
	param  string // offending field, or "" for null
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(param, format string, args ...any) *requestError {
	return &requestError{status: 400, kind: "BadRequestError", param: param, msg: fmt.Sprintf(format, args...)}
}

// parseRequest decodes and validates a generation request body for endpoint
// a. It never panics on any input; every failure is a *requestError.
func parseRequest(a api, body []byte, tok tokenizer.Tokenizer) (parsed, *requestError) {
	// vLLM's defaults for the sampling parameters; an absent or null field
	// leaves them in place, as it does in vLLM.
	req := genRequest{Temperature: 1, TopP: 1, N: 1}
	if err := json.Unmarshal(body, &req); err != nil {
		return parsed{}, badRequest("", "invalid JSON request body: %v", err)
	}
	p := parsed{model: req.Model, ignoreEOS: req.IgnoreEOS, stream: req.Stream,
		temperature: req.Temperature, topP: req.TopP, n: req.N}
	if req.StreamOptions != nil {
		if !req.Stream {
			return parsed{}, badRequest("stream_options", "stream_options can only be set when stream is true")
		}
		p.includeUsage = req.StreamOptions.IncludeUsage
	}

	var err *requestError
	switch a {
	case apiCompletion:
		p.promptTokens, err = countPrompt(req.Prompt, tok)
	case apiChat:
		p.promptTokens, err = countMessages(req.Messages, tok)
	}
	if err != nil {
		return parsed{}, err
	}

	limit, field := req.MaxTokens, "max_tokens"
	if a == apiChat && req.MaxCompletionTokens != nil {
		// OpenAI's newer name wins over the deprecated one, as in vLLM.
		limit, field = req.MaxCompletionTokens, "max_completion_tokens"
	}
	if limit != nil {
		if *limit < 1 {
			return parsed{}, badRequest(field, "%s must be at least 1, got %d", field, *limit)
		}
		if *limit > maxModelLen || int64(p.promptTokens)+*limit > maxModelLen {
			return parsed{}, badRequest(field,
				"This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the prompt, %d in the completion). Please reduce the length of the prompt or completion.",
				maxModelLen, int64(p.promptTokens)+*limit, p.promptTokens, *limit)
		}
		p.maxTokens = int(*limit)
	}
	if p.promptTokens >= maxModelLen {
		return parsed{}, badRequest("", "This model's maximum context length is %d tokens; the prompt has %d.", maxModelLen, p.promptTokens)
	}
	return p, nil
}

// countPrompt counts the tokens of a completion prompt: a string, a list of
// strings (summed: the simulator answers with one choice), a list of token ids
// or a list of token-id lists.
func countPrompt(raw json.RawMessage, tok tokenizer.Tokenizer) (int, *requestError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, badRequest("prompt", "prompt is required")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, badRequest("prompt", "prompt: %v", err)
		}
		return tok.Count(s), nil
	case '[':
		var strs []string
		if err := json.Unmarshal(raw, &strs); err == nil {
			n := 0
			for _, s := range strs {
				n += tok.Count(s)
			}
			return n, nil
		}
		var ids []int64
		if err := json.Unmarshal(raw, &ids); err == nil {
			return len(ids), nil
		}
		var idLists [][]int64
		if err := json.Unmarshal(raw, &idLists); err == nil {
			n := 0
			for _, l := range idLists {
				n += len(l)
			}
			return n, nil
		}
	}
	return 0, badRequest("prompt", "prompt must be a string, a list of strings, a list of token ids or a list of token-id lists")
}

// countMessages sums the tokens of every message's text content.
func countMessages(msgs []chatMessage, tok tokenizer.Tokenizer) (int, *requestError) {
	if msgs == nil {
		return 0, badRequest("messages", "messages is required")
	}
	n := 0
	for i, m := range msgs {
		c, err := countContent(m.Content, tok)
		if err != nil {
			err.msg = fmt.Sprintf("messages[%d].%s", i, err.msg)
			return 0, err
		}
		n += c
	}
	return n, nil
}

// countContent counts a message content: null, a string, or a list of parts
// of which the "text" ones count (images and other media count nothing).
func countContent(raw json.RawMessage, tok tokenizer.Tokenizer) (int, *requestError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil // assistant tool-call turns carry no content
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, badRequest("messages", "content: %v", err)
		}
		return tok.Count(s), nil
	case '[':
		var parts []contentPart
		if err := json.Unmarshal(raw, &parts); err != nil {
			return 0, badRequest("messages", "content: a list must hold objects with type and text: %v", err)
		}
		n := 0
		for _, p := range parts {
			if p.Type == "text" {
				n += tok.Count(p.Text)
			}
		}
		return n, nil
	}
	return 0, badRequest("messages", "content must be a string, a list of content parts or null")
}

package datagen

import (
	"errors"
	"strconv"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// mockGen reproduces the reference's mock prompts, numbered from 1:
// completion "1 2 3 <n>", chat and anthropic_messages one user message
// "mock prompt <n>". No max_tokens, so the client default applies.
type mockGen struct {
	chat bool
	tok  tokenizer.Tokenizer
}

func newMock(cfg *config.Config, apiType string, tok tokenizer.Tokenizer) (Generator, error) {
	errs := checkCommon(cfg, false)
	if err := checkAPI(config.DataMock, apiType, config.APICompletion, config.APIChat, config.APIAnthropicMessages); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return mockGen{chat: apiType != config.APICompletion, tok: tok}, nil
}

// Get implements Generator.
func (m mockGen) Get(i uint64) prompt.Prompt {
	n := strconv.FormatUint(i+1, 10)
	if m.chat {
		c := "mock prompt " + n
		return prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: c}}, Tokens: m.count(c)}
	}
	t := "1 2 3 " + n
	return prompt.Prompt{Text: t, Tokens: m.count(t)}
}

func (m mockGen) count(s string) int {
	if m.tok == nil {
		return 0
	}
	return m.tok.Count(s)
}

// Name implements Generator.
func (mockGen) Name() string { return config.DataMock }

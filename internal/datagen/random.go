package datagen

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// randomGen builds prompts of exactly N random tokens, N drawn from
// data.input_distribution and max_tokens from data.output_distribution.
type randomGen struct {
	in, out Sampler
	trace   *traceLengths // data.trace: lengths of request i from row i mod rows
	text    randomText
	seed    uint64
}

func newRandom(cfg *config.Config, apiType string, tok tokenizer.Tokenizer, seed uint64) (Generator, error) {
	errs := checkCommon(cfg, true)
	if err := checkAPI(config.DataRandom, apiType, config.APICompletion); err != nil {
		errs = append(errs, err)
	}
	var (
		in, out Sampler
		trace   *traceLengths
	)
	if t := cfg.Data.Trace; t != nil {
		// Lengths come from the trace rows instead of the distributions.
		var err error
		if trace, err = loadTraceLengths(t.File); err != nil {
			errs = append(errs, fmt.Errorf("data.trace.file: %w", err))
		}
	} else {
		var lerrs []error
		in, out, lerrs = lengths(cfg, config.DataRandom)
		errs = append(errs, lerrs...)
	}
	text, err := randomTextFor(tok)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.Data.UseChatTemplate {
		// Only a real tokenizer has a chat template; the reference fails the
		// same way for a tokenizer without one.
		errs = append(errs, errors.New("data.use_chat_template: is set but the tokenizer has no chat template; "+
			"point tokenizer.pretrained_model_name_or_path at a chat/instruct model or disable use_chat_template"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &randomGen{in: in, out: out, trace: trace, text: text, seed: seed}, nil
}

// Get implements Generator. Draw order from the per-index stream: input
// length, output length, then the prompt's tokens.
func (g *randomGen) Get(i uint64) prompt.Prompt {
	src := perIndex(g.seed, i)
	var n, mt int
	if g.trace != nil {
		row := i % uint64(len(g.trace.in))
		n, mt = int(g.trace.in[row]), maxTokens(int(g.trace.out[row]))
	} else {
		rng := rand.New(&src)
		n = max(g.in.Sample(rng), 0)
		mt = maxTokens(g.out.Sample(rng))
	}
	return prompt.Prompt{Text: g.text.RandomText(&src, n), MaxTokens: mt, Tokens: n}
}

// RequestCount is the number of rows of data.trace (the reference's
// get_request_count, which sizes each trace_replay stage), or 0 without a
// trace.
func (g *randomGen) RequestCount() int {
	if g.trace == nil {
		return 0
	}
	return len(g.trace.in)
}

// Name implements Generator.
func (*randomGen) Name() string { return config.DataRandom }

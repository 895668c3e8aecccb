package datagen

import (
	"errors"
	"math/rand/v2"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// randomGen builds prompts of exactly N random tokens, N drawn from
// data.input_distribution and max_tokens from data.output_distribution.
type randomGen struct {
	in, out Sampler
	text    randomText
	seed    uint64
}

func newRandom(cfg *config.Config, apiType string, tok tokenizer.Tokenizer, seed uint64) (Generator, error) {
	errs := checkCommon(cfg, true)
	if err := checkAPI(config.DataRandom, apiType, config.APICompletion); err != nil {
		errs = append(errs, err)
	}
	if cfg.Data.Trace != nil {
		// The reference can take lengths from an Azure trace instead; not here yet.
		errs = append(errs, errors.New("data.trace: taking random prompt lengths from a trace file is not implemented yet; use input_distribution/output_distribution"))
	}
	in, out, lerrs := lengths(cfg, config.DataRandom)
	errs = append(errs, lerrs...)
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
	return &randomGen{in: in, out: out, text: text, seed: seed}, nil
}

// Get implements Generator. Draw order from the per-index stream: input
// length, output length, then the prompt's tokens.
func (g *randomGen) Get(i uint64) prompt.Prompt {
	src := perIndex(g.seed, i)
	rng := rand.New(&src)
	n := max(g.in.Sample(rng), 0)
	mt := maxTokens(g.out.Sample(rng))
	return prompt.Prompt{Text: g.text.RandomText(&src, n), MaxTokens: mt, Tokens: n}
}

// Name implements Generator.
func (*randomGen) Name() string { return config.DataRandom }

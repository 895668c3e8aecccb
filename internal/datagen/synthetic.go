package datagen

import (
	"errors"
	"math/rand/v2"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// syntheticGen builds prompts of exactly N tokens: SyntheticPrefix followed by
// a slice of the corpus at an offset that varies by index. The prefix counts
// toward N.
type syntheticGen struct {
	in, out Sampler
	text    corpusText
	seed    uint64
}

func newSynthetic(cfg *config.Config, apiType string, tok tokenizer.Tokenizer, seed uint64) (Generator, error) {
	errs := checkCommon(cfg, true)
	if err := checkAPI(config.DataSynthetic, apiType, config.APICompletion); err != nil {
		errs = append(errs, err)
	}
	if cfg.Data.Multimodal != nil {
		errs = append(errs, errors.New("data.multimodal: multimodal synthetic prompts are not implemented yet"))
	}
	in, out, lerrs := lengths(cfg, config.DataSynthetic)
	errs = append(errs, lerrs...)
	path := ""
	if p := cfg.Data.CorpusFilePath; p != nil {
		path = *p
	}
	text, err := corpusTextFor(tok, path)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &syntheticGen{in: in, out: out, text: text, seed: seed}, nil
}

// Get implements Generator. Draw order from the per-index stream: input
// length, output length, then the corpus offset.
func (g *syntheticGen) Get(i uint64) prompt.Prompt {
	src := perIndex(g.seed, i)
	rng := rand.New(&src)
	n := max(g.in.Sample(rng), 0)
	mt := maxTokens(g.out.Sample(rng))
	off := rng.IntN(g.text.Size())
	return prompt.Prompt{Text: g.text.Text(off, n), MaxTokens: mt, Tokens: n}
}

// Name implements Generator.
func (*syntheticGen) Name() string { return config.DataSynthetic }

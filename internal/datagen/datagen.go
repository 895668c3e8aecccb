// Package datagen holds the prompt sources (data.type in config.yml) and the
// length distributions they draw from.
//
// A Generator is index-based: Get(i) builds prompt i on demand from a random
// stream derived only from (seed, i), so the load generator can call it
// lazily at dispatch time from any goroutine without locks, a stage is never
// materialised up front, and a run is reproducible prompt by prompt.
package datagen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// Generator produces the prompts of a run.
type Generator interface {
	// Get returns prompt i. The same generator (same config and seed) always
	// returns the same prompt for the same i. Safe for concurrent use.
	Get(i uint64) prompt.Prompt
	// Name is the data type, e.g. "random".
	Name() string
}

// implemented lists the data types New can build, for error messages.
var implemented = []string{config.DataMock, config.DataRandom, config.DataSynthetic, config.DataShareGPT, config.DataSharedPrefix,
	config.DataCNNDailyMail, config.DataBillsumConversations, config.DataInfinityInstruct}

// New builds the generator selected by cfg.Data.Type. tok counts tokens and,
// for random and synthetic, defines what "exactly N tokens" means. seed makes
// every prompt reproducible (load.base_seed is the natural choice). All
// configuration problems found are returned together, each naming its field.
func New(cfg *config.Config, tok tokenizer.Tokenizer, seed int64) (Generator, error) {
	if cfg == nil {
		return nil, errors.New("datagen: no configuration")
	}
	dataType := cfg.Data.Type
	if dataType == "" {
		dataType = config.DataMock
	}
	apiType := cfg.API.Type
	if apiType == "" {
		apiType = config.APICompletion
	}
	var g Generator
	var err error
	switch dataType {
	case config.DataMock:
		g, err = newMock(cfg, apiType, tok)
	case config.DataRandom:
		g, err = newRandom(cfg, apiType, tok, uint64(seed))
	case config.DataSynthetic:
		g, err = newSynthetic(cfg, apiType, tok, uint64(seed))
	case config.DataShareGPT:
		g, err = newShareGPT(cfg, apiType, tok)
	case config.DataSharedPrefix:
		g, err = newSharedPrefix(cfg, apiType, tok, uint64(seed))
	case config.DataCNNDailyMail:
		g, err = newCNNDailyMail(cfg, apiType, tok)
	case config.DataBillsumConversations:
		g, err = newBillsum(cfg, apiType, tok)
	case config.DataInfinityInstruct:
		g, err = newInfinityInstruct(cfg, apiType, tok)
	default:
		err = fmt.Errorf("data.type: %q is not implemented yet (implemented: %s)", cfg.Data.Type, strings.Join(implemented, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%s data generator: %w", dataType, err)
	}
	return g, nil
}

// checkAPI reproduces the reference's "Unsupported API type" check, naming
// the field and what the data type does support.
func checkAPI(dataType, apiType string, supported ...string) error {
	for _, s := range supported {
		if s == apiType {
			return nil
		}
	}
	return fmt.Errorf("api.type: unsupported API type %q for data.type %s (supported: %s)", apiType, dataType, strings.Join(supported, ", "))
}

// checkCommon applies the reference DataGenerator checks shared by every type.
func checkCommon(cfg *config.Config, ioSupported bool) []error {
	var errs []error
	if !ioSupported && (cfg.Data.InputDistribution != nil || cfg.Data.OutputDistribution != nil) {
		errs = append(errs, errors.New("data.input_distribution/output_distribution: IO distribution not supported for this data generator"))
	}
	if cfg.Data.SharedPrefix != nil {
		errs = append(errs, errors.New("data.shared_prefix: shared prefix not supported for this data generator"))
	}
	return errs
}

// lengths validates the input and output distributions that random and
// synthetic require.
func lengths(cfg *config.Config, dataType string) (in, out Sampler, errs []error) {
	var err error
	if d := cfg.Data.InputDistribution; d == nil {
		errs = append(errs, fmt.Errorf("data.input_distribution: the %s data generator requires 'input_distribution' to be configured", dataType))
	} else if in, err = NewSampler("data.input_distribution", *d); err != nil {
		errs = append(errs, err)
	}
	if d := cfg.Data.OutputDistribution; d == nil {
		errs = append(errs, fmt.Errorf("data.output_distribution: the %s data generator requires 'output_distribution' to be configured", dataType))
	} else if out, err = NewSampler("data.output_distribution", *d); err != nil {
		errs = append(errs, err)
	}
	return in, out, errs
}

// perIndex returns the PCG state for prompt i. Both seed words are passed
// through a bijective mixer so neighbouring indices and seeds start far apart
// on the generator's cycle (raw neighbouring PCG seeds give correlated
// streams).
func perIndex(seed, i uint64) rand.PCG {
	var p rand.PCG
	p.Seed(mix64(seed^0x6a09e667f3bcc909), mix64(i^mix64(seed+0x9e3779b97f4a7c15)))
	return p
}

// mix64 is the SplitMix64 finaliser, a bijection on uint64.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// maxTokens maps a sampled output length to Prompt.MaxTokens, where 0 means
// "client default". The reference would send a sampled 0 or negative length
// as is, which servers reject; sending at least 1 keeps the request valid.
func maxTokens(n int) int { return max(n, 1) }

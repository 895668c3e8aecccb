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

// maxSharedPrefixPrompts bounds num_groups × num_prompts_per_group, the
// number of distinct prompts (their shuffled order is held in memory).
const maxSharedPrefixPrompts = 1 << 26

// Stream domains, so the system prompts, the order and the questions of one
// seed are drawn from unrelated streams.
const (
	spDomainPrefix = 0x5f3759df_a1b2c3d4
	spDomainOrder  = 0x2545f491_4f6cdd1d
)

// sharedPrefixGen builds num_groups × num_prompts_per_group prompts: each
// group has one random system prompt of an exact token length, each prompt of
// the group adds its own random question. The prompts are visited in a seeded
// shuffled order, cycling, as the reference does, so that groups interleave.
type sharedPrefixGen struct {
	chat     bool
	text     randomText
	conv     *hfConverger // nil for the word counter, where joining is exact
	prefixes []string     // system prompt of each group
	prefLens []int        // its length in tokens
	order    []uint32     // order[i mod len] is the prompt slot of request i
	users    int          // prompts per group
	question lenDist
	output   lenDist
	seed     uint64
}

func newSharedPrefix(cfg *config.Config, apiType string, tok tokenizer.Tokenizer, seed uint64) (Generator, error) {
	sp := cfg.Data.SharedPrefix
	if sp == nil {
		return nil, errors.New("data.shared_prefix: required by data.type shared_prefix")
	}
	var errs []error
	if err := checkAPI(config.DataSharedPrefix, apiType, config.APICompletion, config.APIChat); err != nil {
		errs = append(errs, err)
	}
	const base = "data.shared_prefix."
	if sp.EnableMultiTurnChat {
		errs = append(errs, errors.New("not supported yet: data.shared_prefix.enable_multi_turn_chat=true"))
	}
	if sp.Multimodal != nil {
		errs = append(errs, errors.New(base+"multimodal: prefix images are not implemented yet"))
	}
	if sp.NumGroups <= 0 {
		errs = append(errs, fmt.Errorf(base+"num_groups: must be >= 1, got %d", sp.NumGroups))
	}
	if sp.NumPromptsPerGroup <= 0 {
		errs = append(errs, fmt.Errorf(base+"num_prompts_per_group: must be >= 1, got %d", sp.NumPromptsPerGroup))
	}
	if sp.NumGroups > 0 && sp.NumPromptsPerGroup > 0 && sp.NumGroups > maxSharedPrefixPrompts/sp.NumPromptsPerGroup {
		errs = append(errs, fmt.Errorf(base+"num_groups × num_prompts_per_group: %d × %d is more than %d prompts",
			sp.NumGroups, sp.NumPromptsPerGroup, maxSharedPrefixPrompts))
	}
	sys, err := lenSampler(base+"system_prompt_len", sp.SystemPromptLen, nil, "")
	if err != nil {
		errs = append(errs, err)
	}
	question, err := lenSampler(base+"question_len", sp.QuestionLen, sp.QuestionDistribution, base+"question_distribution")
	if err != nil {
		errs = append(errs, err)
	}
	output, err := lenSampler(base+"output_len", sp.OutputLen, sp.OutputDistribution, base+"output_distribution")
	if err != nil {
		errs = append(errs, err)
	}
	text, err := randomTextFor(tok)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if sp.Seed != nil {
		// An explicit seed pins the prompts whatever load.base_seed is.
		seed = uint64(*sp.Seed)
	}
	g := &sharedPrefixGen{
		chat: apiType == config.APIChat, text: text, users: sp.NumPromptsPerGroup,
		question: question, output: output, seed: seed,
		prefixes: make([]string, sp.NumGroups), prefLens: make([]int, sp.NumGroups),
	}
	if hf, ok := text.(*hfRandom); ok {
		g.conv = hf.conv
	}
	for k := range g.prefixes {
		src := perIndex(seed^spDomainPrefix, uint64(k))
		n := max(sys.Sample(rand.New(&src)), 0)
		g.prefLens[k] = n
		g.prefixes[k] = text.RandomText(&src, n)
	}
	total := sp.NumGroups * sp.NumPromptsPerGroup
	src := perIndex(seed^spDomainOrder, 0)
	perm := rand.New(&src).Perm(total)
	g.order = make([]uint32, total)
	for k, v := range perm {
		g.order[k] = uint32(v)
	}
	return g, nil
}

// lenSampler resolves one shared_prefix length, as the config decodes it: an
// int is a fixed length (or, for question_len and output_len, replaced by the
// legacy distribution when that is given), a *Distribution is sampled.
func lenSampler(field string, v any, legacy *config.Distribution, legacyField string) (lenDist, error) {
	fixed := func(n int64) (lenDist, error) {
		if n < 0 {
			return lenDist{}, fmt.Errorf("%s: must be >= 0, got %d", field, n)
		}
		if legacy != nil {
			return newLenDist(legacyField, *legacy)
		}
		return newLenDist(field, config.Distribution{Type: distFixed, Mean: float64(n), Min: int(n), Max: int(n)})
	}
	switch x := v.(type) {
	case int:
		return fixed(int64(x))
	case int64:
		return fixed(x)
	case *config.Distribution:
		if x != nil {
			return newLenDist(field, *x)
		}
	case config.Distribution:
		return newLenDist(field, x)
	case string:
		return lenDist{}, fmt.Errorf("%s: expression strings like %q are not supported yet; give an integer or a distribution mapping", field, x)
	}
	if v == nil {
		return lenDist{}, fmt.Errorf("%s: required: an integer or a distribution mapping", field)
	}
	return lenDist{}, fmt.Errorf("%s: expected an integer or a distribution mapping, got %T", field, v)
}

// Get implements Generator. Request i is prompt slot order[i mod N]; slot s
// belongs to group s / num_prompts_per_group. Draw order from the slot's
// stream: question length, output length, then the question's tokens, so a
// slot is the same prompt every time the cycle comes back to it.
func (g *sharedPrefixGen) Get(i uint64) prompt.Prompt {
	slot := uint64(g.order[i%uint64(len(g.order))])
	group := slot / uint64(g.users)
	src := perIndex(g.seed, slot)
	rng := rand.New(&src)
	qn := max(g.question.Sample(rng), 0)
	mt := maxTokens(g.output.Sample(rng))
	q := g.text.RandomText(&src, qn)
	prefix, pn := g.prefixes[group], g.prefLens[group]
	p := prompt.Prompt{MaxTokens: mt, Tokens: pn + qn}
	if g.chat {
		if pn > 0 {
			p.Messages = append(make([]prompt.Message, 0, 2), prompt.Message{Role: "system", Content: prefix})
		}
		p.Messages = append(p.Messages, prompt.Message{Role: "user", Content: q})
		return p
	}
	p.Text = g.join(prefix, pn, q, qn, &src)
	return p
}

// join is the completion prompt: system prompt, a space, question. Under the
// word counter that is exactly pn+qn tokens; under a Hugging Face tokenizer
// the tokens at the seam can merge, so the joined text is converged to
// pn+qn by trimming or extending the question's end. The system prompt stays
// a byte-identical prefix, which is what the server's prefix cache needs.
func (g *sharedPrefixGen) join(prefix string, pn int, q string, qn int, src *rand.PCG) string {
	switch {
	case pn == 0:
		return q
	case qn == 0:
		return prefix
	}
	s := prefix + " " + q
	if g.conv == nil {
		return s
	}
	hf := g.text.(*hfRandom)
	s = g.conv.converge(s, pn+qn, func(k int) string {
		var b strings.Builder
		hf.draw(&b, src, k)
		return b.String()
	})
	if !strings.HasPrefix(s, prefix) {
		// Only the converger's last-resort fallback can cut into the system
		// prompt; keep the prefix and let filler words (one token each,
		// checked when the converger was built) stand for the question.
		s = prefix + strings.Repeat(g.conv.rest, qn)
	}
	return s
}

// Name implements Generator.
func (*sharedPrefixGen) Name() string { return config.DataSharedPrefix }

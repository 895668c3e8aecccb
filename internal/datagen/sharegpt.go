package datagen

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// shareGPTHub is what the reference downloads when data.path is unset.
const shareGPTHub = "anon8231489123/ShareGPT_Vicuna_unfiltered (ShareGPT_V3_unfiltered_cleaned_split.json)"

// shareGPTRoles maps ShareGPT speakers to chat roles. Any other speaker
// ("system", "bing", a missing "from") is sent as "user", as the reference
// does; "user" and "assistant" are kept as they are (the reference would
// send an "assistant" turn as "user").
var shareGPTRoles = map[string]string{"human": "user", "gpt": "assistant", "user": "user", "assistant": "assistant"}

// sgItem is one usable conversation, kept in the form Get returns: the
// prompt text (completion) or the messages (chat), sharing the decoded
// strings, so memory is the kept text plus about 40 bytes per item and 32
// per message.
type sgItem struct {
	text      string
	msgs      []prompt.Message
	tokens    int32
	maxTokens int32
}

func newShareGPT(cfg *config.Config, apiType string, tok tokenizer.Tokenizer) (Generator, error) {
	errs := checkCommon(cfg, true)
	if err := checkAPI(config.DataShareGPT, apiType, config.APICompletion, config.APIChat, config.APIAnthropicMessages); err != nil {
		errs = append(errs, err)
	}
	var files []string
	if p := cfg.Data.Path; p == nil || *p == "" {
		errs = append(errs, fmt.Errorf("data.path: required: a ShareGPT .json file or a directory of them (the reference downloads %s from the Hugging Face Hub when it is unset; this tool does not download datasets)", shareGPTHub))
	} else {
		var err error
		if files, err = shareGPTFiles(*p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	f := sgFilter{chat: apiType != config.APICompletion, tok: tok}
	if d := cfg.Data.InputDistribution; d != nil && !f.chat {
		f.in = &[2]int{d.Min, d.Max}
	}
	if d := cfg.Data.OutputDistribution; d != nil && !f.chat {
		f.out = &[2]int{d.Min, d.Max}
	}
	g, err := loadShareGPT(files, f)
	if err != nil {
		return nil, fmt.Errorf("data.path: %w", err)
	}
	return g, nil
}

// sgFilter is what decides which conversations are kept and how they are
// turned into prompts.
type sgFilter struct {
	chat    bool
	tok     tokenizer.Tokenizer
	in, out *[2]int // inclusive [min, max] token bounds; nil = no bound
}

func (f sgFilter) count(s string) int {
	if f.tok == nil {
		return 0
	}
	return f.tok.Count(s)
}

// item applies the reference's rules to one record's turns. A conversation
// of fewer than 2 turns is skipped. Completion: turn 0 is the prompt (an
// empty one is skipped) and max_tokens is the token length of turn 1; the
// conversation is dropped when either length is outside its distribution's
// [min, max]. Chat: the whole conversation, unfiltered, no max_tokens.
func (f sgFilter) item(turns []sgTurn) (sgItem, bool) {
	if len(turns) < 2 {
		return sgItem{}, false
	}
	if f.chat {
		msgs := make([]prompt.Message, len(turns))
		n := 0
		for i, t := range turns {
			role, ok := shareGPTRoles[t.from]
			if !ok {
				role = "user"
			}
			msgs[i] = prompt.Message{Role: role, Content: t.value}
			n += f.count(t.value)
		}
		return sgItem{msgs: msgs, tokens: int32(min(n, 1<<31-1))}, true
	}
	p := turns[0].value
	if p == "" {
		return sgItem{}, false
	}
	in, out := f.count(p), f.count(turns[1].value)
	if f.in != nil && (in < f.in[0] || in > f.in[1]) {
		return sgItem{}, false
	}
	if f.out != nil && (out < f.out[0] || out > f.out[1]) {
		return sgItem{}, false
	}
	return sgItem{text: p, tokens: int32(min(in, 1<<31-1)), maxTokens: int32(min(maxTokens(out), 1<<31-1))}, true
}

// loadShareGPT returns the generator of the usable conversations of local
// ShareGPT files, in file order, cycling when a run needs more prompts.
//
// The files are streamed once when the generator is built and the usable
// conversations materialised into a slice: Get is then a slice index, with
// no I/O or decoding on the dispatch path and nothing that can fail
// mid-run. The alternative, keeping file offsets and decoding on Get, would
// keep memory at ~16 bytes per item but put file reads and JSON decoding
// (and a failure mode for files changed under a run) on the hot path.
func loadShareGPT(files []string, f sgFilter) (*datasetGen, error) {
	g := &datasetGen{name: config.DataShareGPT, chat: f.chat}
	firstRecord := true
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		err = scanShareGPT(fh, name, func(_ int, turns []sgTurn) error {
			it, ok := f.item(turns)
			if ok {
				if firstRecord {
					g.skip = 1
				}
				g.items = append(g.items, it)
			}
			firstRecord = false
			return nil
		})
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(g.items) == 0 {
		what := "no conversation has 2 or more turns"
		if !f.chat && (f.in != nil || f.out != nil) {
			what += " with a non-empty first turn and lengths within data.input_distribution/output_distribution [min, max]"
		}
		return nil, fmt.Errorf("%s: %s", strings.Join(files, ", "), what)
	}
	g.items = g.items[:len(g.items):len(g.items)]
	return g, nil
}

package datagen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// cnnHub is what the reference downloads for cnn_dailymail when data.path
// is unset.
const cnnHub = "abisee/cnn_dailymail 3.0.0"

// datasetGen serves the usable records of local dataset files (cnn_dailymail,
// billsum_conversations, infinity_instruct) in file order, the first record
// skipped once when it was usable, then cycling, as the reference does for
// these and for shareGPT (which it also serves), with the records
// materialised once so Get is a slice index.
type datasetGen struct {
	name  string
	chat  bool
	items []sgItem
	// skip is 1 when the first record read was usable: the reference
	// discards the first record once when it opens the dataset (its
	// "initialize data collection" next()), then cycles over all of them.
	skip uint64
}

// Get implements Generator.
func (g *datasetGen) Get(i uint64) prompt.Prompt {
	it := &g.items[(i+g.skip)%uint64(len(g.items))]
	p := prompt.Prompt{Text: it.text, MaxTokens: int(it.maxTokens), Tokens: int(it.tokens)}
	if g.chat {
		// A copy, so a caller that edits its messages cannot change the
		// prompt other requests get.
		p.Messages = append([]prompt.Message(nil), it.msgs...)
	}
	return p
}

// Len is the number of usable records.
func (g *datasetGen) Len() int { return len(g.items) }

// Name implements Generator.
func (g *datasetGen) Name() string { return g.name }

// scanFunc streams one file and reports each record as an item (ok false
// when the record is skipped).
type scanFunc func(r io.Reader, name string, emit func(it sgItem, ok bool)) error

// newDataset validates what every local dataset shares (data.path, api.type,
// shared_prefix) and loads the files with scan. hub says what the reference
// does without data.path; empty says why no record was usable.
func newDataset(cfg *config.Config, dataType, apiType, hub string, tok tokenizer.Tokenizer, apis []string, scan func(f sgFilter) scanFunc, empty string) (Generator, error) {
	errs := checkCommon(cfg, true)
	if err := checkAPI(dataType, apiType, apis...); err != nil {
		errs = append(errs, err)
	}
	var files []string
	if p := cfg.Data.Path; p == nil || *p == "" {
		errs = append(errs, fmt.Errorf("data.path: required: a %s .json file (a JSON array or JSON Lines) or a directory of them (%s; this tool does not download datasets)", dataType, hub))
	} else {
		var err error
		if files, err = shareGPTFiles(*p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	f := sgFilter{chat: apiType == config.APIChat, tok: tok}
	// The length filters apply to completion only, as in the reference.
	if d := cfg.Data.InputDistribution; d != nil && !f.chat {
		f.in = &[2]int{d.Min, d.Max}
	}
	if d := cfg.Data.OutputDistribution; d != nil && !f.chat {
		f.out = &[2]int{d.Min, d.Max}
	}
	if !f.chat && (f.in != nil || f.out != nil) {
		empty += " with lengths within data.input_distribution/output_distribution [min, max]"
	}
	g, err := loadDataset(dataType, f.chat, files, scan(f), empty)
	if err != nil {
		return nil, fmt.Errorf("data.path: %w", err)
	}
	return g, nil
}

// inBounds applies the completion length filters.
func (f sgFilter) inBounds(in, out int) bool {
	if f.in != nil && (in < f.in[0] || in > f.in[1]) {
		return false
	}
	return f.out == nil || (out >= f.out[0] && out <= f.out[1])
}

// completionItem is a completion prompt whose max_tokens is the reference
// answer's token length.
func (f sgFilter) completionItem(p string, in, out int) sgItem {
	return sgItem{text: p, tokens: int32(min(in, 1<<31-1)), maxTokens: int32(min(maxTokens(out), 1<<31-1))}
}

// loadDataset streams files in order with scan and keeps the usable records.
func loadDataset(name string, chat bool, files []string, scan scanFunc, empty string) (*datasetGen, error) {
	g := &datasetGen{name: name, chat: chat}
	firstRecord := true
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		// The scanners' buffer size, so they reuse this reader.
		br := bufio.NewReaderSize(fh, 64<<10)
		if magic, _ := br.Peek(4); string(magic) == "PAR1" {
			fh.Close()
			return nil, fmt.Errorf("%s: a Parquet file: only JSON (an array of records, or JSON Lines) is read, as the reference reads for a local path; convert it to JSON Lines first", file)
		}
		err = scan(br, file, func(it sgItem, ok bool) {
			if ok {
				if firstRecord {
					g.skip = 1
				}
				g.items = append(g.items, it)
			}
			firstRecord = false
		})
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(g.items) == 0 {
		return nil, fmt.Errorf("%s: %s", strings.Join(files, ", "), empty)
	}
	if cap(g.items) > len(g.items) {
		// Give back append's spare capacity (up to a quarter of a large
		// slice) for the length of the run.
		g.items = append([]sgItem(nil), g.items...)
	}
	return g, nil
}

// newCNNDailyMail builds cnn_dailymail: completion only, the article as the
// prompt and the highlights' token length as max_tokens.
func newCNNDailyMail(cfg *config.Config, apiType string, tok tokenizer.Tokenizer) (Generator, error) {
	return newDataset(cfg, config.DataCNNDailyMail, apiType, "the reference downloads "+cnnHub+" from the Hugging Face Hub when it is unset",
		tok, []string{config.APICompletion}, cnnScan, "no record has a non-empty article and a highlights string")
}

func cnnScan(f sgFilter) scanFunc {
	return func(r io.Reader, name string, emit func(sgItem, bool)) error {
		return scanJSONRecords(r, name, config.DataCNNDailyMail, func(_ int, raw json.RawMessage) error {
			article, highlights, ok, err := cnnRecord(raw)
			if err != nil || !ok || article == "" {
				emit(sgItem{}, false)
				return err
			}
			in, out := f.count(article), f.count(highlights)
			if !f.inBounds(in, out) {
				emit(sgItem{}, false)
				return nil
			}
			emit(f.completionItem(article, in, out), true)
			return nil
		})
	}
}

// cnnRecord decodes one cnn_dailymail record. ok is false when "article" or
// "highlights" is absent or null (the reference skips such records); any
// other value that is not a string is an error naming the field.
func cnnRecord(raw json.RawMessage) (article, highlights string, ok bool, err error) {
	if raw[0] != '{' {
		return "", "", false, fmt.Errorf("expected an object, got %s", jsonKind(raw[0]))
	}
	var r struct {
		Article    json.RawMessage `json:"article"`
		Highlights json.RawMessage `json:"highlights"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", "", false, err
	}
	if isNull(r.Article) || isNull(r.Highlights) {
		return "", "", false, nil
	}
	if err := json.Unmarshal(r.Article, &article); err != nil {
		return "", "", false, fmt.Errorf("article: expected a string, got %s", jsonKind(r.Article[0]))
	}
	if err := json.Unmarshal(r.Highlights, &highlights); err != nil {
		return "", "", false, fmt.Errorf("highlights: expected a string, got %s", jsonKind(r.Highlights[0]))
	}
	return article, highlights, true, nil
}

// newBillsum builds billsum_conversations: ShareGPT-shaped records
// ("conversations" of {from, value}) of 2 or more turns. Completion: turn 0
// is the prompt and turn 1's token length is max_tokens. Chat: every turn,
// with "from" sent as the role as it is (the dataset uses "user" and
// "assistant"; a missing "from" is sent as "user").
func newBillsum(cfg *config.Config, apiType string, tok tokenizer.Tokenizer) (Generator, error) {
	return newDataset(cfg, config.DataBillsumConversations, apiType, "the reference requires it too",
		tok, []string{config.APIChat, config.APICompletion}, turnsScan(billsumItem), "no conversation has 2 or more turns with a non-empty first turn")
}

func billsumItem(f sgFilter, turns []sgTurn) (sgItem, bool) {
	if len(turns) < 2 {
		return sgItem{}, false
	}
	if f.chat {
		msgs := make([]prompt.Message, len(turns))
		n := 0
		for i, t := range turns {
			role := t.from
			if role == "" {
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
	if !f.inBounds(in, out) {
		return sgItem{}, false
	}
	return f.completionItem(p, in, out), true
}

// newInfinityInstruct builds infinity_instruct: ShareGPT-shaped records.
// Completion: the conversation must end with a "gpt" turn, whose token
// length is max_tokens, and the prompt is the values of the turns before it
// joined with "\n". Chat: the non-empty turns, "human" as "user" and every
// other speaker as "assistant".
func newInfinityInstruct(cfg *config.Config, apiType string, tok tokenizer.Tokenizer) (Generator, error) {
	return newDataset(cfg, config.DataInfinityInstruct, apiType, "the reference requires it too",
		tok, []string{config.APICompletion, config.APIChat}, turnsScan(infinityItem), "no conversation is usable (completion: a non-empty prompt and a final non-empty \"gpt\" turn; chat: a non-empty turn)")
}

func infinityItem(f sgFilter, turns []sgTurn) (sgItem, bool) {
	if len(turns) == 0 {
		return sgItem{}, false
	}
	if f.chat {
		var msgs []prompt.Message
		n := 0
		for _, t := range turns {
			if t.value == "" {
				continue
			}
			role := "assistant"
			if t.from == "human" {
				role = "user"
			}
			msgs = append(msgs, prompt.Message{Role: role, Content: t.value})
			n += f.count(t.value)
		}
		if len(msgs) == 0 {
			return sgItem{}, false
		}
		return sgItem{msgs: msgs[:len(msgs):len(msgs)], tokens: int32(min(n, 1<<31-1))}, true
	}
	last := turns[len(turns)-1]
	if last.from != "gpt" || last.value == "" {
		return sgItem{}, false
	}
	var b strings.Builder
	for i, t := range turns[:len(turns)-1] {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t.value)
	}
	p := b.String()
	if p == "" {
		return sgItem{}, false
	}
	in, out := f.count(p), f.count(last.value)
	if !f.inBounds(in, out) {
		return sgItem{}, false
	}
	return f.completionItem(p, in, out), true
}

// turnsScan reads ShareGPT-shaped files with the shareGPT parser and turns
// each record into an item with item.
func turnsScan(item func(sgFilter, []sgTurn) (sgItem, bool)) func(sgFilter) scanFunc {
	return func(f sgFilter) scanFunc {
		return func(r io.Reader, name string, emit func(sgItem, bool)) error {
			return scanShareGPT(r, name, func(_ int, turns []sgTurn) error {
				emit(item(f, turns))
				return nil
			})
		}
	}
}

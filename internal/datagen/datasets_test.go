package datagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

const (
	cnnFile      = "testdata/datasets/cnn_dailymail.json"
	cnnDir       = "testdata/datasets/cnn_dir"
	billsumFile  = "testdata/datasets/billsum_conversations.json"
	infinityFile = "testdata/datasets/infinity_instruct.json"
)

// dsCfg is a config of dataType over path, with optional [min, max] filters.
func dsCfg(dataType, api, path string, in, out *[2]int) *config.Config {
	c := sgCfg(api, path, in, out)
	c.Data.Type = dataType
	return c
}

// render is a prompt in a comparable form: "text/max_tokens" for
// completion, "role:content|..." for chat.
func render(p prompt.Prompt) string {
	if p.Messages == nil {
		return fmt.Sprintf("%s/%d", p.Text, p.MaxTokens)
	}
	parts := make([]string, len(p.Messages))
	for i, m := range p.Messages {
		parts[i] = m.Role + ":" + m.Content
	}
	return strings.Join(parts, "|")
}

func TestDatasets(t *testing.T) {
	t.Parallel()
	const (
		cnn0 = "First article skipped once/2"
		cnn1 = "The cat sat on the mat/2"
		cnn5 = "Short one/10"
		cnn6 = "Storm hits the coast today/1"
		bs0  = "Summarize bill zero/1"
		bs1  = "Summarize the following bill text/5"
		bs5  = "Bill five text/1"
		bs0c = "user:Summarize bill zero|assistant:zero"
		bs1c = "user:Summarize the following bill text|assistant:A bill to fund roads"
		bs4c = "user:|assistant:empty prompt"
		bs5c = "user:Bill five text|assistant:five|user:Shorter please|user:ok"
		ii0  = "Hi there/1"
		ii1  = "You are helpful\nName three colors/3"
		ii6  = "Q one\nA one\nQ two/4"
		ii0c = "user:Hi there|assistant:Hello"
		ii1c = "assistant:You are helpful|user:Name three colors|assistant:red green blue"
		ii2c = "user:No answer"
		ii4c = "assistant:orphan"
		ii5c = "user:Count to five"
		ii6c = "user:Q one|assistant:A one|user:Q two|assistant:A two is longer"
	)
	cases := []struct {
		name     string
		dataType string
		api      string
		path     string
		in, out  *[2]int
		want     []string // Get(0), Get(1), ...
	}{
		// The article is the prompt and max_tokens the highlights' length;
		// null, missing and empty articles are skipped; record 0 is skipped
		// once (the reference's first next()), then the file cycles.
		{"cnn", config.DataCNNDailyMail, config.APICompletion, cnnFile, nil, nil, []string{cnn1, cnn5, cnn6, cnn0, cnn1}},
		// Both length filters drop records outside [min, max].
		{"cnn input filter", config.DataCNNDailyMail, config.APICompletion, cnnFile, &[2]int{3, 10}, nil, []string{cnn1, cnn6, cnn0, cnn1}},
		{"cnn output filter", config.DataCNNDailyMail, config.APICompletion, cnnFile, nil, &[2]int{1, 5}, []string{cnn1, cnn6, cnn0, cnn1}},
		// A directory: its .json files in name order (JSON Lines and an
		// array), other files ignored.
		{"cnn directory", config.DataCNNDailyMail, config.APICompletion, cnnDir, nil, nil,
			[]string{"Beta story here/2", "Gamma/3", "Alpha story/1", "Beta story here/2"}},
		// Completion: turn 0 and turn 1's length; < 2 turns, null
		// conversations and an empty prompt are skipped.
		{"billsum completion", config.DataBillsumConversations, config.APICompletion, billsumFile, nil, nil, []string{bs1, bs5, bs0, bs1}},
		{"billsum completion filtered", config.DataBillsumConversations, config.APICompletion, billsumFile, &[2]int{1, 4}, nil, []string{bs5, bs0, bs5}},
		// Chat: every turn with "from" as the role (missing = user), no
		// empty-prompt check and no length filter, as the reference.
		{"billsum chat", config.DataBillsumConversations, config.APIChat, billsumFile, &[2]int{100, 200}, nil, []string{bs1c, bs4c, bs5c, bs0c, bs1c}},
		// Completion: the final turn must be a non-empty gpt turn; the
		// prompt is the turns before it joined by newlines.
		{"infinity completion", config.DataInfinityInstruct, config.APICompletion, infinityFile, nil, nil, []string{ii1, ii6, ii0, ii1}},
		{"infinity completion filtered", config.DataInfinityInstruct, config.APICompletion, infinityFile, nil, &[2]int{2, 10}, []string{ii1, ii6, ii1}},
		// Chat: non-empty turns, human = user and anything else assistant.
		{"infinity chat", config.DataInfinityInstruct, config.APIChat, infinityFile, nil, nil, []string{ii1c, ii2c, ii4c, ii5c, ii6c, ii0c, ii1c}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := mustNew(t, dsCfg(tc.dataType, tc.api, tc.path, tc.in, tc.out), 1)
			if g.Name() != tc.dataType {
				t.Errorf("Name() = %q, want %q", g.Name(), tc.dataType)
			}
			for i, w := range tc.want {
				if got := render(g.Get(uint64(i))); got != w {
					t.Errorf("Get(%d) = %q, want %q", i, got, w)
				}
			}
		})
	}
}

// A first record that is unusable is not skipped twice: the reference's
// first next() consumed it, and nothing else.
func TestDatasetsFirstRecordUnusable(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "d.json", `{"article": "", "highlights": "x"}`+"\n"+`{"article": "a b", "highlights": "h"}`)
	g := mustNew(t, dsCfg(config.DataCNNDailyMail, config.APICompletion, p, nil, nil), 1)
	if got := render(g.Get(0)); got != "a b/1" {
		t.Errorf("Get(0) = %q, want %q", got, "a b/1")
	}
}

func TestDatasetsErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		dataType string
		api      string
		body     string // file content; "" = no data.path
		want     []string
	}{
		// No local file: the reference would download cnn_dailymail; we
		// name the field instead.
		{"cnn no path", config.DataCNNDailyMail, config.APICompletion, "", []string{"data.path", "required", cnnHub}},
		{"billsum no path", config.DataBillsumConversations, config.APIChat, "", []string{"data.path", "required"}},
		{"infinity no path", config.DataInfinityInstruct, config.APIChat, "", []string{"data.path", "required"}},
		// cnn_dailymail is completion only in the reference.
		{"cnn chat", config.DataCNNDailyMail, config.APIChat, `[]`, []string{"api.type", "chat", "completion"}},
		// Bad records name the file, the record and the field.
		{"cnn article number", config.DataCNNDailyMail, config.APICompletion, `[{"article": 1, "highlights": "h"}]`, []string{"d.json", "record 0", "article: expected a string, got a number"}},
		{"cnn highlights object", config.DataCNNDailyMail, config.APICompletion, `[{"article": "a", "highlights": "h"}, {"article": "a", "highlights": {}}]`, []string{"d.json", "record 1", "highlights: expected a string, got an object"}},
		{"cnn record not object", config.DataCNNDailyMail, config.APICompletion, `[{"article": "a", "highlights": "h"}, 5]`, []string{"d.json", "record 1", "expected an object, got a number"}},
		{"cnn bad JSON", config.DataCNNDailyMail, config.APICompletion, `[{"article": "a", "highlights": "h"} {]`, []string{"d.json", "invalid JSON"}},
		{"cnn trailing", config.DataCNNDailyMail, config.APICompletion, `[{"article": "a", "highlights": "h"}] 7`, []string{"d.json", "after 1 records", "unexpected"}},
		{"cnn not array", config.DataCNNDailyMail, config.APICompletion, `"text"`, []string{"d.json", "expected a JSON array of cnn_dailymail records", "a string"}},
		{"cnn empty file", config.DataCNNDailyMail, config.APICompletion, " \n", []string{"d.json", "empty file"}},
		{"cnn nothing usable", config.DataCNNDailyMail, config.APICompletion, `[{"article": "", "highlights": "h"}]`, []string{"data.path", "d.json", "no record"}},
		{"billsum conversations object", config.DataBillsumConversations, config.APICompletion, `[{"conversations": {}}]`, []string{"d.json", "record 0", "conversations: expected an array"}},
		{"billsum nothing usable", config.DataBillsumConversations, config.APIChat, `[{"conversations": [{"from": "user", "value": "x"}]}]`, []string{"d.json", "2 or more turns"}},
		{"infinity value number", config.DataInfinityInstruct, config.APIChat, `[{"conversations": [{"from": "human", "value": 3}]}]`, []string{"d.json", "record 0", "conversations[0].value: expected a string"}},
		// Parquet (what the Hub serves) is named as such, not as bad JSON.
		{"parquet", config.DataBillsumConversations, config.APIChat, "PAR1\x15\x04", []string{"data.path", "d.json", "Parquet", "JSON Lines"}},
		{"infinity nothing usable", config.DataInfinityInstruct, config.APICompletion, `[{"conversations": [{"from": "human", "value": "x"}]}]`, []string{"d.json", "gpt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dsCfg(tc.dataType, tc.api, "", nil, nil)
			if tc.body == "" {
				c.Data.Path = nil
			} else {
				p := writeFile(t, "d.json", tc.body)
				c.Data.Path = &p
			}
			_, err := New(c, words, 1)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// A path that does not exist names data.path.
	_, err := New(dsCfg(config.DataInfinityInstruct, config.APIChat, filepath.Join(t.TempDir(), "nope.json"), nil, nil), words, 1)
	if err == nil || !strings.Contains(err.Error(), "data.path") || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing file: error %v, want one naming data.path and the file", err)
	}
}

// Get is safe from many goroutines and always agrees with a serial read;
// edited messages do not leak into other prompts.
func TestDatasetsConcurrentGet(t *testing.T) {
	t.Parallel()
	g := mustNew(t, dsCfg(config.DataInfinityInstruct, config.APIChat, infinityFile, nil, nil), 1)
	want := make([]string, 64)
	for i := range want {
		want[i] = render(g.Get(uint64(i)))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range want {
				p := g.Get(uint64(i))
				if got := render(p); got != want[i] {
					errs <- fmt.Sprintf("Get(%d) = %q, want %q", i, got, want[i])
					return
				}
				p.Messages[0].Content = "edited"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// FuzzDatasets: the parsers never panic on any file, and a cnn_dailymail
// record they accept holds two strings.
func FuzzDatasets(f *testing.F) {
	for _, p := range []string{cnnFile, filepath.Join(cnnDir, "a.json"), filepath.Join(cnnDir, "b.json"), billsumFile, infinityFile} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`[]`, `{"article":null}`, `[{"article":"a","highlights":1}]`, `[5]`, "\xef\xbb\xbf{}", `[{"conversations":[{"from":"gpt","value":""}]}]`, `[{"ARTICLE":"a","Highlights":"b"}] ]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, chat := range []bool{false, true} {
			flt := sgFilter{chat: chat, tok: words, in: &[2]int{1, 10}}
			emit := func(it sgItem, ok bool) {
				if ok && it.text == "" && len(it.msgs) == 0 {
					t.Fatalf("usable item with no prompt: %+v", it)
				}
			}
			for _, scan := range []scanFunc{cnnScan(flt), turnsScan(billsumItem)(flt), turnsScan(infinityItem)(flt)} {
				_ = scan(bytes.NewReader(data), "f.json", emit)
			}
		}
		_ = scanJSONRecords(bytes.NewReader(data), "f.json", "x", func(rec int, raw json.RawMessage) error {
			if !json.Valid(raw) {
				t.Fatalf("record %d is not valid JSON: %q", rec, raw)
			}
			if a, h, ok, err := cnnRecord(raw); err == nil && !ok && (a != "" || h != "") {
				t.Fatalf("skipped record returned text %q %q", a, h)
			}
			return nil
		})
	})
}

// BenchmarkDatasetGet: Get on the dispatch path is a slice index plus, for
// chat, a copy of the message slice.
func BenchmarkDatasetGet(b *testing.B) {
	for _, api := range []string{config.APICompletion, config.APIChat} {
		b.Run(api, func(b *testing.B) {
			g := mustNew(b, dsCfg(config.DataInfinityInstruct, api, infinityFile, nil, nil), 1)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = g.Get(uint64(i))
			}
		})
	}
}

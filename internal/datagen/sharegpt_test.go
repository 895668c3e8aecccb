package datagen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

const (
	sgFile = "testdata/sharegpt/sharegpt.json"
	sgDir  = "testdata/sharegpt/dir"
)

// sgCfg is a shareGPT config reading path, with optional [min, max] filters.
func sgCfg(api, path string, in, out *[2]int) *config.Config {
	c := &config.Config{}
	c.Data.Type = config.DataShareGPT
	c.API.Type = api
	c.Data.Path = &path
	if in != nil {
		c.Data.InputDistribution = &config.Distribution{Min: in[0], Max: in[1], Mean: float64(in[0]), Type: "normal"}
	}
	if out != nil {
		c.Data.OutputDistribution = &config.Distribution{Min: out[0], Max: out[1], Mean: float64(out[0]), Type: "normal"}
	}
	return c
}

func TestShareGPTCompletion(t *testing.T) {
	t.Parallel()
	type want struct {
		text      string
		maxTokens int
	}
	r0 := want{"Tell me a joke", 7}
	r1 := want{"What is two plus two", 1}
	r5 := want{"Be terse", 3}
	r6 := want{"one two three four five six seven eight nine ten eleven twelve", 8}
	r7 := want{"Encoded question here", 2}
	a0 := want{"Alpha question", 2}
	a1 := want{"Beta question", 3}
	b0 := want{"Gamma question", 4}
	b1 := want{"Delta question", 1}
	cases := []struct {
		name    string
		path    string
		in, out *[2]int
		want    []want // Get(0), Get(1), ...
	}{
		// Turn 0 is the prompt and max_tokens is turn 1's length. Record 0
		// is skipped once (the reference's first next()), records with < 2
		// turns, null conversations and an empty prompt (r4) are dropped;
		// a turn stored as a JSON string (r7) is decoded. Then it cycles,
		// record 0 included.
		{"no filters", sgFile, nil, nil, []want{r1, r5, r6, r7, r0, r1, r5}},
		// Both bounds are inclusive: r0 (4 in, 7 out) and r1 (5, 1) sit on
		// them; r5 (2 in), r6 (12 in) fall outside.
		{"input and output filters", sgFile, &[2]int{3, 6}, &[2]int{1, 7}, []want{r1, r7, r0, r1}},
		// Record 0 filtered out: nothing to skip, so the first prompt is
		// the first kept one.
		{"first record filtered", sgFile, &[2]int{5, 20}, nil, []want{r1, r6, r1, r6}},
		// An output filter alone.
		{"output filter", sgFile, nil, &[2]int{4, 100}, []want{r6, r0, r6}},
		// A directory: its .json files in name order (a.json an array,
		// b.json JSON Lines), notes.txt ignored; the skip applies to the
		// first record of the first file only.
		{"directory", sgDir, nil, nil, []want{a1, b0, b1, a0, a1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g := mustNew(t, sgCfg(config.APICompletion, c.path, c.in, c.out), 1)
			if g.Name() != "shareGPT" {
				t.Errorf("Name() = %q", g.Name())
			}
			for i, w := range c.want {
				p := g.Get(uint64(i))
				if p.Text != w.text || p.MaxTokens != w.maxTokens || p.Tokens != words.Count(w.text) || p.Messages != nil {
					t.Errorf("Get(%d) = %+v, want text %q max_tokens %d", i, p, w.text, w.maxTokens)
				}
			}
		})
	}
}

func TestShareGPTChat(t *testing.T) {
	t.Parallel()
	u := func(s string) prompt.Message { return prompt.Message{Role: "user", Content: s} }
	a := func(s string) prompt.Message { return prompt.Message{Role: "assistant", Content: s} }
	r0 := []prompt.Message{u("Tell me a joke"), a("Why did the chicken cross the road")}
	r1 := []prompt.Message{u("What is two plus two"), a("Four"), u("And three plus three"), a("Six")}
	// Kept in chat: an empty first turn is sent as is.
	r4 := []prompt.Message{u(""), a("Nothing to say")}
	// A "system" speaker is sent as user, as the reference maps it.
	r5 := []prompt.Message{u("Be terse"), u("Name a colour"), a("Blue")}
	r6 := []prompt.Message{u("one two three four five six seven eight nine ten eleven twelve"), a("a b c d e f g h")}
	r7 := []prompt.Message{u("Encoded question here"), a("Encoded answer")}
	for _, api := range []string{config.APIChat, config.APIAnthropicMessages} {
		// The length filters apply to completion only: chat sends every
		// conversation of 2+ turns, whole, with no max_tokens.
		g := mustNew(t, sgCfg(api, sgFile, &[2]int{100, 200}, &[2]int{100, 200}), 1)
		for i, want := range [][]prompt.Message{r1, r4, r5, r6, r7, r0, r1} {
			p := g.Get(uint64(i))
			n := 0
			for _, m := range want {
				n += words.Count(m.Content)
			}
			if fmt.Sprint(p.Messages) != fmt.Sprint(want) || p.MaxTokens != 0 || p.Text != "" || p.Tokens != n {
				t.Errorf("%s Get(%d) = %+v, want messages %v, %d tokens", api, i, p, want, n)
			}
		}
		// A caller editing its messages does not change later prompts.
		g.Get(0).Messages[0].Content = "changed"
		if got := g.Get(0).Messages[0].Content; got != r1[0].Content {
			t.Errorf("Get(0) after a caller's edit = %q", got)
		}
	}
}

// Get is called from every dispatch goroutine at once.
func TestShareGPTConcurrentGet(t *testing.T) {
	t.Parallel()
	g := mustNew(t, sgCfg(config.APIChat, sgDir, nil, nil), 1)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				if p := g.Get(uint64(w*1000 + i)); len(p.Messages) != 2 {
					t.Errorf("Get: %+v", p)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestShareGPTConfigErrors(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	cases := []struct {
		name string
		cfg  *config.Config
		want []string
	}{
		// No Hub download: say so, and what to give instead.
		{"no path", func() *config.Config { c := sgCfg(config.APIChat, "", nil, nil); c.Data.Path = nil; return c }(),
			[]string{"data.path: required", "Hugging Face Hub", "does not download"}},
		{"missing file", sgCfg(config.APIChat, "testdata/sharegpt/nope.json", nil, nil), []string{"data.path", "nope.json", "no such file"}},
		{"directory without .json", sgCfg(config.APIChat, empty, nil, nil), []string{"data.path", "holds no .json files"}},
		// Filters that keep nothing are an error, not a run of no prompts.
		{"everything filtered", sgCfg(config.APICompletion, sgFile, &[2]int{1000, 2000}, nil),
			[]string{"data.path", "sharegpt.json", "no conversation", "input_distribution"}},
		{"unsupported api", sgCfg("embeddings", sgFile, nil, nil), []string{"api.type", "shareGPT"}},
		// Problems are reported together.
		{"shared_prefix and no path", func() *config.Config {
			c := sgCfg(config.APIChat, "", nil, nil)
			c.Data.Path = nil
			c.Data.SharedPrefix = &config.SharedPrefix{}
			return c
		}(), []string{"data.shared_prefix", "data.path"}},
	}
	for _, c := range cases {
		_, err := New(c.cfg, words, 1)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}

func TestShareGPTBadFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
	}{
		// The brief's example: file, record, field and what was expected.
		{"value not a string", `[{"conversations":[{"from":"human","value":"a"}]},{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":17}]}]`,
			"bad.json: record 1: conversations[1].value: expected a string, got a number"},
		{"value missing", `[{"conversations":[{"from":"human"},{"from":"gpt","value":"b"}]}]`, "bad.json: record 0: conversations[0].value: missing"},
		{"value null", `[{"conversations":[{"from":"human","value":null},{"from":"gpt","value":"b"}]}]`, "record 0: conversations[0].value: missing"},
		{"from not a string", `[{"conversations":[{"from":"human","value":"a"},{"from":["gpt"],"value":"b"}]}]`, "record 0: conversations[1].from: expected a string, got an array"},
		{"turn not an object", `[{"conversations":[1,2]}]`, "record 0: conversations[0]: expected an object, got a number"},
		{"turn a string that is not JSON", `[{"conversations":["hello","x"]}]`, "record 0: conversations[0]: expected an object, got a string"},
		{"conversations not an array", `[{"conversations":"hi"}]`, "record 0: conversations: expected an array, got a string"},
		{"record not an object", `[{"conversations":[]}, 5]`, "bad.json: record 1: expected an object, got number"},
		{"syntax error", `[{"conversations":[}]`, "bad.json: record 0: invalid JSON"},
		{"truncated", `[{"conversations":[]}`, "bad.json: after 1 records: invalid JSON"},
		{"trailing data", `[] {"conversations":[]}`, "bad.json: after 0 records: unexpected {"},
		{"not an array", `"sharegpt"`, "bad.json: expected a JSON array of ShareGPT records (or JSON Lines), got a string"},
		{"empty", " \n", "bad.json: empty file"},
		{"JSON Lines bad record", "{\"conversations\":[]}\n{\"conversations\":7}\n", "bad.json: record 1: conversations: expected an array, got a number"},
	}
	for _, c := range cases {
		p := writeFile(t, "bad.json", c.body)
		_, err := New(sgCfg(config.APIChat, p, nil, nil), words, 1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// A byte-order mark and JSON Lines are accepted.
func TestShareGPTLayouts(t *testing.T) {
	t.Parallel()
	rec := `{"conversations":[{"from":"human","value":"q %d"},{"from":"gpt","value":"a"}]}`
	for name, body := range map[string]string{
		"bom array":  "\xef\xbb\xbf[" + fmt.Sprintf(rec, 0) + "," + fmt.Sprintf(rec, 1) + "]",
		"json lines": fmt.Sprintf(rec, 0) + "\n" + fmt.Sprintf(rec, 1) + "\n",
	} {
		g := mustNew(t, sgCfg(config.APICompletion, writeFile(t, "f.json", body), nil, nil), 1)
		if got := g.Get(0).Text; got != "q 1" {
			t.Errorf("%s: Get(0).Text = %q, want %q", name, got, "q 1")
		}
	}
}

// FuzzShareGPT: the streaming parser never panics, and whatever it accepts
// passes the record checks.
func FuzzShareGPT(f *testing.F) {
	for _, p := range []string{sgFile, filepath.Join(sgDir, "a.json"), filepath.Join(sgDir, "b.json")} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`{"conversations":[{"from":null,"value":"a"},{"value":"b","VALUE":"c"}]}`, `[]`, `[{"conversations":["{\"value\":1}",{}]}]`, `{"conversations":null}{}`, "\xef\xbb\xbf[", `[{"conversations":[{"value":"\ud800"}]}] ]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The one-pass decode and the field-by-field one agree on every
		// record the first accepts.
		if fast, ok := fastTurns(data); ok {
			slow, err := slowTurns(data)
			if err != nil || fmt.Sprint(fast) != fmt.Sprint(slow) {
				t.Fatalf("fast path %v, field by field %v (%v)", fast, slow, err)
			}
		}
		for _, chat := range []bool{false, true} {
			flt := sgFilter{chat: chat, tok: words, in: &[2]int{1, 10}}
			_ = scanShareGPT(bytes.NewReader(data), "f.json", func(rec int, turns []sgTurn) error {
				if rec < 0 {
					t.Fatalf("record index %d", rec)
				}
				flt.item(turns)
				return nil
			})
		}
	})
}

// writeShareGPT writes a synthetic ShareGPT file of about size bytes.
func writeShareGPT(tb testing.TB, size int) (string, int) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "big.json")
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString("[\n")
	n := 0
	line := strings.Repeat("lorem ipsum dolor sit amet ", 40)
	for b.Len() < size {
		if n > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"id":"%d","conversations":[{"from":"human","value":"q%d %s"},{"from":"gpt","value":"%s"},{"from":"human","value":"%s"},{"from":"gpt","value":"%s"}]}`,
			n, n, line[:n%len(line)], line, line[:200], line)
		n++
	}
	b.WriteString("\n]\n")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p, n
}

// BenchmarkShareGPTLoad builds a completion generator from a synthetic 50 MB
// file. retained-MB is the heap still held by the generator after a GC (the
// kept prompts); B/op is everything allocated while streaming.
func BenchmarkShareGPTLoad(b *testing.B) {
	for _, api := range []string{config.APICompletion, config.APIChat} {
		b.Run(api, func(b *testing.B) {
			p, n := writeShareGPT(b, 50<<20)
			cfg := sgCfg(api, p, &[2]int{1, 1 << 20}, nil)
			var ms0, ms1 runtime.MemStats
			b.ReportAllocs()
			b.SetBytes(50 << 20)
			b.ResetTimer()
			var g Generator
			for range b.N {
				runtime.GC()
				runtime.ReadMemStats(&ms0)
				var err error
				if g, err = New(cfg, words, 1); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms1)
				b.StartTimer()
			}
			b.ReportMetric(float64(ms1.HeapAlloc-min(ms0.HeapAlloc, ms1.HeapAlloc))/(1<<20), "retained-MB")
			if got := g.(*datasetGen).Len(); got != n {
				b.Fatalf("kept %d of %d conversations", got, n)
			}
		})
	}
}

func BenchmarkShareGPTGet(b *testing.B) {
	for _, api := range []string{config.APICompletion, config.APIChat} {
		b.Run(api, func(b *testing.B) {
			g := mustNew(b, sgCfg(api, sgFile, nil, nil), 1)
			b.ReportAllocs()
			for i := range b.N {
				_ = g.Get(uint64(i))
			}
		})
	}
}

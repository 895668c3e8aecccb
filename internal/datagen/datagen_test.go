package datagen

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

var words = tokenizer.Words{}

func fixed(n int) *config.Distribution {
	return &config.Distribution{Min: n, Max: n, Mean: float64(n), Type: "fixed"}
}

// cfgFor returns a config for dataType with fixed in/out lengths.
func cfgFor(dataType, apiType string, in, out int) *config.Config {
	c := &config.Config{}
	c.Data.Type = dataType
	c.API.Type = apiType
	if dataType != config.DataMock && dataType != "" {
		c.Data.InputDistribution = fixed(in)
		c.Data.OutputDistribution = fixed(out)
	}
	return c
}

func mustNew(t testing.TB, cfg *config.Config, seed int64) Generator {
	t.Helper()
	g, err := New(cfg, words, seed)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMock(t *testing.T) {
	t.Parallel()
	cases := []struct {
		api  string
		i    uint64
		want prompt.Prompt
	}{
		// Completion prompts are "1 2 3 <n>", numbered from 1 like the reference.
		{config.APICompletion, 0, prompt.Prompt{Text: "1 2 3 1", Tokens: 4}},
		{config.APICompletion, 41, prompt.Prompt{Text: "1 2 3 42", Tokens: 4}},
		// An unset api.type is completion.
		{"", 0, prompt.Prompt{Text: "1 2 3 1", Tokens: 4}},
		// Chat is one user message "mock prompt <n>" (the sample run's requests).
		{config.APIChat, 0, prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "mock prompt 1"}}, Tokens: 3}},
		{config.APIChat, 9, prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "mock prompt 10"}}, Tokens: 3}},
		// Anthropic messages carry the same message.
		{config.APIAnthropicMessages, 2, prompt.Prompt{Messages: []prompt.Message{{Role: "user", Content: "mock prompt 3"}}, Tokens: 3}},
	}
	for _, c := range cases {
		g := mustNew(t, cfgFor(config.DataMock, c.api, 0, 0), 1)
		got := g.Get(c.i)
		if got.Text != c.want.Text || got.Tokens != c.want.Tokens || got.MaxTokens != 0 ||
			len(got.Messages) != len(c.want.Messages) || (len(got.Messages) == 1 && got.Messages[0] != c.want.Messages[0]) {
			t.Errorf("api %q Get(%d) = %+v, want %+v", c.api, c.i, got, c.want)
		}
		if g.Name() != "mock" {
			t.Errorf("Name() = %q", g.Name())
		}
	}
	// An unset data.type is mock.
	if g := mustNew(t, cfgFor("", "", 0, 0), 1); g.Name() != "mock" {
		t.Errorf("default data type = %q, want mock", g.Name())
	}
}

// fakeTok stands for a tokenizer that cannot build exact-length prompts yet.
type fakeTok struct{}

func (fakeTok) Count(s string) int { return len(s) }
func (fakeTok) Name() string       { return "hf:some/model" }
func (fakeTok) Exact() bool        { return true }

func TestNewErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.txt")
	empty := writeFile(t, "empty.txt", "")
	blank := writeFile(t, "blank.txt", " \n\t\n")
	badUTF8 := writeFile(t, "latin1.txt", "caf\xe9 au lait")
	dir := t.TempDir()
	cases := []struct {
		name string
		cfg  func() *config.Config
		tok  tokenizer.Tokenizer
		want []string
	}{
		// §3: random is completion-only; the error names the field and what works.
		{"random chat", func() *config.Config { return cfgFor("random", "chat", 10, 10) }, words,
			[]string{"api.type", `unsupported API type "chat"`, "data.type random", "supported: completion"}},
		// synthetic is completion-only without multimodal.
		{"synthetic chat", func() *config.Config { return cfgFor("synthetic", "chat", 10, 10) }, words,
			[]string{"api.type", `"chat"`, "synthetic"}},
		{"synthetic anthropic", func() *config.Config { return cfgFor("synthetic", "anthropic_messages", 10, 10) }, words,
			[]string{"api.type"}},
		// Mock rejects distributions, as the reference's DataGenerator does.
		{"mock with distribution", func() *config.Config {
			c := cfgFor("mock", "completion", 0, 0)
			c.Data.InputDistribution = fixed(5)
			return c
		}, words, []string{"data.input_distribution", "IO distribution not supported"}},
		{"mock embeddings", func() *config.Config { return cfgFor("mock", "embeddings", 0, 0) }, words,
			[]string{"api.type", "embeddings"}},
		// Random and synthetic need both distributions (main.py).
		{"random without distributions", func() *config.Config {
			c := cfgFor("random", "completion", 1, 1)
			c.Data.InputDistribution, c.Data.OutputDistribution = nil, nil
			return c
		}, words, []string{"data.input_distribution", "data.output_distribution", "requires"}},
		// A bad distribution names its own field path.
		{"normal mean outside bounds", func() *config.Config {
			c := cfgFor("synthetic", "completion", 1, 1)
			c.Data.InputDistribution = &config.Distribution{Min: 10, Max: 20, Mean: 50, StdDev: 1, Type: "normal"}
			return c
		}, words, []string{"data.input_distribution.mean", "outside"}},
		{"output type unsupported", func() *config.Config {
			c := cfgFor("random", "completion", 1, 1)
			c.Data.OutputDistribution = &config.Distribution{Min: 10, Max: 20, Mean: 15, Type: "poisson"}
			return c
		}, words, []string{"data.output_distribution.type", "poisson"}},
		// Types we do not have yet are an error, not a silent mock.
		{"visionarena not implemented", func() *config.Config { return cfgFor("visionarena", "chat", 0, 0) }, words,
			[]string{"data.type", `"visionarena" is not implemented`, "mock, random, synthetic, shareGPT", "cnn_dailymail"}},
		{"shared_prefix section", func() *config.Config {
			c := cfgFor("random", "completion", 5, 5)
			c.Data.SharedPrefix = &config.SharedPrefix{}
			return c
		}, words, []string{"data.shared_prefix", "not supported"}},
		// Exact-length prompts need a tokenizer that can build them.
		{"random no tokenizer", func() *config.Config { return cfgFor("random", "completion", 5, 5) }, nil,
			[]string{"tokenizer", "none configured"}},
		{"synthetic other tokenizer", func() *config.Config { return cfgFor("synthetic", "completion", 5, 5) }, fakeTok{},
			[]string{"tokenizer", "hf:some/model", "cannot build exact-length prompts"}},
		// use_chat_template needs a chat template, which the word counter lacks.
		{"use_chat_template", func() *config.Config {
			c := cfgFor("random", "completion", 5, 5)
			c.Data.UseChatTemplate = true
			return c
		}, words, []string{"data.use_chat_template", "no chat template"}},
		// A missing trace file is named with its field, not ignored.
		{"random trace missing", func() *config.Config {
			c := cfgFor("random", "completion", 5, 5)
			c.Data.Trace = &config.TraceConfig{File: "no-such-trace.csv", Format: "AzurePublicDataset"}
			return c
		}, words, []string{"data.trace.file", "no-such-trace.csv"}},
		{"synthetic multimodal", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.Multimodal = map[string]any{"image": map[string]any{}}
			return c
		}, words, []string{"data.multimodal"}},
		// Corpus problems name the field and the file.
		{"corpus missing", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.CorpusFilePath = &missing
			return c
		}, words, []string{"data.corpus_file_path", "not found", missing}},
		{"corpus empty", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.CorpusFilePath = &empty
			return c
		}, words, []string{"data.corpus_file_path", empty, "empty"}},
		{"corpus only whitespace", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.CorpusFilePath = &blank
			return c
		}, words, []string{blank, "empty"}},
		{"corpus is a directory", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.CorpusFilePath = &dir
			return c
		}, words, []string{"data.corpus_file_path", dir}},
		{"corpus not utf-8", func() *config.Config {
			c := cfgFor("synthetic", "completion", 5, 5)
			c.Data.CorpusFilePath = &badUTF8
			return c
		}, words, []string{badUTF8, "not valid UTF-8", "offset 3"}},
		// Several problems are reported together.
		{"all at once", func() *config.Config {
			c := cfgFor("random", "chat", 1, 1)
			c.Data.OutputDistribution = nil
			c.Data.UseChatTemplate = true
			return c
		}, words, []string{"api.type", "data.output_distribution", "data.use_chat_template"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, err := New(c.cfg(), c.tok, 1)
			if err == nil {
				t.Fatalf("New succeeded (%s), want error", g.Name())
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := New(nil, words, 1); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// TestExactLengths is the core property: for any index and length, the prompt
// has exactly the sampled number of tokens under the tokenizer, and Tokens
// says so.
func TestExactLengths(t *testing.T) {
	t.Parallel()
	small := writeFile(t, "small.txt", "alpha beta\n  gamma\n")
	lengths := []int{0, 1, 2, 5, 10, 11, 12, 13, 50, 127, 128, 511, 512, 2048, 6000, 12000}
	for _, dataType := range []string{config.DataRandom, config.DataSynthetic, "synthetic-small"} {
		for _, n := range lengths {
			dt := dataType
			cfg := cfgFor(dt, config.APICompletion, n, 7)
			if dt == "synthetic-small" {
				cfg.Data.Type = config.DataSynthetic
				cfg.Data.CorpusFilePath = &small // every prompt over 13 words wraps
			}
			g := mustNew(t, cfg, int64(n))
			for i := uint64(0); i < 40; i++ {
				p := g.Get(i * 7919)
				if got := words.Count(p.Text); got != n || p.Tokens != n {
					t.Fatalf("%s n=%d i=%d: Count = %d, Tokens = %d", dt, n, i, got, p.Tokens)
				}
				if p.MaxTokens != 7 {
					t.Fatalf("%s: MaxTokens = %d, want 7", dt, p.MaxTokens)
				}
				if len(p.Messages) != 0 {
					t.Fatalf("%s: completion prompt has messages", dt)
				}
			}
		}
	}
	// Lengths drawn from a distribution, many indices.
	for _, dt := range []string{config.DataRandom, config.DataSynthetic} {
		cfg := cfgFor(dt, config.APICompletion, 0, 0)
		cfg.Data.InputDistribution = &config.Distribution{Min: 1, Max: 3000, Mean: 300, StdDev: 400, Type: "lognormal"}
		cfg.Data.OutputDistribution = &config.Distribution{Min: 1, Max: 100, Type: "uniform"}
		g := mustNew(t, cfg, 3)
		for i := range uint64(2000) {
			p := g.Get(i)
			if got := words.Count(p.Text); got != p.Tokens || p.Tokens < 1 || p.Tokens > 3000 {
				t.Fatalf("%s i=%d: Count = %d, Tokens = %d", dt, i, got, p.Tokens)
			}
			if p.MaxTokens < 1 || p.MaxTokens > 100 {
				t.Fatalf("%s i=%d: MaxTokens = %d outside [1,100]", dt, i, p.MaxTokens)
			}
		}
	}
}

func TestLengthsFollowDistribution(t *testing.T) {
	t.Parallel()
	// Per-index lengths must follow the configured distribution, like the
	// reference's precomputed arrays do.
	cfg := cfgFor(config.DataRandom, config.APICompletion, 0, 0)
	cfg.Data.InputDistribution = &config.Distribution{Min: 1, Max: 1000, Mean: 200, StdDev: 20, Type: "normal"}
	cfg.Data.OutputDistribution = &config.Distribution{Min: 1, Max: 1000, Mean: 50, StdDev: 5, Type: "normal"}
	g := mustNew(t, cfg, 11)
	in := make([]int, 5000)
	out := make([]int, 5000)
	for i := range in {
		p := g.Get(uint64(i))
		in[i], out[i] = p.Tokens, p.MaxTokens
	}
	if m, s := meanStd(in); m < 199 || m > 201 || s < 19 || s > 21 {
		t.Errorf("input lengths mean %.2f std %.2f, want 200/20", m, s)
	}
	if m, s := meanStd(out); m < 49.5 || m > 50.5 || s < 4.7 || s > 5.3 {
		t.Errorf("output lengths mean %.2f std %.2f, want 50/5", m, s)
	}
}

func TestMaxTokensAtLeastOne(t *testing.T) {
	t.Parallel()
	// Prompt.MaxTokens 0 means "client default", so a sampled 0 becomes 1.
	g := mustNew(t, cfgFor(config.DataRandom, config.APICompletion, 3, 0), 1)
	if p := g.Get(0); p.MaxTokens != 1 {
		t.Errorf("MaxTokens = %d, want 1", p.MaxTokens)
	}
}

func TestSyntheticPrefix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int
		want string // exact text, or prefix of it when long
		full bool
	}{
		// Short prompts are the first words of the prefix, which counts toward N.
		{1, "Pick", true},
		{5, "Pick as many lines as", true},
		{11, "Pick as many lines as you can from these poem lines:", true},
		// Longer prompts are the full prefix line, then the corpus.
		{12, SyntheticPrefix, false},
		{300, SyntheticPrefix, false},
	}
	g := mustNew(t, cfgFor(config.DataSynthetic, config.APICompletion, 0, 1), 5)
	for _, c := range cases {
		g := mustNew(t, cfgFor(config.DataSynthetic, config.APICompletion, c.n, 1), 5)
		for i := range uint64(20) {
			p := g.Get(i)
			if c.full && p.Text != c.want {
				t.Fatalf("n=%d: text %q, want %q", c.n, p.Text, c.want)
			}
			if !strings.HasPrefix(p.Text, c.want) {
				t.Fatalf("n=%d: text %q does not start with %q", c.n, p.Text, c.want)
			}
		}
	}
	// n = 0 is an empty prompt, as in the reference.
	if p := g.Get(0); p.Text != "" || p.Tokens != 0 {
		t.Errorf("n=0: %+v", p)
	}
}

func TestSyntheticCorpus(t *testing.T) {
	t.Parallel()
	// Offsets vary by index: prompts of one length differ.
	g := mustNew(t, cfgFor(config.DataSynthetic, config.APICompletion, 60, 1), 2)
	seen := map[string]bool{}
	for i := range uint64(200) {
		p := g.Get(i)
		seen[p.Text] = true
		// The corpus keeps its line breaks: the model sees poem lines.
		if !strings.Contains(strings.TrimPrefix(p.Text, SyntheticPrefix), "\n") {
			t.Fatalf("prompt %d has no line breaks: %q", i, p.Text)
		}
	}
	if len(seen) < 195 {
		t.Errorf("only %d distinct prompts of 200", len(seen))
	}
	// A custom corpus is used verbatim, wrapping with a newline.
	path := writeFile(t, "c.txt", "\ufeffone two\nthree  ")
	cfg := cfgFor(config.DataSynthetic, config.APICompletion, 11+7, 1)
	cfg.Data.CorpusFilePath = &path
	g = mustNew(t, cfg, 2)
	wants := map[string]bool{
		SyntheticPrefix + "one two\nthree\none two\nthree\none":   true,
		SyntheticPrefix + "two\nthree\none two\nthree\none two":   true,
		SyntheticPrefix + "three\none two\nthree\none two\nthree": true,
	}
	got := map[string]bool{}
	for i := range uint64(50) {
		text := g.Get(i).Text
		if !wants[text] {
			t.Fatalf("unexpected text %q", text)
		}
		got[text] = true
	}
	if len(got) != 3 {
		t.Errorf("saw %d of the 3 possible offsets in 50 prompts", len(got))
	}
}

func TestRandomText(t *testing.T) {
	t.Parallel()
	g := mustNew(t, cfgFor(config.DataRandom, config.APICompletion, 512, 1), 2)
	v, err := defaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, w := range v.words {
		known[w] = true
	}
	used := map[string]bool{}
	for i := range uint64(50) {
		for _, w := range strings.Split(g.Get(i).Text, " ") {
			if !known[w] {
				t.Fatalf("word %q is not in the vocabulary", w)
			}
			used[w] = true
		}
	}
	// 25,600 draws from ~2,400 words should touch nearly all of them.
	if len(used) < len(v.words)*9/10 {
		t.Errorf("used %d of %d vocabulary words", len(used), len(v.words))
	}
}

func TestVocabulary(t *testing.T) {
	t.Parallel()
	v, err := defaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	if len(v.words) < 2000 {
		t.Errorf("vocabulary has %d words, want at least 2000", len(v.words))
	}
	for _, w := range v.words {
		if words.Count(w) != 1 {
			t.Fatalf("vocabulary entry %q is not one word", w)
		}
	}
	// Entries must be single words that fit a cell with their space.
	for _, bad := range [][]string{nil, {"ok", "two words"}, {"abcdefghijklmnop"}, {" pad"}, {""}} {
		if _, err := newWordVocab(bad); err == nil {
			t.Errorf("newWordVocab(%q) succeeded", bad)
		}
	}
	if _, err := newWordVocab([]string{"abcdefghijklmno"}); err != nil { // 15 bytes fits
		t.Errorf("15-byte word rejected: %v", err)
	}
	c, err := defaultCorpus()
	if err != nil {
		t.Fatal(err)
	}
	if c.Size() < 3000 {
		t.Errorf("default corpus has %d words, want at least 3000", c.Size())
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	for _, dt := range []string{config.DataMock, config.DataRandom, config.DataSynthetic} {
		cfg := cfgFor(dt, config.APICompletion, 0, 0)
		if dt != config.DataMock {
			cfg.Data.InputDistribution = &config.Distribution{Min: 1, Max: 600, Mean: 100, StdDev: 80, Type: "normal"}
			cfg.Data.OutputDistribution = &config.Distribution{Min: 1, Max: 600, Mean: 100, StdDev: 80, Type: "normal"}
		}
		a, b, other := mustNew(t, cfg, 42), mustNew(t, cfg, 42), mustNew(t, cfg, 43)
		const n = 300
		first := make([]prompt.Prompt, n)
		for i := range first {
			first[i] = a.Get(uint64(i))
		}
		differ := 0
		// Reverse order and a second instance: Get depends on (seed, i) only.
		for i := n - 1; i >= 0; i-- {
			if p := b.Get(uint64(i)); p.Text != first[i].Text || p.MaxTokens != first[i].MaxTokens || p.Tokens != first[i].Tokens {
				t.Fatalf("%s: same seed, prompt %d differs", dt, i)
			}
			if p := a.Get(uint64(i)); p.Text != first[i].Text {
				t.Fatalf("%s: repeated Get(%d) differs", dt, i)
			}
			if other.Get(uint64(i)).Text != first[i].Text {
				differ++
			}
		}
		if dt == config.DataMock {
			if differ != 0 {
				t.Errorf("mock prompts depend on the seed")
			}
		} else if differ < n*9/10 {
			t.Errorf("%s: a different seed changed only %d of %d prompts", dt, differ, n)
		}
	}
}

func TestConcurrentGet(t *testing.T) {
	t.Parallel()
	for _, dt := range []string{config.DataMock, config.DataRandom, config.DataSynthetic} {
		g := mustNew(t, cfgFor(dt, config.APICompletion, 200, 10), 7)
		const n = 400
		want := make([]string, n)
		for i := range want {
			want[i] = g.Get(uint64(i)).Text
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for w := range 8 {
			wg.Go(func() {
				for k := range n {
					i := (k*13 + w*101) % n // each worker its own order
					if got := g.Get(uint64(i)).Text; got != want[i] {
						errs <- dt
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for dt := range errs {
			t.Errorf("%s: concurrent Get returned a different prompt", dt)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	cases := []struct {
		name     string
		dataType string
		api      string
		n        int
	}{
		{"mock/completion", config.DataMock, config.APICompletion, 0},
		{"mock/chat", config.DataMock, config.APIChat, 0},
		{"random/512", config.DataRandom, config.APICompletion, 512},
		{"random/8192", config.DataRandom, config.APICompletion, 8192},
		{"synthetic/512", config.DataSynthetic, config.APICompletion, 512},
		{"synthetic/8192", config.DataSynthetic, config.APICompletion, 8192},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			g := mustNew(b, cfgFor(c.dataType, c.api, c.n, 128), 1)
			b.ReportAllocs()
			var i uint64
			for b.Loop() {
				_ = g.Get(i)
				i++
			}
		})
	}
}

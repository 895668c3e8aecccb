package datagen

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// spMinimal is what config.LoadBytes requires besides data.
const spMinimal = "server: {type: sim}\nload: {stages: [{rate: 1, duration: 1}]}\n"

// spConfig loads a shared_prefix config the way a run does, so the lengths
// arrive in the forms the config decoder produces (int or *Distribution).
func spConfig(t *testing.T, api, sharedPrefix string) *config.Config {
	t.Helper()
	yml := spMinimal + "api: {type: " + api + "}\ndata:\n  type: shared_prefix\n  shared_prefix: " + sharedPrefix + "\n"
	cfg, err := config.LoadBytes("config.yml", []byte(yml), nil)
	if err != nil {
		t.Fatalf("loading %q: %v", yml, err)
	}
	return cfg
}

func newSP(t *testing.T, cfg *config.Config, tok tokenizer.Tokenizer, seed int64) Generator {
	t.Helper()
	g, err := New(cfg, tok, seed)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// TestSharedPrefixExactLengths: every prompt is system_prompt_len +
// question_len tokens, the system prompt is byte-identical within a group and
// differs across groups, under the word counter and a real BPE tokenizer.
func TestSharedPrefixExactLengths(t *testing.T) {
	t.Parallel()
	toks := map[string]tokenizer.Tokenizer{"words": tokenizer.Words{}, "gpt2": hfTok(t, "gpt2")}
	for name, tok := range toks {
		for _, api := range []string{config.APICompletion, config.APIChat} {
			t.Run(name+"/"+api, func(t *testing.T) {
				t.Parallel()
				cfg := spConfig(t, api, "{num_groups: 3, num_prompts_per_group: 4, system_prompt_len: 37, question_len: 11, output_len: 9}")
				g := newSP(t, cfg, tok, 1)
				prefixOf := map[string]bool{}
				var firstOf []string
				for i := range uint64(12) {
					p := g.Get(i)
					if p.Tokens != 48 || p.MaxTokens != 9 {
						t.Fatalf("prompt %d: Tokens %d MaxTokens %d, want 48 and 9", i, p.Tokens, p.MaxTokens)
					}
					var sys string
					if api == config.APIChat {
						if len(p.Messages) != 2 || p.Messages[0].Role != "system" || p.Messages[1].Role != "user" {
							t.Fatalf("prompt %d: messages %+v, want [system, user]", i, p.Messages)
						}
						sys = p.Messages[0].Content
						if n := tok.Count(p.Messages[1].Content); n != 11 {
							t.Fatalf("prompt %d: question has %d tokens, want 11", i, n)
						}
					} else {
						if n := tok.Count(p.Text); n != 48 {
							t.Fatalf("prompt %d: %d tokens, want 48: %q", i, n, p.Text)
						}
						// The group's system prompt is the generator's, recovered below.
						sys = p.Text
					}
					firstOf = append(firstOf, sys)
				}
				// Group the prompts by their system prompt (chat) or by the
				// longest common prefix property (completion).
				sg := g.(*sharedPrefixGen)
				for k, pre := range sg.prefixes {
					if n := tok.Count(pre); n != 37 {
						t.Fatalf("group %d system prompt has %d tokens, want 37", k, n)
					}
					prefixOf[pre] = true
				}
				if len(prefixOf) != 3 {
					t.Fatalf("%d distinct system prompts, want 3 (one per group)", len(prefixOf))
				}
				perGroup := map[string]int{}
				for _, s := range firstOf {
					found := 0
					for pre := range prefixOf {
						if strings.HasPrefix(s, pre) {
							perGroup[pre]++
							found++
						}
					}
					if found != 1 {
						t.Fatalf("prompt %q starts with %d of the system prompts, want 1", s, found)
					}
				}
				for pre, n := range perGroup {
					if n != 4 {
						t.Fatalf("system prompt %.20q used %d times in a cycle, want 4", pre, n)
					}
				}
			})
		}
	}
}

// TestSharedPrefixCycleAndSeed: the N prompts repeat with period N, the same
// seed gives the same prompts, data.shared_prefix.seed overrides the run seed.
func TestSharedPrefixCycleAndSeed(t *testing.T) {
	t.Parallel()
	cfg := spConfig(t, config.APICompletion, "{num_groups: 2, num_prompts_per_group: 3, system_prompt_len: 5, question_len: 4, output_len: 3}")
	a, b, c := newSP(t, cfg, tokenizer.Words{}, 1), newSP(t, cfg, tokenizer.Words{}, 1), newSP(t, cfg, tokenizer.Words{}, 2)
	distinct := map[string]bool{}
	differs := false
	for i := range uint64(6) {
		pa := a.Get(i)
		if pb := b.Get(i); pa.Text != pb.Text {
			t.Fatalf("prompt %d differs for the same seed", i)
		}
		if pa.Text != a.Get(i+6).Text {
			t.Fatalf("prompt %d is not prompt %d: the cycle must have period 6", i, i+6)
		}
		differs = differs || c.Get(i).Text != pa.Text
		distinct[pa.Text] = true
	}
	if len(distinct) != 6 {
		t.Fatalf("%d distinct prompts in a cycle, want 6", len(distinct))
	}
	if !differs {
		t.Fatal("another run seed gave the same prompts")
	}
	seeded := spConfig(t, config.APICompletion, "{num_groups: 2, num_prompts_per_group: 3, system_prompt_len: 5, question_len: 4, output_len: 3, seed: 7}")
	x, y := newSP(t, seeded, tokenizer.Words{}, 1), newSP(t, seeded, tokenizer.Words{}, 99)
	for i := range uint64(6) {
		if x.Get(i).Text != y.Get(i).Text {
			t.Fatalf("prompt %d: shared_prefix.seed must make the prompts independent of the run seed", i)
		}
	}
}

// TestSharedPrefixDistributions: each length accepts an int or a
// distribution, the legacy question/output_distribution replace an int
// length, and unsupported forms fail naming the field.
func TestSharedPrefixDistributions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, sp string
		// check validates the lengths of one prompt (system+question, output).
		check func(sys, total, out int) bool
		err   string
	}{
		// A distribution per length is sampled within its bounds.
		{name: "all distributions", sp: "{num_groups: 4, num_prompts_per_group: 5, system_prompt_len: {type: uniform, min: 3, max: 9}, " +
			"question_len: {type: normal, min: 2, max: 6, mean: 4, std_dev: 2}, output_len: {type: lognormal, min: 1, max: 20, mean: 5, std_dev: 3}}",
			check: func(sys, total, out int) bool {
				q := total - sys
				return sys >= 3 && sys <= 9 && q >= 2 && q <= 6 && out >= 1 && out <= 20
			}},
		// The legacy distributions win over the int lengths, as in the reference.
		{name: "legacy", sp: "{num_groups: 2, num_prompts_per_group: 5, system_prompt_len: 4, question_len: 50, output_len: 50, " +
			"question_distribution: {type: uniform, min: 1, max: 3}, output_distribution: {type: fixed, mean: 7, min: 1, max: 10}}",
			check: func(sys, total, out int) bool { q := total - sys; return sys == 4 && q >= 1 && q <= 3 && out == 7 }},
		// Zero-length parts are allowed: the prompt is the other part.
		{name: "no question", sp: "{num_groups: 2, num_prompts_per_group: 2, system_prompt_len: 6, question_len: 0, output_len: 2}",
			check: func(sys, total, out int) bool { return sys == 6 && total == 6 && out == 2 }},
		// Expression strings are newer than v0.5.0 and not built.
		{name: "expression", sp: `{question_len: "Normal(5, 1)"}`, err: `data.shared_prefix.question_len: expression strings like "Normal(5, 1)" are not supported yet`},
		// sample_from_distribution's extra types: poisson and skew_normal.
		{name: "poisson and skew_normal", sp: "{num_groups: 2, num_prompts_per_group: 10, system_prompt_len: {type: skew_normal, min: 1, max: 40, mean: 10, std_dev: 3, skew: 4}, " +
			"question_len: 0, output_len: {type: poisson, mean: 5, min: 0, max: 30}}",
			check: func(sys, total, out int) bool { return sys >= 5 && sys <= 40 && total == sys && out >= 1 && out <= 30 }},
		// A lognormal needs a positive mean (it is not shifted by min here).
		{name: "lognormal mean", sp: "{output_len: {type: lognormal, mean: 0, min: 0, max: 10}}", err: "data.shared_prefix.output_len.mean: a lognormal distribution needs mean > 0, got 0"},
		// Sessions come later; a run must not silently send single turns.
		{name: "multi-turn", sp: "{enable_multi_turn_chat: true}", err: "not supported yet: data.shared_prefix.enable_multi_turn_chat=true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := spConfig(t, config.APICompletion, tc.sp)
			g, err := New(cfg, tokenizer.Words{}, 3)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			sg := g.(*sharedPrefixGen)
			for i := range uint64(len(sg.order)) {
				p := g.Get(i)
				sys := sg.prefLens[uint64(sg.order[i])/uint64(sg.users)]
				if got := (tokenizer.Words{}).Count(p.Text); got != p.Tokens {
					t.Fatalf("prompt %d counts %d tokens, Tokens says %d", i, got, p.Tokens)
				}
				if !tc.check(sys, p.Tokens, p.MaxTokens) {
					t.Fatalf("prompt %d: system %d, total %d, output %d out of bounds", i, sys, p.Tokens, p.MaxTokens)
				}
			}
		})
	}
}

// TestSharedPrefixConfigErrors: bad settings are all reported, each named.
func TestSharedPrefixConfigErrors(t *testing.T) {
	t.Parallel()
	cfg := spConfig(t, config.APICompletion, "{}")
	cfg.Data.SharedPrefix.NumGroups = 0
	cfg.Data.SharedPrefix.NumPromptsPerGroup = -1
	cfg.Data.SharedPrefix.SystemPromptLen = -4
	cfg.Data.SharedPrefix.OutputLen = nil
	_, err := New(cfg, tokenizer.Words{}, 1)
	for _, want := range []string{
		"data.shared_prefix.num_groups: must be >= 1, got 0",
		"data.shared_prefix.num_prompts_per_group: must be >= 1, got -1",
		"data.shared_prefix.system_prompt_len: must be >= 0, got -4",
		"data.shared_prefix.output_len: required",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}

// TestSharedPrefixConcurrent: Get is safe and deterministic from many
// goroutines (run under -race).
func TestSharedPrefixConcurrent(t *testing.T) {
	t.Parallel()
	cfg := spConfig(t, config.APIChat, "{num_groups: 3, num_prompts_per_group: 3, system_prompt_len: 20, question_len: 5, output_len: 4}")
	g := newSP(t, cfg, hfTok(t, "gpt2"), 5)
	want := make([]prompt.Prompt, 40)
	for i := range want {
		want[i] = g.Get(uint64(i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for i := range want {
				p := g.Get(uint64(i))
				if p.Messages[1].Content != want[i].Messages[1].Content || p.Messages[0].Content != want[i].Messages[0].Content {
					errs <- "concurrent Get returned a different prompt"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func BenchmarkSharedPrefixGet(b *testing.B) {
	for _, name := range []string{"words", "gpt2"} {
		b.Run(name, func(b *testing.B) {
			var tok tokenizer.Tokenizer = tokenizer.Words{}
			if name == "gpt2" {
				tok = hfTok(b, "gpt2")
			}
			cfg, err := config.LoadBytes("config.yml", []byte(spMinimal+"data:\n  type: shared_prefix\n  shared_prefix: {system_prompt_len: 500, question_len: 100}\n"), nil)
			if err != nil {
				b.Fatal(err)
			}
			g, err := New(cfg, tok, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = g.Get(uint64(i))
			}
		})
	}
}

// TestLenDist: the reference's sample_from_distribution parameterisations,
// which differ from generate_distribution's (see lenDist).
func TestLenDist(t *testing.T) {
	t.Parallel()
	variance := 4.0
	cases := []struct {
		name string
		d    config.Distribution
		// mean and tolerance of the sample mean; lo and hi bound every draw.
		mean, tol float64
		lo, hi    int
	}{
		// Uniform draws [min, max+1) then rounds and clips, as the reference:
		// P(1)=1/8, P(2)=P(3)=1/4, P(4)=3/8, mean 2.875 (not [min, max]'s 2.5).
		{"uniform", config.Distribution{Type: "uniform", Min: 1, Max: 4}, 2.875, 0.03, 1, 4},
		// Normal may centre outside [min, max]; draws are clipped.
		{"normal outside bounds", config.Distribution{Type: "normal", Min: 0, Max: 10, Mean: 50, StdDev: 1}, 10, 0, 10, 10},
		// Lognormal matches mean/std_dev itself, not (value - min).
		{"lognormal", config.Distribution{Type: "lognormal", Min: 0, Max: 1000, Mean: 100, StdDev: 20}, 100, 1, 0, 1000},
		// Skew normal: location + std·(δ|N1| + √(1-δ²)N2); with skew 0 it is a normal.
		{"skew_normal no skew", config.Distribution{Type: "skew_normal", Min: 0, Max: 1000, Mean: 100, StdDev: 10}, 100, 0.5, 0, 1000},
		// A large skew shifts the mean by std·δ·√(2/π).
		{"skew_normal skewed", config.Distribution{Type: "skew_normal", Min: 0, Max: 1000, Mean: 100, StdDev: 10, Skew: 50}, 100 + 10*math.Sqrt(2/math.Pi), 0.5, 95, 1000},
		// Poisson in both regimes (multiplication and PTRS).
		{"poisson small", config.Distribution{Type: "poisson", Min: 0, Max: 100, Mean: 3}, 3, 0.1, 0, 100},
		{"poisson large", config.Distribution{Type: "poisson", Min: 0, Max: 100000, Mean: 5000}, 5000, 3, 4500, 5500},
		// Nonpositive poisson mean falls back to lambda 1.
		{"poisson zero", config.Distribution{Type: "poisson", Min: 0, Max: 100, Mean: 0}, 1, 0.05, 0, 100},
		// Variance stands for std_dev.
		{"variance", config.Distribution{Type: "normal", Min: 0, Max: 100, Mean: 50, Variance: &variance}, 50, 0.1, 35, 65},
		// Fixed is trunc(mean), not clamped.
		{"fixed", config.Distribution{Type: "fixed", Min: 0, Max: 1, Mean: 7.9}, 7, 0, 7, 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := newLenDist("f", tc.d)
			if err != nil {
				t.Fatal(err)
			}
			src := perIndex(1, 2)
			rng := rand.New(&src)
			const n = 20000
			sum := 0.0
			for range n {
				x := l.Sample(rng)
				if x < tc.lo || x > tc.hi {
					t.Fatalf("draw %d outside [%d, %d]", x, tc.lo, tc.hi)
				}
				sum += float64(x)
			}
			if m := sum / n; math.Abs(m-tc.mean) > tc.tol {
				t.Fatalf("sample mean %v, want %v ± %v", m, tc.mean, tc.tol)
			}
		})
	}
	// Unknown types and bad parameters are named.
	_, err := newLenDist("f", config.Distribution{Type: "zipf", Min: 2, Max: 1, StdDev: -1})
	for _, want := range []string{`f.type: "zipf" is not a distribution type`, "f.min: min (2) cannot be greater than max (1)", "f.std_dev: must be a finite number >= 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}

// TestSharedPrefixHFSeam: under real BPE tokenizers the joined completion
// prompt counts exactly and keeps its group's system prompt as a byte prefix,
// over many prompts and short questions (where a seam merge matters most).
func TestSharedPrefixHFSeam(t *testing.T) {
	t.Parallel()
	for _, name := range hfFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tok := hfTok(t, name)
			cfg := spConfig(t, config.APICompletion, "{num_groups: 8, num_prompts_per_group: 25, "+
				"system_prompt_len: {type: uniform, min: 1, max: 40}, question_len: {type: uniform, min: 1, max: 6}, output_len: 1}")
			sg := newSP(t, cfg, tok, 11).(*sharedPrefixGen)
			for i := range uint64(len(sg.order)) {
				p := sg.Get(i)
				pre := sg.prefixes[uint64(sg.order[i])/uint64(sg.users)]
				if n := tok.Count(p.Text); n != p.Tokens {
					t.Fatalf("prompt %d: %d tokens, Tokens says %d: %q", i, n, p.Tokens, p.Text)
				}
				if !strings.HasPrefix(p.Text, pre) {
					t.Fatalf("prompt %d %q does not start with its system prompt %q", i, p.Text, pre)
				}
			}
		})
	}
}

// FuzzLenDist: any distribution either fails validation with an error or
// samples without panicking, inside [min, max] for every type but fixed.
func FuzzLenDist(f *testing.F) {
	f.Add(uint8(0), 0, 10, 5.0, 1.0, 0.0)
	f.Add(uint8(1), 1, 100, 50.0, 10.0, 3.0)
	f.Add(uint8(2), 0, 1<<30, 1e300, 1e300, 0.0)
	f.Add(uint8(4), 0, 1<<30, 1e18, 0.0, 0.0)
	f.Add(uint8(3), -5, -1, 0.0, 0.0, 0.0)
	types := []string{distNormal, distSkewNormal, distLognormal, distUniform, distPoisson, distFixed, "", "zipf"}
	f.Fuzz(func(t *testing.T, k uint8, lo, hi int, mean, std, skew float64) {
		d := config.Distribution{Type: types[int(k)%len(types)], Min: lo, Max: hi, Mean: mean, StdDev: std, Skew: skew}
		l, err := newLenDist("f", d)
		if err != nil {
			return
		}
		src := perIndex(uint64(lo), uint64(hi))
		rng := rand.New(&src)
		for range 16 {
			x := l.Sample(rng)
			if l.kind != distFixed && (x < lo || x > hi) {
				t.Fatalf("%+v drew %d outside [%d, %d]", d, x, lo, hi)
			}
		}
	})
}

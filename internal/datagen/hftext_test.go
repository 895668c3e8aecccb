package datagen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// hfFiles are the tokenizer.json files shipped with the tokenizer package:
// GPT-2 (plain byte-level BPE) and Qwen3 (NFC normalizer, \p{N} split, added
// tokens).
var hfFiles = []string{"gpt2", "qwen3"}

// hfTokenizers loads each shipped tokenizer once per test binary (Qwen3's
// 11 MB file takes a noticeable time to parse, more so under -race).
var hfTokenizers = sync.OnceValues(func() (map[string]*tokenizer.HF, error) {
	m := make(map[string]*tokenizer.HF)
	for _, name := range hfFiles {
		tk, err := tokenizer.LoadFile("../tokenizer/testdata/" + name + ".tokenizer.json.gz")
		if err != nil {
			return nil, err
		}
		m[name] = tk
	}
	return m, nil
})

func hfTok(t testing.TB, name string) *tokenizer.HF {
	t.Helper()
	m, err := hfTokenizers()
	if err != nil {
		t.Fatalf("loading shipped tokenizers: %v", err)
	}
	return m[name]
}

// hfGen builds a generator of dataType with fixed input length n under tk.
func hfGen(t testing.TB, dataType string, tk *tokenizer.HF, n int, seed int64) Generator {
	t.Helper()
	g, err := New(cfgFor(dataType, config.APICompletion, n, 16), tk, seed)
	if err != nil {
		t.Fatalf("New(%s, %s): %v", dataType, tk.Name(), err)
	}
	return g
}

// hfLengths are the lengths the property test checks: the smallest ones
// (where the synthetic prefix is cut and a single merge changes everything),
// one below a power of two, and the usual benchmark sizes.
var hfLengths = []int{1, 2, 3, 7, 64, 128, 511, 2048}

// TestHFExactLength is the property behind issue 4: every random and
// synthetic prompt counts exactly N under the configured tokenizer, and
// Prompt.Tokens says so.
func TestHFExactLength(t *testing.T) {
	t.Parallel()
	seeds := []int64{0, 1, 42, -7}
	indices := 12
	if testing.Short() {
		seeds, indices = seeds[:2], 4
	}
	for _, name := range hfFiles {
		for _, dataType := range []string{config.DataRandom, config.DataSynthetic} {
			t.Run(name+"/"+dataType, func(t *testing.T) {
				t.Parallel()
				tk := hfTok(t, name)
				for _, n := range hfLengths {
					for _, seed := range seeds {
						g := hfGen(t, dataType, tk, n, seed)
						for i := range uint64(indices) {
							p := g.Get(i)
							if got := tk.Count(p.Text); got != n || p.Tokens != n {
								t.Fatalf("n=%d seed=%d i=%d: Count=%d Tokens=%d, want both %d; text %.80q", n, seed, i, got, p.Tokens, n, p.Text)
							}
						}
					}
				}
			})
		}
	}
}

// TestHFConvergeRandomLengths drives the text builders directly over many
// lengths, seeds and corpus offsets, including the wrap-around, which fixed
// lengths through New reach only by chance.
func TestHFConvergeRandomLengths(t *testing.T) {
	t.Parallel()
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	for _, name := range hfFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tk := hfTok(t, name)
			rt, err := randomTextFor(tk)
			if err != nil {
				t.Fatal(err)
			}
			ct, err := corpusTextFor(tk, "")
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 9))
			for r := range rounds {
				n := 1 + rng.IntN(300)
				src := perIndex(uint64(r), uint64(n))
				if got := tk.Count(rt.RandomText(&src, n)); got != n {
					t.Fatalf("random n=%d round %d: Count=%d", n, r, got)
				}
				// Offsets near the corpus end make the prompt wrap.
				off := ct.Size() - 1 - rng.IntN(40)
				if r%2 == 0 {
					off = rng.IntN(ct.Size())
				}
				if got := tk.Count(ct.Text(off, n)); got != n {
					t.Fatalf("corpus n=%d off=%d: Count=%d", n, off, got)
				}
			}
		})
	}
}

// TestHFSyntheticContent checks what a synthetic prompt holds: the
// reference's prefix, then corpus text, and a prompt longer than the corpus
// wraps instead of failing.
func TestHFSyntheticContent(t *testing.T) {
	t.Parallel()
	tk := hfTok(t, "gpt2")
	ct, err := corpusTextFor(tk, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := defaultCorpus()
	if err != nil {
		t.Fatal(err)
	}
	// A long prompt starts with the full prefix, then the corpus from the offset.
	got := ct.Text(0, 200)
	if !strings.HasPrefix(got, SyntheticPrefix+"From fairest creatures") {
		t.Errorf("prompt at offset 0 = %.100q, want the prefix then the corpus start", got)
	}
	// A prompt shorter than the prefix is the prefix's first tokens.
	if got := ct.Text(5, 3); !strings.HasPrefix(SyntheticPrefix, got) {
		t.Errorf("3-token prompt = %q, want a prefix of %q", got, SyntheticPrefix)
	}
	// A prompt longer than the corpus repeats it.
	n := ct.Size() + 500
	long := ct.Text(ct.Size()/2, n)
	if tk.Count(long) != n {
		t.Fatalf("wrapping prompt counts %d, want %d", tk.Count(long), n)
	}
	if !strings.Contains(long, "From fairest creatures") || len(long) < len(c.text) {
		t.Errorf("wrapping prompt (%d bytes) does not hold the corpus start", len(long))
	}
	// A custom corpus file is encoded instead of the embedded one.
	p := writeFile(t, "c.txt", "alpha beta gamma delta\nepsilon zeta eta theta\n")
	cc, err := corpusTextFor(tk, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := cc.Text(0, 40); tk.Count(got) != 40 || !strings.Contains(got, "alpha beta") {
		t.Errorf("custom corpus prompt = %q", got)
	}
}

// TestHFDeterminism: the same (seed, index) gives the same prompt whatever
// the order of calls, and a different seed gives a different one.
func TestHFDeterminism(t *testing.T) {
	t.Parallel()
	for _, name := range hfFiles {
		for _, dataType := range []string{config.DataRandom, config.DataSynthetic} {
			t.Run(name+"/"+dataType, func(t *testing.T) {
				t.Parallel()
				tk := hfTok(t, name)
				a, b := hfGen(t, dataType, tk, 128, 3), hfGen(t, dataType, tk, 128, 3)
				other := hfGen(t, dataType, tk, 128, 4)
				for i := uint64(0); i < 20; i++ {
					j := 19 - i // b runs backwards
					if pa, pb := a.Get(j), b.Get(j); pa.Text != pb.Text || pa.Tokens != pb.Tokens || pa.MaxTokens != pb.MaxTokens {
						t.Fatalf("index %d differs between generators with one seed", j)
					}
				}
				if a.Get(0).Text == other.Get(0).Text {
					t.Errorf("seeds 3 and 4 give the same prompt 0")
				}
				if a.Get(0).Text == a.Get(1).Text {
					t.Errorf("indices 0 and 1 give the same prompt")
				}
			})
		}
	}
}

// TestHFConcurrentGet runs Get from many goroutines (under -race this checks
// that the builders share nothing mutable) and compares with sequential
// results.
func TestHFConcurrentGet(t *testing.T) {
	t.Parallel()
	tk := hfTok(t, "qwen3")
	for _, dataType := range []string{config.DataRandom, config.DataSynthetic} {
		g := hfGen(t, dataType, tk, 96, 11)
		const n = 32
		want := make([]string, n)
		for i := range want {
			want[i] = g.Get(uint64(i)).Text
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8*n)
		for w := range 8 {
			wg.Go(func() {
				for k := range n {
					i := (k + w*5) % n
					if got := g.Get(uint64(i)).Text; got != want[i] {
						errs <- fmt.Errorf("%s: concurrent Get(%d) differs from sequential", dataType, i)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// TestHFConvergerFallback forces the fallback path: with no rounds left to
// converge, the result still counts exactly n.
func TestHFConvergerFallback(t *testing.T) {
	t.Parallel()
	for _, name := range hfFiles {
		tk := hfTok(t, name)
		conv, err := newHFConverger(tk)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			text string
			n    int
		}{
			{"", 5},                            // nothing to keep: filler only
			{"Hello, world", 1},                // trimmed to one token
			{"Hello, world", 40},               // padded with filler
			{"ends in spaces   ", 9},           // trailing whitespace merges with a filler's space
			{"<|endoftext|> x\n\n", 6},         // a special token spelt out stays one token
			{"\u00e9\u00e8\U0001F600 1234", 3}, // multi-byte characters cut by the trim
		}
		for _, c := range cases {
			got := conv.fallback(c.text, c.n)
			if tk.Count(got) != c.n {
				t.Errorf("%s: fallback(%q, %d) = %q counts %d", name, c.text, c.n, got, tk.Count(got))
			}
			// The converger with a source that never helps also ends exact.
			got = conv.converge(c.text, c.n, func(int) string { return "  " })
			if tk.Count(got) != c.n {
				t.Errorf("%s: converge(%q, %d) = %q counts %d", name, c.text, c.n, got, tk.Count(got))
			}
		}
		if conv.converge("anything", 0, nil) != "" {
			t.Errorf("%s: n=0 must give the empty prompt", name)
		}
	}
}

// TestHFNilTokenizer: a nil *HF is "no tokenizer", an error, not a panic.
func TestHFNilTokenizer(t *testing.T) {
	t.Parallel()
	var tk *tokenizer.HF
	for _, dataType := range []string{config.DataRandom, config.DataSynthetic} {
		if _, err := New(cfgFor(dataType, config.APICompletion, 8, 8), tk, 1); err == nil || !strings.Contains(err.Error(), "none configured") {
			t.Errorf("%s with a nil *HF: err = %v, want 'none configured'", dataType, err)
		}
	}
}

// BenchmarkHFGet measures Get on the dispatch path for both shipped
// tokenizers at a short and a long prompt.
func BenchmarkHFGet(b *testing.B) {
	for _, name := range hfFiles {
		tk := hfTok(b, name)
		for _, dataType := range []string{config.DataRandom, config.DataSynthetic} {
			for _, n := range []int{128, 512, 2048} {
				b.Run(fmt.Sprintf("%s/%s/%d", name, dataType, n), func(b *testing.B) {
					g := hfGen(b, dataType, tk, n, 1)
					b.ReportAllocs()
					i := uint64(0)
					for b.Loop() {
						g.Get(i)
						i++
					}
				})
			}
		}
	}
}

// streamIDs materialises stream positions [from, to) of h for offset off:
// the prefix, the corpus from off, then separator and corpus laps.
func streamIDs(h *hfCorpus, off, from, to int) []int {
	all := append([]int(nil), h.parts[0].ids...)
	all = append(all, h.parts[1].ids[off:]...)
	for len(all) < to {
		all = append(all, h.parts[2].ids...)
		all = append(all, h.parts[1].ids...)
	}
	return all[from:to]
}

// TestHFDecodeStream checks that slicing the decoded corpus by byte index
// gives what decoding the token slice gives, for a corpus the index covers
// (ASCII sonnets) and for one it does not (CJK and emoji, whose characters
// GPT-2 splits across byte tokens), at ranges that wrap.
func TestHFDecodeStream(t *testing.T) {
	t.Parallel()
	cjk := writeFile(t, "cjk.txt", strings.Repeat("東京の夜景 🎉👍🏽 naïve café — «quoted»\n", 20))
	cases := []struct {
		tok, path string
		indexed   bool
	}{
		{"gpt2", "", true},   // the embedded corpus: every token is whole characters
		{"qwen3", "", true},  // the same under Qwen3
		{"gpt2", cjk, false}, // byte tokens: slices must be decoded, not cut
	}
	for _, c := range cases {
		tk := hfTok(t, c.tok)
		ct, err := corpusTextFor(tk, c.path)
		if err != nil {
			t.Fatal(err)
		}
		h := ct.(*hfCorpus)
		if got := h.parts[1].ends != nil; got != c.indexed {
			t.Fatalf("%s %q: corpus indexed = %v, want %v", c.tok, c.path, got, c.indexed)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		size := h.Size()
		for range 60 {
			off := rng.IntN(size)
			from := rng.IntN(size + 40)
			to := from + 1 + rng.IntN(2*size)
			want := tk.Decode(streamIDs(h, off, from, to), false)
			if got := h.decodeStream(off, from, to); got != want {
				t.Fatalf("%s %q: decodeStream(%d, %d, %d) = %.60q..., want %.60q...", c.tok, c.path, off, from, to, got, want)
			}
			n := 1 + rng.IntN(400)
			if got := tk.Count(h.Text(off, n)); got != n {
				t.Fatalf("%s %q: Text(%d, %d) counts %d", c.tok, c.path, off, n, got)
			}
		}
	}
}

// FuzzHFCorpus: any corpus file that loads gives, under GPT-2, synthetic
// prompts of exactly the requested token count at any offset, and the byte
// index (when the corpus has one) agrees with decoding.
func FuzzHFCorpus(f *testing.F) {
	f.Add([]byte("Shall I compare thee to a summer's day?\nThou art more lovely"), uint32(3), uint16(40))
	f.Add([]byte("one"), uint32(0), uint16(1000))                      // a one-token corpus wraps on every token
	f.Add([]byte("東京の夜景 🎉👍🏽 naïve"), uint32(2), uint16(50))            // characters split across byte tokens
	f.Add([]byte("<|endoftext|>a<|endoftext|>"), uint32(1), uint16(9)) // special tokens in the corpus text
	f.Add([]byte("x   \n\n\t  y  "), uint32(1), uint16(17))            // whitespace runs that re-tokenise at cuts
	f.Add([]byte("1234567890 3.14159 0xdeadbeef"), uint32(5), uint16(30))
	f.Fuzz(func(t *testing.T, data []byte, off uint32, n uint16) {
		c, err := parseCorpus("fuzz", data)
		if err != nil {
			return
		}
		tk := hfTok(t, "gpt2")
		h, err := newHFCorpus(tk, c)
		if err != nil {
			return // a corpus that encodes to nothing is refused, not a panic
		}
		length := int(n % 600)
		o := int(off % (1 << 20))
		if got := tk.Count(h.Text(o, length)); got != length {
			t.Fatalf("Text(%d, %d) counts %d", o, length, got)
		}
		o %= h.Size()
		to := min(length, 3*h.Size()+20)
		if want, got := tk.Decode(streamIDs(h, o, 0, to), false), h.decodeStream(o, 0, to); got != want {
			t.Fatalf("decodeStream(%d, 0, %d) = %q, want %q", o, to, got, want)
		}
	})
}

// Random prompts draw only from the model's vocabulary: no added token,
// special or not (Qwen3's <think> is an added token that is not special).
func TestHFRandomSkipsAddedTokens(t *testing.T) {
	t.Parallel()
	tok, err := tokenizer.LoadFile("../tokenizer/testdata/qwen3.tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode("<think>", false)
	if len(ids) != 1 || !tok.IsAdded(ids[0]) {
		t.Fatalf("<think> encodes as %v; the test needs it to be one added token", ids)
	}
	r, err := newHFRandom(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.pieces {
		if p == "<think>" || p == "<|endoftext|>" {
			t.Fatalf("added token %q is in the random pool", p)
		}
	}
}

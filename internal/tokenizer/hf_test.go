package tokenizer

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// tinyJSON is a small non-byte-level BPE tokenizer exercising added tokens
// (lstrip, rstrip, single_word), a String Split, unk fusing and a template
// with BOS/EOS. The expected ids below were checked with Hugging Face's Rust
// tokenizers (through scripts/tokenizer-golden's Node binding).
const tinyJSON = `{
 "added_tokens": [
  {"id": 8, "content": "<mask>", "lstrip": true, "rstrip": false, "normalized": false, "special": true},
  {"id": 9, "content": "<x>", "lstrip": false, "rstrip": true, "normalized": false, "special": false},
  {"id": 10, "content": "cab", "single_word": true, "normalized": false, "special": false}
 ],
 "normalizer": null,
 "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": false},
 "post_processor": {"type": "TemplateProcessing",
  "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
  "special_tokens": {"<s>": {"id": "<s>", "ids": [6], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [7], "tokens": ["</s>"]}}},
 "decoder": null,
 "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "<unk>": 5, "<s>": 6, "</s>": 7},
  "merges": MERGES, "unk_token": "<unk>", "fuse_unk": true}
}`

func tiny(t *testing.T, merges string) *HF {
	t.Helper()
	tk, err := Parse([]byte(strings.Replace(tinyJSON, "MERGES", merges, 1)), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTinyEncode(t *testing.T) {
	t.Parallel()
	// Both spellings of merges must give the same model.
	for _, merges := range []string{`[["a", "b"], ["ab", "c"]]`, `["a b", "ab c"]`} {
		tk := tiny(t, merges)
		cases := []struct {
			in      string
			special bool
			want    []int
		}{
			{"ab abc", false, []int{3, 4}},        // merges apply in rank order: a+b, then ab+c
			{"ba", false, []int{1, 0}},            // no merge for b+a
			{"a  <mask>b", false, []int{0, 8, 1}}, // lstrip swallows the spaces before <mask>
			{"<x>  c", false, []int{9, 2}},        // rstrip swallows the spaces after <x>
			{"zz c", false, []int{5, 2}},          // unknown characters fuse into one <unk>
			{"cab", false, []int{10}},             // single_word token standing alone
			{"acab", false, []int{0, 2, 3}},       // ... but not inside a word
			{"ab", true, []int{6, 3, 7}},          // the template adds BOS and EOS
			{"", true, []int{6, 7}},               // even around nothing, as the reference does
		}
		for _, c := range cases {
			if got := tk.Encode(c.in, c.special); !slices.Equal(got, c.want) {
				t.Errorf("merges %s: Encode(%q, %v) = %v, want %v", merges, c.in, c.special, got, c.want)
			}
		}
	}
}

func TestTinyDecodeAndVocab(t *testing.T) {
	t.Parallel()
	tk := tiny(t, `["a b", "ab c"]`)
	// Without a decoder, tokens are joined with spaces (the reference's rule);
	// unknown ids are skipped; skipSpecial drops only special tokens.
	if got, want := tk.Decode([]int{3, 8, 9, 99, -1}, false), "ab <mask> <x>"; got != want {
		t.Errorf("Decode = %q, want %q", got, want)
	}
	if got, want := tk.Decode([]int{3, 8, 9}, true), "ab <x>"; got != want {
		t.Errorf("Decode(skip) = %q, want %q", got, want)
	}
	if got := tk.VocabSize(); got != 11 {
		t.Errorf("VocabSize = %d, want 11", got)
	}
	if tok, ok := tk.IDToken(4); !ok || tok != "abc" {
		t.Errorf("IDToken(4) = %q, %v", tok, ok)
	}
	for _, id := range []int{11, -1} {
		if _, ok := tk.IDToken(id); ok {
			t.Errorf("IDToken(%d): unknown id reported as known", id)
		}
	}
	if !tk.Exact() || tk.Name() != "tiny" {
		t.Errorf("Exact/Name = %v/%q", tk.Exact(), tk.Name())
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	base := strings.Replace(tinyJSON, "MERGES", `["a b"]`, 1)
	cases := []struct {
		name, from, to, want string
	}{
		// Unigram and WordPiece models are not implemented: say so.
		{"model type", `"type": "BPE"`, `"type": "Unigram"`, `model.type "Unigram" is not supported`},
		// An unknown component names its place in the file.
		{"pre-tokenizer", `{"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": false}`,
			`{"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Magic"}]}`, `pre_tokenizer.pretokenizers[1]: unsupported pre-tokenizer type "Magic"`},
		// A lookahead pattern that is not one of the known ones cannot run on Go's regexp.
		{"lookahead", `{"String": " "}`, `{"Regex": "a(?!b)"}`, `neither a known pre-tokenizer pattern`},
		{"behavior", `"Removed"`, `"Sideways"`, `unknown split behavior "Sideways"`},
		{"merge of unknown token", `["a b"]`, `["a q"]`, `"q" is not in the vocabulary`},
		{"merge result unknown", `["a b"]`, `["b a"]`, `gives "ba", which is not in the vocabulary`},
		{"huge id", `"<unk>": 5`, `"<unk>": 1000000000`, `outside [0,`},
		{"unk missing", `"unk_token": "<unk>"`, `"unk_token": "<nope>"`, `unk_token "<nope>" is not in the vocabulary`},
		{"normalizer", `"normalizer": null`, `"normalizer": {"type": "BertNormalizer"}`, `normalizer: unsupported normalizer type "BertNormalizer"`},
		{"decoder", `"decoder": null`, `"decoder": {"type": "WordPiece"}`, `decoder: unsupported decoder type "WordPiece"`},
		{"template", `"id": "</s>", "type_id": 0}}]`, `"id": "<eos>", "type_id": 0}}]`, `special token "<eos>" is not in special_tokens`},
		{"not json", base, `{"model": `, `unexpected end of JSON`},
	}
	for _, c := range cases {
		in := strings.Replace(base, c.from, c.to, 1)
		if in == base {
			t.Fatalf("%s: replacement did not apply", c.name)
		}
		_, err := Parse([]byte(in), "x")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	t.Parallel()
	if _, err := LoadFile("testdata/does-not-exist.json"); err == nil || !strings.Contains(err.Error(), "does-not-exist.json") {
		t.Errorf("missing file: err = %v", err)
	}
	// A golden file is JSON but not a tokenizer: the error names the file.
	if _, err := LoadFile("testdata/gpt2.golden.json"); err == nil || !strings.Contains(err.Error(), "gpt2.golden.json") {
		t.Errorf("not a tokenizer: err = %v", err)
	}
}

func TestMatchers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern string
		in      string
		want    []string
	}{
		// A space leads the next word; the run before it stays separate.
		{patGPT2, "Hello  world", []string{"Hello", " ", " world"}},
		// GPT-2's contractions are case-sensitive.
		{patGPT2, "I'M it's", []string{"I", "'", "M", " it", "'s"}},
		// Trailing whitespace is one piece (the lookahead sees the end).
		{patGPT2, "a \t ", []string{"a", " \t "}},
		{patGPT2, "12345 x", []string{"12345", " x"}},
		// Llama-3: numbers in threes, contractions in any case.
		{patLlama3, "12345 I'M", []string{"123", "45", " I", "'M"}},
		// Whitespace up to the last newline, then the lookahead rule.
		{patLlama3, "word   \n  next", []string{"word", "   \n", " ", " next"}},
		// Any non-letter, non-digit, non-newline leads a word.
		{patLlama3, "(hello)\tworld", []string{"(hello", ")", "\tworld"}},
		// Punctuation swallows the newlines after it.
		{patLlama3, "end.\n\nNext", []string{"end", ".\n\n", "Next"}},
		// Qwen: one digit per piece.
		{patQwen, "2024", []string{"2", "0", "2", "4"}},
		// o200k: words split at a lower-to-upper case change; contractions stay attached.
		{patO200k, "HTTPServer camelCase it's DON'T a\u0301b", []string{"HTTPServer", " camel", "Case", " it's", " DON'T", " a\u0301b"}},
		// DeepSeek-V3: ASCII punctuation leads ASCII words; text no alternative matches
		// ("12") stays a piece between matches; a digit may lead a run of marks and letters.
		{patDeepSeek, "x.Method 123\u0301ab", []string{"x", ".Method", " ", "12", "3\u0301ab"}},
		// U+0085 is whitespace and U+FEFF is not, as in Oniguruma (JavaScript's \s differs).
		{patGPT2, "a\u0085\ufeff's", []string{"a", "\u0085", "\ufeff'", "s"}},
	}
	for _, c := range cases {
		sp, err := newRegexSplitter(c.pattern, behIsolated, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := sp.split(nil, c.in); !slices.Equal(got, c.want) {
			t.Errorf("split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitBehaviors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		b      splitBehavior
		invert bool
		want   []string
	}{
		{behRemoved, false, []string{"a", "b", "c"}},
		{behIsolated, false, []string{"a", "-", "b", "-", "-", "c"}},
		// The reference merges a delimiter into the previous piece unless that piece is a delimiter.
		{behMergedWithPrevious, false, []string{"a-", "b-", "-", "c"}},
		{behMergedWithNext, false, []string{"a", "-b", "-", "-c"}},
		{behContiguous, false, []string{"a", "-", "b", "--", "c"}},
		// invert: the non-delimiters are removed; each delimiter match stays a piece.
		{behRemoved, true, []string{"-", "-", "-"}},
	}
	for _, c := range cases {
		sp := &splitter{lit: "-", behavior: c.b, invert: c.invert}
		if got := sp.split(nil, "a-b--c"); !slices.Equal(got, c.want) {
			t.Errorf("behavior %d invert %v: %q, want %q", c.b, c.invert, got, c.want)
		}
	}
}

func TestDigits(t *testing.T) {
	t.Parallel()
	if got := (digitsPre{true}).split(nil, "ab12c3"); !slices.Equal(got, []string{"ab", "1", "2", "c", "3"}) {
		t.Errorf("individual: %q", got)
	}
	if got := (digitsPre{false}).split(nil, "ab12c3"); !slices.Equal(got, []string{"ab", "12", "c", "3"}) {
		t.Errorf("runs: %q", got)
	}
}

func TestAppendLossy(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"ok é", "ok é"},
		{"\xe6\x97", "\uFFFD"},                           // a truncated character is one U+FFFD
		{"\xff\xfe", "\uFFFD\uFFFD"},                     // bytes that never start a character: one each
		{"a\xf0\x9f\x98b", "a\uFFFDb"},                   // truncated emoji between letters
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},           // a surrogate's encoding is three errors
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"},           // overlong: E0 needs A0..BF next
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"}, // above U+10FFFF
	}
	for _, c := range cases {
		if got := string(appendLossy(nil, []byte(c.in))); got != c.want {
			t.Errorf("appendLossy(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestConcurrent encodes from many goroutines at once (the cache is shared)
// and checks every result against a serial encode. Run with -race.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	tk := loadModel(t, "gpt2")
	cases := readGolden(t, "gpt2")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range cases {
				c := cases[(i+g*7)%len(cases)]
				if got := tk.Encode(c.Text, false); !slices.Equal(got, c.IDs) {
					t.Errorf("goroutine %d: Encode(%q) = %v, want %v", g, c.Text, got, c.IDs)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestCacheBounded fills the word cache past its capacity: it must stay
// bounded and keep giving right answers.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	tk, err := LoadFile("testdata/gpt2.tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for i := 0; i < cacheShards*cacheShardCap*2; i++ {
		sb.WriteString(" w")
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteByte(byte('a' + i%26))
		sb.WriteByte(byte('a' + (i/26)%26))
		sb.WriteByte(byte('a' + (i/676)%26))
	}
	text := sb.String()
	first := tk.Encode(text, false)
	for i := range tk.model.cache.shards {
		n := 0
		tk.model.cache.shards[i].m.Range(func(_, _ any) bool { n++; return true })
		if n > cacheShardCap {
			t.Fatalf("shard %d holds %d entries, cap %d", i, n, cacheShardCap)
		}
	}
	if again := tk.Encode(text, false); !slices.Equal(first, again) {
		t.Error("encoding changed once the cache was warm")
	}
	if got := tk.Decode(first, false); got != text {
		t.Error("round trip failed")
	}
}

// TestDuplicateMerge: a pair listed twice keeps its last rank, as Hugging
// Face's Rust tokenizers does (checked with it: "abc" -> ["ab", "c"]).
func TestDuplicateMerge(t *testing.T) {
	t.Parallel()
	tk, err := Parse([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4},
		"merges": ["b c", "a b", "b c"]}}`), "dup")
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.Encode("abc", false); !slices.Equal(got, []int{3, 2}) {
		t.Errorf("Encode(abc) = %v, want [3 2]", got)
	}
}

// TestCountKeepsNoText checks that neither the word cache nor the pooled
// buffers hold on to the text Count was given: once the caller drops it, it
// is collected.
func TestCountKeepsNoText(t *testing.T) {
	tk := loadModel(t, "qwen3")
	collected := make(chan struct{})
	func() {
		var sb strings.Builder
		for i := 0; i < 2000; i++ {
			// Distinct short words, so each goes into the cache.
			sb.WriteString(" w")
			sb.WriteString(strconv.Itoa(i * 7919))
			sb.WriteString("x<|im_end|>")
		}
		buf := []byte(sb.String())
		runtime.AddCleanup(&buf[0], func(ch chan struct{}) { close(ch) }, collected)
		if tk.Count(unsafe.String(&buf[0], len(buf))) == 0 {
			t.Fatal("no tokens")
		}
	}()
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			return
		case <-deadline:
			t.Fatal("the text given to Count is still reachable after 10 s of collections")
		default:
			runtime.Gosched()
		}
	}
}

// IsAdded tells the file's added tokens from the model's vocabulary.
func TestIsAdded(t *testing.T) {
	t.Parallel()
	tok, err := LoadFile("testdata/gpt2.tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	eot := tok.Encode("<|endoftext|>", false)
	word := tok.Encode(" the", false)
	if len(eot) != 1 || !tok.IsAdded(eot[0]) {
		t.Errorf("<|endoftext|> = %v, IsAdded false", eot)
	}
	if len(word) != 1 || tok.IsAdded(word[0]) {
		t.Errorf("\" the\" = %v, IsAdded true", word)
	}
	if tok.IsAdded(-1) || tok.IsAdded(tok.VocabSize()) {
		t.Error("IsAdded true outside the id space")
	}
}

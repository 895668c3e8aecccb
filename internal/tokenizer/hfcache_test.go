package tokenizer

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeGPT2 writes the shipped GPT-2 tokenizer, uncompressed, to path.
func writeGPT2(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open("testdata/gpt2.tokenizer.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoad cannot run in parallel: it sets HF_HUB_CACHE and HF_HOME.
func TestLoad(t *testing.T) {
	root := t.TempDir()
	hub := filepath.Join(root, "hub")
	repo := filepath.Join(hub, "models--openai-community--gpt2")
	// Two cached revisions; refs/main names the older one.
	writeGPT2(t, filepath.Join(repo, "snapshots", "aaa", "tokenizer.json"))
	writeGPT2(t, filepath.Join(repo, "snapshots", "bbb", "tokenizer.json"))
	if err := os.MkdirAll(filepath.Join(repo, "refs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("aaa\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repo, "snapshots", "bbb")

	cases := []struct {
		name    string
		hfHome  string // HF_HOME; HF_HUB_CACHE is cleared
		arg     string
		wantErr []string
	}{
		// A file path is taken as is.
		{"file", "", filepath.Join(dir, "tokenizer.json"), nil},
		// So is a directory holding tokenizer.json.
		{"dir", "", dir, nil},
		// A compressed file, as shipped in testdata.
		{"gz", "", "testdata/gpt2.tokenizer.json.gz", nil},
		// A model name found under $HF_HOME/hub.
		{"cache", root, "openai-community/gpt2", nil},
		// Absent: the error names the model, where the cache was searched, and that nothing is downloaded.
		{"absent", root, "Org/Missing", []string{`"Org/Missing"`, filepath.Join(hub, "models--Org--Missing", "snapshots"), "downloading is not supported"}},
		// An empty directory is not a tokenizer.
		{"empty dir", "", t.TempDir(), []string{"has no tokenizer.json"}},
		{"empty name", "", "", []string{"no model name or path"}},
	}
	for _, c := range cases {
		t.Setenv("HF_HUB_CACHE", "")
		t.Setenv("HF_HOME", c.hfHome)
		tk, err := Load(c.arg)
		if c.wantErr == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if got := tk.Count("Hello world"); got != 2 {
				t.Errorf("%s: Count = %d, want 2", c.name, got)
			}
			if tk.Name() != c.arg {
				t.Errorf("%s: Name = %q, want %q", c.name, tk.Name(), c.arg)
			}
			continue
		}
		for _, w := range c.wantErr {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want it to contain %q", c.name, err, w)
			}
		}
	}
	// refs/main wins over a newer snapshot; without it, the newest snapshot.
	if p, err := fromHubCache(hub, "openai-community/gpt2"); err != nil || !strings.Contains(p, filepath.Join("snapshots", "aaa")) {
		t.Errorf("fromHubCache = %q, %v; want the aaa snapshot", p, err)
	}
	if err := os.Remove(filepath.Join(repo, "refs", "main")); err != nil {
		t.Fatal(err)
	}
	if p, err := fromHubCache(hub, "openai-community/gpt2"); err != nil || !strings.Contains(p, "snapshots") {
		t.Errorf("fromHubCache without refs/main = %q, %v", p, err)
	}
	// HF_HUB_CACHE takes precedence over HF_HOME.
	t.Setenv("HF_HUB_CACHE", hub)
	t.Setenv("HF_HOME", t.TempDir())
	if _, err := Load("openai-community/gpt2"); err != nil {
		t.Errorf("HF_HUB_CACHE: %v", err)
	}
}

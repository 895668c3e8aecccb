package tokenizer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Load loads a tokenizer by path or by Hugging Face model name, offline:
//   - a tokenizer.json (or .json.gz) file, or a directory holding one;
//   - else a model name such as "Qwen/Qwen3-0.6B", looked up in the local
//     Hugging Face cache: $HF_HUB_CACHE, else $HF_HOME/hub, else
//     $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub, under
//     models--ORG--NAME/snapshots/<rev>/tokenizer.json (the revision refs/main
//     names first, else the newest snapshot that has the file).
//
// Nothing is downloaded; the error names every place that was tried.
func Load(nameOrPath string) (*HF, error) {
	if nameOrPath == "" {
		return nil, errors.New("tokenizer: no model name or path given")
	}
	if st, err := os.Stat(nameOrPath); err == nil {
		path := nameOrPath
		if st.IsDir() {
			if path, err = fileInDir(nameOrPath); err != nil {
				return nil, fmt.Errorf("tokenizer: %w", err)
			}
		}
		t, err := LoadFile(path)
		if err != nil {
			return nil, err
		}
		t.name = nameOrPath
		return t, nil
	}
	hub := hubCacheDir()
	path, err := fromHubCache(hub, nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %q: not a local file or directory, and %w (downloading is not supported: "+
			"put the model's tokenizer.json there, e.g. with `huggingface-cli download %s tokenizer.json`, or give its path)",
			nameOrPath, err, nameOrPath)
	}
	t, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	t.name = nameOrPath
	return t, nil
}

// fileInDir finds the tokenizer file in a directory.
func fileInDir(dir string) (string, error) {
	for _, n := range []string{"tokenizer.json", "tokenizer.json.gz"} {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("directory %s has no tokenizer.json", dir)
}

// hubCacheDir is where huggingface_hub keeps downloaded repositories.
func hubCacheDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".cache", "huggingface", "hub")
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// fromHubCache returns the cached tokenizer.json of model name.
func fromHubCache(hub, name string) (string, error) {
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("%q is not a model name", name)
	}
	repo := filepath.Join(hub, "models--"+strings.ReplaceAll(name, "/", "--"))
	snaps := filepath.Join(repo, "snapshots")
	if ref, err := os.ReadFile(filepath.Join(repo, "refs", "main")); err == nil {
		p := filepath.Join(snaps, strings.TrimSpace(string(ref)), "tokenizer.json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	entries, err := os.ReadDir(snaps)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading the Hugging Face cache: %w", err)
	}
	best, bestTime := "", int64(0)
	for _, e := range entries {
		p := filepath.Join(snaps, e.Name(), "tokenizer.json")
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if t := st.ModTime().UnixNano(); best == "" || t > bestTime {
			best, bestTime = p, t
		}
	}
	if best == "" {
		return "", fmt.Errorf("not in the Hugging Face cache (no %s)", filepath.Join(snaps, "*", "tokenizer.json"))
	}
	return best, nil
}

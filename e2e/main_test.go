// Package e2e runs the built inference-perf binary against the simulator it
// embeds, over real loopback HTTP, and checks what a user would see: exit
// codes, one-line errors, and the report files.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binary      string
	sourcesOnce sync.Once
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "inference-perf-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "inference-perf")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, "../cmd/inference-perf")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building inference-perf:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// touchSources stats every Go source of the module so that `go test`'s
// result cache, which tracks the files a test looks at, is invalidated when
// the code of the binary changes (the build itself is not tracked).
// It runs from the tests (the cache ignores what TestMain looks at).
func touchSources() {
	_ = filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum") {
			_, _ = os.Stat(p)
		}
		return nil
	})
}

// result is one finished command.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary with args in dir and waits for it (bounded).
func runCLI(t *testing.T, dir string, args ...string) result {
	t.Helper()
	sourcesOnce.Do(touchSources)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

// startSim starts `inference-perf sim --port 0 args...` and returns its URL.
// The process is stopped when the test ends.
func startSim(t *testing.T, args ...string) string {
	t.Helper()
	sourcesOnce.Do(touchSources)
	cmd := exec.Command(binary, append([]string{"sim", "--port", "0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if u := urlRE.FindString(sc.Text()); u != "" && !sent {
				found <- u
				sent = true
			}
		}
		if !sent {
			close(found)
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("simulator exited without printing its URL")
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("simulator did not print its URL within 30s")
	}
	return ""
}

// writeConfig writes a config file into dir and returns its path.
func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(p, []byte(strings.TrimLeft(body, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readJSON decodes a report file.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report missing: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	return v
}

// num walks a decoded JSON object by keys and returns the number there.
func num(t *testing.T, v any, keys ...string) float64 {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("at %q: not an object in path %v", k, keys)
		}
		v = m[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v: %v is not a number", keys, v)
	}
	return f
}

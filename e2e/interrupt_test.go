package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ctrl-C during a stage stops the run, and the reports of what was measured
// are still written.
func TestInterruptStillWritesReports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `
server: {type: sim, sim: {ttft: 20ms, itl: 5ms, output_tokens: 8}}
data: {type: mock}
load:
  stages: [{rate: 20, duration: 600}]
storage: {local_storage: {path: out}}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "-c", cfg, "--log-level", "INFO")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	// Interrupt once the stage has started: its first request leaves at
	// once and is still in flight (the simulator takes 55 ms).
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "stage started") {
			break
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Fatal("reports written before the interrupt")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1 (interrupted)\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "interrupted") {
		t.Errorf("stderr does not say the run was interrupted:\n%s", log.String())
	}
	for _, f := range []string{"config.yaml", "summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Errorf("no %s after the interrupt: %v\n%s", f, err, log.String())
		}
	}
}

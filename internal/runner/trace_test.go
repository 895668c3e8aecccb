package runner

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/datagen"
	"github.com/inference-perf-go/inference-perf/internal/loadgen"
	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

type countedData struct{ rows int }

func (countedData) Get(uint64) prompt.Prompt { return prompt.Prompt{} }
func (countedData) Name() string             { return config.DataRandom }
func (c countedData) RequestCount() int      { return c.rows }

var _ datagen.Generator = countedData{}

func TestAttachTrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(dir, "t.csv")
	body := "TIMESTAMP,ContextTokens,GeneratedTokens\n" +
		"2023-11-16 18:15:46.0,1,1\n2023-11-16 18:15:46.5,1,1\n2023-11-16 18:15:47.0,1,1\n2023-11-16 18:15:48.0,1,1\n"
	if err := os.WriteFile(csv, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	trace := &config.TraceConfig{File: csv, Format: config.TraceAzurePublicDataset}
	cases := []struct {
		name      string
		dataTrace bool
		rate      float64
		want      int
	}{
		// int(rate*duration) = 2 requests: the first two rows.
		{"rate times duration", false, 1, 2},
		// More than the trace has: the whole trace, once.
		{"capped", false, 10, 4},
		// data.trace set: one request per data row (3 here).
		{"data rows", true, 10, 3},
	}
	for _, c := range cases {
		cfg := &config.Config{}
		cfg.Load.Type, cfg.Load.Trace = config.LoadTraceReplay, trace
		if c.dataTrace {
			cfg.Data.Trace = trace
		}
		stages := []loadgen.Stage{{Type: config.LoadTraceReplay, Rate: c.rate, Duration: 2 * time.Second}}
		if err := attachTrace(cfg, countedData{rows: 3}, stages, log); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if stages[0].NumRequests != c.want || len(stages[0].Trace) != 4 || stages[0].Trace[1] != 500*time.Millisecond {
			t.Errorf("%s: NumRequests %d, trace %v; want %d of 4 offsets", c.name, stages[0].NumRequests, stages[0].Trace, c.want)
		}
	}
	// A bad load.trace file is named with its field.
	cfg := &config.Config{}
	cfg.Load.Type = config.LoadTraceReplay
	cfg.Load.Trace = &config.TraceConfig{File: filepath.Join(dir, "none.csv")}
	err := attachTrace(cfg, countedData{}, []loadgen.Stage{{}}, log)
	if err == nil || !strings.Contains(err.Error(), "load.trace.file") || !strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing trace: %v", err)
	}
}

package runner

import (
	"fmt"
	"log/slog"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/datagen"
	"github.com/inference-perf-go/inference-perf/internal/loadgen"
)

// attachTrace reads load.trace once (only its offsets are kept, 8 bytes a
// row) and gives every trace_replay stage its schedule and request count.
func attachTrace(cfg *config.Config, data datagen.Generator, stages []loadgen.Stage, log *slog.Logger) error {
	if cfg.Load.Type != config.LoadTraceReplay {
		return nil
	}
	if cfg.Load.Trace == nil {
		return fmt.Errorf("load.trace: required by load.type trace_replay")
	}
	offsets, err := datagen.LoadTraceOffsets(cfg.Load.Trace.File)
	if err != nil {
		return fmt.Errorf("load.trace.file: %w", err)
	}
	dataRows := 0
	if c, ok := data.(interface{ RequestCount() int }); ok && cfg.Data.Trace != nil {
		dataRows = c.RequestCount()
	}
	for i := range stages {
		s := &stages[i]
		want := int(s.Rate * s.Duration.Seconds())
		if dataRows > 0 {
			want = dataRows
		}
		s.Trace = offsets
		s.NumRequests = loadgen.TraceRequestCount(*s, dataRows, len(offsets))
		if s.NumRequests < want {
			log.Warn("trace_replay stage wants more requests than load.trace has rows; sending the whole trace",
				"stage", s.ID, "wanted", want, "trace_rows", len(offsets))
		}
	}
	return nil
}

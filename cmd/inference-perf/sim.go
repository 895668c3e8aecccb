package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/inference-perf-go/inference-perf/internal/runner"
	"github.com/inference-perf-go/inference-perf/internal/sim"
	"github.com/inference-perf-go/inference-perf/internal/telemetry"
)

// runSim serves the simulated model server until interrupted.
func runSim(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("inference-perf sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := sim.DefaultOptions()
	sim.RegisterFlags(fs, &opts)
	level := fs.String("log-level", "INFO", "DEBUG, INFO, WARNING, ERROR")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	lvl, err := parseLevel(*level)
	if err != nil {
		fmt.Fprintf(stderr, "inference-perf sim: %v\n", err)
		return exitUsage
	}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "inference-perf sim: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	// Tracing from the OTEL_* environment, as for the benchmark, under the
	// simulator's own service name unless OTEL_SERVICE_NAME says otherwise.
	tel, err := telemetry.Setup(ctx, telemetry.SetupOptions{Log: log, ServiceNameDefault: runner.SimServiceName})
	if err != nil {
		fmt.Fprintf(stderr, "inference-perf sim: %v\n", err)
		return exitUsage
	}
	if tel.Enabled() {
		opts.TracerProvider = tel.TracerProvider()
	}
	err = sim.Run(ctx, opts, log)
	flushCtx, cancel := context.WithTimeout(context.Background(), runner.FlushTimeout)
	defer cancel()
	if lost, ferr := tel.Shutdown(flushCtx); ferr != nil || lost > 0 {
		log.Warn("flushing spans", "dropped", lost, "err", ferr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "inference-perf sim: %v\n", err)
		return exitFailure
	}
	return exitOK
}

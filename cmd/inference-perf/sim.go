package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/inference-perf-go/inference-perf/internal/sim"
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
	if err := sim.Run(ctx, opts, log); err != nil {
		fmt.Fprintf(stderr, "inference-perf sim: %v\n", err)
		return exitFailure
	}
	return exitOK
}

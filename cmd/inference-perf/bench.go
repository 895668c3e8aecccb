package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/runner"
)

// runBenchmark is the default command: load the config, then run it.
func runBenchmark(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseBenchFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "inference-perf: %v\n", err)
		return exitUsage
	}
	if f.help {
		fmt.Fprint(stdout, benchUsage)
		return exitOK
	}
	if f.version {
		fmt.Fprintln(stdout, versionString())
		return exitOK
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: f.logLevel}))
	err = benchmark(ctx, f, stdout, stderr, log)
	if err != nil {
		fmt.Fprintf(stderr, "inference-perf: %v\n", err)
	}
	return exitCode(err)
}

func benchmark(ctx context.Context, f *benchFlags, stdout, stderr io.Writer, log *slog.Logger) error {
	if f.configFile == "" && len(f.overrides) == 0 {
		return usageError{fmt.Errorf("no config: pass --config_file FILE (see --help)")}
	}
	var cfg *config.Config
	var err error
	if f.configFile != "" {
		cfg, err = config.Load(f.configFile, f.overrides)
	} else {
		cfg, err = config.LoadBytes("(command line)", nil, f.overrides)
	}
	if err != nil {
		return usageError{err}
	}
	if err := config.CheckSupported(cfg); err != nil {
		return usageError{err}
	}
	config.Finalize(cfg)
	if f.dryRun {
		out, err := config.Marshal(cfg)
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	}
	if y, err := config.Marshal(cfg); err == nil {
		log.Debug("effective config\n" + string(y))
	}
	outcome, err := runner.Run(ctx, cfg, runner.Options{Log: log, Stdout: stdout, Stderr: stderr})
	if runner.IsUsage(err) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if outcome.Interrupted {
		return fmt.Errorf("interrupted after %d requests; partial reports in %s", outcome.Requests, outcome.ReportDir)
	}
	return nil
}

// Command inference-perf benchmarks LLM inference servers. It reads the same
// config.yml as the Python kubernetes-sigs/inference-perf and writes the same
// reports. This file only parses flags and maps errors to exit codes; the
// work is in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the run could not complete
	exitUsage   = 2 // bad flags or config
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the run winds down and writes its reports; a
	// second one gets the default behaviour and ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "sim":
			return runSim(ctx, args[1:], stderr)
		case "version":
			fmt.Fprintln(stdout, versionString())
			return exitOK
		}
	}
	return runBenchmark(ctx, args, stdout, stderr)
}

// usageError marks errors that are the user's input, not the run's.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var u usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitFailure
}

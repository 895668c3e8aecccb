package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

// benchFlags are the flags of the benchmark command.
type benchFlags struct {
	configFile string
	logLevel   slog.Level
	dryRun     bool
	version    bool
	help       bool
	overrides  []config.Override
}

// parseBenchFlags parses the reference's flags (-c/--config_file, also
// --config), --log-level, --dry-run, --version and any dotted config path
// (--load.stages '[...]'), as `--flag value` or `--flag=value`.
func parseBenchFlags(args []string) (*benchFlags, error) {
	f := &benchFlags{logLevel: slog.LevelInfo}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
			return nil, fmt.Errorf("unexpected argument %q (flags start with --; see --help)", arg)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		needValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", arg)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "c", "config_file", "config-file", "config":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			f.configFile = v
		case "log-level", "log_level":
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			lvl, err := parseLevel(v)
			if err != nil {
				return nil, err
			}
			f.logLevel = lvl
		case "dry-run", "dry_run":
			f.dryRun = true
		case "version":
			f.version = true
		case "h", "help":
			f.help = true
		default:
			if !strings.HasPrefix(arg, "--") {
				return nil, fmt.Errorf("unknown flag %s", arg)
			}
			v, err := needValue()
			if err != nil {
				return nil, err
			}
			f.overrides = append(f.overrides, config.Override{Path: name, Value: v})
		}
	}
	return f, nil
}

// parseLevel accepts the reference's level names (DEBUG, INFO, WARNING,
// ERROR, CRITICAL) in any case.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToUpper(s) {
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR", "CRITICAL":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level %q: want one of DEBUG, INFO, WARNING, ERROR, CRITICAL", s)
}

const benchUsage = `Usage: inference-perf --config_file FILE [flags] [--<config.path> VALUE ...]
       inference-perf sim [--port N] [--model NAME] [--ttft 50ms] [--itl 10ms] ...
       inference-perf version

Runs the benchmark described by FILE (the kubernetes-sigs/inference-perf
config.yml schema) and writes its reports.

Flags:
  -c, --config_file, --config FILE   config file (YAML)
  --log-level LEVEL                  DEBUG, INFO (default), WARNING, ERROR, CRITICAL
  --dry-run                          validate the config, print the effective config as YAML, send nothing
  --version                          print the version
  --<path> VALUE                     override any config field by its dotted path; lists and maps as JSON:
                                       --load.stages '[{"rate":5,"duration":10}]'
                                       --server.base_url http://127.0.0.1:8000

Config paths: see docs/config.md, or any path printed by --dry-run.
`

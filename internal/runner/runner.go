// Package runner runs one benchmark from an effective config: it starts the
// embedded simulator when asked, builds the client, data source and load
// generator, streams the Records into per-stage collections, and writes the
// reports, also when the run is interrupted.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/clock"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/datagen"
	"github.com/inference-perf-go/inference-perf/internal/loadgen"
	"github.com/inference-perf-go/inference-perf/internal/record"
	"github.com/inference-perf-go/inference-perf/internal/report"
	"github.com/inference-perf-go/inference-perf/internal/sim"
	"github.com/inference-perf-go/inference-perf/internal/telemetry"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// Options are the runner's outside world.
type Options struct {
	Log    *slog.Logger
	Stdout io.Writer // summary table
	Stderr io.Writer // progress lines
	// ProgressEvery is the progress line interval; 0 means every 5 s.
	ProgressEvery time.Duration
}

// Outcome is what a finished (or interrupted) run produced.
type Outcome struct {
	ReportDir   string
	Files       []string
	Stages      []loadgen.Result
	Requests    int
	Failures    int
	Interrupted bool
}

// Run runs the benchmark described by cfg. cfg must have been loaded and
// checked (config.Load, config.CheckSupported). The reports are written even
// when ctx is cancelled part way.
func Run(ctx context.Context, cfg *config.Config, o Options) (*Outcome, error) {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	clk := clock.New()
	tel, err := telemetry.Setup(ctx, telemetry.SetupOptions{Log: log, Clock: clk, Stdout: o.Stdout, Global: true})
	if err != nil {
		return nil, usageError(err)
	}
	// Spans are flushed on every way out, after the requests, all
	// providers at once within one bound.
	flush := map[string]*telemetry.Telemetry{"benchmark": tel}
	defer func() { flushTelemetry(flush, log) }()
	// An explicitly named tokenizer is loaded first: the embedded simulator
	// counts prompts with it too.
	tok, err := explicitTokenizer(cfg, log)
	if err != nil {
		return nil, usageError(err)
	}
	if cfg.Server.Type == config.ServerSim {
		stop, simTel, err := startSim(ctx, cfg, tok, tel.Enabled(), o.Stdout, log)
		if err != nil {
			return nil, err
		}
		flush["simulator"] = simTel
		defer stop()
	}

	if err := client.ResolveModel(ctx, cfg); err != nil {
		return nil, err
	}
	if tok == nil {
		tok = modelTokenizer(cfg, log)
	}
	log.Info("benchmarking", "model", *cfg.Server.ModelName, "base_url", cfg.Server.BaseURL, "api", cfg.API.Type, "streaming", cfg.API.Streaming)

	cl, err := client.NewFromConfig(cfg, clk, tok, tel.Tracer())
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	defer cl.Close()

	data, err := datagen.New(cfg, tok, cfg.Load.BaseSeed)
	if err != nil {
		// A missing or malformed dataset is the user's input, like the config.
		return nil, usageError(fmt.Errorf("data: %w", err))
	}
	stages, err := loadgen.StagesFromConfig(cfg.Load)
	if err != nil {
		return nil, err
	}
	if err := attachTrace(cfg, data, stages, log); err != nil {
		return nil, err
	}

	prog := &progress{w: o.Stderr}
	records := make(chan *record.Record, 4096)
	byStage := make(map[int][]*record.Record, len(stages))
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range records {
			byStage[r.Stage] = append(byStage[r.Stage], r)
			prog.done.Add(1)
			if r.Error != nil {
				prog.failed.Add(1)
			}
		}
	}()

	gen := loadgen.New(loadgen.Options{
		Clock:       clk,
		Client:      cl,
		Data:        data,
		MaxInFlight: cfg.Load.NumWorkers * cfg.Load.WorkerMaxConcurrency,
		Teardown:    teardown(cfg),
		Interval:    time.Duration(cfg.Load.Interval * float64(time.Second)),
		Seed:        cfg.Load.BaseSeed,
		// The adapter of each request is drawn from (base_seed, seq).
		LoRATrafficSplit: cfg.Load.LoRATrafficSplit,
		Out:              records,
		Log:              log,
		WrapStage: func(ctx context.Context, s loadgen.Stage) (context.Context, func(loadgen.Result)) {
			ctx, end := tel.StartStage(ctx, telemetry.StageInfo{
				ID: s.ID, LoadType: s.Type, Rate: s.Rate, Concurrency: s.Concurrency,
				NumRequests: s.NumRequests, Duration: s.Duration,
			})
			return ctx, func(r loadgen.Result) { end(r.Status, nil) }
		},
		OnStage: func(s loadgen.Stage, expected int) {
			prog.startStage(s.ID, expected)
			log.Info("stage started", "stage", s.ID, "type", s.Type, "rate", s.Rate, "duration", s.Duration,
				"num_requests", s.NumRequests, "concurrency", s.Concurrency, "expected_requests", expected)
		},
	})

	stopProgress := make(chan struct{})
	every := o.ProgressEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	if o.Stderr != nil {
		go prog.run(every, stopProgress)
	}
	benchStart := clk.Now()
	results := gen.Run(ctx, stages)
	benchEnd := clk.Now()
	close(stopProgress)
	close(records)
	<-collected

	out := &Outcome{Stages: results, Interrupted: ctx.Err() != nil}
	run := &report.Run{Config: cfg, Start: benchStart, End: benchEnd}
	for _, res := range results {
		recs := byStage[res.ID]
		for _, r := range recs {
			if r.Error != nil {
				out.Failures++
			}
		}
		out.Requests += len(recs)
		// requested_rate is the configured rate; config.Finalize has given
		// concurrent stages the reference's rate = num_requests.
		rate := res.Rate
		if st := cfg.Load.Stages[res.ID]; st.Rate != nil {
			rate = *st.Rate
		}
		run.Stages = append(run.Stages, report.Stage{
			ID: res.ID, LoadType: res.Type, RequestedRate: rate, Concurrency: res.Concurrency,
			Start: res.Start, End: res.End, Records: recs,
		})
	}
	if out.Interrupted {
		log.Warn("run interrupted; writing reports for what was measured", "requests", out.Requests)
	}
	if err := writeReports(cfg, run, out, o, log); err != nil {
		return out, err
	}
	return out, nil
}

func writeReports(cfg *config.Config, run *report.Run, out *Outcome, o Options, log *slog.Logger) error {
	set, err := report.Build(run)
	if err != nil {
		return fmt.Errorf("building reports: %w", err)
	}
	if o.Stdout != nil {
		// As the reference: the reports between marker lines, then the table.
		if err := report.PrintMarked(o.Stdout, set); err != nil {
			log.Warn("printing the reports", "err", err)
		}
		if err := report.PrintSummary(o.Stdout, set); err != nil {
			log.Warn("printing the summary", "err", err)
		}
	}
	if cfg.Storage == nil || cfg.Storage.LocalStorage == nil {
		return nil
	}
	cfgYAML, err := config.Marshal(cfg)
	if err != nil {
		return err
	}
	ls := cfg.Storage.LocalStorage
	prefix := ""
	if ls.ReportFilePrefix != nil {
		prefix = *ls.ReportFilePrefix
	}
	files, err := report.WriteLocal(ls.Path, prefix, set, cfgYAML)
	out.ReportDir, out.Files = ls.Path, files
	if err != nil {
		return fmt.Errorf("writing reports to %s: %w", ls.Path, err)
	}
	log.Info("reports written", "dir", ls.Path, "files", len(files))
	return nil
}

// teardown is how long a stage waits for in-flight requests after its last
// send: the request timeout when set (plus a small grace), else the
// stage_teardown_grace_seconds of the config.
func teardown(cfg *config.Config) time.Duration {
	if t := cfg.Load.RequestTimeout; t != nil && *t > 0 {
		return time.Duration(*t*float64(time.Second)) + 5*time.Second
	}
	return time.Duration(cfg.Load.StageTeardownGraceSeconds * float64(time.Second))
}

// SimServiceName is the service name of the embedded simulator's spans, so
// they show as the model server's in a trace viewer.
const SimServiceName = "inference-perf-sim"

// startSim starts the embedded simulator and returns the function that
// stops it. With tracing on, the simulator exports its own SERVER spans,
// under its own service name, as a traced vLLM would; the caller flushes
// them after stop.
func startSim(ctx context.Context, cfg *config.Config, tok tokenizer.Tokenizer, tracing bool, stdout io.Writer, log *slog.Logger) (stop func(), tel *telemetry.Telemetry, err error) {
	opts := simOptions(cfg)
	opts.Tokenizer = tok
	if tracing {
		tel, err = telemetry.Setup(ctx, telemetry.SetupOptions{Log: log, Stdout: stdout, ServiceName: SimServiceName})
		if err != nil {
			return nil, nil, usageError(err)
		}
		opts.TracerProvider = tel.TracerProvider()
	}
	srv, err := sim.Start(opts)
	if err != nil {
		flushTelemetry(map[string]*telemetry.Telemetry{"simulator": tel}, log)
		return nil, nil, fmt.Errorf("starting the embedded simulator: %w", err)
	}
	cfg.Server.BaseURL = srv.URL()
	log.Info("embedded simulator started", "url", srv.URL(), "model", opts.Model, "lora_adapters", opts.LoRAs, "ttft", opts.TTFT, "itl", opts.ITL,
		"output_tokens", opts.OutputTokens, "max_num_seqs", opts.MaxNumSeqs)
	// Close waits for the handlers, so every server span has ended.
	return func() { srv.Close() }, tel, nil
}

// explicitTokenizer loads tokenizer.pretrained_model_name_or_path when it is
// set: a tokenizer.json file or directory, or a model in the local Hugging
// Face cache. Naming one that cannot be found is an error, as in the
// reference, rather than a silently approximate run.
func explicitTokenizer(cfg *config.Config, log *slog.Logger) (tokenizer.Tokenizer, error) {
	t := cfg.Tokenizer
	if t == nil || t.PretrainedModelNameOrPath == nil || *t.PretrainedModelNameOrPath == "" {
		return nil, nil
	}
	hf, err := tokenizer.Load(*t.PretrainedModelNameOrPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.pretrained_model_name_or_path: %w; or remove the key to count with the approximate word counter", err)
	}
	log.Info("tokenizer loaded", "tokenizer", hf.Name(), "vocab_size", hf.VocabSize())
	return hf, nil
}

// modelTokenizer is the tokenizer when none is named: the served model's,
// when the local Hugging Face cache has it (the reference also defaults to
// the model's tokenizer), else the interim word counter, which is exact
// against the embedded simulator and approximate against real models.
func modelTokenizer(cfg *config.Config, log *slog.Logger) tokenizer.Tokenizer {
	if cfg.Server.Type != config.ServerSim && cfg.Server.Type != config.ServerMock && cfg.Server.ModelName != nil {
		if hf, err := tokenizer.Load(*cfg.Server.ModelName); err == nil {
			log.Info("tokenizer loaded from the local Hugging Face cache", "tokenizer", hf.Name(), "vocab_size", hf.VocabSize())
			return hf
		}
	}
	if cfg.Server.Type != config.ServerSim {
		log.Warn("no tokenizer: token counts and prompt lengths use the interim word counter and are approximate for this model; set tokenizer.pretrained_model_name_or_path to a tokenizer.json for exact counts")
	}
	return tokenizer.Words{}
}

// FlushTimeout bounds how long spans are flushed at the end of a run.
const FlushTimeout = 5 * time.Second

// flushTelemetry exports what is left of every provider at once, within
// FlushTimeout; the telemetry logs what it exported, and a lost span or a
// missed bound is a warning.
func flushTelemetry(tels map[string]*telemetry.Telemetry, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), FlushTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for name, tel := range tels {
		if !tel.Enabled() {
			continue
		}
		wg.Go(func() {
			if lost, err := tel.Shutdown(ctx); err != nil || lost > 0 {
				log.Warn("spans were dropped or not exported in time", "spans_of", name, "lost", lost, "err", err)
			}
		})
	}
	wg.Wait()
}

// usageError marks errors in the user's settings (environment variables).
type usageErr struct{ error }

func (e usageErr) Unwrap() error { return e.error }

func usageError(err error) error { return usageErr{err} }

// IsUsage reports whether err is the user's input (bad settings), not a
// failure of the run.
func IsUsage(err error) bool {
	var u usageErr
	return errors.As(err, &u)
}

// simOptions maps server.sim (and server.model_name) onto the simulator's
// options; unset fields keep the simulator's defaults. The embedded
// simulator always listens on a free loopback port.
func simOptions(cfg *config.Config) sim.Options {
	o := sim.DefaultOptions()
	o.Host, o.Port = "127.0.0.1", 0
	if s := cfg.Server.Sim; s != nil {
		if s.Model != "" {
			o.Model = s.Model
		}
		if s.TTFT != "" {
			o.TTFT = s.TTFTDuration()
		}
		if s.ITL != "" {
			o.ITL = s.ITLDuration()
		}
		if s.TTFTJitter != "" {
			o.TTFTJitter = s.TTFTJitterDuration()
		}
		if s.ITLJitter != "" {
			o.ITLJitter = s.ITLJitterDuration()
		}
		if s.OutputTokens > 0 {
			o.OutputTokens = s.OutputTokens
		}
		if s.MaxNumSeqs > 0 {
			o.MaxNumSeqs = s.MaxNumSeqs
		}
		if s.Seed != 0 {
			o.Seed = s.Seed
		}
	}
	if m := cfg.Server.ModelName; m != nil && *m != "" {
		o.Model = *m
	}
	// The adapters the run sends are served, as by vLLM started with
	// --lora-modules; a name listed twice or equal to the model is served once.
	seen := map[string]bool{o.Model: true}
	for _, l := range cfg.Load.LoRATrafficSplit {
		if l.Name != "" && !seen[l.Name] {
			seen[l.Name] = true
			o.LoRAs = append(o.LoRAs, l.Name)
		}
	}
	return o
}

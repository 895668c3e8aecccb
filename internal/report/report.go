// Package report builds the reference-compatible report files of a run
// (summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json,
// per_request_lifecycle_metrics.json, adapter reports, config.yaml) and the
// terminal summary, from the Records of each stage.
package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/metrics"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Stage is one stage of a run and its records.
type Stage struct {
	ID       int    // stage id, from 0; negative ids (a sweep's probe stage) are left out of every report, as in the reference
	LoadType string // load.type of the run: "constant", "poisson", "concurrent", ...
	// RequestedRate is requested_rate in the stage report. The reference
	// reports the stage's rate; for concurrent stages it rewrites the stage to
	// rate = num_requests, so that is what it reports there.
	RequestedRate float64
	Concurrency   int           // concurrency_level of a concurrent stage; 0 otherwise
	Start, End    time.Duration // the stage's window on the run clock
	Records       []*record.Record
}

// Run is every stage of a run, in any order.
type Run struct {
	// Config is the effective config; Build takes the report options from
	// its report.request_lifecycle. nil means DefaultOptions.
	Config *config.Config
	// Start and End bound the whole benchmark on the run clock. The lifecycle
	// reports do not use them (benchmark_time_seconds comes from the records,
	// as in the reference); they are kept for reports that need the window.
	Start, End time.Duration
	Stages     []Stage
}

// Options select and configure reports (the config's
// report.request_lifecycle).
type Options struct {
	Lifecycle config.RequestLifecycleReport
}

// DefaultOptions are the reference's defaults: summary, per_stage and
// per_adapter on, per_request and per_adapter_stage off, the default
// percentiles, client output token counts, 100 error messages per label.
func DefaultOptions() Options {
	return Options{Lifecycle: config.RequestLifecycleReport{
		Summary:          true,
		PerStage:         true,
		PerAdapter:       true,
		Percentiles:      slices.Clone(metrics.DefaultPercentiles),
		MaxErrorMessages: 100,
	}}
}

// StageReport is the lifecycle report of one stage.
type StageReport struct {
	ID            int
	LoadType      string
	RequestedRate float64
	Concurrency   int
	Start, End    time.Duration
	Report        *metrics.Lifecycle
}

// AdapterReport is the lifecycle report of one LoRA adapter, over the whole
// run (StageID < 0) or one stage.
type AdapterReport struct {
	Adapter string
	StageID int // -1 for the whole-run report
	Report  *metrics.Lifecycle
}

// Set is every report of a run. All reports are computed whatever the
// options; WriteLocal writes those the options ask for.
type Set struct {
	// Summary covers every record of every stage; nil when there were none
	// (then no summary file is written, as in the reference).
	Summary *metrics.Lifecycle
	// Stages holds the stages that have at least one record, by id.
	Stages []StageReport
	// Adapters holds per-adapter reports (records with a LoRA adapter), in
	// the order adapters first appear, then per (adapter, stage).
	Adapters      []AdapterReport
	AdapterStages []AdapterReport

	opts   Options
	stages []Stage // for the per-request file
}

// Options returns the options the set was built with.
func (s *Set) Options() Options { return s.opts }

// OptionsFrom returns the report options of a config: its
// report.request_lifecycle, or DefaultOptions when cfg is nil.
func OptionsFrom(cfg *config.Config) Options {
	if cfg == nil {
		return DefaultOptions()
	}
	return Options{Lifecycle: cfg.Report.RequestLifecycle}
}

// Build computes the reports of a run with the options of its config
// (OptionsFrom(run.Config)).
func Build(run *Run) (*Set, error) {
	return BuildWith(run, OptionsFrom(run.Config))
}

// BuildWith computes the summary, per-stage and per-adapter lifecycle reports
// of a run. It fails on options the reference would reject (percentiles
// outside [0, 100], a negative max_error_messages) and on stages given twice.
func BuildWith(run *Run, opts Options) (*Set, error) {
	lc := opts.Lifecycle
	for i, p := range lc.Percentiles {
		if math.IsNaN(p) || p < 0 || p > 100 {
			return nil, fmt.Errorf("report.request_lifecycle.percentiles[%d]: %v is not in [0, 100]", i, p)
		}
	}
	if lc.MaxErrorMessages < 0 {
		return nil, fmt.Errorf("report.request_lifecycle.max_error_messages: %d is negative", lc.MaxErrorMessages)
	}
	stages := slices.Clone(run.Stages)
	slices.SortStableFunc(stages, func(a, b Stage) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(stages); i++ {
		if stages[i].ID == stages[i-1].ID {
			return nil, fmt.Errorf("stage %d is given twice", stages[i].ID)
		}
	}
	stages = slices.DeleteFunc(stages, func(s Stage) bool { return s.ID < 0 })

	base := metrics.Options{
		Percentiles:           lc.Percentiles,
		UseServerOutputTokens: lc.UseServerOutputTokens,
		MaxErrorMessages:      lc.MaxErrorMessages,
	}
	set := &Set{opts: opts, stages: stages}
	summary := metrics.NewCollector(base)
	adapters := map[string]*metrics.Collector{}
	var adapterOrder []string
	for _, st := range stages {
		so := base
		so.Stage = &metrics.StageLoad{RequestedRate: st.RequestedRate, Concurrency: st.Concurrency}
		stage := metrics.NewCollector(so)
		// Per (adapter, stage): the reference passes the stage rate but no
		// concurrency here.
		ao := base
		ao.Stage = &metrics.StageLoad{RequestedRate: st.RequestedRate}
		adapterStage := map[string]*metrics.Collector{}
		var adapterStageOrder []string
		for _, r := range st.Records {
			summary.Add(r)
			stage.Add(r)
			if r.LoRA == "" {
				continue
			}
			a := adapters[r.LoRA]
			if a == nil {
				a = metrics.NewCollector(base)
				adapters[r.LoRA] = a
				adapterOrder = append(adapterOrder, r.LoRA)
			}
			a.Add(r)
			as := adapterStage[r.LoRA]
			if as == nil {
				as = metrics.NewCollector(ao)
				adapterStage[r.LoRA] = as
				adapterStageOrder = append(adapterStageOrder, r.LoRA)
			}
			as.Add(r)
		}
		if rep := stage.Report(); rep != nil {
			set.Stages = append(set.Stages, StageReport{
				ID: st.ID, LoadType: st.LoadType, RequestedRate: st.RequestedRate, Concurrency: st.Concurrency,
				Start: st.Start, End: st.End, Report: rep,
			})
		}
		for _, name := range adapterStageOrder {
			set.AdapterStages = append(set.AdapterStages, AdapterReport{Adapter: name, StageID: st.ID, Report: adapterStage[name].Report()})
		}
	}
	set.Summary = summary.Report()
	for _, name := range adapterOrder {
		set.Adapters = append(set.Adapters, AdapterReport{Adapter: name, StageID: -1, Report: adapters[name].Report()})
	}
	return set, nil
}

// records yields every record of every reported stage, stage by stage.
func (s *Set) records(yield func(*record.Record) bool) {
	for _, st := range s.stages {
		for _, r := range st.Records {
			if !yield(r) {
				return
			}
		}
	}
}

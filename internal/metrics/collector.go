package metrics

import (
	"time"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Options configure a lifecycle computation (report.request_lifecycle plus
// what the stage asked for).
type Options struct {
	// Percentiles to report; nil means DefaultPercentiles.
	Percentiles []float64
	// UseServerOutputTokens normalises TPOT, NTPOT and output throughput by
	// the server's usage.completion_tokens instead of the client's count.
	UseServerOutputTokens bool
	// MaxErrorMessages caps the distinct messages kept per failure label.
	// Counts are never capped. 0 keeps no messages (the config default is 100).
	MaxErrorMessages int
	// Stage is set for per-stage reports: load_summary then also carries
	// send_duration, requested_rate, achieved_rate (and concurrency). nil for
	// the run summary.
	Stage *StageLoad
}

// StageLoad is what a stage asked for.
type StageLoad struct {
	RequestedRate float64 // requested_rate (req/s)
	Concurrency   int     // concurrency; 0 = not a concurrent stage (key left out)
}

// Lifecycle is one lifecycle report: the numbers of the reference's
// summarize_requests. Seconds throughout.
type Lifecycle struct {
	BenchmarkTimeSeconds float64 // max End - min Sent over all requests
	Load                 Load
	Successes            Successes
	Failures             Failures
}

// Load is load_summary.
type Load struct {
	Count         int      // every request, successful or not
	ScheduleDelay *Summary // Sent - Intended
	// Stage is what the stage asked for; nil in the run summary, where the
	// two fields below are not reported either.
	Stage        *StageLoad
	SendDuration float64 // max Sent - min Sent
	AchievedRate float64 // Count / SendDuration (0 when SendDuration is 0)
}

// Successes is the successes section.
type Successes struct {
	Count      int
	Latency    Latency
	Throughput Throughput
	// RequestSizeBytes is the request body size distribution.
	RequestSizeBytes *Summary
	// ImageCount, VideoCount, AudioCount: media items per request (all zero
	// until multimodal data exists; nil when there are no successes).
	ImageCount, VideoCount, AudioCount *Summary
	PromptTokens                       TokenUsage
	OutputLen                          *Summary // client output token counts
	OutputTokens                       OutputUsage
	TokenCountMismatches               int
}

// Latency is successes.latency.
type Latency struct {
	RequestLatency *Summary // e2e
	NTPOT          *Summary // normalized_time_per_output_token
	TPOT           *Summary // time_per_output_token
	TTFT           *Summary // time_to_first_token
	ITL            *Summary // inter_token_latency: every chunk gap of every request
}

// Throughput is successes.throughput, per second of BenchmarkTimeSeconds.
type Throughput struct {
	InputTokensPerSec, OutputTokensPerSec, TotalTokensPerSec float64
	RequestsPerSec                                           float64
	ImagesPerSec, VideosPerSec, AudiosPerSec                 float64
}

// TokenUsage is prompt_tokens: totals and the per-request distribution.
type TokenUsage struct {
	Total, Cached, Uncached float64
	Dist                    *Summary // nil when no requests
}

// OutputUsage is output_tokens: total and distribution.
type OutputUsage struct {
	Total float64
	Dist  *Summary
}

// Failures is the failures section.
type Failures struct {
	Count          int
	RequestLatency *Summary
	PromptTokens   TokenUsage
	ByLabel        []LabelCount // by descending count
}

// Collector accumulates Records into one lifecycle report. Records are not
// retained: only the values the report needs. (Today those are exact values;
// a later change swaps them for mergeable histograms behind this same type.)
// A Collector is not safe for concurrent use.
type Collector struct {
	opts Options

	count                int
	minSent, maxSent     time.Duration
	maxEnd               time.Duration
	scheduleDelay        []float64
	latency, ntpot       []float64
	tpot, ttft, itl      []float64
	requestSize          []float64
	promptTokens         []float64
	outputLen, outputTok []float64
	inputSum, outputSum  float64 // throughput numerators (effective counts)
	mismatches           int

	failedLatency []float64
	failedPrompt  []float64
	errors        errorCounter
}

// NewCollector returns an empty collector.
func NewCollector(opts Options) *Collector {
	if opts.Percentiles == nil {
		opts.Percentiles = DefaultPercentiles
	}
	return &Collector{opts: opts, errors: errorCounter{maxMessages: opts.MaxErrorMessages}}
}

// Count is the number of records added.
func (c *Collector) Count() int { return c.count }

// Add accounts for one record.
func (c *Collector) Add(r *record.Record) {
	if c.count == 0 {
		c.minSent, c.maxSent, c.maxEnd = r.Sent, r.Sent, r.End
	} else {
		c.minSent = min(c.minSent, r.Sent)
		c.maxSent = max(c.maxSent, r.Sent)
		c.maxEnd = max(c.maxEnd, r.End)
	}
	c.count++
	c.scheduleDelay = append(c.scheduleDelay, r.ScheduleDelay().Seconds())

	if r.Failed() {
		c.failedLatency = append(c.failedLatency, r.Latency().Seconds())
		c.failedPrompt = append(c.failedPrompt, float64(promptTokens(r)))
		c.errors.add(r.Error.Type, r.Error.Message, r.SessionID)
		return
	}

	var m RequestLatency
	m, c.itl = ComputeRequest(r, c.opts.UseServerOutputTokens, c.itl)
	c.latency = append(c.latency, m.Latency)
	c.ntpot = append(c.ntpot, m.NTPOT)
	if m.HasTTFT {
		c.ttft = append(c.ttft, m.TTFT)
	}
	if m.HasTPOT {
		c.tpot = append(c.tpot, m.TPOT)
	}
	in := float64(promptTokens(r))
	c.promptTokens = append(c.promptTokens, in)
	c.inputSum += in
	c.outputSum += float64(r.OutputTokens(c.opts.UseServerOutputTokens))
	c.requestSize = append(c.requestSize, float64(requestBytes(r)))
	c.outputLen = append(c.outputLen, float64(clientOutputTokens(r)))
	c.outputTok = append(c.outputTok, float64(serverOutputTokens(r)))
	if tokenCountMismatch(r) {
		c.mismatches++
	}
}

// Report computes the lifecycle report of everything added so far, or nil when
// nothing was added (the reference writes no file then). Report sorts the
// collected values in place to save memory, so call it once all records are
// in: Adding and reporting again still gives the right statistics, but means
// may then differ from numpy's arrival-order sum in the last bit.
func (c *Collector) Report() *Lifecycle {
	if c.count == 0 {
		return nil
	}
	ps := c.opts.Percentiles
	l := &Lifecycle{BenchmarkTimeSeconds: (c.maxEnd - c.minSent).Seconds()}
	l.Load = Load{Count: c.count, ScheduleDelay: summarizeInPlace(c.scheduleDelay, ps)}
	if c.opts.Stage != nil {
		st := *c.opts.Stage
		l.Load.Stage = &st
		l.Load.SendDuration = (c.maxSent - c.minSent).Seconds()
		if l.Load.SendDuration > 0 {
			l.Load.AchievedRate = float64(c.count) / l.Load.SendDuration
		}
	}

	s := &l.Successes
	s.Count = len(c.latency)
	s.Latency = Latency{
		RequestLatency: summarizeInPlace(c.latency, ps),
		NTPOT:          summarizeInPlace(c.ntpot, ps),
		TPOT:           summarizeInPlace(c.tpot, ps),
		TTFT:           summarizeInPlace(c.ttft, ps),
		ITL:            summarizeInPlace(c.itl, ps),
	}
	if t := l.BenchmarkTimeSeconds; t > 0 {
		s.Throughput = Throughput{
			InputTokensPerSec:  c.inputSum / t,
			OutputTokensPerSec: c.outputSum / t,
			TotalTokensPerSec:  (c.inputSum + c.outputSum) / t,
			RequestsPerSec:     float64(s.Count) / t,
		}
	}
	s.RequestSizeBytes = summarizeInPlace(c.requestSize, ps)
	zeros := make([]float64, s.Count) // no multimodal inputs yet: 0 per success
	s.ImageCount = Summarize(zeros, ps)
	s.VideoCount, s.AudioCount = s.ImageCount, s.ImageCount
	s.PromptTokens = tokenUsage(c.promptTokens, ps)
	s.OutputLen = summarizeInPlace(c.outputLen, ps)
	outTotal := sum(c.outputTok)
	s.OutputTokens = OutputUsage{Total: outTotal, Dist: summarizeInPlace(c.outputTok, ps)}
	s.TokenCountMismatches = c.mismatches

	l.Failures = Failures{
		Count:          len(c.failedLatency),
		RequestLatency: summarizeInPlace(c.failedLatency, ps),
		PromptTokens:   tokenUsage(c.failedPrompt, ps),
		ByLabel:        c.errors.result(),
	}
	return l
}

// Compute is the lifecycle report of a slice of records (nil when empty): a
// Collector fed every record.
func Compute(recs []*record.Record, opts Options) *Lifecycle {
	c := NewCollector(opts)
	for _, r := range recs {
		c.Add(r)
	}
	return c.Report()
}

// tokenUsage is the reference's summarize_prompt_token_usage. Records carry no
// cached-token count yet, so cached is 0 and uncached is the total.
func tokenUsage(perRequest []float64, ps []float64) TokenUsage {
	total := sum(perRequest) // before summarizeInPlace reorders them
	return TokenUsage{Total: total, Cached: 0, Uncached: total, Dist: summarizeInPlace(perRequest, ps)}
}

// sum adds in order, as Python's += loop in the reference does.
func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

package sim

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Bucket boundaries as vLLM v1 sets them, so histogram_quantile over the
// simulator reads like over vLLM.
var (
	ttftBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
		0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	itlBuckets = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
		0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}
	requestTimeBuckets = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0,
		20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
)

// tokenBuckets are vLLM's 1-2-5 buckets up to the context length.
func tokenBuckets(limit int) []float64 {
	var b []float64
	for exp := 1; ; exp *= 10 {
		for _, m := range []int{1, 2, 5} {
			v := m * exp
			if v > limit {
				return b
			}
			b = append(b, float64(v))
		}
	}
}

// metrics are the simulator's vLLM-named Prometheus series, on a private
// registry so several simulators can live in one process. Label values are
// bound once here so the request path only does atomic adds.
type metrics struct {
	registry *prometheus.Registry

	promptTokens     prometheus.Counter
	generationTokens prometheus.Counter
	successStop      prometheus.Counter
	successLength    prometheus.Counter
	successAbort     prometheus.Counter

	ttft prometheus.Observer
	// itl is observed once per token and exposed both as
	// vllm:inter_token_latency_seconds and as its deprecated twin
	// vllm:time_per_output_token_seconds.
	itl              *tokenGapHistogram
	reqTPOT          prometheus.Observer
	e2e              prometheus.Observer
	queueTime        prometheus.Observer
	inferenceTime    prometheus.Observer
	prefillTime      prometheus.Observer
	decodeTime       prometheus.Observer
	reqPromptTokens  prometheus.Observer
	reqGenTokens     prometheus.Observer
	reqParamsMaxToks prometheus.Observer
}

func newMetrics(model string, sched *scheduler) (*metrics, error) {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"model_name": model, "engine": "0"}
	m := &metrics{registry: reg}

	var cs []prometheus.Collector
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels})
		cs = append(cs, c)
		return c
	}
	hist := func(name, help string, buckets []float64) prometheus.Observer {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets, ConstLabels: labels})
		cs = append(cs, h)
		return h
	}
	gaugeFunc := func(name, help string, f func() float64) {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, f))
	}

	gaugeFunc("vllm:num_requests_running", "Number of requests in model execution batches.", func() float64 {
		r, _, _ := sched.state()
		return float64(r)
	})
	gaugeFunc("vllm:num_requests_waiting", "Number of requests waiting to be processed.", func() float64 {
		_, w, _ := sched.state()
		return float64(w)
	})
	// The simulator has no KV cache; 0 keeps the series present for scrapers.
	gaugeFunc("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", func() float64 { return 0 })

	m.promptTokens = counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.")
	m.generationTokens = counter("vllm:generation_tokens_total", "Number of generation tokens processed.")
	counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.") // always 0

	success := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vllm:request_success_total", Help: "Count of successfully processed requests.", ConstLabels: labels,
	}, []string{"finished_reason"})
	cs = append(cs, success)
	// vLLM's label is finished_reason; all values exist from the start, as in vLLM.
	m.successStop = success.WithLabelValues(finishStop)
	m.successLength = success.WithLabelValues(finishLength)
	m.successAbort = success.WithLabelValues("abort")

	m.ttft = hist("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttftBuckets)
	m.itl = newTokenGapHistogram(itlBuckets, labels,
		[2]string{"vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds."},
		[2]string{"vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds. DEPRECATED: use vllm:inter_token_latency_seconds."})
	cs = append(cs, m.itl)
	m.reqTPOT = hist("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", itlBuckets)
	m.e2e = hist("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", requestTimeBuckets)
	m.queueTime = hist("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", requestTimeBuckets)
	m.inferenceTime = hist("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", requestTimeBuckets)
	m.prefillTime = hist("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", requestTimeBuckets)
	m.decodeTime = hist("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", requestTimeBuckets)
	tb := tokenBuckets(maxModelLen)
	m.reqPromptTokens = hist("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tb)
	m.reqGenTokens = hist("vllm:request_generation_tokens", "Number of generation tokens processed.", tb)
	m.reqParamsMaxToks = hist("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", tb)

	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("sim metrics: register: %w", err)
		}
	}
	return m, nil
}

// tokenGapHistogram is the per-token histogram. It is on the hottest path
// (once per token of every request), so an observation is two atomic integer
// adds on one shared set of buckets, exposed under several names at scrape
// time; client_golang's Histogram would cost a float CAS loop per name.
type tokenGapHistogram struct {
	descs    []*prometheus.Desc
	bounds   []float64 // upper bounds in seconds, ascending
	boundsNs []int64   // the same in nanoseconds
	counts   []atomic.Uint64
	sumNs    atomic.Int64
}

func newTokenGapHistogram(bounds []float64, labels prometheus.Labels, names ...[2]string) *tokenGapHistogram {
	h := &tokenGapHistogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
	for _, b := range bounds {
		h.boundsNs = append(h.boundsNs, int64(b*float64(time.Second)))
	}
	for _, n := range names {
		h.descs = append(h.descs, prometheus.NewDesc(n[0], n[1], nil, labels))
	}
	return h
}

// observe records one gap. Buckets are found by a linear scan: gaps fall in
// the first few buckets, where a scan beats a binary search.
func (h *tokenGapHistogram) observe(d time.Duration) {
	ns := int64(d)
	i := 0
	for i < len(h.boundsNs) && ns > h.boundsNs[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(ns)
}

// Describe implements prometheus.Collector.
func (h *tokenGapHistogram) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range h.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector with cumulative buckets; the count
// is their total, so a scrape is self-consistent.
func (h *tokenGapHistogram) Collect(ch chan<- prometheus.Metric) {
	buckets := make(map[float64]uint64, len(h.bounds))
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		buckets[b] = cum
	}
	count := cum + h.counts[len(h.bounds)].Load()
	sum := time.Duration(h.sumNs.Load()).Seconds()
	for _, d := range h.descs {
		ch <- prometheus.MustNewConstHistogram(d, count, sum, buckets)
	}
}

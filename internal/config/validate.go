package config

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// Allowed values of the enumerated keys, in the reference's order.
var (
	apiTypes          = []string{APICompletion, APIChat, APIAnthropicMessages, APIEmbeddings}
	sloUnits          = []string{"s", "ms", "us"}
	responseFormats   = []string{"json_schema", "json_object"}
	dataTypes         = []string{DataMock, DataShareGPT, DataSynthetic, DataRandom, DataSharedPrefix, DataCNNDailyMail, DataInfinityInstruct, DataBillsumConversations, DataOTelTraceReplay, DataWekaTraceReplay, DataConversationReplay, DataVisionArena, DataSyntheticAgentic, DataShareGPT4Video}
	distTypes         = []string{DistNormal, DistSkewNormal, DistLognormal, DistUniform, DistPoisson, DistFixed}
	generatedDists    = []string{DistNormal, DistLognormal, DistUniform, DistFixed}
	traceFormats      = []string{TraceAzurePublicDataset}
	loadTypes         = []string{LoadConstant, LoadPoisson, LoadTraceReplay, LoadConcurrent, LoadTraceSessionReplay}
	sweepTypes        = []string{SweepGeometric, SweepLinear}
	metricsTypes      = []string{MetricsPrometheus, MetricsDefault}
	goodputKeys       = []string{GoodputTTFT, GoodputTPOT, GoodputITL, GoodputNTPOT, GoodputRequestLatency}
	addressingStyles  = []string{"auto", "virtual", "path"}
	serverTypes       = []string{ServerVLLM, ServerSGLang, ServerTGI, ServerMock, ServerOpenAI, ServerSim}
	triggerTypes      = []string{"consecutive", "rate_over_window"}
	standardStageKeys = "rate, duration"
)

// redacted is what Marshal writes in place of a credential (the reference's
// marker too); a config holding it was saved from a run and lacks the secret.
const redacted = "[REDACTED]"

// problem records a validation error about path, located at the line where
// path (or its nearest given parent) was set. Problems under a path that
// already failed to decode are dropped: they would only repeat it.
func (d *decoder) problem(path, format string, args ...any) {
	for ep := range d.errPaths {
		if related(ep, path) {
			return
		}
	}
	src, line := d.src, 0
	for p := path; ; p = parentPath(p) {
		if pos, ok := d.pos[p]; ok {
			src, line = pos.src, pos.line
			break
		}
		if p == "" {
			break
		}
	}
	d.errs = append(d.errs, &FieldError{Source: src, Line: line, Path: path, Msg: displayPath(path) + ": " + fmt.Sprintf(format, args...)})
}

// related reports whether one path contains the other.
func related(a, b string) bool {
	return a == b || a == "" || b == "" ||
		strings.HasPrefix(b, a+".") || strings.HasPrefix(b, a+"[") ||
		strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
}

func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func (d *decoder) enum(path, val string, allowed []string) bool {
	for _, a := range allowed {
		if val == a {
			return true
		}
	}
	if val == "" {
		d.problem(path, "required; one of %s", strings.Join(allowed, ", "))
		return false
	}
	msg := fmt.Sprintf("%q is not allowed", val)
	if sug := suggest(val, allowed); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	d.problem(path, "%s (allowed: %s)", msg, strings.Join(allowed, ", "))
	return false
}

func in(val string, set ...string) bool {
	for _, s := range set {
		if val == s {
			return true
		}
	}
	return false
}

// fmtNum prints a number as the messages quote it.
func fmtNum(f float64) string { return pyFloat(f) }

// validate checks the rules the reference's models and main.py enforce, plus
// our extensions'.
func (d *decoder) validate(cfg *Config) {
	d.validateAPI(&cfg.API)
	d.validateData(cfg)
	d.validateLoad(cfg)
	if m := cfg.Metrics; m != nil {
		d.validateMetrics(m)
	}
	d.validateReport(&cfg.Report)
	if st := cfg.Storage; st != nil {
		d.validateStorage(st)
	}
	d.validateServer(cfg)
	if t := cfg.Tokenizer; t != nil {
		if t.LoadTimeout != nil && *t.LoadTimeout <= 0 {
			d.problem("tokenizer.load_timeout", "must be > 0 (or null for no deadline), got %s", fmtNum(*t.LoadTimeout))
		}
		d.noRedacted("tokenizer.token", t.Token)
	}
	d.validateCircuitBreakers(cfg)
}

func (d *decoder) noRedacted(path string, v *string) {
	if v != nil && *v == redacted {
		d.problem(path, "holds %q from a saved config; set the real credential", redacted)
	}
}

func (d *decoder) noRedactedHeaders(path string, h map[string]string) {
	for _, k := range sortedKeys(h) {
		if isCredentialHeader(k) && h[k] == redacted {
			d.problem(joinPath(path, k), "holds %q from a saved config; set the real credential", redacted)
		}
	}
}

func (d *decoder) validateAPI(a *APIConfig) {
	d.enum("api.type", a.Type, apiTypes)
	if a.SLOUnit != nil {
		d.enum("api.slo_unit", *a.SLOUnit, sloUnits)
	}
	if rf := a.ResponseFormat; rf != nil {
		d.enum("api.response_format.type", rf.Type, responseFormats)
	}
	if a.Type == APIEmbeddings {
		if a.Streaming {
			d.problem("api.streaming", "streaming is not possible with api.type embeddings")
		}
		if a.ResponseFormat != nil {
			d.problem("api.response_format", "not possible with api.type embeddings")
		}
	}
	d.noRedactedHeaders("api.headers", a.Headers)
}

func (d *decoder) validateDist(path string, dist *Distribution, allowed []string, why string) {
	if dist == nil {
		return
	}
	if d.enum(path+".type", dist.Type, distTypes) && allowed != nil && !in(dist.Type, allowed...) {
		d.problem(path+".type", "%q is not available %s (allowed: %s)", dist.Type, why, strings.Join(allowed, ", "))
	}
	if dist.Min > dist.Max {
		d.problem(path, "min (%d) cannot be greater than max (%d)", dist.Min, dist.Max)
	}
	if dist.StdDev < 0 {
		d.problem(path+".std_dev", "cannot be negative, got %s", fmtNum(dist.StdDev))
	}
	if dist.Variance != nil {
		v := *dist.Variance
		switch {
		case v < 0:
			d.problem(path+".variance", "cannot be negative, got %s", fmtNum(v))
		case d.given(path + ".std_dev"):
			// Both given: accept them only when they agree, so that an
			// effective config (which prints both) loads back.
			if math.Abs(math.Sqrt(v)-dist.StdDev) > 1e-9*math.Max(1, dist.StdDev) {
				d.problem(path, "give either std_dev or variance, not both")
			}
		default:
			dist.StdDev = math.Sqrt(v)
		}
	}
}

// given reports whether path was set by the file or an override.
func (d *decoder) given(path string) bool {
	_, ok := d.pos[path]
	return ok
}

func (d *decoder) validateData(cfg *Config) {
	dc := &cfg.Data
	if !d.enum("data.type", dc.Type, dataTypes) {
		return
	}
	generated := in(dc.Type, DataRandom, DataSynthetic)
	var allowed []string
	why := ""
	if generated {
		allowed, why = generatedDists, "for data.type "+dc.Type
	}
	d.validateDist("data.input_distribution", dc.InputDistribution, allowed, why)
	d.validateDist("data.output_distribution", dc.OutputDistribution, allowed, why)
	if generated && dc.Trace == nil {
		if dc.InputDistribution == nil {
			d.problem("data.input_distribution", "required by data.type %s (unless data.trace is given)", dc.Type)
		}
		if dc.OutputDistribution == nil && cfg.API.Type != APIEmbeddings {
			d.problem("data.output_distribution", "required by data.type %s (unless data.trace is given)", dc.Type)
		}
	}
	// The reference's random generator and the synthetic one without
	// multimodal only build completion prompts.
	if dc.Type == DataRandom && cfg.API.Type != APICompletion {
		d.problem("data.type", "random supports api.type completion only, not %s", cfg.API.Type)
	}
	if dc.Type == DataSynthetic && cfg.API.Type != APICompletion && dc.Multimodal == nil {
		d.problem("data.type", "synthetic supports api.type completion only (chat needs data.multimodal), not %s", cfg.API.Type)
	}
	if dc.UseChatTemplate && dc.Type != DataRandom {
		d.problem("data.use_chat_template", "only the random data generator uses it; unset it or set data.type to random")
	}
	if t := dc.Trace; t != nil {
		d.validateTrace("data.trace", t)
	}
	if sp := dc.SharedPrefix; sp != nil {
		for _, l := range []struct {
			name string
			val  any
		}{{"system_prompt_len", sp.SystemPromptLen}, {"question_len", sp.QuestionLen}, {"output_len", sp.OutputLen}} {
			if dist, ok := l.val.(*Distribution); ok {
				d.validateDist("data.shared_prefix."+l.name, dist, nil, "")
			}
		}
		d.validateDist("data.shared_prefix.question_distribution", sp.QuestionDistribution, nil, "")
		d.validateDist("data.shared_prefix.output_distribution", sp.OutputDistribution, nil, "")
		if _, isInt := sp.QuestionLen.(int); !isInt && sp.QuestionDistribution != nil {
			d.problem("data.shared_prefix.question_distribution", "cannot be combined with a distribution or expression in question_len; use one or the other")
		}
		if _, isInt := sp.OutputLen.(int); !isInt && sp.OutputDistribution != nil {
			d.problem("data.shared_prefix.output_distribution", "cannot be combined with a distribution or expression in output_len; use one or the other")
		}
		if sp.MaxModelLen != nil && *sp.MaxModelLen <= 0 {
			d.problem("data.shared_prefix.max_model_len", "must be > 0, got %d", *sp.MaxModelLen)
		}
	}
	for _, req := range []struct {
		typ, key string
		set      bool
	}{
		{DataSharedPrefix, "shared_prefix", dc.SharedPrefix != nil},
		{DataConversationReplay, "conversation_replay", dc.ConversationReplay != nil},
		{DataVisionArena, "visionarena", dc.VisionArena != nil},
		{DataSyntheticAgentic, "synthetic_agentic", dc.SyntheticAgentic != nil},
		{DataOTelTraceReplay, "otel_trace_replay", dc.OTelTraceReplay != nil},
		{DataWekaTraceReplay, "weka_trace_replay", dc.WekaTraceReplay != nil},
	} {
		if dc.Type == req.typ && !req.set {
			d.problem("data."+req.key, "required by data.type %s", req.typ)
		}
	}
	if in(dc.Type, DataOTelTraceReplay, DataWekaTraceReplay) && cfg.Load.Type != LoadTraceSessionReplay {
		d.problem("load.type", "data.type %s requires load.type trace_session_replay, got %s", dc.Type, cfg.Load.Type)
	}
}

func (d *decoder) validateTrace(path string, t *TraceConfig) {
	if t.File == "" {
		d.problem(path+".file", "required: the path of the trace file")
	}
	d.enum(path+".format", t.Format, traceFormats)
}

func (d *decoder) validateLoad(cfg *Config) {
	l := &cfg.Load
	typeOK := d.enum("load.type", l.Type, loadTypes)
	if l.Interval < 0 {
		d.problem("load.interval", "cannot be negative, got %s", fmtNum(l.Interval))
	}
	if typeOK {
		for i := range l.Stages {
			d.validateStage(l.Type, fmt.Sprintf("load.stages[%d]", i), &l.Stages[i])
		}
	}
	if len(l.Stages) == 0 && l.Sweep == nil {
		d.problem("load.stages", "no stages; give at least one stage (or a load.sweep)")
	}
	if sw := l.Sweep; sw != nil {
		if in(l.Type, LoadConcurrent, LoadTraceSessionReplay) {
			d.problem("load.sweep", "cannot be used with load.type %s", l.Type)
		}
		d.enum("load.sweep.type", sw.Type, sweepTypes)
		positiveInt(d, "load.sweep.num_requests", sw.NumRequests)
		positiveFloat(d, "load.sweep.timeout", sw.Timeout)
		positiveInt(d, "load.sweep.num_stages", sw.NumStages)
		positiveInt(d, "load.sweep.stage_duration", sw.StageDuration)
		if sw.SaturationPercentile <= 0 || sw.SaturationPercentile > 100 {
			d.problem("load.sweep.saturation_percentile", "must be in (0, 100], got %s", fmtNum(sw.SaturationPercentile))
		}
	}
	if l.NumWorkers < 0 {
		d.problem("load.num_workers", "cannot be negative, got %d", l.NumWorkers)
	}
	// The reference itself writes worker_max_concurrency 0 into the effective
	// config of a concurrent run, so that must load back.
	if l.WorkerMaxConcurrency < 1 && !(l.Type == LoadConcurrent && l.WorkerMaxConcurrency == 0) {
		d.problem("load.worker_max_concurrency", "must be >= 1, got %d", l.WorkerMaxConcurrency)
	}
	positiveInt(d, "load.worker_max_tcp_connections", l.WorkerMaxTCPConnections)
	if l.RequestTimeout != nil {
		positiveFloat(d, "load.request_timeout", *l.RequestTimeout)
	}
	if l.RequestRetries < 0 {
		d.problem("load.request_retries", "cannot be negative, got %d", l.RequestRetries)
	}
	if l.RequestRetryBackoffSec < 0 {
		d.problem("load.request_retry_backoff_sec", "cannot be negative, got %s", fmtNum(l.RequestRetryBackoffSec))
	}
	if l.StageTeardownGraceSeconds < 0 {
		d.problem("load.stage_teardown_grace_seconds", "cannot be negative, got %s", fmtNum(l.StageTeardownGraceSeconds))
	}
	if t := l.Trace; t != nil {
		d.validateTrace("load.trace", t)
	} else if l.Type == LoadTraceReplay {
		d.problem("load.trace", "required by load.type trace_replay")
	}
	if l.LoRATrafficSplit != nil {
		sum := 0.0
		for i, s := range l.LoRATrafficSplit {
			p := fmt.Sprintf("load.lora_traffic_split[%d]", i)
			if s.Name == "" {
				d.problem(p+".name", "required: the LoRA adapter name")
			}
			if s.Split < 0 || s.Split > 1 {
				d.problem(p+".split", "must be in [0, 1], got %s", fmtNum(s.Split))
			}
			sum += s.Split
		}
		if math.Abs(sum-1) > 1e-9 {
			d.problem("load.lora_traffic_split", "splits must add up to 1.0, got %s", fmtNum(sum))
		}
	}
	known := map[string]bool{}
	for _, cb := range cfg.CircuitBreakers {
		known[cb.Name] = true
	}
	for i, name := range l.CircuitBreakers {
		if !known[name] {
			names := sortedKeys(known)
			list := "none are defined"
			if len(names) > 0 {
				list = "defined: " + strings.Join(names, ", ")
			}
			d.problem(fmt.Sprintf("load.circuit_breakers[%d]", i), "no top-level circuit_breakers entry named %q (%s)", name, list)
		}
	}
}

func positiveInt(d *decoder, path string, v int) {
	if v <= 0 {
		d.problem(path, "must be > 0, got %d", v)
	}
}

func positiveFloat(d *decoder, path string, v float64) {
	if v <= 0 {
		d.problem(path, "must be > 0, got %s", fmtNum(v))
	}
}

// validateStage checks one stage against the shape its load type takes
// (StandardLoadStage, ConcurrentLoadStage, TraceSessionReplayLoadStage).
func (d *decoder) validateStage(loadType, p string, s *Stage) {
	notFor := func(key string, set bool, valid string) {
		if set {
			d.problem(p+"."+key, "not a field of %s stages (they take %s)", loadType, valid)
		}
	}
	switch loadType {
	case LoadConstant, LoadPoisson, LoadTraceReplay:
		if s.Rate == nil {
			d.problem(p+".rate", "required for load.type %s", loadType)
		} else if *s.Rate <= 0 {
			d.problem(p+".rate", "must be > 0, got %s", fmtNum(*s.Rate))
		}
		if s.Duration == nil {
			d.problem(p+".duration", "required for load.type %s", loadType)
		} else if *s.Duration <= 0 {
			d.problem(p+".duration", "must be > 0, got %d", *s.Duration)
		}
		hint := standardStageKeys + "; num_requests and concurrency_level belong to load.type concurrent"
		notFor("num_requests", s.NumRequests != nil, hint)
		notFor("concurrency_level", s.ConcurrencyLevel != nil, hint)
		d.noSessionFields(loadType, p, s, standardStageKeys)
	case LoadConcurrent:
		if s.NumRequests == nil {
			d.problem(p+".num_requests", "required for load.type concurrent")
		} else if *s.NumRequests <= 0 {
			d.problem(p+".num_requests", "must be > 0, got %d", *s.NumRequests)
		}
		if s.ConcurrencyLevel == nil {
			d.problem(p+".concurrency_level", "required for load.type concurrent")
		} else if *s.ConcurrencyLevel <= 0 {
			d.problem(p+".concurrency_level", "must be > 0, got %d", *s.ConcurrencyLevel)
		}
		// rate and duration are accepted, as the reference does: it fills them
		// in itself (rate = num_requests, duration = 1) in the saved config.
		d.noSessionFields(loadType, p, s, "num_requests, concurrency_level")
	case LoadTraceSessionReplay:
		valid := "concurrent_sessions, session_rate, num_sessions, timeout"
		notFor("rate", s.Rate != nil, valid)
		notFor("duration", s.Duration != nil, valid)
		notFor("num_requests", s.NumRequests != nil, valid)
		notFor("concurrency_level", s.ConcurrencyLevel != nil, valid)
		if s.ConcurrentSessions == nil {
			d.problem(p+".concurrent_sessions", "required for load.type trace_session_replay (0 = all sessions at once)")
		} else if *s.ConcurrentSessions < 0 {
			d.problem(p+".concurrent_sessions", "cannot be negative, got %d", *s.ConcurrentSessions)
		}
		if s.SessionRate != nil {
			positiveFloat(d, p+".session_rate", *s.SessionRate)
			if s.ConcurrentSessions != nil && *s.ConcurrentSessions > 0 && *s.SessionRate > float64(*s.ConcurrentSessions) {
				d.problem(p+".session_rate", "%s cannot exceed concurrent_sessions (%d)", fmtNum(*s.SessionRate), *s.ConcurrentSessions)
			}
		}
		if s.NumSessions != nil {
			positiveInt(d, p+".num_sessions", *s.NumSessions)
		}
		if s.Timeout != nil {
			positiveFloat(d, p+".timeout", *s.Timeout)
		}
	}
}

func (d *decoder) noSessionFields(loadType, p string, s *Stage, valid string) {
	for _, f := range []struct {
		key string
		set bool
	}{
		{"concurrent_sessions", s.ConcurrentSessions != nil}, {"session_rate", s.SessionRate != nil},
		{"num_sessions", s.NumSessions != nil}, {"timeout", s.Timeout != nil},
	} {
		if f.set {
			d.problem(p+"."+f.key, "not a field of %s stages (they take %s; %s belongs to load.type trace_session_replay)", loadType, valid, f.key)
		}
	}
}

func (d *decoder) validateMetrics(m *MetricsConfig) {
	d.enum("metrics.type", m.Type, metricsTypes)
	p := m.Prometheus
	if p == nil {
		return
	}
	hasURL := p.URL != nil && *p.URL != ""
	if hasURL == p.GoogleManaged {
		d.problem("metrics.prometheus", "exactly one of url or google_managed must be set")
	}
	if hasURL {
		d.checkURL("metrics.prometheus.url", *p.URL)
	}
	positiveInt(d, "metrics.prometheus.scrape_interval", p.ScrapeInterval)
	if p.GoogleManaged && p.BearerToken != nil && *p.BearerToken != "" {
		d.problem("metrics.prometheus.bearer_token", "cannot be combined with google_managed, which authenticates with Application Default Credentials")
	}
	d.noRedacted("metrics.prometheus.bearer_token", p.BearerToken)
	d.noRedactedHeaders("metrics.prometheus.headers", p.Headers)
}

func (d *decoder) checkURL(path, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.problem(path, "%q is not an http(s) URL like http://localhost:8000", s)
	}
}

func (d *decoder) validateReport(r *ReportConfig) {
	rl := &r.RequestLifecycle
	for i, p := range rl.Percentiles {
		if p < 0 || p > 100 {
			d.problem(fmt.Sprintf("report.request_lifecycle.percentiles[%d]", i), "must be in [0, 100], got %s", fmtNum(p))
		}
	}
	if rl.MaxErrorMessages < 0 {
		d.problem("report.request_lifecycle.max_error_messages", "cannot be negative, got %d", rl.MaxErrorMessages)
	}
	if g := r.Goodput; g != nil {
		for _, k := range sortedKeys(g.Constraints) {
			p := "report.goodput.constraints." + k
			if !in(k, goodputKeys...) {
				d.problem(p, "unknown constraint %q; %s", k, unknownChoice(k, goodputKeys))
				continue
			}
			if g.Constraints[k] <= 0 {
				d.problem(p, "must be > 0 seconds, got %s", fmtNum(g.Constraints[k]))
			}
		}
	}
}

func (d *decoder) validateStorage(st *StorageConfig) {
	if l := st.LocalStorage; l != nil && l.Path == "" {
		d.problem("storage.local_storage.path", "cannot be empty")
	}
	if g := st.GoogleCloudStorage; g != nil && g.BucketName == "" {
		d.problem("storage.google_cloud_storage.bucket_name", "required")
	}
	if s := st.SimpleStorageService; s != nil {
		if s.BucketName == "" {
			d.problem("storage.simple_storage_service.bucket_name", "required")
		}
		if s.AddressingStyle != nil {
			d.enum("storage.simple_storage_service.addressing_style", *s.AddressingStyle, addressingStyles)
		}
	}
}

func (d *decoder) validateServer(cfg *Config) {
	s := cfg.Server
	if s == nil {
		d.problem("server", "missing: the model server under test, e.g. {type: vllm, base_url: http://localhost:8000} (or {type: sim} for the embedded simulator)")
		return
	}
	if !d.enum("server.type", s.Type, serverTypes) {
		return
	}
	switch {
	case s.BaseURL != "":
		d.checkURL("server.base_url", s.BaseURL)
	case s.Type != ServerMock && s.Type != ServerSim:
		d.problem("server.base_url", "required for server.type %s, e.g. http://localhost:8000", s.Type)
	}
	d.noRedacted("server.api_key", s.APIKey)
	if sim := s.Sim; sim != nil {
		for _, f := range []struct {
			key, val string
		}{{"ttft", sim.TTFT}, {"itl", sim.ITL}, {"ttft_jitter", sim.TTFTJitter}, {"itl_jitter", sim.ITLJitter}} {
			if dur, err := time.ParseDuration(f.val); err != nil {
				d.problem("server.sim."+f.key, "expected a Go duration string like \"50ms\", got %q", f.val)
			} else if dur < 0 {
				d.problem("server.sim."+f.key, "cannot be negative, got %s", f.val)
			}
		}
		positiveInt(d, "server.sim.output_tokens", sim.OutputTokens)
		positiveInt(d, "server.sim.max_num_seqs", sim.MaxNumSeqs)
		if s.Type == ServerSim {
			if sim.Model == "" {
				d.problem("server.sim.model", "cannot be empty")
			} else if s.ModelName != nil && *s.ModelName != sim.Model {
				d.problem("server.model_name", "%q differs from server.sim.model %q, which is the only model the simulator serves", *s.ModelName, sim.Model)
			}
		}
	}
}

func (d *decoder) validateCircuitBreakers(cfg *Config) {
	seen := map[string]bool{}
	for i, cb := range cfg.CircuitBreakers {
		p := fmt.Sprintf("circuit_breakers[%d]", i)
		switch {
		case cb.Name == "":
			d.problem(p+".name", "required")
		case seen[cb.Name]:
			d.problem(p+".name", "%q is used by another breaker", cb.Name)
		}
		seen[cb.Name] = true
		if cb.Metrics == nil {
			d.problem(p+".metrics", "required: {matches: [...], rules: [...]}")
		} else if m, _ := cb.Metrics["matches"].([]any); len(m) == 0 {
			d.problem(p+".metrics.matches", "required: at least one expression")
		}
		if len(cb.Triggers) == 0 {
			d.problem(p+".triggers", "required: at least one trigger")
		}
		for j, tr := range cb.Triggers {
			tp := fmt.Sprintf("%s.triggers[%d]", p, j)
			typ, _ := tr["type"].(string)
			if !d.enum(tp+".type", typ, triggerTypes) {
				continue
			}
			valid := map[string][]string{
				"consecutive":      {"type", "threshold"},
				"rate_over_window": {"type", "window_sec", "threshold", "min_samples"},
			}[typ]
			for _, k := range sortedKeys(tr) {
				if !in(k, valid...) {
					d.problem(tp+"."+k, "not a field of %s triggers (they take %s)", typ, strings.Join(valid, ", "))
				}
			}
		}
	}
}

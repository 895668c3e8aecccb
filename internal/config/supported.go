package config

import (
	"errors"
	"fmt"
	"reflect"
)

// UnsupportedError names one valid key whose feature is not built yet.
type UnsupportedError struct {
	Key   string // dotted path
	Value string // the value as YAML flow text
}

// Error renders "not supported yet: <key>=<value>".
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("not supported yet: %s=%s", e.Key, e.Value)
}

// CheckSupported fails for every valid key whose feature is not built yet, all
// of them joined (each an *UnsupportedError), so that a config is never run
// with a setting silently ignored. Keys left at their defaults pass.
func CheckSupported(cfg *Config) error {
	if cfg == nil {
		return errors.New("config: CheckSupported of a nil config")
	}
	c := supportCheck{m: marshaller{loadType: cfg.Load.Type}}

	a := &cfg.API
	c.unless("api.type", a.Type, in(a.Type, APICompletion, APIChat))
	c.unset("api.slo_unit", a.SLOUnit)
	c.unset("api.slo_tpot_header", a.SLOTPOTHeader)
	c.unset("api.slo_ttft_header", a.SLOTTFTHeader)
	c.unset("api.response_format", a.ResponseFormat)
	c.unset("api.session_id_header_key", a.SessionIDHeaderKey)
	c.unset("api.session_token_header_key", a.SessionTokenHeaderKey)

	dc := &cfg.Data
	c.unless("data.type", dc.Type, in(dc.Type, DataMock, DataRandom, DataSynthetic, DataShareGPT, DataSharedPrefix,
		DataCNNDailyMail, DataBillsumConversations, DataInfinityInstruct))
	if sp := dc.SharedPrefix; sp != nil {
		// Multi-turn sessions, prefix images and context trimming come later.
		c.unless("data.shared_prefix.enable_multi_turn_chat", sp.EnableMultiTurnChat, !sp.EnableMultiTurnChat)
		c.unset("data.shared_prefix.multimodal", sp.Multimodal)
		c.unset("data.shared_prefix.max_model_len", sp.MaxModelLen)
	}
	c.unset("data.multimodal", dc.Multimodal)
	// data.trace gives random prompts their lengths; other types would ignore it.
	c.unless("data.trace", dc.Trace, dc.Trace == nil || dc.Type == DataRandom)
	c.unset("data.otel_trace_replay", dc.OTelTraceReplay)
	c.unset("data.weka_trace_replay", dc.WekaTraceReplay)
	c.unset("data.conversation_replay", dc.ConversationReplay)
	c.unset("data.visionarena", dc.VisionArena)
	c.unset("data.synthetic_agentic", dc.SyntheticAgentic)
	c.unset("data.sharegpt4video", dc.ShareGPT4Video)
	c.unless("data.use_chat_template", dc.UseChatTemplate, !dc.UseChatTemplate)

	l := &cfg.Load
	c.unless("load.type", l.Type, in(l.Type, LoadConstant, LoadPoisson, LoadConcurrent, LoadTraceReplay))
	c.unset("load.sweep", l.Sweep)
	c.unless("load.circuit_breakers", l.CircuitBreakers, len(l.CircuitBreakers) == 0)
	c.unless("load.request_retries", l.RequestRetries, l.RequestRetries == 0)

	c.unset("metrics", cfg.Metrics)

	r := &cfg.Report
	c.unset("report.prometheus", r.Prometheus)
	c.unset("report.goodput", r.Goodput)
	c.unless("report.request_lifecycle.metrics_only", r.RequestLifecycle.MetricsOnly, !r.RequestLifecycle.MetricsOnly)
	if sl := r.SessionLifecycle; sl != nil {
		c.unless("report.session_lifecycle.per_session", sl.PerSession, !sl.PerSession)
	}

	if st := cfg.Storage; st != nil {
		c.unset("storage.google_cloud_storage", st.GoogleCloudStorage)
		c.unset("storage.simple_storage_service", st.SimpleStorageService)
	}
	if s := cfg.Server; s != nil {
		c.unset("server.cert_path", s.CertPath)
		c.unset("server.key_path", s.KeyPath)
	}
	c.unless("circuit_breakers", cfg.CircuitBreakers, len(cfg.CircuitBreakers) == 0)
	return errors.Join(c.errs...)
}

type supportCheck struct {
	m    marshaller
	errs []error
}

// unless records key=val as unsupported unless ok.
func (c *supportCheck) unless(key string, val any, ok bool) {
	if ok {
		return
	}
	c.errs = append(c.errs, &UnsupportedError{Key: key, Value: c.render(val)})
}

// unset records key as unsupported when val (a pointer, map or slice) is set.
func (c *supportCheck) unset(key string, val any) {
	v := reflect.ValueOf(val)
	c.unless(key, val, !v.IsValid() || v.IsNil())
}

func (c *supportCheck) render(val any) string {
	return truncate(flow(c.m.node(reflect.ValueOf(val), nil)), 120)
}

// Package config holds the inference-perf configuration schema: the same keys,
// defaults and validation rules as the Python kubernetes-sigs/inference-perf, so an
// existing config.yml drops in unchanged.
//
// Struct field order is the reference's key order (Marshal prints fields in
// declaration order). The `cfg` struct tag carries schema details the yaml tag
// cannot express, as comma-separated options:
//
//	newer      key of a newer inference-perf than v0.5.0: accepted, and printed
//	           by Marshal only when it differs from its default, so that an
//	           effective config keeps the v0.5.0 key set
//	ext        our extension (not in any inference-perf): printed only when set
//	alias=X    X is accepted as another name for the key
//	nonnull    the pointer may not be set to null (the reference's field is not Optional)
//	secret     a credential: redacted by Marshal, "[REDACTED]" rejected on load
//	headers    a header map: credential headers are redacted by Marshal
//	session    a trace_session_replay stage field
//	len        an int, a Distribution mapping or an expression string
//	duration   a Go duration string ("50ms")
//	schema=X   a free-form section whose keys are checked against schema X
package config

import "time"

// Config is the whole effective configuration of a run. Nullable reference fields
// are pointers so that the effective config prints `null` exactly where the
// reference prints it.
type Config struct {
	API             APIConfig              `yaml:"api"`
	Data            DataConfig             `yaml:"data"`
	Load            LoadConfig             `yaml:"load"`
	Metrics         *MetricsConfig         `yaml:"metrics"`
	Report          ReportConfig           `yaml:"report"`
	Storage         *StorageConfig         `yaml:"storage"`
	Server          *ServerConfig          `yaml:"server"`
	Tokenizer       *TokenizerConfig       `yaml:"tokenizer"`
	CircuitBreakers []CircuitBreakerConfig `yaml:"circuit_breakers"`
}

// API types.
const (
	APICompletion        = "completion"
	APIChat              = "chat"
	APIAnthropicMessages = "anthropic_messages"
	APIEmbeddings        = "embeddings" // newer than v0.5.0
)

// APIConfig selects the HTTP API and how it is called.
type APIConfig struct {
	Type                  string            `yaml:"type"`
	Streaming             bool              `yaml:"streaming"`
	Headers               map[string]string `yaml:"headers" cfg:"headers"`
	SLOUnit               *string           `yaml:"slo_unit"`
	SLOTPOTHeader         *string           `yaml:"slo_tpot_header"`
	SLOTTFTHeader         *string           `yaml:"slo_ttft_header"`
	ResponseFormat        *ResponseFormat   `yaml:"response_format"`
	SessionIDHeaderKey    *string           `yaml:"session_id_header_key"`
	SessionTokenHeaderKey *string           `yaml:"session_token_header_key"`
}

// ResponseFormat is the structured-output request of the reference.
type ResponseFormat struct {
	Type       string         `yaml:"type"`
	Name       string         `yaml:"name"`
	JSONSchema map[string]any `yaml:"json_schema"`
}

// Distribution is a length distribution (common.py Distribution).
type Distribution struct {
	Min        int      `yaml:"min"`
	Max        int      `yaml:"max"`
	Mean       float64  `yaml:"mean"`
	StdDev     float64  `yaml:"std_dev"`
	TotalCount *int     `yaml:"total_count"`
	Type       string   `yaml:"type"`
	Variance   *float64 `yaml:"variance"`
	Skew       float64  `yaml:"skew"`
}

// Distribution types.
const (
	DistNormal     = "normal"
	DistSkewNormal = "skew_normal"
	DistLognormal  = "lognormal"
	DistUniform    = "uniform"
	DistPoisson    = "poisson"
	DistFixed      = "fixed"
)

// Data types.
const (
	DataMock                 = "mock"
	DataShareGPT             = "shareGPT"
	DataSynthetic            = "synthetic"
	DataRandom               = "random"
	DataSharedPrefix         = "shared_prefix"
	DataCNNDailyMail         = "cnn_dailymail"
	DataInfinityInstruct     = "infinity_instruct"
	DataBillsumConversations = "billsum_conversations"
	DataOTelTraceReplay      = "otel_trace_replay"
	DataWekaTraceReplay      = "weka_trace_replay"
	DataConversationReplay   = "conversation_replay"
	DataVisionArena          = "visionarena"
	DataSyntheticAgentic     = "synthetic_agentic" // newer than v0.5.0
	DataShareGPT4Video       = "sharegpt4video"    // newer than v0.5.0
)

// DataConfig selects the prompt source.
type DataConfig struct {
	Type               string              `yaml:"type"`
	Path               *string             `yaml:"path"`
	CorpusFilePath     *string             `yaml:"corpus_file_path"`
	InputDistribution  *Distribution       `yaml:"input_distribution"`
	OutputDistribution *Distribution       `yaml:"output_distribution"`
	SharedPrefix       *SharedPrefix       `yaml:"shared_prefix"`
	Multimodal         map[string]any      `yaml:"multimodal" cfg:"schema=multimodal"`
	Trace              *TraceConfig        `yaml:"trace"`
	OTelTraceReplay    map[string]any      `yaml:"otel_trace_replay" cfg:"schema=otel_trace_replay"`
	WekaTraceReplay    map[string]any      `yaml:"weka_trace_replay" cfg:"schema=weka_trace_replay"`
	ConversationReplay *ConversationReplay `yaml:"conversation_replay" cfg:"schema=conversation_replay"`
	VisionArena        map[string]any      `yaml:"visionarena" cfg:"schema=visionarena"`
	UseChatTemplate    bool                `yaml:"use_chat_template"`
	SyntheticAgentic   map[string]any      `yaml:"synthetic_agentic" cfg:"newer,schema=synthetic_agentic"`
	ShareGPT4Video     map[string]any      `yaml:"sharegpt4video" cfg:"newer,schema=sharegpt4video"`
}

// SharedPrefix configures the shared_prefix data generator. The reference
// prints the group counts under their alias names, and accepts both.
type SharedPrefix struct {
	NumGroups            int            `yaml:"num_unique_system_prompts" cfg:"alias=num_groups"`
	NumPromptsPerGroup   int            `yaml:"num_users_per_system_prompt" cfg:"alias=num_prompts_per_group"`
	SystemPromptLen      any            `yaml:"system_prompt_len" cfg:"len"`
	QuestionLen          any            `yaml:"question_len" cfg:"len"`
	OutputLen            any            `yaml:"output_len" cfg:"len"`
	MaxModelLen          *int           `yaml:"max_model_len" cfg:"newer"`
	Seed                 *int64         `yaml:"seed"`
	QuestionDistribution *Distribution  `yaml:"question_distribution"`
	OutputDistribution   *Distribution  `yaml:"output_distribution"`
	EnableMultiTurnChat  bool           `yaml:"enable_multi_turn_chat"`
	Multimodal           map[string]any `yaml:"multimodal" cfg:"schema=multimodal"`
}

// ConversationReplay configures the in-memory synthetic multi-turn generator.
type ConversationReplay map[string]any

// Trace formats.
const TraceAzurePublicDataset = "AzurePublicDataset"

// TraceConfig names a trace file and its format.
type TraceConfig struct {
	File   string `yaml:"file"`
	Format string `yaml:"format"`
}

// Load types.
const (
	LoadConstant           = "constant"
	LoadPoisson            = "poisson"
	LoadTraceReplay        = "trace_replay"
	LoadConcurrent         = "concurrent"
	LoadTraceSessionReplay = "trace_session_replay"
)

// LoadConfig describes the load shape.
type LoadConfig struct {
	Type                    string       `yaml:"type"`
	Interval                float64      `yaml:"interval"`
	Stages                  []Stage      `yaml:"stages" cfg:"nonnull"`
	Sweep                   *SweepConfig `yaml:"sweep"`
	NumWorkers              int          `yaml:"num_workers"`
	WorkerMaxConcurrency    int          `yaml:"worker_max_concurrency"`
	WorkerMaxTCPConnections int          `yaml:"worker_max_tcp_connections"`
	Trace                   *TraceConfig `yaml:"trace"`
	CircuitBreakers         []string     `yaml:"circuit_breakers" cfg:"nonnull"`
	RequestTimeout          *float64     `yaml:"request_timeout"`
	// RequestRetries is how many extra attempts a request gets after a
	// transport fault before its first byte (newer than v0.5.0; default 0).
	RequestRetries int `yaml:"request_retries" cfg:"newer"`
	// RequestRetryBackoffSec is the base delay before the first retry, doubled
	// per retry (newer than v0.5.0; default 0.5).
	RequestRetryBackoffSec float64 `yaml:"request_retry_backoff_sec" cfg:"newer"`
	// StageTeardownGraceSeconds bounds how long in-flight requests may finish
	// after a stage ends (newer than v0.5.0; default 120).
	StageTeardownGraceSeconds float64     `yaml:"stage_teardown_grace_seconds" cfg:"newer"`
	LoRATrafficSplit          []LoRASplit `yaml:"lora_traffic_split"`
	BaseSeed                  int64       `yaml:"base_seed"`
}

// Stage is one load step. Which fields apply depends on LoadConfig.Type:
// rate+duration for constant/poisson/trace_replay, num_requests+concurrency_level
// for concurrent, the session fields for trace_session_replay.
type Stage struct {
	Rate             *float64 `yaml:"rate"`
	Duration         *int     `yaml:"duration"`
	NumRequests      *int     `yaml:"num_requests"`
	ConcurrencyLevel *int     `yaml:"concurrency_level"`
	// ConcurrentSessions caps active sessions (0 = all at once); trace_session_replay only.
	ConcurrentSessions *int `yaml:"concurrent_sessions" cfg:"session"`
	// SessionRate is sessions started per second; trace_session_replay only.
	SessionRate *float64 `yaml:"session_rate" cfg:"session"`
	// NumSessions is how many sessions the stage runs; trace_session_replay only.
	NumSessions *int `yaml:"num_sessions" cfg:"session"`
	// Timeout is the stage's wall-clock limit in seconds; trace_session_replay only.
	Timeout *float64 `yaml:"timeout" cfg:"session"`
}

// Sweep types.
const (
	SweepGeometric = "geometric"
	SweepLinear    = "linear"
)

// SweepConfig generates stages up to the saturation rate.
type SweepConfig struct {
	Type                 string  `yaml:"type"`
	NumRequests          int     `yaml:"num_requests"`
	Timeout              float64 `yaml:"timeout"`
	NumStages            int     `yaml:"num_stages"`
	StageDuration        int     `yaml:"stage_duration"`
	SaturationPercentile float64 `yaml:"saturation_percentile"`
}

// LoRASplit is one adapter's share of traffic.
type LoRASplit struct {
	Name  string  `yaml:"name"`
	Split float64 `yaml:"split"`
}

// Metrics client types.
const (
	MetricsPrometheus = "prometheus"
	MetricsDefault    = "default"
)

// MetricsConfig selects server-side metrics collection.
type MetricsConfig struct {
	Type       string            `yaml:"type"`
	Prometheus *PrometheusConfig `yaml:"prometheus"`
}

// PrometheusConfig points at a Prometheus server.
type PrometheusConfig struct {
	ScrapeInterval int      `yaml:"scrape_interval"`
	URL            *string  `yaml:"url"`
	Filters        []string `yaml:"filters" cfg:"nonnull"`
	GoogleManaged  bool     `yaml:"google_managed"`
	// BearerToken is sent as an Authorization header (newer than v0.5.0).
	BearerToken *string `yaml:"bearer_token" cfg:"newer,secret"`
	// VerifySSL checks the server's certificate (newer than v0.5.0; default true).
	VerifySSL bool `yaml:"verify_ssl" cfg:"newer"`
	// Headers are sent with every query (newer than v0.5.0).
	Headers map[string]string `yaml:"headers" cfg:"newer,headers"`
}

// ReportConfig selects which reports are written.
type ReportConfig struct {
	RequestLifecycle RequestLifecycleReport  `yaml:"request_lifecycle"`
	Prometheus       *PrometheusReport       `yaml:"prometheus"`
	SessionLifecycle *SessionLifecycleReport `yaml:"session_lifecycle" cfg:"nonnull"`
	Goodput          *GoodputConfig          `yaml:"goodput"`
}

// RequestLifecycleReport configures the lifecycle metric reports.
type RequestLifecycleReport struct {
	Summary               bool      `yaml:"summary"`
	PerStage              bool      `yaml:"per_stage"`
	PerRequest            bool      `yaml:"per_request"`
	PerAdapter            bool      `yaml:"per_adapter"`
	PerAdapterStage       bool      `yaml:"per_adapter_stage"`
	Percentiles           []float64 `yaml:"percentiles" cfg:"nonnull"`
	UseServerOutputTokens bool      `yaml:"use_server_output_tokens"`
	MaxErrorMessages      int       `yaml:"max_error_messages"`
	// MetricsOnly drops raw request/response text from the per-request report
	// (newer than v0.5.0; only meaningful with per_request).
	MetricsOnly bool `yaml:"metrics_only" cfg:"newer"`
}

// PrometheusReport configures server metric reports.
type PrometheusReport struct {
	Summary  bool `yaml:"summary"`
	PerStage bool `yaml:"per_stage"`
}

// SessionLifecycleReport configures session reports.
type SessionLifecycleReport struct {
	Summary    bool `yaml:"summary"`
	PerStage   bool `yaml:"per_stage"`
	PerSession bool `yaml:"per_session"`
}

// Goodput constraint names.
const (
	GoodputTTFT           = "ttft"
	GoodputTPOT           = "tpot"
	GoodputITL            = "itl"
	GoodputNTPOT          = "ntpot"
	GoodputRequestLatency = "request_latency"
)

// GoodputConfig holds SLO constraints in seconds.
type GoodputConfig struct {
	Constraints map[string]float64 `yaml:"constraints" cfg:"nonnull"`
}

// StorageConfig selects where reports go.
type StorageConfig struct {
	LocalStorage         *LocalStorage         `yaml:"local_storage"`
	GoogleCloudStorage   *GoogleCloudStorage   `yaml:"google_cloud_storage"`
	SimpleStorageService *SimpleStorageService `yaml:"simple_storage_service"`
}

// LocalStorage writes reports to a directory.
type LocalStorage struct {
	Path             string  `yaml:"path"`
	ReportFilePrefix *string `yaml:"report_file_prefix"`
}

// GoogleCloudStorage uploads reports to a GCS bucket.
type GoogleCloudStorage struct {
	Path             string  `yaml:"path"`
	ReportFilePrefix *string `yaml:"report_file_prefix"`
	BucketName       string  `yaml:"bucket_name"`
}

// SimpleStorageService uploads reports to an S3 (or S3-compatible) bucket.
type SimpleStorageService struct {
	Path             string  `yaml:"path"`
	ReportFilePrefix *string `yaml:"report_file_prefix"`
	BucketName       string  `yaml:"bucket_name"`
	EndpointURL      *string `yaml:"endpoint_url"`
	RegionName       *string `yaml:"region_name"`
	AddressingStyle  *string `yaml:"addressing_style"`
}

// Server types. ServerOpenAI and ServerSim are our extensions.
const (
	ServerVLLM   = "vllm"
	ServerSGLang = "sglang"
	ServerTGI    = "tgi"
	ServerOpenAI = "openai"
	ServerMock   = "mock"
	ServerSim    = "sim"
)

// ServerConfig names the model server under test.
type ServerConfig struct {
	Type      string  `yaml:"type"`
	ModelName *string `yaml:"model_name"`
	BaseURL   string  `yaml:"base_url"`
	IgnoreEOS bool    `yaml:"ignore_eos"`
	APIKey    *string `yaml:"api_key" cfg:"secret"`
	CertPath  *string `yaml:"cert_path"`
	KeyPath   *string `yaml:"key_path"`
	// Sim configures the embedded simulator for server.type sim (our extension).
	Sim *SimConfig `yaml:"sim" cfg:"ext"`
}

// SimConfig configures the embedded simulated model server (our extension).
// Durations are Go duration strings, checked on load; use the *Duration
// accessors to read them.
type SimConfig struct {
	Model        string `yaml:"model"`
	TTFT         string `yaml:"ttft" cfg:"duration"`
	ITL          string `yaml:"itl" cfg:"duration"`
	TTFTJitter   string `yaml:"ttft_jitter" cfg:"duration"`
	ITLJitter    string `yaml:"itl_jitter" cfg:"duration"`
	OutputTokens int    `yaml:"output_tokens"`
	MaxNumSeqs   int    `yaml:"max_num_seqs"`
	Seed         int64  `yaml:"seed"`
}

// TTFTDuration is the simulated time to first token.
func (s *SimConfig) TTFTDuration() time.Duration { return parseDur(s.TTFT) }

// ITLDuration is the simulated inter-token latency.
func (s *SimConfig) ITLDuration() time.Duration { return parseDur(s.ITL) }

// TTFTJitterDuration is the spread of the simulated time to first token.
func (s *SimConfig) TTFTJitterDuration() time.Duration { return parseDur(s.TTFTJitter) }

// ITLJitterDuration is the spread of the simulated inter-token latency.
func (s *SimConfig) ITLJitterDuration() time.Duration { return parseDur(s.ITLJitter) }

// parseDur reads a duration already checked by Load; an unparsable value
// (only possible for a hand-built SimConfig) reads as 0.
func parseDur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0
	}
	return d
}

// TokenizerConfig names the tokenizer used for counting and exact-length prompts.
type TokenizerConfig struct {
	PretrainedModelNameOrPath *string `yaml:"pretrained_model_name_or_path"`
	TrustRemoteCode           *bool   `yaml:"trust_remote_code"`
	Token                     *string `yaml:"token" cfg:"secret"`
	// LoadTimeout is the deadline in seconds for loading the tokenizer; null
	// disables it (newer than v0.5.0; default 300).
	LoadTimeout *float64 `yaml:"load_timeout" cfg:"newer"`
}

// CircuitBreakerConfig is one named breaker.
type CircuitBreakerConfig struct {
	Name     string           `yaml:"name"`
	Metrics  map[string]any   `yaml:"metrics" cfg:"schema=cb_metrics"`
	Triggers []map[string]any `yaml:"triggers" cfg:"schema=cb_trigger"`
}

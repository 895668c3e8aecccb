// Package config holds the inference-perf configuration schema: the same keys,
// defaults and validation rules as the Python kubernetes-sigs/inference-perf, so an
// existing config.yml drops in unchanged.
package config

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
)

// APIConfig selects the HTTP API and how it is called.
type APIConfig struct {
	Type                  string            `yaml:"type"`
	Streaming             bool              `yaml:"streaming"`
	Headers               map[string]string `yaml:"headers"`
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

// Data types.
const (
	DataMock      = "mock"
	DataRandom    = "random"
	DataSynthetic = "synthetic"
)

// DataConfig selects the prompt source.
type DataConfig struct {
	Type               string              `yaml:"type"`
	Path               *string             `yaml:"path"`
	CorpusFilePath     *string             `yaml:"corpus_file_path"`
	InputDistribution  *Distribution       `yaml:"input_distribution"`
	OutputDistribution *Distribution       `yaml:"output_distribution"`
	SharedPrefix       *SharedPrefix       `yaml:"shared_prefix"`
	Multimodal         map[string]any      `yaml:"multimodal"`
	Trace              *TraceConfig        `yaml:"trace"`
	OTelTraceReplay    map[string]any      `yaml:"otel_trace_replay"`
	WekaTraceReplay    map[string]any      `yaml:"weka_trace_replay"`
	ConversationReplay *ConversationReplay `yaml:"conversation_replay"`
	VisionArena        map[string]any      `yaml:"visionarena"`
	UseChatTemplate    bool                `yaml:"use_chat_template"`
}

// SharedPrefix configures the shared_prefix data generator.
type SharedPrefix struct {
	NumGroups            int            `yaml:"num_groups"`
	NumPromptsPerGroup   int            `yaml:"num_prompts_per_group"`
	SystemPromptLen      any            `yaml:"system_prompt_len"`
	QuestionLen          any            `yaml:"question_len"`
	OutputLen            any            `yaml:"output_len"`
	QuestionDistribution *Distribution  `yaml:"question_distribution"`
	OutputDistribution   *Distribution  `yaml:"output_distribution"`
	Seed                 *int64         `yaml:"seed"`
	EnableMultiTurnChat  bool           `yaml:"enable_multi_turn_chat"`
	Multimodal           map[string]any `yaml:"multimodal"`
}

// ConversationReplay configures the in-memory synthetic multi-turn generator.
type ConversationReplay map[string]any

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
	Stages                  []Stage      `yaml:"stages"`
	Sweep                   *SweepConfig `yaml:"sweep"`
	NumWorkers              int          `yaml:"num_workers"`
	WorkerMaxConcurrency    int          `yaml:"worker_max_concurrency"`
	WorkerMaxTCPConnections int          `yaml:"worker_max_tcp_connections"`
	Trace                   *TraceConfig `yaml:"trace"`
	CircuitBreakers         []string     `yaml:"circuit_breakers"`
	RequestTimeout          *float64     `yaml:"request_timeout"`
	LoRATrafficSplit        []LoRASplit  `yaml:"lora_traffic_split"`
	BaseSeed                int64        `yaml:"base_seed"`
}

// Stage is one load step. Which fields apply depends on LoadConfig.Type:
// rate+duration for constant/poisson/trace_replay, num_requests+concurrency_level
// for concurrent.
type Stage struct {
	Rate             *float64 `yaml:"rate"`
	Duration         *int     `yaml:"duration"`
	NumRequests      *int     `yaml:"num_requests"`
	ConcurrencyLevel *int     `yaml:"concurrency_level"`
}

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

// MetricsConfig selects server-side metrics collection.
type MetricsConfig struct {
	Type       string            `yaml:"type"`
	Prometheus *PrometheusConfig `yaml:"prometheus"`
}

// PrometheusConfig points at a Prometheus server.
type PrometheusConfig struct {
	ScrapeInterval int      `yaml:"scrape_interval"`
	URL            *string  `yaml:"url"`
	Filters        []string `yaml:"filters"`
	GoogleManaged  bool     `yaml:"google_managed"`
}

// ReportConfig selects which reports are written.
type ReportConfig struct {
	RequestLifecycle RequestLifecycleReport  `yaml:"request_lifecycle"`
	Prometheus       *PrometheusReport       `yaml:"prometheus"`
	SessionLifecycle *SessionLifecycleReport `yaml:"session_lifecycle"`
	Goodput          *GoodputConfig          `yaml:"goodput"`
}

// RequestLifecycleReport configures the lifecycle metric reports.
type RequestLifecycleReport struct {
	Summary               bool      `yaml:"summary"`
	PerStage              bool      `yaml:"per_stage"`
	PerRequest            bool      `yaml:"per_request"`
	PerAdapter            bool      `yaml:"per_adapter"`
	PerAdapterStage       bool      `yaml:"per_adapter_stage"`
	Percentiles           []float64 `yaml:"percentiles"`
	UseServerOutputTokens bool      `yaml:"use_server_output_tokens"`
	MaxErrorMessages      int       `yaml:"max_error_messages"`
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

// GoodputConfig holds SLO constraints in seconds.
type GoodputConfig struct {
	Constraints map[string]float64 `yaml:"constraints"`
}

// StorageConfig selects where reports go.
type StorageConfig struct {
	LocalStorage         *LocalStorage  `yaml:"local_storage"`
	GoogleCloudStorage   map[string]any `yaml:"google_cloud_storage"`
	SimpleStorageService map[string]any `yaml:"simple_storage_service"`
}

// LocalStorage writes reports to a directory.
type LocalStorage struct {
	Path             string  `yaml:"path"`
	ReportFilePrefix *string `yaml:"report_file_prefix"`
}

// Server types.
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
	APIKey    *string `yaml:"api_key"`
	CertPath  *string `yaml:"cert_path"`
	KeyPath   *string `yaml:"key_path"`
}

// TokenizerConfig names the tokenizer used for counting and exact-length prompts.
type TokenizerConfig struct {
	PretrainedModelNameOrPath *string `yaml:"pretrained_model_name_or_path"`
	TrustRemoteCode           *bool   `yaml:"trust_remote_code"`
	Token                     *string `yaml:"token"`
}

// CircuitBreakerConfig is one named breaker.
type CircuitBreakerConfig struct {
	Name     string           `yaml:"name"`
	Metrics  map[string]any   `yaml:"metrics"`
	Triggers []map[string]any `yaml:"triggers"`
}

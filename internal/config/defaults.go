package config

import (
	"reflect"
	"runtime"
	"time"
)

// Defaults the reference applies, in one place. A nested object that the file
// gives only partly gets the rest from here, as pydantic fills a model's
// remaining fields from its class defaults.
const (
	defaultStoragePath = "reports-{timestamp}"
	defaultSimModel    = "sim-model"
	// timestampLayout is Python's %Y%m%d-%H%M%S.
	timestampLayout = "20060102-150405"
)

// defaultPercentiles is report.request_lifecycle.percentiles by default.
var defaultPercentiles = []float64{0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9}

// Defaults returns the effective configuration of an empty config file, as of
// now, with num_workers = runtime.NumCPU(). It has no server section, which
// Load requires.
func Defaults() *Config {
	return defaultsAt(time.Now(), runtime.NumCPU())
}

// defaultsAt is Defaults with the clock and CPU count as inputs, for exact tests.
func defaultsAt(now time.Time, numCPU int) *Config {
	df := defaulter{now: now, numCPU: numCPU}
	return df.newValue(reflect.TypeFor[Config]()).Interface().(*Config)
}

// defaulter builds default values of config types; base_seed and num_workers
// depend on the time and machine, so they are inputs.
type defaulter struct {
	now    time.Time
	numCPU int
}

// newValue returns a pointer to a new value of type t holding the type's defaults.
func (df defaulter) newValue(t reflect.Type) reflect.Value {
	p := reflect.New(t)
	switch v := p.Interface().(type) {
	case *Config:
		v.API = *df.newValue(reflect.TypeFor[APIConfig]()).Interface().(*APIConfig)
		v.Data = DataConfig{Type: DataMock}
		v.Load = *df.newValue(reflect.TypeFor[LoadConfig]()).Interface().(*LoadConfig)
		v.Report = *df.newValue(reflect.TypeFor[ReportConfig]()).Interface().(*ReportConfig)
		v.Storage = df.newValue(reflect.TypeFor[StorageConfig]()).Interface().(*StorageConfig)
	case *APIConfig:
		v.Type = APICompletion
	case *DataConfig:
		v.Type = DataMock
	case *Distribution:
		*v = Distribution{Min: 10, Max: 1024, Mean: 512, StdDev: 200, Type: DistNormal}
	case *SharedPrefix:
		*v = SharedPrefix{NumGroups: 10, NumPromptsPerGroup: 10, SystemPromptLen: 100, QuestionLen: 50, OutputLen: 50}
	case *TraceConfig:
		v.Format = TraceAzurePublicDataset
	case *LoadConfig:
		*v = LoadConfig{
			Type:                      LoadConstant,
			Interval:                  1.0,
			Stages:                    []Stage{},
			NumWorkers:                max(1, df.numCPU),
			WorkerMaxConcurrency:      100,
			WorkerMaxTCPConnections:   2500,
			CircuitBreakers:           []string{},
			RequestRetryBackoffSec:    0.5,
			StageTeardownGraceSeconds: 120,
			BaseSeed:                  df.now.UnixMilli(),
		}
	case *SweepConfig:
		*v = SweepConfig{NumRequests: 2000, Timeout: 60, NumStages: 5, StageDuration: 180, SaturationPercentile: 95}
	case *PrometheusConfig:
		*v = PrometheusConfig{ScrapeInterval: 15, Filters: []string{}, VerifySSL: true}
	case *ReportConfig:
		v.RequestLifecycle = *df.newValue(reflect.TypeFor[RequestLifecycleReport]()).Interface().(*RequestLifecycleReport)
		v.SessionLifecycle = df.newValue(reflect.TypeFor[SessionLifecycleReport]()).Interface().(*SessionLifecycleReport)
	case *RequestLifecycleReport:
		*v = RequestLifecycleReport{
			Summary:          true,
			PerStage:         true,
			PerAdapter:       true,
			Percentiles:      append([]float64(nil), defaultPercentiles...),
			MaxErrorMessages: 100,
		}
	case *PrometheusReport:
		*v = PrometheusReport{Summary: true}
	case *SessionLifecycleReport:
		*v = SessionLifecycleReport{Summary: true, PerStage: true}
	case *GoodputConfig:
		v.Constraints = map[string]float64{}
	case *StorageConfig:
		v.LocalStorage = &LocalStorage{Path: defaultStoragePath}
	case *LocalStorage:
		v.Path = defaultStoragePath
	case *GoogleCloudStorage:
		v.Path = defaultStoragePath
	case *SimpleStorageService:
		v.Path = defaultStoragePath
	case *ServerConfig:
		*v = ServerConfig{Type: ServerVLLM, IgnoreEOS: true}
	case *SimConfig:
		// Model stays empty here: it follows server.model_name unless given
		// (see resolveSim).
		*v = SimConfig{TTFT: "50ms", ITL: "10ms", TTFTJitter: "0s", ITLJitter: "0s", OutputTokens: 128, MaxNumSeqs: 256, Seed: 42}
	case *TokenizerConfig:
		t := 300.0
		v.LoadTimeout = &t
	case *ResponseFormat:
		*v = ResponseFormat{Type: "json_schema", Name: "structured_output"}
	}
	return p
}

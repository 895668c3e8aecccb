// Package sim is an OpenAI-compatible simulated model server that behaves like
// vLLM under load: a fixed number of sequence slots (max-num-seqs) with a FIFO
// queue beyond them, a time to first token and an inter-token latency on an
// absolute schedule, vLLM's response shapes, and vLLM's Prometheus metrics.
//
// It is the embedded default target of the benchmark and the target of the
// end-to-end tests, so the per-request and per-token paths are kept cheap:
// chunk bytes are built with append, no encoding/json per token, one goroutine
// and one timer per request.
package sim

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

// defaultSeed replaces a zero Seed, so a zero-valued Options field still gives
// repeatable output.
const defaultSeed = 42

// Options configure a simulator. DefaultOptions gives the values of a plain
// `inference-perf sim`.
type Options struct {
	// Host is the address to listen on. Use 127.0.0.1 for anything local;
	// an empty host is refused so that a forgotten field never listens on all
	// interfaces.
	Host string
	// Port is the TCP port; 0 picks a free one (see Running.URL).
	Port int
	// Model is the base model id served.
	Model string
	// LoRAs are the LoRA adapter ids served besides Model, as vLLM serves
	// each --lora-modules name: listed by /v1/models with Model as parent
	// and answered like the base model. Requests naming any other model
	// get 404.
	LoRAs []string
	// TTFT is the time from admission to the first token.
	TTFT time.Duration
	// ITL is the time between consecutive tokens.
	ITL time.Duration
	// TTFTJitter is the standard deviation of a normal jitter added to TTFT
	// (the result is clamped at 0). Zero means exact.
	TTFTJitter time.Duration
	// ITLJitter is the standard deviation of a normal jitter added to each
	// inter-token gap (clamped at 0). Zero means exact.
	ITLJitter time.Duration
	// OutputTokens is the natural output length: the number of tokens
	// generated when the request does not force a length with
	// max_tokens+ignore_eos. max_tokens still caps it.
	OutputTokens int
	// MaxNumSeqs is the number of requests generating at once; the rest wait
	// in a FIFO queue, as in vLLM's --max-num-seqs.
	MaxNumSeqs int
	// Seed seeds the output words, ids and jitter; 0 means 42.
	Seed int64
	// Tokenizer counts prompt tokens (usage.prompt_tokens); nil means the
	// interim word counter. The embedded simulator gets the run's tokenizer,
	// so its usage agrees with the client's counts as a real server's would.
	Tokenizer tokenizer.Tokenizer
	// TracerProvider, when set, makes the simulator record one SERVER span
	// named llm_request per generation request, as vLLM started with
	// --otlp-traces-endpoint does: its parent is the W3C traceparent of the
	// request (a root span without one), and the provider's sampler decides
	// whether it is recorded. nil means no tracing and no per-request cost.
	// The caller owns the provider and shuts it down (flushing it) after the
	// server has stopped. It has no flag: it is built from the OTEL_*
	// environment by the command.
	TracerProvider trace.TracerProvider
}

// DefaultOptions returns the options of a plain `inference-perf sim`: a
// loopback server on port 8000 serving "sim-model" with a 50 ms TTFT, a 10 ms
// ITL, 128 output tokens and 256 sequence slots.
func DefaultOptions() Options {
	return Options{
		Host:         "127.0.0.1",
		Port:         8000,
		Model:        "sim-model",
		TTFT:         50 * time.Millisecond,
		ITL:          10 * time.Millisecond,
		OutputTokens: 128,
		MaxNumSeqs:   256,
		Seed:         defaultSeed,
	}
}

// RegisterFlags registers the simulator's flags on fs, with the current values
// of o as defaults, writing parsed values into o.
func RegisterFlags(fs *flag.FlagSet, o *Options) {
	fs.StringVar(&o.Host, "host", o.Host, "address to listen on")
	fs.IntVar(&o.Port, "port", o.Port, "TCP port to listen on (0 = a free port)")
	fs.StringVar(&o.Model, "model", o.Model, "base model id served; other model names (except --lora-modules) get 404")
	fs.Var(loraFlag{&o.LoRAs}, "lora-modules", "LoRA adapters served besides the model, as NAME[,NAME...] or vLLM's NAME=PATH (the path is ignored); repeatable")
	fs.DurationVar(&o.TTFT, "ttft", o.TTFT, "time from admission to the first token (e.g. 50ms)")
	fs.DurationVar(&o.ITL, "itl", o.ITL, "time between tokens (e.g. 10ms)")
	fs.DurationVar(&o.TTFTJitter, "ttft-jitter", o.TTFTJitter, "standard deviation of a normal jitter on the TTFT (0 = exact)")
	fs.DurationVar(&o.ITLJitter, "itl-jitter", o.ITLJitter, "standard deviation of a normal jitter on each inter-token gap (0 = exact)")
	fs.IntVar(&o.OutputTokens, "output-tokens", o.OutputTokens, "natural output length in tokens, capped by the request's max_tokens")
	fs.IntVar(&o.MaxNumSeqs, "max-num-seqs", o.MaxNumSeqs, "requests generating at once; more wait in a FIFO queue")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed of output words, ids and jitter (0 = 42)")
}

// Validate reports every invalid field at once, naming the flag that sets it.
func (o Options) Validate() error {
	var errs []error
	bad := func(flagName, format string, args ...any) {
		errs = append(errs, fmt.Errorf("sim option --%s: %s", flagName, fmt.Sprintf(format, args...)))
	}
	if o.Host == "" {
		bad("host", "must not be empty (use 127.0.0.1 for a local server)")
	}
	if o.Port < 0 || o.Port > 65535 {
		bad("port", "%d is outside 0..65535", o.Port)
	}
	if o.Model == "" {
		bad("model", "must not be empty")
	}
	seen := map[string]bool{o.Model: true}
	for _, name := range o.LoRAs {
		switch {
		case name == "":
			bad("lora-modules", "an adapter name must not be empty")
		case seen[name]:
			bad("lora-modules", "%q is served twice (as the model or another adapter)", name)
		}
		seen[name] = true
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ttft", o.TTFT}, {"itl", o.ITL}, {"ttft-jitter", o.TTFTJitter}, {"itl-jitter", o.ITLJitter}} {
		if d.v < 0 {
			bad(d.name, "%v is negative", d.v)
		}
	}
	if o.OutputTokens < 1 {
		bad("output-tokens", "%d must be at least 1", o.OutputTokens)
	} else if o.OutputTokens > maxModelLen {
		bad("output-tokens", "%d exceeds the simulated context length %d", o.OutputTokens, maxModelLen)
	}
	if o.MaxNumSeqs < 1 {
		bad("max-num-seqs", "%d must be at least 1", o.MaxNumSeqs)
	}
	return errors.Join(errs...)
}

// seed returns the effective seed: Seed, or 42 when it is zero.
func (o Options) seed() uint64 {
	if o.Seed == 0 {
		return defaultSeed
	}
	return uint64(o.Seed)
}

// loraFlag is --lora-modules: each use adds adapters, given as a
// comma-separated list of NAME or vLLM's NAME=PATH (the simulator has no
// weights, so the path is dropped).
type loraFlag struct{ names *[]string }

func (f loraFlag) String() string {
	if f.names == nil {
		return ""
	}
	return strings.Join(*f.names, ",")
}

func (f loraFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(item), "=")
		name = strings.TrimSpace(name)
		if name == "" {
			return fmt.Errorf("empty adapter name in %q; want NAME[,NAME...] or NAME=PATH", v)
		}
		*f.names = append(*f.names, name)
	}
	return nil
}

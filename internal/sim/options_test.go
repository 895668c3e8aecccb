package sim

import (
	"flag"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestDefaultOptionsValid(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	// A plain `inference-perf sim` is a local server on vLLM's usual port.
	if o.Host != "127.0.0.1" || o.Port != 8000 || o.Model != "sim-model" || o.TTFT != 50*time.Millisecond ||
		o.ITL != 10*time.Millisecond || o.OutputTokens != 128 || o.MaxNumSeqs != 256 || o.Seed != 42 {
		t.Fatalf("defaults %+v", o)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Options)
		want   []string // flags named in the error; none = valid
	}{
		{"defaults", func(*Options) {}, nil},
		// Port 0 asks for a free port; zero times make an instant server.
		{"port 0 and zero times", func(o *Options) { o.Port, o.TTFT, o.ITL = 0, 0, 0 }, nil},
		// An empty host would listen on every interface.
		{"empty host", func(o *Options) { o.Host = "" }, []string{"--host"}},
		{"port range", func(o *Options) { o.Port = 70000 }, []string{"--port"}},
		{"empty model", func(o *Options) { o.Model = "" }, []string{"--model"}},
		{"negative durations", func(o *Options) { o.TTFT, o.ITLJitter = -1, -time.Second }, []string{"--ttft", "--itl-jitter"}},
		{"no output", func(o *Options) { o.OutputTokens = 0 }, []string{"--output-tokens"}},
		{"output beyond context", func(o *Options) { o.OutputTokens = maxModelLen + 1 }, []string{"--output-tokens"}},
		// Adapters are extra model ids: each must be non-empty and distinct.
		{"adapters", func(o *Options) { o.LoRAs = []string{"a1", "a2"} }, nil},
		{"empty adapter", func(o *Options) { o.LoRAs = []string{""} }, []string{"--lora-modules"}},
		{"adapter twice", func(o *Options) { o.LoRAs = []string{"a", "a"} }, []string{"--lora-modules"}},
		{"adapter is the model", func(o *Options) { o.LoRAs = []string{o.Model} }, []string{"--lora-modules"}},
		// Every problem is reported at once.
		{"all at once", func(o *Options) { o.MaxNumSeqs, o.Model, o.ITL = 0, "", -1 }, []string{"--max-num-seqs", "--model", "--itl"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := DefaultOptions()
			tc.mutate(&o)
			err := o.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w+":") {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if _, nerr := New(o); nerr == nil {
				t.Errorf("New accepted invalid options")
			}
		})
	}
}

func TestRegisterFlags(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	RegisterFlags(fs, &o)

	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	want := "host itl itl-jitter lora-modules max-num-seqs model output-tokens port seed ttft ttft-jitter"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("flags %q, want exactly %q", got, want)
	}
	if d := fs.Lookup("ttft").DefValue; d != "50ms" {
		t.Errorf("--ttft default shows %q", d)
	}

	err := fs.Parse([]string{"--host", "127.0.0.2", "--port", "0", "--model", "m", "--ttft", "5ms", "--itl", "1ms",
		"--ttft-jitter", "2ms", "--itl-jitter", "3ms", "--output-tokens", "9", "--max-num-seqs", "4", "--seed", "-3",
		"--lora-modules", "a1,a2", "--lora-modules", "a3=/weights/a3"})
	if err != nil {
		t.Fatal(err)
	}
	wantO := Options{Host: "127.0.0.2", Port: 0, Model: "m", TTFT: 5 * time.Millisecond, ITL: time.Millisecond,
		TTFTJitter: 2 * time.Millisecond, ITLJitter: 3 * time.Millisecond, OutputTokens: 9, MaxNumSeqs: 4, Seed: -3,
		LoRAs: []string{"a1", "a2", "a3"}}
	if !reflect.DeepEqual(o, wantO) {
		t.Fatalf("parsed %+v, want %+v", o, wantO)
	}
}

// --lora-modules takes vLLM's NAME=PATH and plain names, comma-separated
// or repeated; an empty name is refused.
func TestLoRAFlag(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want []string
		bad  bool
	}{
		// vLLM's own form: the path is dropped.
		{"vllm form", []string{"--lora-modules", "sql=/w/sql"}, []string{"sql"}, false},
		// Our short form, several at once, with spaces tolerated.
		{"names", []string{"--lora-modules", "a, b,c"}, []string{"a", "b", "c"}, false},
		// Repeated flags add up.
		{"repeated", []string{"--lora-modules", "a", "--lora-modules", "b=p"}, []string{"a", "b"}, false},
		// A trailing comma would serve a nameless adapter.
		{"empty", []string{"--lora-modules", "a,"}, nil, true},
		{"empty name with path", []string{"--lora-modules", "=p"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := DefaultOptions()
			fs := flag.NewFlagSet("sim", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			RegisterFlags(fs, &o)
			err := fs.Parse(tc.args)
			if tc.bad {
				if err == nil {
					t.Fatalf("parsed %v, want an error", o.LoRAs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o.LoRAs, tc.want) {
				t.Fatalf("LoRAs %q, want %q", o.LoRAs, tc.want)
			}
		})
	}
}

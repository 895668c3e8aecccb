package runner

import (
	"reflect"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

// The embedded simulator serves the adapters of load.lora_traffic_split, so
// a split run against server.type sim needs no other setup.
func TestSimOptionsServeLoRAs(t *testing.T) {
	t.Parallel()
	model := "m"
	cases := []struct {
		name  string
		split []config.LoRASplit
		want  []string
	}{
		// No split: only the base model, as before.
		{"no split", nil, nil},
		// Each adapter in split order.
		{"split", []config.LoRASplit{{Name: "a1", Split: 0.7}, {Name: "a2", Split: 0.3}}, []string{"a1", "a2"}},
		// A name listed twice, or the model's own name, is served once
		// (the simulator refuses duplicate ids).
		{"duplicates", []config.LoRASplit{{Name: "a", Split: 0.25}, {Name: "m", Split: 0.25}, {Name: "a", Split: 0.5}}, []string{"a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Server: &config.ServerConfig{Type: config.ServerSim, ModelName: &model}}
			cfg.Load.LoRATrafficSplit = tc.split
			o := simOptions(cfg)
			if !reflect.DeepEqual(o.LoRAs, tc.want) {
				t.Fatalf("LoRAs %q, want %q", o.LoRAs, tc.want)
			}
			if err := o.Validate(); err != nil {
				t.Fatalf("options invalid: %v", err)
			}
		})
	}
}

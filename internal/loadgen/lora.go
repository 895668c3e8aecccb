package loadgen

import (
	"math"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

// LoRAPicker chooses the LoRA adapter of each request in the proportions of
// load.lora_traffic_split, as the reference's per-request
// np.random.choice(adapters, p=splits) does. The choice is a pure function of
// (seed, request seq), so a run with the same load.base_seed sends the same
// adapter with the same request whatever the goroutine interleaving.
// A nil *LoRAPicker picks "" (no adapter: the base model).
type LoRAPicker struct {
	names []string
	cum   []float64 // cumulative shares, normalised so the last is 1
	last  int       // index of the last adapter with a positive share
}

// NewLoRAPicker returns a picker for splits, or nil when no adapter has a
// positive share. Shares are normalised by their sum, so a split that
// config validation accepted (sum 1 within rounding) is used as given.
func NewLoRAPicker(splits []config.LoRASplit) *LoRAPicker {
	var sum float64
	last := -1
	for i, s := range splits {
		if s.Split > 0 && !math.IsInf(s.Split, 0) {
			sum += s.Split
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	p := &LoRAPicker{names: make([]string, len(splits)), cum: make([]float64, len(splits)), last: last}
	var acc float64
	for i, s := range splits {
		p.names[i] = s.Name
		if s.Split > 0 && !math.IsInf(s.Split, 0) {
			acc += s.Split
		}
		p.cum[i] = acc / sum
	}
	return p
}

// Pick returns the adapter of request seq under seed.
func (p *LoRAPicker) Pick(seed int64, seq uint64) string {
	if p == nil {
		return ""
	}
	u := unitFloat(uint64(seed), seq)
	for i, c := range p.cum {
		if u < c {
			return p.names[i]
		}
	}
	// Only reachable through rounding of the last cumulative share.
	return p.names[p.last]
}

// unitFloat maps (seed, seq) to a uniform float64 in [0, 1): two rounds of
// splitmix64 mix the pair so neighbouring seqs and seeds are independent.
func unitFloat(seed, seq uint64) float64 {
	x := splitmix64(splitmix64(seed^0x6c6f7261) + seq) // "lora": a stream apart from the poisson schedule's
	return float64(x>>11) / (1 << 53)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

package datagen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

// Distribution types understood by the length samplers. The reference's
// generate_distribution (used by random and synthetic) supports exactly these
// four; skew_normal and poisson exist in the schema but only for other
// generators.
const (
	distNormal    = "normal"
	distLognormal = "lognormal"
	distUniform   = "uniform"
	distFixed     = "fixed"
)

// maxFixed bounds a fixed length so that truncating it to int is exact.
const maxFixed = 1 << 53

// Sampler draws integer lengths from one validated Distribution. It is a
// small value with everything precomputed, so Sample is a few float
// operations and safe to share between goroutines (the caller owns the RNG).
type Sampler struct {
	kind      string
	min, max  int
	fixed     int
	mean, std float64 // normal
	mu, sigma float64 // lognormal, of the underlying normal
	lo, hi    float64 // uniform
}

// NewSampler validates d and precomputes its parameters. field is the config
// path used in error messages, e.g. "data.input_distribution". All problems
// are returned at once.
func NewSampler(field string, d config.Distribution) (Sampler, error) {
	if field == "" {
		field = "distribution"
	}
	var errs []error
	bad := func(sub, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", field, sub, fmt.Sprintf(format, args...)))
	}
	std := d.StdDev
	if !finite(d.Mean) {
		bad("mean", "must be a finite number, got %v", d.Mean)
	}
	if !finite(d.StdDev) {
		bad("std_dev", "must be a finite number, got %v", d.StdDev)
	}
	if d.Variance != nil {
		v := *d.Variance
		switch {
		case !finite(v):
			bad("variance", "must be a finite number, got %v", v)
		case v < 0:
			bad("variance", "cannot be negative, got %v", v)
		default:
			// The reference replaces std_dev with sqrt(variance) during
			// validation, so an effective config may carry both; only a
			// conflicting pair is the user's "both" mistake.
			if d.StdDev > 0 && d.StdDev != math.Sqrt(v) {
				errs = append(errs, fmt.Errorf("%s: specify either std_dev or variance, not both", field))
			}
			std = math.Sqrt(v)
		}
	}
	if d.Min > d.Max {
		bad("min", "min (%d) cannot be greater than max (%d)", d.Min, d.Max)
	}
	if std < 0 {
		bad("std_dev", "cannot be negative, got %v", std)
	}
	kind := d.Type
	if kind == "" {
		kind = distNormal // the reference's default type
	}
	switch kind {
	case distNormal:
		if finite(d.Mean) && (d.Mean < float64(d.Min) || d.Mean > float64(d.Max)) {
			bad("mean", "%v is outside [min %d, max %d]; a normal distribution needs min <= mean <= max", d.Mean, d.Min, d.Max)
		}
	case distFixed:
		if finite(d.Mean) && math.Abs(d.Mean) >= maxFixed {
			bad("mean", "%v is too large for a fixed length", d.Mean)
		}
	case distLognormal, distUniform:
	default:
		bad("type", "%q is not supported here (supported: normal, lognormal, uniform, fixed)", d.Type)
	}
	if len(errs) > 0 {
		return Sampler{}, errors.Join(errs...)
	}
	return compile(kind, d.Min, d.Max, d.Mean, std), nil
}

// compile precomputes a sampler from already validated parameters.
func compile(kind string, lo, hi int, mean, std float64) Sampler {
	s := Sampler{kind: kind, min: lo, max: hi}
	switch kind {
	case distFixed:
		// int(mean) in the reference: truncated and, unlike every other
		// type, not clamped to [min, max].
		s.fixed = int(math.Trunc(mean))
	case distNormal:
		s.mean, s.std = mean, std
	case distUniform:
		s.lo, s.hi = float64(lo), float64(hi)
	case distLognormal:
		// Moment-match the lognormal of (value - min) to the requested mean
		// and std_dev, then shift by min. A mean at or below min falls back
		// to a shifted mean of 1, as the reference does.
		shifted := mean - float64(lo)
		if shifted <= 0 {
			shifted = 1
		}
		sigma2 := math.Log1p((std / shifted) * (std / shifted))
		s.mu = math.Log(shifted) - sigma2/2
		s.sigma = math.Sqrt(sigma2)
	}
	return s
}

// Sample draws one length: the raw draw is clipped to [min, max], rounded
// half to even (numpy's round) and clipped again. Fixed returns trunc(mean).
func (s Sampler) Sample(rng *rand.Rand) int {
	var x float64
	switch s.kind {
	case distFixed:
		return s.fixed
	case distUniform:
		x = s.lo + (s.hi-s.lo)*rng.Float64()
	case distLognormal:
		x = float64(s.min) + math.Exp(s.mu+s.sigma*rng.NormFloat64())
	default: // normal
		x = s.mean + s.std*rng.NormFloat64()
	}
	return ClampRound(x, s.min, s.max)
}

// Sample is the pure-function form of Sampler.Sample for a Distribution that
// has already passed NewSampler. An invalid d never panics: it is sampled as
// a normal with the given parameters and clamped.
func Sample(d config.Distribution, rng *rand.Rand) int {
	s, err := NewSampler("", d)
	if err != nil {
		std := d.StdDev
		if !finite(std) || std < 0 {
			std = 0
		}
		s = compile(distNormal, min(d.Min, d.Max), max(d.Min, d.Max), d.Mean, std)
	}
	return s.Sample(rng)
}

// Generate returns n lengths drawn from d, the counterpart of the reference's
// generate_distribution(min, max, mean, std_dev, total_count, type, rng).
func Generate(d config.Distribution, n int, rng *rand.Rand) ([]int, error) {
	if n <= 0 {
		return nil, fmt.Errorf("generate lengths: count must be a positive integer, got %d", n)
	}
	s, err := NewSampler("", d)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		out[i] = s.Sample(rng)
	}
	return out, nil
}

// ClampRound clips x to [lo, hi], rounds half to even and clips again, the
// reference's clip → round → clip tail. NaN maps to lo.
func ClampRound(x float64, lo, hi int) int {
	if !(x > float64(lo)) { // also catches NaN
		return lo
	}
	if x >= float64(hi) {
		return hi
	}
	// Strictly inside the bounds, so the conversion cannot overflow.
	r := int(math.RoundToEven(x))
	return max(lo, min(hi, r))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

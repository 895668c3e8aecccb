package datagen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

// Distribution types only the reference's sample_from_distribution has.
const (
	distSkewNormal = "skew_normal"
	distPoisson    = "poisson"
)

// lenDist samples a length the way the reference's sample_from_distribution
// does (shared_prefix uses it, random and synthetic use generate_distribution,
// which differs). The raw draw is clipped to [min, max], rounded half to
// even and clipped again; fixed is trunc(mean), unclamped. Against
// generate_distribution: normal accepts a mean outside [min, max]; lognormal
// is moment-matched to mean and std_dev itself, with no shift by min;
// uniform draws from [min, max+1) so that max is as likely as any other
// length; skew_normal and poisson exist.
type lenDist struct {
	kind      string
	min, max  int
	fixed     int
	mean, std float64 // normal, skew_normal (mean is the location)
	delta     float64 // skew_normal: skew / sqrt(1 + skew²)
	mu, sigma float64 // lognormal, of the underlying normal
	lam       float64 // poisson
}

// newLenDist validates d (field names it in errors) and precomputes it.
func newLenDist(field string, d config.Distribution) (lenDist, error) {
	var errs []error
	bad := func(sub, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", field, sub, fmt.Sprintf(format, args...)))
	}
	std := d.StdDev
	if !finite(d.Mean) {
		bad("mean", "must be a finite number, got %v", d.Mean)
	}
	if !finite(d.StdDev) || d.StdDev < 0 {
		bad("std_dev", "must be a finite number >= 0, got %v", d.StdDev)
	}
	if !finite(d.Skew) {
		bad("skew", "must be a finite number, got %v", d.Skew)
	}
	if d.Variance != nil {
		v := *d.Variance
		if !finite(v) || v < 0 {
			bad("variance", "must be a finite number >= 0, got %v", v)
		} else {
			if d.StdDev > 0 && d.StdDev != math.Sqrt(v) {
				errs = append(errs, fmt.Errorf("%s: specify either std_dev or variance, not both", field))
			}
			std = math.Sqrt(v)
		}
	}
	if d.Min > d.Max {
		bad("min", "min (%d) cannot be greater than max (%d)", d.Min, d.Max)
	}
	kind := d.Type
	if kind == "" {
		kind = distNormal
	}
	switch kind {
	case distFixed:
		if finite(d.Mean) && math.Abs(d.Mean) >= maxFixed {
			bad("mean", "%v is too large for a fixed length", d.Mean)
		}
	case distLognormal:
		if finite(d.Mean) && d.Mean <= 0 {
			bad("mean", "a lognormal distribution needs mean > 0, got %v", d.Mean)
		}
	case distNormal, distSkewNormal, distUniform, distPoisson:
	default:
		bad("type", "%q is not a distribution type (supported: normal, skew_normal, lognormal, uniform, poisson, fixed)", d.Type)
	}
	if len(errs) > 0 {
		return lenDist{}, errors.Join(errs...)
	}
	l := lenDist{kind: kind, min: d.Min, max: d.Max, mean: d.Mean, std: std}
	switch kind {
	case distFixed:
		l.fixed = int(math.Trunc(d.Mean))
	case distSkewNormal:
		l.delta = d.Skew / math.Sqrt(1+d.Skew*d.Skew)
	case distLognormal:
		s2 := math.Log1p((std / d.Mean) * (std / d.Mean))
		l.mu, l.sigma = math.Log(d.Mean)-s2/2, math.Sqrt(s2)
	case distPoisson:
		l.lam = d.Mean
		if l.lam <= 0 {
			l.lam = 1
		}
	}
	return l, nil
}

// Sample draws one length.
func (l lenDist) Sample(rng *rand.Rand) int {
	var x float64
	switch l.kind {
	case distFixed:
		return l.fixed
	case distUniform:
		x = float64(l.min) + (float64(l.max)+1-float64(l.min))*rng.Float64()
	case distLognormal:
		x = math.Exp(l.mu + l.sigma*rng.NormFloat64())
	case distSkewNormal:
		z := l.delta*math.Abs(rng.NormFloat64()) + math.Sqrt(1-l.delta*l.delta)*rng.NormFloat64()
		x = l.mean + l.std*z
	case distPoisson:
		x = poisson(rng, l.lam)
	default: // normal
		x = l.mean + l.std*rng.NormFloat64()
	}
	return ClampRound(x, l.min, l.max)
}

// poisson draws from Poisson(lam), lam > 0: multiplication of uniforms for
// small lam, Hörmann's transformed rejection (PTRS, as numpy) otherwise, so
// the cost stays bounded for any lam.
func poisson(rng *rand.Rand, lam float64) float64 {
	if lam < 10 {
		limit, prod, k := math.Exp(-lam), rng.Float64(), 0.0
		for prod > limit {
			k++
			prod *= rng.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(lam), math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return k
		}
	}
}

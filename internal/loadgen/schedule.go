package loadgen

import (
	"math"
	"math/rand/v2"
	"time"
)

// A Schedule yields the intended send offsets of one stage, in order,
// relative to the stage start. Schedules are pure: no clock, no goroutine,
// so every case is a line in a table test.
type Schedule interface {
	// Next returns the offset of the next request, or ok=false when the
	// stage has no more requests.
	Next() (offset time.Duration, ok bool)
	// Len is the number of requests the schedule yields in all.
	Len() int
}

// Constant spaces int(rate*duration) requests evenly: request i is due at
// i/rate. Unlike the reference, which rescales random exponential gaps, the
// spacing is exactly constant, so the offered load has no hidden jitter.
type Constant struct {
	rate float64
	n    int
	i    int
}

// NewConstant returns the schedule of a constant stage.
func NewConstant(rate float64, duration time.Duration) *Constant {
	return &Constant{rate: rate, n: int(rate * duration.Seconds())}
}

// Next implements Schedule.
func (c *Constant) Next() (time.Duration, bool) {
	if c.i >= c.n {
		return 0, false
	}
	off := offsetOf(c.i, c.rate)
	c.i++
	return off, true
}

// Len implements Schedule.
func (c *Constant) Len() int { return c.n }

// offsetOf is i/rate seconds, computed from i (not accumulated) so rounding
// never drifts over a long stage.
func offsetOf(i int, rate float64) time.Duration {
	return time.Duration(math.Round(float64(i) / rate * float64(time.Second)))
}

// Poisson is a Poisson arrival process conditioned on its count: the stage
// sends int(rate*duration) requests (as constant does), the first at offset
// 0 and the others at sorted uniform times over the stage. Given its count,
// a Poisson process's arrival times are exactly such order statistics, so the
// gaps are exponential while the achieved rate matches the requested one
// instead of varying by sqrt(n) from run to run. The times are drawn one by
// one (O(1) memory), each from the remaining interval.
type Poisson struct {
	duration time.Duration
	rng      *rand.Rand
	n, i     int
	x        float64 // previous arrival as a fraction of the duration
}

// NewPoisson returns a seeded Poisson schedule.
func NewPoisson(rate float64, duration time.Duration, seed uint64) *Poisson {
	return &Poisson{
		duration: duration,
		n:        int(rate * duration.Seconds()),
		rng:      rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
	}
}

// Next implements Schedule.
func (p *Poisson) Next() (time.Duration, bool) {
	if p.i >= p.n {
		return 0, false
	}
	if p.i > 0 {
		// The minimum of the m = n-i remaining uniforms on (x, 1) is
		// x + (1-x)(1 - U^(1/m)).
		m := float64(p.n - p.i)
		p.x += (1 - p.x) * (1 - math.Pow(1-p.rng.Float64(), 1/m))
	}
	p.i++
	return time.Duration(p.x * float64(p.duration)), true
}

// Len implements Schedule.
func (p *Poisson) Len() int { return p.n }

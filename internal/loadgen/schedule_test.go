package loadgen

import (
	"math"
	"sort"
	"testing"
	"time"
)

func drain(s Schedule) []time.Duration {
	var out []time.Duration
	for {
		off, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, off)
	}
}

func TestConstantSchedule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		rate     float64
		duration time.Duration
		want     []time.Duration
	}{
		// 2/s for 2 s => 4 requests, 500 ms apart, the first at once.
		{"two per second", 2, 2 * time.Second, []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond}},
		// int(rate*duration) as the reference: 1.5/s for 1 s => 1 request.
		{"fraction truncates", 1.5, time.Second, []time.Duration{0}},
		// A rate below 1/duration sends nothing, as int(0.5) == 0.
		{"too slow for the stage", 0.5, time.Second, nil},
		// 3/s: offsets are rounded from i/rate, never accumulated.
		{"non-terminating fraction", 3, time.Second, []time.Duration{0, 333333333, 666666667}},
	}
	for _, c := range cases {
		s := NewConstant(c.rate, c.duration)
		got := drain(s)
		if len(got) != len(c.want) || s.Len() != len(c.want) {
			t.Fatalf("%s: got %v (Len %d), want %v", c.name, got, s.Len(), c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: offset %d = %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestConstantScheduleNoDrift(t *testing.T) {
	t.Parallel()
	// 10,000/s for 100 s: the last offset must be exactly (n-1)/rate.
	s := NewConstant(10000, 100*time.Second)
	var last time.Duration
	for {
		off, ok := s.Next()
		if !ok {
			break
		}
		last = off
	}
	if want := 99999900 * time.Microsecond; last != want { // (10^6-1)/10^4 s
		t.Fatalf("last offset %v, want %v", last, want)
	}
}

func TestPoissonScheduleIsSeededAndBounded(t *testing.T) {
	t.Parallel()
	a := drain(NewPoisson(50, 10*time.Second, 7))
	b := drain(NewPoisson(50, 10*time.Second, 7))
	c := drain(NewPoisson(50, 10*time.Second, 8))
	if len(a) != len(b) {
		t.Fatalf("same seed gave %d and %d requests", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d", i)
		}
		if a[i] >= 10*time.Second || (i > 0 && a[i] < a[i-1]) {
			t.Fatalf("offset %d = %v out of order or beyond the stage", i, a[i])
		}
	}
	if len(a) == len(c) && a[len(a)-1] == c[len(c)-1] {
		t.Fatalf("different seeds gave the same schedule")
	}
	// The count is exactly int(rate*duration), as for constant.
	if len(a) != 500 || a[0] != 0 {
		t.Fatalf("poisson gave %d requests starting at %v, want 500 starting at 0", len(a), a[0])
	}
}

// TestPoissonGapsAreExponential checks the inter-arrival times against the
// exponential distribution with a Kolmogorov-Smirnov test.
func TestPoissonGapsAreExponential(t *testing.T) {
	t.Parallel()
	const rate = 200.0
	offs := drain(NewPoisson(rate, 100*time.Second, 42))
	gaps := make([]float64, 0, len(offs))
	for i := 1; i < len(offs); i++ {
		gaps = append(gaps, (offs[i] - offs[i-1]).Seconds())
	}
	if d, crit := ksExponential(gaps, rate); d > crit {
		t.Fatalf("KS statistic %.4f exceeds the 1%% critical value %.4f", d, crit)
	}
	// An evenly spaced schedule must fail the same test, or the test proves nothing.
	even := drain(NewConstant(rate, 100*time.Second))
	egaps := make([]float64, 0, len(even))
	for i := 1; i < len(even); i++ {
		egaps = append(egaps, (even[i] - even[i-1]).Seconds())
	}
	if d, crit := ksExponential(egaps, rate); d <= crit {
		t.Fatalf("constant gaps passed the exponential KS test (D=%.4f)", d)
	}
}

// ksExponential returns the Kolmogorov-Smirnov statistic of xs against
// Exp(rate) and the critical value at alpha = 0.01.
func ksExponential(xs []float64, rate float64) (d, crit float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := float64(len(s))
	for i, x := range s {
		f := 1 - math.Exp(-rate*x)
		d = math.Max(d, math.Max(f-float64(i)/n, float64(i+1)/n-f))
	}
	return d, 1.628 / math.Sqrt(n)
}

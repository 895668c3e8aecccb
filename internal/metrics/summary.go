// Package metrics turns Records into the lifecycle statistics of the reference's
// reports: latency distributions (e2e, TTFT, TPOT, NTPOT, ITL), schedule delay,
// throughput, token counts and failures. Everything here is a pure function of
// its inputs: data in, numbers out. All times are float64 seconds.
package metrics

import (
	"math"
	"slices"
	"strconv"
)

// DefaultPercentiles are the reference's report.request_lifecycle.percentiles
// default.
var DefaultPercentiles = []float64{0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9}

// Summary is the distribution summary of the reference's summarize(): mean, min,
// max, then one entry per configured percentile in configured order. It
// marshals to JSON with its keys in exactly that order.
type Summary struct {
	Mean, Min, Max float64
	// Percentiles in the order they were asked for. Two percentiles with the
	// same key keep the first one's position and the last one's value, as the
	// reference's Python dict does.
	Percentiles []Quantile
}

// Quantile is one percentile of a Summary.
type Quantile struct {
	Key   string  // "p90", "median", "p99.9": see PercentileKey
	P     float64 // the percentile, 0..100
	Value float64
}

// Get returns the value stored under a key ("mean", "min", "max", "median",
// "p90", ...).
func (s *Summary) Get(key string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	switch key {
	case "mean":
		return s.Mean, true
	case "min":
		return s.Min, true
	case "max":
		return s.Max, true
	}
	for _, q := range s.Percentiles {
		if q.Key == key {
			return q.Value, true
		}
	}
	return 0, false
}

// Summarize returns the summary of values, or nil when there are none (the
// reference writes JSON null then). values is not modified. Percentiles are
// computed exactly as numpy.percentile's default ("linear") method and the
// mean as numpy.mean (pairwise summation), so results match the reference
// bit for bit.
func Summarize(values []float64, percentiles []float64) *Summary {
	if len(values) == 0 {
		return nil
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return summarizeSorted(sorted, pairwiseSum(values)/float64(len(values)), percentiles)
}

// summarizeInPlace is Summarize for a slice the caller owns and no longer
// needs in order: it sorts values in place instead of copying them. The mean
// is taken first, in arrival order, because pairwise summation depends on
// the order (as numpy's does on the reference's list).
func summarizeInPlace(values []float64, percentiles []float64) *Summary {
	if len(values) == 0 {
		return nil
	}
	mean := pairwiseSum(values) / float64(len(values))
	slices.Sort(values)
	return summarizeSorted(values, mean, percentiles)
}

// summarizeSorted builds a Summary from already sorted values and their mean.
func summarizeSorted(sorted []float64, mean float64, percentiles []float64) *Summary {
	s := &Summary{
		Mean:        mean,
		Min:         sorted[0],
		Max:         sorted[len(sorted)-1],
		Percentiles: make([]Quantile, 0, len(percentiles)),
	}
	for _, p := range percentiles {
		q := Quantile{Key: PercentileKey(p), P: p, Value: Percentile(sorted, p)}
		if i := slices.IndexFunc(s.Percentiles, func(o Quantile) bool { return o.Key == q.Key }); i >= 0 {
			s.Percentiles[i] = q // a Python dict keeps the first position, the last value
			continue
		}
		s.Percentiles = append(s.Percentiles, q)
	}
	return s
}

// PercentileKey is the reference's key for a percentile: "median" for 50,
// otherwise "p" followed by Python's f"{p:g}" (0.1 -> "p0.1", 1.0 -> "p1",
// 99.9 -> "p99.9", 1e-05 -> "p1e-05").
func PercentileKey(p float64) string {
	if p == 50 {
		return "median"
	}
	return "p" + formatG(p)
}

// formatG formats like Python's format(p, "g"): 6 significant digits,
// trailing zeros dropped, exponent form when exp < -4 or exp >= 6.
func formatG(p float64) string {
	switch {
	case math.IsNaN(p):
		return "nan"
	case math.IsInf(p, 1):
		return "inf"
	case math.IsInf(p, -1):
		return "-inf"
	}
	// Go's 'g' with an explicit precision follows C's %g rule, which is
	// Python's; both drop trailing zeros and print a two-digit exponent.
	return strconv.FormatFloat(p, 'g', 6, 64)
}

// Percentile returns the p-th percentile (0..100) of sorted values with
// numpy.percentile's default linear interpolation, including numpy's
// arithmetic (index (n-1)*(p/100), and the two-sided lerp that keeps results
// monotonic), so the result is bit-identical to numpy's. sorted must be
// ascending and non-empty. p outside [0, 100] is clamped (numpy raises; the
// config layer rejects such percentiles before they get here).
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if math.IsNaN(p) {
		return math.NaN()
	}
	q := p / 100
	vi := float64(n-1) * q
	if vi >= float64(n-1) {
		return sorted[n-1]
	}
	if vi < 0 {
		return sorted[0]
	}
	lo := math.Floor(vi)
	i := int(lo)
	gamma := vi - lo
	return lerp(sorted[i], sorted[i+1], gamma)
}

// lerp is numpy's _lerp: a + (b-a)*t, but b - (b-a)*(1-t) when t >= 0.5.
// The explicit float64 conversions stop the compiler from fusing the
// multiply and add into an FMA, which would change the last bit.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - float64(d*(1-t))
	}
	return a + float64(d*t)
}

// pairwiseSum is numpy's pairwise summation for float64 (the algorithm behind
// np.sum and np.mean on a contiguous array): plain loop under 8 values, eight
// interleaved accumulators up to 128, and recursive halving above, split on a
// multiple of 8.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		var r float64
		for _, v := range a {
			r += v
		}
		return r
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// MarshalJSON writes the summary as a JSON object with the reference's key
// order and Python's float formatting (see AppendFloat). A nil Summary is
// null.
func (s *Summary) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 32*(3+len(s.Percentiles)))
	b = append(b, `{"mean":`...)
	b = AppendFloat(b, s.Mean)
	b = append(b, `,"min":`...)
	b = AppendFloat(b, s.Min)
	b = append(b, `,"max":`...)
	b = AppendFloat(b, s.Max)
	for _, q := range s.Percentiles {
		b = append(b, ',')
		b = strconv.AppendQuote(b, q.Key)
		b = append(b, ':')
		b = AppendFloat(b, q.Value)
	}
	return append(b, '}'), nil
}

// Fields returns the summary's keys and values in JSON order, for writers that
// lay the object out themselves (the report package's indented writer).
func (s *Summary) Fields() (keys []string, values []float64) {
	if s == nil {
		return nil, nil
	}
	keys = make([]string, 0, 3+len(s.Percentiles))
	values = make([]float64, 0, 3+len(s.Percentiles))
	keys = append(keys, "mean", "min", "max")
	values = append(values, s.Mean, s.Min, s.Max)
	for _, q := range s.Percentiles {
		keys = append(keys, q.Key)
		values = append(values, q.Value)
	}
	return keys, values
}

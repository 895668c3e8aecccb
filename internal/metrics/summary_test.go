package metrics

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// Expected numbers below were computed with numpy 1.24 (np.mean and
// np.percentile with the default linear method) and are written the way
// Python's repr prints them.
func TestSummarizeByHand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []float64
		mean   float64
		pct    []float64 // for DefaultPercentiles
	}{
		{
			// n=1: every percentile is the one value (numpy's index (n-1)*q is 0).
			name: "one", values: []float64{0.5}, mean: 0.5,
			pct: []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5},
		},
		{
			// n=2: pure interpolation between the two; p75 and up take numpy's
			// b-(b-a)*(1-t) branch.
			name: "two", values: []float64{1, 3}, mean: 2,
			pct: []float64{1.002, 1.02, 1.1, 1.2, 1.5, 2.0, 2.5, 2.8, 2.9, 2.98, 2.998},
		},
		{
			// odd n, unsorted input: the median is the middle value, p25/p75 land
			// on values exactly.
			name: "odd", values: []float64{5, 1, 4, 2, 3}, mean: 3,
			pct: []float64{1.004, 1.04, 1.2, 1.4, 2.0, 3.0, 4.0, 4.6, 4.8, 4.96, 4.996},
		},
		{
			// even n: the median is the midpoint; p99 shows numpy's rounding
			// (39.699999999999996, not 39.7), which we must reproduce.
			name: "even", values: []float64{10, 20, 30, 40}, mean: 25,
			pct: []float64{10.03, 10.3, 11.5, 13.0, 17.5, 25.0, 32.5, 37.0, 38.5, 39.699999999999996, 39.970000000000006},
		},
		{
			// negative values: schedule delay is negative when a request leaves
			// early.
			name: "negative", values: []float64{-0.002, -0.001, 0.0005, 0.003}, mean: 0.000125,
			pct: []float64{-0.001997, -0.00197, -0.00185, -0.0017000000000000001, -0.00125, -0.00025,
				0.0011250000000000001, 0.0022500000000000003, 0.0026249999999999993, 0.0029249999999999996, 0.002992500000000001},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := slices.Clone(c.values)
			s := Summarize(c.values, DefaultPercentiles)
			if !slices.Equal(in, c.values) {
				t.Fatalf("Summarize modified its input: %v", c.values)
			}
			if s.Mean != c.mean {
				t.Errorf("mean = %v, want %v", s.Mean, c.mean)
			}
			if s.Min != slices.Min(c.values) || s.Max != slices.Max(c.values) {
				t.Errorf("min/max = %v/%v", s.Min, s.Max)
			}
			for i, q := range s.Percentiles {
				if q.Value != c.pct[i] {
					t.Errorf("%s = %v, want %v", q.Key, q.Value, c.pct[i])
				}
			}
		})
	}
}

func TestSummarizeEmptyIsNull(t *testing.T) {
	t.Parallel()
	// The reference's summarize() returns None for no values, written as null.
	s := Summarize(nil, DefaultPercentiles)
	if s != nil {
		t.Fatalf("Summarize(nil) = %+v, want nil", s)
	}
	b, err := json.Marshal(struct {
		S *Summary `json:"s"`
	}{s})
	if err != nil || string(b) != `{"s":null}` {
		t.Fatalf("marshal nil summary = %s, %v", b, err)
	}
}

func TestSummaryJSONOrder(t *testing.T) {
	t.Parallel()
	// Keys in the reference's order, "median" for 50, Python float text.
	s := Summarize([]float64{1, 3}, []float64{0.1, 1, 50, 99.9})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"mean":2.0,"min":1.0,"max":3.0,"p0.1":1.002,"p1":1.02,"median":2.0,"p99.9":2.998}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestSummarizeDuplicatePercentileKeys(t *testing.T) {
	t.Parallel()
	// 1 and 1.0000001 both format as "p1": a Python dict keeps the first
	// position and the last value.
	s := Summarize([]float64{0, 10}, []float64{1, 50, 1.0000001})
	if len(s.Percentiles) != 2 || s.Percentiles[0].Key != "p1" || s.Percentiles[1].Key != "median" {
		t.Fatalf("keys = %+v", s.Percentiles)
	}
	if got, want := s.Percentiles[0].Value, Percentile([]float64{0, 10}, 1.0000001); got != want {
		t.Fatalf("p1 = %v, want last value %v", got, want)
	}
}

func TestPercentileKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p    float64
		want string
	}{
		{0.1, "p0.1"},   // default list
		{1.0, "p1"},     // :g drops ".0"
		{50, "median"},  // 50 is special
		{99.9, "p99.9"}, // default list
		{99.99, "p99.99"},
		{1e-5, "p1e-05"},          // :g switches to exponent below 1e-4, two-digit exponent
		{1234567, "p1.23457e+06"}, // 6 significant digits
		{12.5, "p12.5"},
	}
	for _, c := range cases {
		if got := PercentileKey(c.p); got != c.want {
			t.Errorf("PercentileKey(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

// numpyFixture is testdata/numpy_fixture.json (see gen_numpy_fixture.py):
// floats as IEEE-754 bits.
type numpyFixture struct {
	Numpy string `json:"numpy"`
	Cases []struct {
		Name        string   `json:"name"`
		Values      []uint64 `json:"values"`
		Percentiles []uint64 `json:"percentiles"`
		Mean        uint64   `json:"mean"`
		Min         uint64   `json:"min"`
		Max         uint64   `json:"max"`
		Pct         []uint64 `json:"pct"`
	} `json:"cases"`
	Repr []struct {
		Bits uint64 `json:"bits"`
		Repr string `json:"repr"`
	} `json:"repr"`
	Keys []struct {
		Bits uint64 `json:"bits"`
		Key  string `json:"key"`
	} `json:"keys"`
}

func loadFixture(t *testing.T) *numpyFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/numpy_fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var f numpyFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/numpy_fixture.json: %v", err)
	}
	return &f
}

func fromBits(b []uint64) []float64 {
	out := make([]float64, len(b))
	for i, x := range b {
		out[i] = math.Float64frombits(x)
	}
	return out
}

// TestSummarizeMatchesNumpy checks mean, min, max and percentiles bit for bit
// against numpy on sizes that exercise every branch of numpy's pairwise sum
// (<8, <=128, recursive) and random percentiles.
func TestSummarizeMatchesNumpy(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	if len(f.Cases) == 0 {
		t.Fatal("fixture has no cases")
	}
	for _, c := range f.Cases {
		vals := fromBits(c.Values)
		ps := fromBits(c.Percentiles)
		s := Summarize(vals, ps)
		if got, want := s.Mean, math.Float64frombits(c.Mean); got != want {
			t.Errorf("%s: mean = %v, numpy %v", c.Name, got, want)
		}
		if s.Min != math.Float64frombits(c.Min) || s.Max != math.Float64frombits(c.Max) {
			t.Errorf("%s: min/max = %v/%v", c.Name, s.Min, s.Max)
		}
		sorted := slices.Sorted(slices.Values(vals))
		for i, p := range ps {
			if got, want := Percentile(sorted, p), math.Float64frombits(c.Pct[i]); got != want {
				t.Errorf("%s: p%v = %v, numpy %v", c.Name, p, got, want)
			}
		}
	}
}

func TestAppendFloatMatchesPythonRepr(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	for _, r := range f.Repr {
		v := math.Float64frombits(r.Bits)
		if got := FormatFloat(v); got != r.Repr {
			t.Errorf("FormatFloat(%v) = %q, Python repr %q", v, got, r.Repr)
		}
	}
	for _, k := range f.Keys {
		p := math.Float64frombits(k.Bits)
		if got := PercentileKey(p); got != k.Key {
			t.Errorf("PercentileKey(%v) = %q, Python %q", p, got, k.Key)
		}
	}
}

func TestAppendFloatNonFinite(t *testing.T) {
	t.Parallel()
	// NaN/Inf are not JSON; we write null rather than Python's NaN token.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := FormatFloat(v); got != "null" {
			t.Errorf("FormatFloat(%v) = %q", v, got)
		}
	}
}

func TestPercentileClamps(t *testing.T) {
	t.Parallel()
	// Out-of-range percentiles must not panic (numpy raises; config rejects them).
	s := []float64{1, 2, 3}
	if got := Percentile(s, -5); got != 1 {
		t.Errorf("p-5 = %v", got)
	}
	if got := Percentile(s, 150); got != 3 {
		t.Errorf("p150 = %v", got)
	}
	if got := Percentile(s, math.NaN()); !math.IsNaN(got) {
		t.Errorf("pNaN = %v", got)
	}
	if got := Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("empty = %v", got)
	}
}

package datagen

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/config"
)

func ptr[T any](v T) *T { return &v }

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// draw returns n samples from d with a fixed seed.
func draw(t *testing.T, d config.Distribution, n int) []int {
	t.Helper()
	s, err := NewSampler("d", d)
	if err != nil {
		t.Fatalf("NewSampler(%+v): %v", d, err)
	}
	rng := seeded(42)
	out := make([]int, n)
	for i := range out {
		out[i] = s.Sample(rng)
	}
	return out
}

func meanStd(xs []int) (mean, std float64) {
	for _, x := range xs {
		mean += float64(x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

func TestNewSamplerValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		d    config.Distribution
		want []string // substrings of the error; nil = valid
	}{
		// The reference's defaults must be accepted as they are.
		{"defaults", config.Distribution{Min: 10, Max: 1024, Mean: 512, StdDev: 200, Type: "normal"}, nil},
		// An empty type is the schema default, normal.
		{"empty type is normal", config.Distribution{Min: 10, Max: 1024, Mean: 512, StdDev: 200}, nil},
		// The sample run's fixed 128-token input.
		{"fixed", config.Distribution{Min: 128, Max: 128, Mean: 128, Type: "fixed"}, nil},
		// generate_distribution only range-checks the mean for normal.
		{"normal mean above max", config.Distribution{Min: 10, Max: 100, Mean: 200, StdDev: 1, Type: "normal"},
			[]string{"d.mean", "outside [min 10, max 100]"}},
		{"normal mean below min", config.Distribution{Min: 10, Max: 100, Mean: 5, Type: "normal"},
			[]string{"d.mean", "outside"}},
		// Lognormal, uniform and fixed accept a mean outside the bounds, as the reference does.
		{"lognormal mean below min ok", config.Distribution{Min: 10, Max: 100, Mean: 5, StdDev: 3, Type: "lognormal"}, nil},
		{"uniform ignores mean", config.Distribution{Min: 10, Max: 100, Mean: 5000, Type: "uniform"}, nil},
		{"fixed outside bounds ok", config.Distribution{Min: 10, Max: 100, Mean: 5000, Type: "fixed"}, nil},
		// Bounds and spread checks from common.py.
		{"min above max", config.Distribution{Min: 100, Max: 10, Mean: 50, Type: "uniform"},
			[]string{"d.min", "min (100) cannot be greater than max (10)"}},
		{"negative std_dev", config.Distribution{Min: 0, Max: 10, Mean: 5, StdDev: -1, Type: "normal"},
			[]string{"d.std_dev", "cannot be negative"}},
		{"negative variance", config.Distribution{Min: 0, Max: 10, Mean: 5, Variance: ptr(-4.0), Type: "normal"},
			[]string{"d.variance", "cannot be negative"}},
		// std_dev and variance are exclusive...
		{"std_dev and variance", config.Distribution{Min: 0, Max: 10, Mean: 5, StdDev: 1, Variance: ptr(9.0), Type: "normal"},
			[]string{"either std_dev or variance"}},
		// ...but an effective config where std_dev was already derived from variance is fine.
		{"std_dev derived from variance", config.Distribution{Min: 0, Max: 10, Mean: 5, StdDev: 3, Variance: ptr(9.0), Type: "normal"}, nil},
		// Types the schema knows but generate_distribution does not.
		{"skew_normal unsupported", config.Distribution{Min: 0, Max: 10, Mean: 5, Type: "skew_normal"},
			[]string{"d.type", `"skew_normal" is not supported`, "normal, lognormal, uniform, fixed"}},
		{"poisson unsupported", config.Distribution{Min: 0, Max: 10, Mean: 5, Type: "poisson"}, []string{"d.type"}},
		{"unknown type", config.Distribution{Min: 0, Max: 10, Mean: 5, Type: "gamma"}, []string{"d.type", "gamma"}},
		// YAML can spell .nan and .inf; they must not reach the sampler.
		{"nan mean", config.Distribution{Min: 0, Max: 10, Mean: math.NaN(), Type: "uniform"}, []string{"d.mean", "finite"}},
		{"inf std_dev", config.Distribution{Min: 0, Max: 10, Mean: 5, StdDev: math.Inf(1), Type: "normal"}, []string{"d.std_dev", "finite"}},
		{"huge fixed", config.Distribution{Min: 0, Max: 10, Mean: 1e300, Type: "fixed"}, []string{"d.mean", "too large"}},
		// All problems are reported together.
		{"several at once", config.Distribution{Min: 100, Max: 10, Mean: 5, StdDev: -1, Type: "gamma"},
			[]string{"d.min", "d.std_dev", "d.type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewSampler("d", c.d)
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q, got nil", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFixed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		d    config.Distribution
		want int
	}{
		// The common case: every prompt has exactly mean tokens.
		{"exact", config.Distribution{Min: 128, Max: 128, Mean: 128, Type: "fixed"}, 128},
		// int(mean) truncates rather than rounds.
		{"truncates", config.Distribution{Min: 0, Max: 1000, Mean: 99.9, Type: "fixed"}, 99},
		// The reference does not clamp fixed to [min, max].
		{"not clamped", config.Distribution{Min: 10, Max: 1024, Mean: 2048, Type: "fixed"}, 2048},
		// std_dev is irrelevant for fixed.
		{"ignores std_dev", config.Distribution{Min: 10, Max: 1024, Mean: 300, StdDev: 200, Type: "fixed"}, 300},
	}
	for _, c := range cases {
		for i, got := range draw(t, c.d, 100) {
			if got != c.want {
				t.Fatalf("%s: sample %d = %d, want %d", c.name, i, got, c.want)
			}
		}
	}
}

func TestUniformFlat(t *testing.T) {
	t.Parallel()
	const n = 90000
	xs := draw(t, config.Distribution{Min: 0, Max: 9, Type: "uniform"}, n)
	var hist [10]int
	for _, x := range xs {
		if x < 0 || x > 9 {
			t.Fatalf("sample %d outside [0, 9]", x)
		}
		hist[x]++
	}
	// numpy's uniform(min, max) then round-half-even: interior values each get
	// 1/9 of the mass, the two ends half of that.
	for v, got := range hist {
		want := float64(n) / 9
		if v == 0 || v == 9 {
			want /= 2
		}
		if math.Abs(float64(got)-want) > 0.05*want {
			t.Errorf("value %d: %d samples, want %.0f ± 5%%", v, got, want)
		}
	}
	// min == max degenerates to min.
	for _, x := range draw(t, config.Distribution{Min: 7, Max: 7, Type: "uniform"}, 10) {
		if x != 7 {
			t.Fatalf("uniform [7,7] gave %d", x)
		}
	}
}

func TestNormalMoments(t *testing.T) {
	t.Parallel()
	// Bounds far away, so clipping does not bias the moments.
	xs := draw(t, config.Distribution{Min: 0, Max: 2000, Mean: 512, StdDev: 50, Type: "normal"}, 10000)
	mean, std := meanStd(xs)
	if math.Abs(mean-512) > 2 {
		t.Errorf("mean = %.2f, want 512 ± 2", mean)
	}
	if math.Abs(std-50) > 2 {
		t.Errorf("std = %.2f, want 50 ± 2", std)
	}
	// std_dev 0 is the constant mean, rounded.
	for _, x := range draw(t, config.Distribution{Min: 0, Max: 100, Mean: 42.5, Type: "normal"}, 10) {
		if x != 42 { // round half to even
			t.Fatalf("normal sd=0 mean=42.5 gave %d, want 42", x)
		}
	}
	// Variance stands in for std_dev.
	xs = draw(t, config.Distribution{Min: 0, Max: 2000, Mean: 512, Variance: ptr(2500.0), Type: "normal"}, 10000)
	if _, std := meanStd(xs); math.Abs(std-50) > 2 {
		t.Errorf("variance 2500: std = %.2f, want 50 ± 2", std)
	}
}

func TestNormalClipped(t *testing.T) {
	t.Parallel()
	// The reference's defaults clip often at min=10; no sample may escape.
	xs := draw(t, config.Distribution{Min: 10, Max: 1024, Mean: 20, StdDev: 200, Type: "normal"}, 10000)
	atMin := 0
	for _, x := range xs {
		if x < 10 || x > 1024 {
			t.Fatalf("sample %d outside [10, 1024]", x)
		}
		if x == 10 {
			atMin++
		}
	}
	if atMin < 4000 { // P(N(20,200) <= 10.5) ≈ 0.48
		t.Errorf("only %d of 10000 samples clipped to min, want the lower tail (~4800)", atMin)
	}
}

func TestLognormalMoments(t *testing.T) {
	t.Parallel()
	// The lognormal is moment-matched on (value - min): the samples have the
	// requested mean and std_dev, not those of the underlying normal.
	xs := draw(t, config.Distribution{Min: 10, Max: 1 << 30, Mean: 300, StdDev: 150, Type: "lognormal"}, 10000)
	mean, std := meanStd(xs)
	if math.Abs(mean-300)/300 > 0.02 {
		t.Errorf("mean = %.2f, want 300 ± 2%%", mean)
	}
	if math.Abs(std-150)/150 > 0.06 {
		t.Errorf("std = %.2f, want 150 ± 6%%", std)
	}
	for _, x := range xs {
		if x < 10 {
			t.Fatalf("sample %d below min", x)
		}
	}
	// A mean at or below min falls back to a shifted mean of 1.
	xs = draw(t, config.Distribution{Min: 10, Max: 1000, Mean: 5, Type: "lognormal"}, 10)
	for _, x := range xs {
		if x != 11 {
			t.Fatalf("lognormal mean<min sd=0 gave %d, want min+1 = 11", x)
		}
	}
}

func TestClampRound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		x      float64
		lo, hi int
		want   int
	}{
		{2.5, 0, 10, 2},             // numpy rounds half to even...
		{3.5, 0, 10, 4},             // ...in both directions
		{2.4999, 0, 10, 2},          // ordinary rounding below .5
		{-1, 0, 10, 0},              // clipped to min
		{11, 0, 10, 10},             // clipped to max
		{9.6, 0, 9, 9},              // rounding cannot step past max
		{0.4, 1, 9, 1},              // nor below min
		{math.NaN(), 3, 9, 3},       // NaN is not a length; min is the safe answer
		{math.Inf(1), 3, 9, 9},      // +Inf clips to max
		{math.Inf(-1), 3, 9, 3},     // -Inf clips to min
		{1e30, 0, math.MaxInt, 0},   // no overflow at the extreme: clipped to max...
		{-5.5, -10, 10, -6},         // negative bounds are the caller's business, still half-even
		{1e30, 0, 1 << 40, 1 << 40}, // ...and a large finite max is honoured
	}
	for _, c := range cases {
		want := c.want
		if c.hi == math.MaxInt {
			want = math.MaxInt
		}
		if got := ClampRound(c.x, c.lo, c.hi); got != want {
			t.Errorf("ClampRound(%v, %d, %d) = %d, want %d", c.x, c.lo, c.hi, got, want)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	d := config.Distribution{Min: 1, Max: 100, Mean: 50, StdDev: 10, Type: "normal"}
	a, err := Generate(d, 1000, seeded(1))
	if err != nil || len(a) != 1000 {
		t.Fatalf("Generate = %d values, %v", len(a), err)
	}
	b, _ := Generate(d, 1000, seeded(1))
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different value at %d", i)
		}
	}
	// total_count <= 0 is an error in generate_distribution.
	if _, err := Generate(d, 0, seeded(1)); err == nil {
		t.Error("Generate(n=0) succeeded, want error")
	}
	// Validation errors pass through.
	if _, err := Generate(config.Distribution{Min: 5, Max: 1, Type: "uniform"}, 1, seeded(1)); err == nil {
		t.Error("Generate(min>max) succeeded, want error")
	}
}

func TestSamplePureFunction(t *testing.T) {
	t.Parallel()
	d := config.Distribution{Min: 1, Max: 100, Mean: 50, StdDev: 10, Type: "normal"}
	s, _ := NewSampler("d", d)
	r1, r2 := seeded(9), seeded(9)
	for range 100 {
		if a, b := Sample(d, r1), s.Sample(r2); a != b {
			t.Fatalf("Sample = %d, Sampler.Sample = %d", a, b)
		}
	}
	// Invalid input never panics and stays within the (reordered) bounds.
	bad := []config.Distribution{
		{Min: 100, Max: 1, Mean: math.NaN(), StdDev: -1, Type: "gamma"},
		{Min: 0, Max: 10, Mean: math.Inf(1), StdDev: math.NaN()},
	}
	for _, d := range bad {
		if x := Sample(d, seeded(1)); x < min(d.Min, d.Max) || x > max(d.Min, d.Max) {
			t.Errorf("Sample(%+v) = %d, outside bounds", d, x)
		}
	}
}

func BenchmarkSampler(b *testing.B) {
	for _, d := range []config.Distribution{
		{Min: 10, Max: 1024, Mean: 512, StdDev: 200, Type: "normal"},
		{Min: 10, Max: 1024, Mean: 512, StdDev: 200, Type: "lognormal"},
		{Min: 10, Max: 1024, Type: "uniform"},
	} {
		b.Run(d.Type, func(b *testing.B) {
			s, err := NewSampler("d", d)
			if err != nil {
				b.Fatal(err)
			}
			rng := seeded(1)
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Sample(rng)
			}
		})
	}
}

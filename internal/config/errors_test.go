package config

import "testing"

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"type", "interval", "stages", "sweep", "num_workers", "base_seed"}
	cases := []struct {
		in, want string
	}{
		{"stagse", "stages"},      // transposition
		{"Stages", "stages"},      // case only
		{"intervall", "interval"}, // one extra letter
		{"num_worker", "num_workers"},
		{"url", ""},      // short and far from all: no guess
		{"zzzzzzzz", ""}, // nothing close
		{"", ""},         // empty never matches
		{"basee_seed", "base_seed"},
	}
	for _, c := range cases {
		if got := suggest(c.in, keys); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 8, "abcde..."},
		// Never cut inside a UTF-8 sequence: é is two bytes.
		{"aaaaééé", 7, "aaaa..."},
		{"aaaééé", 7, "aaa..."},
	}
	for _, c := range cases {
		if got := truncate(c.in, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

package tokenizer

import "testing"

func TestWordsCount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"   ", 0},
		{"one", 1},
		{" tok tok", 2},       // simulator tokens carry a leading space
		{"a\tb\nc  d", 4},     // any Unicode space separates
		{"héllo wörld 你好", 3}, // non-ASCII letters stay inside a word
		{"\u00a0x\u2003y", 2}, // non-breaking and em spaces separate
	}
	for _, c := range cases {
		if got := (Words{}).Count(c.in); got != c.want {
			t.Errorf("Count(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

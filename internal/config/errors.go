package config

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// FieldError is one problem in a configuration, located by where it came from
// (a file name, or "--<path>" for a CLI override), the line in it when
// known, and the dotted field path. Load returns every FieldError it finds,
// joined with errors.Join; use errors.As to pick them out.
type FieldError struct {
	Source string // file name, or "--<path>" for an override
	Line   int    // 1-based line; 0 when there is none
	Path   string // dotted path of the field, "" for the document root
	Msg    string // the complete message, naming the field
}

// Error renders the problem as "source:line: message". An override's
// problem with its own field reads "--path: message".
func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg)
	}
	msg := e.Msg
	if e.Path != "" && e.Source == "--"+e.Path {
		msg = strings.TrimPrefix(msg, e.Path+": ")
	}
	return fmt.Sprintf("%s: %s", e.Source, msg)
}

// displayPath names a path in messages; the root has no name of its own.
func displayPath(p string) string {
	if p == "" {
		return "<root>"
	}
	return p
}

// joinPath appends a key to a dotted path.
func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// suggest returns the candidate closest to s by edit distance, if it is close
// enough to be a plausible typo ("lod" for "load"), else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	// Allow roughly one edit per three characters, at least two: close enough
	// for typos, far enough to not suggest "type" for "url".
	limit := max(2, len(s)/3)
	if bestD <= limit && bestD < max(len(s), len(best)) {
		return best
	}
	return ""
}

// unknownChoice phrases "did you mean X?" or the list of valid choices.
func unknownChoice(s string, valid []string) string {
	if sug := suggest(s, valid); sug != "" {
		return fmt.Sprintf("did you mean %q?", sug)
	}
	return "valid: " + strings.Join(valid, ", ")
}

// editDistance is the Levenshtein distance between a and b (bytes; config
// keys are ASCII).
func editDistance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		// Long strings are never typos of a key; skip the quadratic work.
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// truncate shortens s to at most n bytes (on a rune boundary), marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// sortedKeys returns the keys of m in order, for stable messages and output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package datagen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/tokenizer"
)

const azureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n"

func scanAll(s string) ([]TraceRow, []int, error) {
	var rows []TraceRow
	var lines []int
	err := scanAzureTrace(strings.NewReader(s), func(line int, r TraceRow) error {
		rows = append(rows, r)
		lines = append(lines, line)
		return nil
	})
	return rows, lines, err
}

func TestScanAzureTrace(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	cases := []struct {
		name    string
		in      string
		want    []TraceRow
		lines   []int
		wantErr []string // substrings of the error; nil = no error
	}{
		// The Azure dataset's own shape: 7 fraction digits, cut to µs like
		// the reference's strptime, offsets from the first row.
		{"azure", azureHeader + "2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n",
			[]TraceRow{{0, 374, 44}, {4314579 * time.Microsecond, 396, 109}}, []int{2, 3}, nil},
		// ISO "T" and "Z", quotes, CRLF, no fraction and a final line
		// without newline are all normalised as the reference does.
		{"iso quoted crlf", azureHeader + "\"2023-11-16T18:15:46Z\",1,2\r\n2023-11-16T18:15:47.5Z,3,4",
			[]TraceRow{{0, 1, 2}, {1500 * ms, 3, 4}}, []int{2, 3}, nil},
		// Blank lines are skipped but still counted, so errors name the
		// line an editor shows.
		{"blank lines", azureHeader + "\n2023-01-01 00:00:00,1,1\n\n2023-01-01 00:00:01,2,2\n\n",
			[]TraceRow{{0, 1, 1}, {time.Second, 2, 2}}, []int{3, 5}, nil},
		// Extra columns are ignored, as the reference ignores them.
		{"extra columns", "TIMESTAMP,ContextTokens,GeneratedTokens,Extra\n2023-01-01 00:00:00,5,6,x\n",
			[]TraceRow{{0, 5, 6}}, []int{2}, nil},
		// An unsorted trace keeps its negative offset; the schedule sends
		// such rows at once, as the reference's workers do.
		{"unsorted", azureHeader + "2023-01-01 00:00:01,1,1\n2023-01-01 00:00:00,1,1\n",
			[]TraceRow{{0, 1, 1}, {-time.Second, 1, 1}}, []int{2, 3}, nil},
		// Seconds are accepted as an extension.
		{"seconds", azureHeader + "10.25,1,1\n12,1,1\n", []TraceRow{{0, 1, 1}, {1750 * ms, 1, 1}}, []int{2, 3}, nil},
		// A header-only file is valid here; LoadTraceOffsets rejects it.
		{"header only", azureHeader, nil, nil, nil},
		// The header is required, so a headerless file is not misread.
		{"no header", "2023-01-01 00:00:00,1,1\n", nil, nil, []string{"line 1", "header column 1", "TIMESTAMP"}},
		{"empty", "", nil, nil, []string{"empty file"}},
		{"wrong column", "TIMESTAMP,Context,GeneratedTokens\n", nil, nil, []string{"line 1", "column 2", "ContextTokens"}},
		// Bad rows stop the read naming line and field; the reference would
		// skip them and replay a different load.
		{"bad timestamp", azureHeader + "2023-01-01 00:00:00,1,1\nyesterday,1,1\n", nil, nil, []string{"line 3", "TIMESTAMP", "yesterday"}},
		{"bad context", azureHeader + "2023-01-01 00:00:00,x,1\n", nil, nil, []string{"line 2", "ContextTokens", `"x"`}},
		{"negative generated", azureHeader + "2023-01-01 00:00:00,1,-1\n", nil, nil, []string{"line 2", "GeneratedTokens", "-1"}},
		{"short row", azureHeader + "2023-01-01 00:00:00,1\n", nil, nil, []string{"line 2", "3 fields"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rows, lines, err := scanAll(c.in)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %q", c.wantErr)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(c.want) {
				t.Fatalf("rows %v, want %v", rows, c.want)
			}
			for i := range rows {
				if rows[i] != c.want[i] || lines[i] != c.lines[i] {
					t.Errorf("row %d: %+v at line %d, want %+v at line %d", i, rows[i], lines[i], c.want[i], c.lines[i])
				}
			}
		})
	}
}

// Errors from the file name the file; a callback's error stops the read.
func TestReadAzureTraceFile(t *testing.T) {
	t.Parallel()
	if _, err := LoadTraceOffsets(filepath.Join(t.TempDir(), "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
	p := writeFile(t, "bad.csv", azureHeader+"2023-01-01 00:00:00,1,z\n")
	if _, err := LoadTraceOffsets(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad file: %v", err)
	}
	empty := writeFile(t, "empty.csv", azureHeader)
	if _, err := LoadTraceOffsets(empty); err == nil || !strings.Contains(err.Error(), "no requests") {
		t.Errorf("header-only file: %v", err)
	}
	stop := errors.New("stop")
	err := ReadAzureTrace("testdata/azure_trace.csv", func(line int, _ TraceRow) error {
		if line == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("callback error: %v", err)
	}
	offs, err := LoadTraceOffsets("testdata/azure_trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(offs) != 30 || offs[0] != 0 || offs[1] != 130*time.Millisecond {
		t.Errorf("fixture offsets: %d rows, first %v", len(offs), offs[:2])
	}
}

// Random data with data.trace: prompt i has exactly ContextTokens of row
// i mod rows and asks GeneratedTokens as max_tokens, under the word counter
// and under real HF tokenizers.
func TestRandomTraceLengths(t *testing.T) {
	t.Parallel()
	tl, err := loadTraceLengths("testdata/azure_trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	toks := []tokenizer.Tokenizer{words}
	for _, name := range hfFiles {
		toks = append(toks, hfTok(t, name))
	}
	for _, tk := range toks {
		c := &config.Config{}
		c.Data.Type, c.API.Type = config.DataRandom, config.APICompletion
		c.Data.Trace = &config.TraceConfig{File: "testdata/azure_trace.csv", Format: config.TraceAzurePublicDataset}
		g, err := New(c, tk, 7)
		if err != nil {
			t.Fatalf("%s: %v", tk.Name(), err)
		}
		if n := g.(interface{ RequestCount() int }).RequestCount(); n != 30 {
			t.Errorf("RequestCount %d, want 30", n)
		}
		for i := range uint64(35) { // past the end: rows wrap around
			row := i % 30
			p := g.Get(i)
			want := int(tl.in[row])
			if got := tk.Count(p.Text); got != want || p.Tokens != want {
				t.Errorf("%s i=%d: Count=%d Tokens=%d, want %d", tk.Name(), i, got, p.Tokens, want)
			}
			if p.MaxTokens != int(tl.out[row]) {
				t.Errorf("%s i=%d: max_tokens %d, want %d", tk.Name(), i, p.MaxTokens, tl.out[row])
			}
		}
	}
}

// FuzzAzureTrace: no input panics, and accepted rows have sane counts.
func FuzzAzureTrace(f *testing.F) {
	seed, err := os.ReadFile("testdata/azure_trace.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add(azureHeader + "2023-11-16T18:15:46.12345678Z,1,2\n")
	f.Add(azureHeader + "1e308,1,1\n")
	f.Add(azureHeader + "9999-12-31 23:59:59.999999,1,1\n0001-01-01 00:00:00,1,1\n")
	f.Add("TIMESTAMP\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _ = scanAll(s)
		err := scanAzureTrace(strings.NewReader(s), func(_ int, r TraceRow) error {
			if r.Context < 0 || r.Generated < 0 || r.Context > maxTraceTokens || r.Generated > maxTraceTokens {
				t.Fatalf("accepted row %+v", r)
			}
			return nil
		})
		_ = err
	})
}

// BenchmarkScanAzureTrace measures the streaming reader per row (a large
// trace is read once at start-up).
func BenchmarkScanAzureTrace(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(azureHeader)
	for i := range 10000 {
		sb.WriteString("2023-11-16 18:15:46.6805900,")
		sb.WriteString(strings.Repeat("1", 1+i%3))
		sb.WriteString(",44\n")
	}
	in := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := scanAzureTrace(strings.NewReader(in), func(int, TraceRow) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

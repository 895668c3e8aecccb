package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/inference-perf-go/inference-perf/internal/metrics"
)

// PrintSummary writes a plain-text summary of the run, one row per stage, in
// the spirit of the reference's print_summary_table: throughput, latency
// (ms), token generation speed (ms), token lengths and errors by label. When
// the run has more than one stage, a last row "all" shows the run summary.
// Missing statistics print as "-".
func PrintSummary(w io.Writer, set *Set) error {
	type row struct {
		name        string
		rate        string
		concurrency string
		l           *metrics.Lifecycle
	}
	var rows []row
	for _, st := range set.Stages {
		conc := "-"
		if st.Concurrency > 0 {
			conc = strconv.Itoa(st.Concurrency)
		}
		rows = append(rows, row{strconv.Itoa(st.ID), f1(st.RequestedRate), conc, st.Report})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "No per-stage lifecycle metrics found to display summary table.")
		return err
	}
	if len(rows) > 1 && set.Summary != nil {
		rows = append(rows, row{"all", "-", "-", set.Summary})
	}

	p := &printer{w: w}
	p.table("Throughput",
		[]string{"Stage", "Req Rate", "Concurrency", "Achieved Rate", "Requests", "Error Rate", "Req/s", "In Tok/s", "Out Tok/s", "Tot Tok/s"},
		len(rows), func(i int) []string {
			r := rows[i]
			total := r.l.Successes.Count + r.l.Failures.Count
			errRate := 0.0
			if total > 0 {
				errRate = float64(r.l.Failures.Count) / float64(total) * 100
			}
			achieved := "-"
			if r.l.Load.Stage != nil {
				achieved = f1(r.l.Load.AchievedRate)
			}
			t := r.l.Successes.Throughput
			return []string{r.name, r.rate, r.concurrency, achieved, strconv.Itoa(total), f1(errRate) + "%",
				f1(t.RequestsPerSec), f1(t.InputTokensPerSec), f1(t.OutputTokensPerSec), f1(t.TotalTokensPerSec)}
		})

	stats := []string{"mean", "median", "p90", "p99"}
	statNames := []string{"Mean", "Med", "P90", "P99"}
	header := func(metric ...string) []string {
		h := []string{"Stage"}
		for _, m := range metric {
			for _, s := range statNames {
				h = append(h, m+" "+s)
			}
		}
		return h
	}
	cells := func(name string, scale float64, sums ...*metrics.Summary) []string {
		c := []string{name}
		for _, s := range sums {
			for _, k := range stats {
				v, ok := s.Get(k)
				if !ok {
					c = append(c, "-")
					continue
				}
				c = append(c, f1(v*scale))
			}
		}
		return c
	}

	p.table("Request & Token Latency (ms)", header("E2E", "TTFT", "ITL"), len(rows), func(i int) []string {
		lat := rows[i].l.Successes.Latency
		return cells(rows[i].name, 1000, lat.RequestLatency, lat.TTFT, lat.ITL)
	})
	p.table("Token Generation Speed (ms)", header("TPOT", "NTPOT"), len(rows), func(i int) []string {
		lat := rows[i].l.Successes.Latency
		return cells(rows[i].name, 1000, lat.TPOT, lat.NTPOT)
	})
	p.table("Token Lengths (tokens)", header("Prompt", "Out", "Usage Out"), len(rows), func(i int) []string {
		s := rows[i].l.Successes
		return cells(rows[i].name, 1, s.PromptTokens.Dist, s.OutputLen, s.OutputTokens.Dist)
	})
	p.line("Prompt: server usage where reported, else client count. Out: client count (output_len). " +
		"Usage Out: server usage where reported, else client count (output_tokens).")

	// Errors: one column per label, in first-seen order across stages.
	var labels []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, lc := range r.l.Failures.ByLabel {
			if !seen[lc.Label] {
				seen[lc.Label] = true
				labels = append(labels, lc.Label)
			}
		}
	}
	p.table("Errors", append([]string{"Stage", "Successes", "Failures"}, labels...), len(rows), func(i int) []string {
		l := rows[i].l
		c := []string{rows[i].name, strconv.Itoa(l.Successes.Count), strconv.Itoa(l.Failures.Count)}
		for _, label := range labels {
			n := 0
			for _, lc := range l.Failures.ByLabel {
				if lc.Label == label {
					n = lc.Count
				}
			}
			c = append(c, strconv.Itoa(n))
		}
		return c
	})
	return p.err
}

// printer writes titled, right-aligned tables and remembers the first error.
type printer struct {
	w       io.Writer
	err     error
	started bool
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, s)
	}
}

func (p *printer) table(title string, header []string, n int, row func(int) []string) {
	if p.err != nil {
		return
	}
	if p.started {
		p.line("")
	}
	p.started = true
	p.line(title)
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	write := func(cells []string) {
		if p.err == nil {
			// Every cell ends in a tab so that the last column aligns too.
			_, p.err = io.WriteString(tw, strings.Join(cells, "\t")+"\t\n")
		}
	}
	write(header)
	for i := range n {
		write(row(i))
	}
	if p.err == nil {
		p.err = tw.Flush()
	}
}

// f1 formats with one decimal, as the reference's tables do.
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

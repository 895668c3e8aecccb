package report

import (
	"fmt"
	"io"
	"strconv"
)

// PrintMarked writes the summary and stage reports that the options ask for
// to w, each between marker lines, as the reference prints them to stdout:
//
//	=== START_SUMMARY ===
//	{...summary_lifecycle_metrics.json...}
//	=== END_SUMMARY ===
//	=== START_STAGE_0 ===
//	...
//
// Users extract reports from pod logs with these markers (e.g. awk between
// them), so the JSON between them is byte for byte the file's.
func PrintMarked(w io.Writer, set *Set) error {
	lc := set.opts.Lifecycle
	block := func(name string, body []byte) error {
		_, err := fmt.Fprintf(w, "=== START_%s ===\n%s\n=== END_%s ===\n", name, body, name)
		return err
	}
	if lc.Summary && set.Summary != nil {
		if err := block("SUMMARY", MarshalLifecycle(set.Summary)); err != nil {
			return err
		}
	}
	if lc.PerStage {
		for _, st := range set.Stages {
			if err := block("STAGE_"+strconv.Itoa(st.ID), MarshalLifecycle(st.Report)); err != nil {
				return err
			}
		}
	}
	return nil
}

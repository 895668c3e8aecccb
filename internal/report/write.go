package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File names, as the reference's ReportFile names them (before the prefix).
const (
	SummaryFile    = "summary_lifecycle_metrics.json"
	PerRequestFile = "per_request_lifecycle_metrics.json"
	ConfigFile     = "config.yaml"
)

// StageFile is the file name of stage id's lifecycle report.
func StageFile(id int) string { return "stage_" + strconv.Itoa(id) + "_lifecycle_metrics.json" }

// AdapterFile is the file name of an adapter's whole-run report. Path
// separators in the adapter name become "_" (the reference would create
// sub-directories, or write outside the report directory for "../x").
func AdapterFile(adapter string) string {
	return "adapter_" + safeName(adapter) + "_lifecycle_metrics.json"
}

// AdapterStageFile is the file name of an adapter's report for one stage.
func AdapterStageFile(adapter string, stage int) string {
	return "adapter_" + safeName(adapter) + "_stage_" + strconv.Itoa(stage) + "_lifecycle_metrics.json"
}

func safeName(s string) string {
	return strings.NewReplacer("/", "_", `\`, "_").Replace(s)
}

// WriteLocal writes the reports the set's options ask for to dir (created if
// missing), each named <prefix><name> as the reference's local storage does:
// summary (when there were records), one file per stage with records,
// per-adapter files, the per-request file, and config.yaml when configYAML is
// not nil. Each file is written to a temporary name and renamed into place,
// so a file that exists is complete. It returns the paths written, in the
// order written.
func WriteLocal(dir, prefix string, set *Set, configYAML []byte) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report directory: %w", err)
	}
	lc := set.opts.Lifecycle
	var written []string
	write := func(name string, fill func(io.Writer) error) error {
		path := filepath.Join(dir, prefix+name)
		if err := writeFileAtomic(path, fill); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	writeBytes := func(name string, b []byte) error {
		return write(name, func(w io.Writer) error { _, err := w.Write(b); return err })
	}

	if lc.Summary && set.Summary != nil {
		if err := writeBytes(SummaryFile, MarshalLifecycle(set.Summary)); err != nil {
			return written, err
		}
	}
	if lc.PerStage {
		for _, st := range set.Stages {
			if err := writeBytes(StageFile(st.ID), MarshalLifecycle(st.Report)); err != nil {
				return written, err
			}
		}
	}
	if lc.PerRequest {
		if err := write(PerRequestFile, func(w io.Writer) error { return writePerRequest(w, set.records) }); err != nil {
			return written, err
		}
	}
	if lc.PerAdapter {
		for _, a := range set.Adapters {
			if err := writeBytes(AdapterFile(a.Adapter), MarshalLifecycle(a.Report)); err != nil {
				return written, err
			}
		}
	}
	if lc.PerAdapterStage {
		for _, a := range set.AdapterStages {
			if err := writeBytes(AdapterStageFile(a.Adapter, a.StageID), MarshalLifecycle(a.Report)); err != nil {
				return written, err
			}
		}
	}
	if configYAML != nil {
		if err := writeBytes(ConfigFile, configYAML); err != nil {
			return written, err
		}
	}
	return written, nil
}

// writeFileAtomic fills a temporary file next to path and renames it to path.
func writeFileAtomic(path string, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

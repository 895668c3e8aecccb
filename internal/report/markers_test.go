package report

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// extract returns the lines between "=== START_<name> ===" and
// "=== END_<name> ===", as the awk scripts users run on pod logs do.
func extract(out, name string) (string, bool) {
	var b strings.Builder
	in, found := false, false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == "=== START_"+name+" ===":
			in, found = true, true
		case line == "=== END_"+name+" ===":
			in = false
		case in:
			b.WriteString(line + "\n")
		}
	}
	return b.String(), found
}

// What a user extracts between the markers is the report file, byte for
// byte (plus the newline print adds), and only the reports the options ask
// for are printed.
func TestPrintMarkedMatchesFiles(t *testing.T) {
	t.Parallel()
	set, err := BuildWith(craftedRun(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := PrintMarked(&out, set); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := WriteLocal(dir, "", set, nil); err != nil {
		t.Fatal(err)
	}
	for name, file := range map[string]string{
		"SUMMARY": SummaryFile,
		"STAGE_0": StageFile(0),
		"STAGE_1": StageFile(1),
	} {
		got, ok := extract(out.String(), name)
		if !ok {
			t.Fatalf("no %s block in:\n%s", name, out.String())
		}
		want, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want)+"\n" {
			t.Errorf("%s block differs from %s", name, file)
		}
	}

	opts := DefaultOptions()
	opts.Lifecycle.PerStage = false
	set, _ = BuildWith(craftedRun(), opts)
	out.Reset()
	if err := PrintMarked(&out, set); err != nil {
		t.Fatal(err)
	}
	if _, ok := extract(out.String(), "STAGE_0"); ok {
		t.Error("stage block printed with per_stage off")
	}
}

package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/inference-perf-go/inference-perf/internal/record"
)

// shape lists every key path of a decoded JSON value in document order with
// the kind of its value (null, bool, int, float, string, object, list), so
// two reports with different numbers but the same layout have equal shapes.
// Python writes ints and floats differently ("count": 6000 vs "total":
// 768000.0), so int and float are different kinds. For lists, the first
// element stands for all.
func shape(v any, path string, out *[]string) {
	kind := ""
	switch x := v.(type) {
	case nil:
		kind = "null"
	case bool:
		kind = "bool"
	case intText, int:
		kind = "int"
	case float64:
		kind = "float"
	case string:
		kind = "string"
	case object:
		*out = append(*out, path+": object")
		for _, m := range x {
			shape(m.val, path+"."+m.key, out)
		}
		return
	case []any:
		*out = append(*out, path+": list")
		if len(x) > 0 {
			shape(x[0], path+"[]", out)
		}
		return
	default:
		kind = fmt.Sprintf("%T", v)
	}
	*out = append(*out, path+": "+kind)
}

func shapeOf(t *testing.T, what string, b []byte) []string {
	t.Helper()
	v, err := decodeOrdered(string(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var s []string
	shape(v, "", &s)
	return s
}

// sampleLikeRun is a run shaped like the reference's sample runs: one
// constant stage of streamed, successful chat requests.
func sampleLikeRun() *Run {
	var recs []*record.Record
	for i := range 10 {
		recs = append(recs, streamed(float64(i)*200, []float64{20, 5, 5, 5, 5, 5, 5, 5}, strings.Fields("a b c d e f g h")))
	}
	return &Run{Stages: []Stage{{ID: 0, LoadType: "constant", RequestedRate: 5, Records: recs}}}
}

// TestShapeMatchesReferenceSamples compares the key paths, key order and
// value kinds of our reports with the reference v0.5.0 files: the values
// differ, the layout must not.
func TestShapeMatchesReferenceSamples(t *testing.T) {
	t.Parallel()
	opts := DefaultOptions()
	set, err := BuildWith(sampleLikeRun(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var perReq bytes.Buffer
	if err := writePerRequest(&perReq, set.records); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sample string
		ours   []byte
	}{
		{"summary_lifecycle_metrics.json", MarshalLifecycle(set.Summary)},
		{"summary_lifecycle_metrics.chat-stream.json", MarshalLifecycle(set.Summary)},
		{"stage_0_lifecycle_metrics.json", MarshalLifecycle(set.Stages[0].Report)},
		{"per_request_lifecycle_metrics.chat-stream.json", perReq.Bytes()},
	}
	for _, c := range cases {
		t.Run(c.sample, func(t *testing.T) {
			t.Parallel()
			want := shapeOf(t, c.sample, readSample(t, c.sample))
			got := shapeOf(t, "ours", c.ours)
			if !slices.Equal(got, want) {
				t.Fatalf("layout differs from the reference's %s:\n%s", c.sample, diffLines(got, want))
			}
		})
	}
}

// diffLines shows the first differing line with some context.
func diffLines(got, want []string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at path #%d\n", i)
	for j := i; j < i+5; j++ {
		g, w := "<end>", "<end>"
		if j < len(got) {
			g = got[j]
		}
		if j < len(want) {
			w = want[j]
		}
		fmt.Fprintf(&b, "  ours: %-60s reference: %s\n", g, w)
	}
	return b.String()
}

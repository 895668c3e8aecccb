package telemetry

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inference-perf-go/inference-perf/internal/prompt"
)

func TestAppendJSONText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		max      int
		n        int
		cut      bool
		why      string
	}{
		{"plain", "plain", math.MaxInt, 5, false, "ASCII passes through"},
		{"a\"b\\c", `a\"b\\c`, math.MaxInt, 7, false, "quote and backslash escaped"},
		{"l1\nl2\tx\r", `l1\nl2\tx\r`, math.MaxInt, 11, false, "short escapes"},
		{"\x01\x1f", `\u0001\u001f`, math.MaxInt, 12, false, "other control characters as \\u00XX"},
		{"héllo ✓ 🎉", "héllo ✓ 🎉", math.MaxInt, 9, false, "non-ASCII kept as UTF-8, one character each"},
		{"a\xffb", "a\uFFFDb", math.MaxInt, 3, false, "invalid UTF-8 replaced: OTLP needs valid strings"},
		{"abcdef", "abc", 3, 3, true, "cut at the limit"},
		{"ab\"cd", "ab", 3, 2, true, "an escape is never split"},
		{"éé", "é", 1, 1, true, "a character is never split"},
		{"", "", 0, 0, false, "empty"},
	}
	for _, c := range cases {
		got, n, cut := appendJSONText(nil, c.in, c.max)
		if string(got) != c.want || n != c.n || cut != c.cut {
			t.Errorf("%s: %q -> %q %d %v, want %q %d %v", c.why, c.in, got, n, cut, c.want, c.n, c.cut)
		}
		if n != utf8.RuneCount(got) {
			t.Errorf("%s: counted %d, have %d characters", c.why, n, utf8.RuneCount(got))
		}
	}
}

func TestAppendInputMessages(t *testing.T) {
	t.Parallel()
	two := prompt.Prompt{Messages: []prompt.Message{{Role: "system", Content: "abc"}, {Role: "user", Content: "defgh"}}}
	one := `[{"role":"system","parts":[{"type":"text","content":"abc"}]}]`
	cases := []struct {
		p     prompt.Prompt
		chat  bool
		limit int
		want  string
		why   string
	}{
		{prompt.Prompt{Text: "hi"}, false, -1, `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`, "completion: the prompt as one user message"},
		{prompt.Prompt{Text: "hi"}, true, -1, `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`, "chat without messages sends the text as a user message"},
		{two, true, -1, one[:len(one)-1] + `,{"role":"user","parts":[{"type":"text","content":"defgh"}]}]`, "chat messages in order"},
		{two, false, -1, `[{"role":"user","parts":[{"type":"text","content":""}]}]`, "completion ignores messages"},
		{two, true, len(one), one, "exactly one message fits: the second is left out"},
		{two, true, len(one) - 2, `[{"role":"system","parts":[{"type":"text","content":"a"}]}]`, "content cut to fit"},
		{two, true, 10, `[]`, "not even one message's structure fits"},
		{two, true, 1, ``, "not even [] fits"},
	}
	for _, c := range cases {
		got := string(appendInputMessages(nil, &c.p, c.chat, c.limit))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.why, got, c.want)
		}
	}
}

func TestOutputText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		limit int
		want  string
		why   string
	}{
		{"hello", -1, "hello", "no limit"},
		{"hello", 3, "hel", "cut in characters"},
		{"ééé", 2, "éé", "multi-byte characters count once"},
		{"ab", 5, "ab", "under the limit"},
		{"a\xff", -1, "a\uFFFD", "invalid UTF-8 replaced"},
		{"abc", 0, "", "zero"},
	}
	for _, c := range cases {
		if got := outputText([]byte(c.in), c.limit); got != c.want {
			t.Errorf("%s: %q", c.why, got)
		}
	}
}

// replaceInvalid replaces each invalid byte with U+FFFD, as appendJSONText
// does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Whatever the prompt and limit, gen_ai.input.messages is valid JSON of
// valid UTF-8 within the limit; without a limit it decodes to the input.
func FuzzInputMessages(f *testing.F) {
	f.Add("user", "hello", "more", -1)
	f.Add("system", "a\"b\\c\n\x01", "é🎉\xff", 40)
	f.Add("", "", "", 2)
	f.Add("us\"er", strings.Repeat("x", 100), "y", 73)
	f.Fuzz(func(t *testing.T, role, c1, c2 string, limit int) {
		if limit < -1 {
			limit = -1
		}
		if _, n, _ := appendJSONText(nil, role, math.MaxInt); jsonTextLen(role) != n {
			t.Fatalf("jsonTextLen(%q) = %d, written %d", role, jsonTextLen(role), n)
		}
		p := prompt.Prompt{Messages: []prompt.Message{{Role: role, Content: c1}, {Role: "user", Content: c2}}}
		out := appendInputMessages(nil, &p, true, limit)
		if limit >= 0 && utf8.RuneCount(out) > limit {
			t.Fatalf("%d characters over the limit %d: %s", utf8.RuneCount(out), limit, out)
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8: %q", out)
		}
		if len(out) == 0 {
			if limit >= 2 {
				t.Fatalf("nothing written with limit %d", limit)
			}
			return
		}
		var msgs []struct {
			Role  string `json:"role"`
			Parts []struct {
				Type    string `json:"type"`
				Content string `json:"content"`
			} `json:"parts"`
		}
		if err := json.Unmarshal(out, &msgs); err != nil {
			t.Fatalf("invalid JSON %s: %v", out, err)
		}
		if limit < 0 {
			if len(msgs) != 2 || msgs[0].Role != replaceInvalid(role) || msgs[0].Parts[0].Content != replaceInvalid(c1) ||
				msgs[1].Parts[0].Content != replaceInvalid(c2) {
				t.Fatalf("round trip: %+v", msgs)
			}
		}
	})
}

// No value of any variable makes parseSettings panic, and what it accepts
// is usable.
func FuzzParseSettings(f *testing.F) {
	f.Add("otlp", "http://localhost:4317", "grpc", "traceidratio", "0.5", "SPAN_ONLY", "2048", "k=v", "true")
	f.Add("", "c:4318", "http/protobuf", "parentbased_always_off", "", "false", "x", "a=%zz,b", "maybe")
	f.Add("console", "unix:///s", "", "always_on", "2", "", "-1", ",,", "")
	f.Fuzz(func(t *testing.T, exporter, endpoint, proto, sampler, arg, content, queue, res, insecure string) {
		s, err := parseSettings(env(envMap(
			envTracesEnabled, "true", envTracesExporter, exporter, envEndpoint, endpoint, envProtocol, proto,
			envSampler, sampler, envSamplerArg, arg, envCaptureContent, content, envBSPQueue, queue,
			envResourceAttrs, res, envInsecure, insecure)), &SetupOptions{})
		if err != nil {
			return
		}
		if s.sampler == nil || s.bsp.queue < 1 || s.bsp.batch < 1 || s.bsp.batch > s.bsp.queue || s.serviceName == "" {
			t.Fatalf("accepted unusable settings %+v", s)
		}
		if s.exporter == exporterOTLP && (s.endpoint.target == "" || s.endpoint.display == "") {
			t.Fatalf("OTLP without an endpoint: %+v", s.endpoint)
		}
	})
}

// jsonTextLen counts what appendJSONText writes, without writing it.
func TestJSONTextLen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "a\"b\\c\n\r\t", "\x00\x1f", "é🎉", "a\xff\xfeb", "\xe2\x82"} {
		_, n, _ := appendJSONText(nil, s, math.MaxInt)
		if got := jsonTextLen(s); got != n {
			t.Errorf("%q: %d, want %d", s, got, n)
		}
	}
}

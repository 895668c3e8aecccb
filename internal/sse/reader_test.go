package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// refEvents is a deliberately naive reading of the SSE rules, used as the
// oracle for the fuzz target: it sees the whole input at once, so it cannot
// get buffer boundaries wrong.
func refEvents(in string) []string {
	in = strings.TrimPrefix(in, "\uFEFF")
	in = strings.ReplaceAll(in, "\r\n", "\n")
	in = strings.ReplaceAll(in, "\r", "\n")
	lines := strings.Split(in, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the input ended with a line terminator
	}
	var events []string
	var data []string
	has := false
	for _, l := range lines {
		switch {
		case l == "":
			if has {
				events = append(events, strings.Join(data, "\n"))
			}
			data, has = nil, false
		case l[0] == ':':
		default:
			field, value, found := strings.Cut(l, ":")
			if found {
				value = strings.TrimPrefix(value, " ")
			}
			if field == "data" {
				data = append(data, value)
				has = true
			}
		}
	}
	if has {
		events = append(events, strings.Join(data, "\n"))
	}
	return events
}

// readAll drains r, copying each event because Next's slice is reused.
func readAll(r *Reader) ([]string, error) {
	var out []string
	for {
		d, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(d))
	}
}

// splitReader returns its input in pieces whose sizes cycle through sizes,
// to put buffer boundaries everywhere, including between '\r' and '\n'.
type splitReader struct {
	b     []byte
	sizes []byte
	i     int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(s.sizes) > 0 {
		n = int(s.sizes[s.i%len(s.sizes)])%17 + 1
		s.i++
	}
	n = min(n, len(p), len(s.b))
	copy(p, s.b[:n])
	s.b = s.b[n:]
	return n, nil
}

func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		// The shape every OpenAI-compatible server streams.
		{"openai stream", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{`{"a":1}`, "[DONE]"}},
		// Windows line ends must not leave '\r' in the payload.
		{"crlf", "data: x\r\n\r\ndata: y\r\n\r\n", []string{"x", "y"}},
		// Old Mac line ends are legal SSE.
		{"cr only", "data: x\r\rdata: y\r\r", []string{"x", "y"}},
		// Mixed terminators in one stream.
		{"mixed", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", []string{"a", "b", "c"}},
		// Several data lines form one payload joined by newlines.
		{"multi-line data", "data: a\ndata: b\ndata:c\n\n", []string{"a\nb\nc"}},
		// Only one space after the colon is dropped.
		{"two spaces", "data:  x\n\n", []string{" x"}},
		// No space is fine.
		{"no space", "data:x\n\n", []string{"x"}},
		// Comments are keep-alives (": ping"), never events.
		{"comments", ": ping\n\n: hi\ndata: x\n\n", []string{"x"}},
		// event/id/retry fields are ignored, not mistaken for data.
		{"other fields", "event: error\nid: 7\nretry: 10\ndata: x\n\n", []string{"x"}},
		// A blank line with no data dispatches nothing.
		{"blank lines", "\n\n\ndata: x\n\n\n\n", []string{"x"}},
		// An event with only other fields dispatches nothing.
		{"no data field", "event: ping\n\n", nil},
		// "data:" with nothing after it is an empty payload, not no event.
		{"empty data", "data:\n\n", []string{""}},
		// A "data" line without a colon is a data field with an empty value.
		{"bare data", "data\n\n", []string{""}},
		// Two empty data lines make one newline.
		{"two empty data", "data\ndata\n\n", []string{"\n"}},
		// Servers that end with "data: [DONE]\n" and no blank line still count.
		{"no trailing blank line", "data: x\n\ndata: [DONE]\n", []string{"x", "[DONE]"}},
		// ...even without any line terminator at all.
		{"no terminator", "data: x", []string{"x"}},
		// The field name is case-sensitive.
		{"Data is not data", "Data: x\n\n", nil},
		// A leading byte-order mark is stripped from the first line only.
		{"bom", "\uFEFFdata: x\n\n", []string{"x"}},
		// Colons inside the value stay.
		{"colon in value", "data: a:b: c\n\n", []string{"a:b: c"}},
		// Empty input is just EOF.
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []string{"whole", "one byte"} {
				var rd io.Reader = strings.NewReader(tt.in)
				if mode == "one byte" {
					rd = iotest.OneByteReader(rd)
				}
				got, err := readAll(NewReader(rd))
				if err != nil {
					t.Fatalf("%s: error %v", mode, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("%s: got %q, want %q", mode, got, tt.want)
				}
				if ref := refEvents(tt.in); !reflect.DeepEqual(ref, tt.want) {
					t.Fatalf("reference disagrees with the table: %q", ref)
				}
			}
		})
	}
}

// TestNoReadAhead checks the property exact timing depends on: Next returns
// an event as soon as its terminating blank line is read, without waiting
// for more bytes (even when the last terminator is a lone '\r').
func TestNoReadAhead(t *testing.T) {
	t.Parallel()
	for _, term := range []string{"\n\n", "\r\n\r\n", "\r\r"} {
		pr, pw := io.Pipe()
		r := NewReader(pr)
		type res struct {
			d   string
			err error
		}
		got := make(chan res)
		go func() {
			for {
				d, err := r.Next()
				got <- res{string(d), err}
				if err != nil {
					return
				}
			}
		}()
		for i := range 3 {
			want := fmt.Sprintf("chunk %d", i)
			if _, err := pw.Write([]byte("data: " + want + term)); err != nil {
				t.Fatal(err)
			}
			// The writer blocks until the reader consumed the bytes; the
			// event must now be delivered with nothing more written.
			if g := <-got; g.err != nil || g.d != want {
				t.Fatalf("term %q: got %q, %v; want %q", term, g.d, g.err, want)
			}
		}
		pw.Close()
		if g := <-got; g.err != io.EOF {
			t.Fatalf("term %q: want EOF, got %q %v", term, g.d, g.err)
		}
	}
}

func TestTooLong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr bool
	}{
		// A line exactly at the limit is accepted.
		{"line at limit", "data:" + strings.Repeat("x", 11) + "\n\n", 16, []string{strings.Repeat("x", 11)}, false},
		// One byte over is an error, not a silent truncation.
		{"line over limit", "data:" + strings.Repeat("x", 12) + "\n\n", 16, nil, true},
		// Events before the long line are still delivered.
		{"after good event", "data: ok\n\ndata:" + strings.Repeat("x", 40) + "\n\n", 16, []string{"ok"}, true},
		// Many short data lines can exceed the event limit too.
		{"event over limit", strings.Repeat("data: 12345\n", 4) + "\n", 16, nil, true},
		// An unterminated final line over the limit is an error as well.
		{"final line over limit", "data:" + strings.Repeat("x", 40), 16, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReaderSize(strings.NewReader(tt.in), tt.max)
			got, err := readAll(r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrTooLong)) {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				// The error is sticky: the stream is not resynchronised.
				if _, err2 := r.Next(); !errors.Is(err2, ErrTooLong) {
					t.Fatalf("second Next: %v", err2)
				}
			}
		})
	}
}

func TestReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	// An event cut by a failing connection must not be returned as complete.
	r := NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom)))
	got, err := readAll(r)
	if !errors.Is(err, boom) || !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("data: a\n\ndata: partial"))
	if d, err := r.Next(); err != nil || string(d) != "a" {
		t.Fatalf("got %q %v", d, err)
	}
	// Nothing of the first stream (buffered bytes, pending '\r') leaks into the next.
	r.Reset(strings.NewReader("\ndata: b\n\n"))
	got, err := readAll(r)
	if err != nil || !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"data: {\"a\":1}\n\ndata: [DONE]\n\n",
		"data: x\r\n\r\ndata: y\r\n\r\n",
		"data: x\r\rdata: y\r\r",
		"data: a\ndata: b\n\n",
		": ping\n\nevent: e\ndata:x\n\n",
		"\uFEFFdata\n\ndata:\n",
		"data: a\r",
		"\r\n\r\n\n\r",
	}
	for i, s := range seeds {
		f.Add([]byte(s), []byte{byte(i), 3, 1})
	}
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		want := refEvents(string(in))
		got, err := readAll(NewReader(&splitReader{b: in, sizes: sizes}))
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d events %q, want %d %q", len(got), got, len(want), want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("event %d: got %q, want %q", i, got[i], want[i])
			}
		}
		// With a tiny limit the reader may stop with ErrTooLong, but what it
		// returned before must be a prefix of the truth and it must not panic.
		small, err := readAll(NewReaderSize(&splitReader{b: in, sizes: sizes}, 8))
		if err != nil && !errors.Is(err, ErrTooLong) {
			t.Fatalf("small limit: unexpected error %v", err)
		}
		if len(small) > len(want) || !slices.Equal(small, want[:len(small)]) {
			t.Fatalf("small limit: got %q, not a prefix of %q", small, want)
		}
	})
}

func benchStream(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1795570378,\"model\":\"mock\",\"choices\":[{\"index\":0,\"text\":\" tok%d\",\"logprobs\":null,\"finish_reason\":null}]}\n\n", i)
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

func BenchmarkReader(b *testing.B) {
	stream := benchStream(64)
	src := bytes.NewReader(stream)
	r := NewReader(src)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(stream)
		r.Reset(src)
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

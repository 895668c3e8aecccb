package datagen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// TraceRow is one request of an Azure public dataset trace
// (TIMESTAMP,ContextTokens,GeneratedTokens).
type TraceRow struct {
	// Offset is the row's timestamp minus the first row's, so the first
	// request is at 0 (as the reference's AzurePublicDatasetReader shifts it).
	Offset time.Duration
	// Context is ContextTokens: the prompt length in tokens.
	Context int
	// Generated is GeneratedTokens: the output length in tokens.
	Generated int
}

// traceHeader is the required first line's field names, in order.
var traceHeader = [3]string{"TIMESTAMP", "ContextTokens", "GeneratedTokens"}

// ReadAzureTrace streams the Azure public dataset CSV at path, calling fn
// for each data row with its 1-based line number. The file is read line by
// line, never whole. The header line TIMESTAMP,ContextTokens,GeneratedTokens
// is required (extra columns are ignored, as the reference ignores them);
// blank lines are skipped. A malformed row stops the read with an error
// naming the file, line and field: the reference only logs and skips such
// rows, which would silently change the replayed load.
func ReadAzureTrace(path string, fn func(line int, r TraceRow) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("trace %s: %w", path, err)
	}
	defer f.Close()
	if err := scanAzureTrace(f, fn); err != nil {
		return fmt.Errorf("trace %s: %w", path, err)
	}
	return nil
}

// scanAzureTrace is ReadAzureTrace on a reader; errors name the line.
func scanAzureTrace(r io.Reader, fn func(line int, r TraceRow) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		line   int
		seen   bool // header read
		first  time.Duration
		haveT0 bool
	)
	for {
		raw, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("line %d: %w", line+1, err)
		}
		if raw == "" && err == io.EOF {
			break
		}
		line++
		text := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		if text == "" {
			if err == io.EOF {
				break
			}
			continue
		}
		fields := strings.Split(text, ",")
		if !seen {
			if len(fields) < 3 {
				return fmt.Errorf("line %d: header: want %s, got %q", line, strings.Join(traceHeader[:], ","), text)
			}
			for i, want := range traceHeader {
				if got := strings.Trim(strings.TrimSpace(fields[i]), `"`); !strings.EqualFold(got, want) {
					return fmt.Errorf("line %d: header column %d: want %s, got %q (the Azure public dataset format starts with the line %s)",
						line, i+1, want, got, strings.Join(traceHeader[:], ","))
				}
			}
			seen = true
		} else {
			if len(fields) < 3 {
				return fmt.Errorf("line %d: want 3 fields (TIMESTAMP,ContextTokens,GeneratedTokens), got %d", line, len(fields))
			}
			ts, perr := parseTraceTimestamp(fields[0])
			if perr != nil {
				return fmt.Errorf("line %d: TIMESTAMP: %w", line, perr)
			}
			ctx, perr := parseTraceTokens(fields[1])
			if perr != nil {
				return fmt.Errorf("line %d: ContextTokens: %w", line, perr)
			}
			gen, perr := parseTraceTokens(fields[2])
			if perr != nil {
				return fmt.Errorf("line %d: GeneratedTokens: %w", line, perr)
			}
			if !haveT0 {
				first, haveT0 = ts, true
			}
			if ferr := fn(line, TraceRow{Offset: ts - first, Context: ctx, Generated: gen}); ferr != nil {
				return fmt.Errorf("line %d: %w", line, ferr)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if !seen {
		return fmt.Errorf("empty file: want the header line %s", strings.Join(traceHeader[:], ","))
	}
	return nil
}

// maxTraceTokens bounds a row's token counts so they fit the compact int32
// tables and no row asks for an absurd prompt.
const maxTraceTokens = 1 << 30

func parseTraceTokens(s string) (int, error) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("want a whole number of tokens, got %q", s)
	}
	if n < 0 || n > maxTraceTokens {
		return 0, fmt.Errorf("want 0..%d tokens, got %d", maxTraceTokens, n)
	}
	return n, nil
}

// traceEpoch anchors parsed timestamps; only differences are used, so the
// value is an offset from 2000-01-01 UTC that fits time.Duration (±292 y).
var traceEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// parseTraceTimestamp reads a TIMESTAMP as the reference does:
// "YYYY-MM-DD HH:MM:SS[.fraction]" in UTC, optionally quoted, with "T"
// accepted for the space and a trailing "Z" ignored; the fraction is cut to
// microseconds like the reference's strptime("%f"). As an extension, a plain
// number is taken as seconds (the reference rejects that).
func parseTraceTimestamp(s string) (time.Duration, error) {
	raw := strings.Trim(strings.TrimSpace(s), `"`)
	if secs, err := strconv.ParseFloat(raw, 64); err == nil {
		if secs != secs || secs < -1e9 || secs > 1e9 { // NaN or beyond ~31 years
			return 0, fmt.Errorf("seconds out of range: %q", raw)
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	ts := strings.TrimSpace(strings.TrimSuffix(strings.Replace(raw, "T", " ", 1), "Z"))
	head, frac, hasFrac := strings.Cut(ts, ".")
	digits := ""
	if hasFrac {
		n := 0
		for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
			n++
		}
		digits = frac[:n]
	}
	if len(digits) > 6 {
		digits = digits[:6]
	}
	digits += strings.Repeat("0", 6-len(digits))
	t, err := time.ParseInLocation("2006-01-02 15:04:05", head, time.UTC)
	if err != nil {
		return 0, fmt.Errorf("want \"YYYY-MM-DD HH:MM:SS.ffffff\" (UTC) or seconds, got %q", raw)
	}
	us, _ := strconv.Atoi(digits)
	d := t.Sub(traceEpoch)
	if d <= -(1<<62) || d >= 1<<62 {
		return 0, fmt.Errorf("year out of range: %q", raw)
	}
	return d + time.Duration(us)*time.Microsecond, nil
}

// LoadTraceOffsets streams the trace at path and keeps only its send
// offsets, 8 bytes a row (a []time.Duration), for a trace_replay schedule.
func LoadTraceOffsets(path string) ([]time.Duration, error) {
	var offs []time.Duration
	err := ReadAzureTrace(path, func(_ int, r TraceRow) error {
		offs = append(offs, r.Offset)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(offs) == 0 {
		return nil, fmt.Errorf("trace %s: no requests after the header", path)
	}
	return offs, nil
}

// traceLengths are a trace's token counts kept as two []int32 (8 bytes a
// row): the prompt and output lengths of random data with data.trace.
type traceLengths struct {
	in, out []int32
}

func loadTraceLengths(path string) (*traceLengths, error) {
	tl := &traceLengths{}
	err := ReadAzureTrace(path, func(_ int, r TraceRow) error {
		tl.in = append(tl.in, int32(r.Context))
		tl.out = append(tl.out, int32(r.Generated))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(tl.in) == 0 {
		return nil, errors.New("trace " + path + ": no requests after the header")
	}
	return tl, nil
}

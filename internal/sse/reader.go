// Package sse reads Server-Sent Events streams (the text/event-stream format
// of the WHATWG HTML spec, section 9.2) as model servers send them.
//
// Only the data payload of each event is returned: the event type, id and
// retry fields carry nothing an OpenAI-compatible client needs. The reader
// never reads ahead of the event it returns, so the caller can timestamp an
// event at the moment its last byte arrived.
package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxSize bounds a line, and the data of one event, for NewReader.
const DefaultMaxSize = 8 << 20

// ErrTooLong is returned (wrapped, with the limit) when a line or the data of
// one event exceeds the reader's size limit.
var ErrTooLong = errors.New("sse: line or event data exceeds the size limit")

const minBuf = 4096

// Reader reads events from an SSE stream.
//
// Lines may end in "\n", "\r\n" or "\r". Comment lines (starting with ':')
// and fields other than "data" are ignored; one space after the colon is
// dropped; several data lines of one event are joined with "\n". An event
// the stream ends without terminating with a blank line is still returned.
// A Reader is not safe for concurrent use.
type Reader struct {
	rd      io.Reader
	buf     []byte
	r, w    int   // buf[r:w] holds bytes read but not yet consumed
	scanned int   // bytes of buf[r:w] already searched for a line end
	err     error // sticky error from rd
	max     int

	data    []byte // data buffer of the event being read
	hasData bool   // a data field was seen (an empty "data:" still makes an event)
	skipLF  bool   // the last line ended in '\r': a '\n' that follows belongs to it
	started bool   // the first line (which may carry a BOM) has been read
}

// NewReader returns a Reader over r with the default size limit.
func NewReader(r io.Reader) *Reader { return NewReaderSize(r, DefaultMaxSize) }

// NewReaderSize returns a Reader over r whose lines and event data may not
// exceed maxSize bytes (values below 1 mean DefaultMaxSize).
func NewReaderSize(r io.Reader, maxSize int) *Reader {
	if maxSize < 1 {
		maxSize = DefaultMaxSize
	}
	return &Reader{rd: r, max: maxSize}
}

// Reset discards all state and makes the Reader read from r, keeping its
// buffers, so one Reader can serve many streams without allocating.
func (r *Reader) Reset(rd io.Reader) {
	r.rd = rd
	r.r, r.w, r.scanned = 0, 0, 0
	r.err = nil
	r.data = r.data[:0]
	r.hasData, r.skipLF, r.started = false, false, false
	// Do not keep a buffer grown for one huge stream forever.
	if cap(r.buf) > 64*minBuf {
		r.buf = nil
	}
	if cap(r.data) > 64*minBuf {
		r.data = nil
	}
}

// Next returns the data of the next event. The slice aliases the Reader's
// buffer and is valid only until the next call to Next or Reset. At the end of
// the stream Next returns io.EOF; any other error from the underlying reader
// is returned as is (an event it interrupted is discarded), as is an error
// wrapping ErrTooLong.
func (r *Reader) Next() ([]byte, error) {
	r.data = r.data[:0]
	r.hasData = false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && r.hasData {
				return r.data, nil
			}
			return nil, err
		}
		if !r.started {
			r.started = true
			line = bytes.TrimPrefix(line, bom)
		}
		if len(line) == 0 {
			if r.hasData {
				return r.data, nil
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, line[len(line):]
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue
		}
		n := len(r.data) + len(value)
		if r.hasData {
			n++
		}
		if n > r.max {
			// Sticky, like a read error: the stream is not resynchronised.
			r.r, r.scanned = r.w, 0
			r.err = fmt.Errorf("%w (%d bytes)", ErrTooLong, r.max)
			return nil, r.err
		}
		if r.hasData {
			r.data = append(r.data, '\n')
		}
		r.data = append(r.data, value...)
		r.hasData = true
	}
}

var bom = []byte("\xEF\xBB\xBF")

// readLine returns the next line without its terminator. The slice aliases
// buf and is valid until the next call. A final line without a terminator is
// returned at the end of the stream; after that the sticky error is.
func (r *Reader) readLine() ([]byte, error) {
	for {
		if r.skipLF && r.r < r.w {
			if r.buf[r.r] == '\n' {
				r.r++
			}
			r.skipLF = false
		}
		if i := indexEOL(r.buf[r.r+r.scanned : r.w]); i >= 0 {
			end := r.r + r.scanned + i
			line := r.buf[r.r:end]
			r.r = end + 1
			r.scanned = 0
			if r.buf[end] == '\r' {
				// Decide now if the '\n' is buffered; otherwise remember to
				// drop it later. Never wait for it: that would delay the event.
				if r.r < r.w {
					if r.buf[r.r] == '\n' {
						r.r++
					}
				} else {
					r.skipLF = true
				}
			}
			return line, nil
		}
		r.scanned = r.w - r.r
		if r.w-r.r > r.max {
			r.r, r.scanned = r.w, 0
			r.err = fmt.Errorf("%w (%d bytes)", ErrTooLong, r.max)
			return nil, r.err
		}
		if r.err != nil {
			if r.r < r.w {
				line := r.buf[r.r:r.w]
				r.r, r.scanned = r.w, 0
				return line, nil
			}
			return nil, r.err
		}
		r.fill()
	}
}

// indexEOL returns the index of the first '\n' or '\r' in b, or -1.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.IndexByte(b, '\r')
	}
	if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
		return j
	}
	return i
}

// fill reads once more from rd into buf, making room first.
func (r *Reader) fill() {
	if r.r > 0 {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	if r.w == len(r.buf) {
		// A line may be r.max bytes plus its terminator.
		n := max(2*len(r.buf), minBuf)
		n = min(n, r.max+1)
		if n <= len(r.buf) {
			n = len(r.buf) + 1
		}
		nb := make([]byte, n)
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	for range 100 {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.err = errors.New("sse: reader returned an invalid count")
			return
		}
		r.w += n
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.err = io.ErrNoProgress
}

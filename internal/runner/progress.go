package runner

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// progress counts requests as they finish and prints one line per tick to
// stderr, so stdout stays parseable.
type progress struct {
	stage    atomic.Int64
	expected atomic.Int64
	done     atomic.Int64
	failed   atomic.Int64
	w        io.Writer
}

func (p *progress) startStage(id, expected int) {
	p.stage.Store(int64(id))
	p.expected.Store(int64(expected))
	p.done.Store(0)
	p.failed.Store(0)
}

func (p *progress) line() string {
	exp := p.expected.Load()
	total := "?"
	if exp > 0 {
		total = fmt.Sprint(exp)
	}
	return fmt.Sprintf("stage %d: %d/%s requests done, %d failed", p.stage.Load(), p.done.Load(), total, p.failed.Load())
}

// run prints progress every interval until stop is closed.
func (p *progress) run(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fmt.Fprintln(p.w, p.line())
		case <-stop:
			return
		}
	}
}

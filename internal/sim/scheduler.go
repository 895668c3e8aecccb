package sim

import (
	"context"
	"sync"
)

// scheduler hands out a fixed number of sequence slots in FIFO order, like
// vLLM's --max-num-seqs: a request either runs or waits, and a waiting request
// whose client goes away leaves the queue without taking a slot.
type scheduler struct {
	mu         sync.Mutex
	slots      int
	running    int
	waiting    int
	maxRunning int
	// queue holds waiters in arrival order. A waiter that gave up stays in it
	// marked gone (lazy deletion keeps cancellation O(1)) and is skipped.
	queue []*waiter
	// hook, when set (tests only), is called under mu after every change.
	hook func()
}

type waiter struct {
	ready   chan struct{}
	granted bool // set under mu when a slot is handed over
	gone    bool // set under mu when the waiter gave up before a grant
}

func newScheduler(slots int) *scheduler { return &scheduler{slots: slots} }

// acquire takes a slot, waiting in FIFO order if none is free. It reports
// whether it had to wait, and returns ctx's error if ctx ended first, in which
// case no slot is held.
func (s *scheduler) acquire(ctx context.Context) (queued bool, err error) {
	s.mu.Lock()
	if s.running < s.slots && s.waiting == 0 {
		s.running++
		if s.running > s.maxRunning {
			s.maxRunning = s.running
		}
		s.changed()
		s.mu.Unlock()
		return false, nil
	}
	w := &waiter{ready: make(chan struct{}, 1)}
	s.queue = append(s.queue, w)
	s.waiting++
	s.changed()
	s.mu.Unlock()

	select {
	case <-w.ready:
		return true, nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	if w.granted {
		// The slot arrived while ctx ended: pass it on rather than leak it.
		s.mu.Unlock()
		s.release()
		return true, ctx.Err()
	}
	w.gone = true
	s.waiting--
	s.changed()
	s.mu.Unlock()
	return true, ctx.Err()
}

// release frees a slot, handing it straight to the oldest live waiter if any.
func (s *scheduler) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 {
		w := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		if w.gone {
			continue
		}
		w.granted = true
		s.waiting--
		w.ready <- struct{}{}
		s.changed() // running is unchanged: the slot moved
		return
	}
	s.queue = nil // drop the drained backing array
	s.running--
	s.changed()
}

func (s *scheduler) changed() {
	if s.hook != nil {
		s.hook()
	}
}

func (s *scheduler) setHook(f func()) {
	s.mu.Lock()
	s.hook = f
	s.mu.Unlock()
}

// state returns the running and waiting counts and the running peak.
func (s *scheduler) state() (running, waiting, maxRunning int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running, s.waiting, s.maxRunning
}

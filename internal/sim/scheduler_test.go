package sim

import (
	"context"
	"testing"
	"time"
)

// schedWait blocks until pred holds on s, woken by its hook.
func schedWait(t *testing.T, s *scheduler, changed <-chan struct{}, pred func(r, w int) bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r, w, _ := s.state()
		if pred(r, w) {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out: running=%d waiting=%d", r, w)
		}
	}
}

func hookSched(s *scheduler) <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.setHook(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	return ch
}

// Slots are handed over in arrival order, never to a later arrival first.
func TestSchedulerFIFO(t *testing.T) {
	t.Parallel()
	s := newScheduler(1)
	changed := hookSched(s)
	if q, err := s.acquire(context.Background()); q || err != nil {
		t.Fatalf("first acquire queued=%v err=%v", q, err)
	}
	got := make(chan string, 2)
	for i, name := range []string{"B", "C"} {
		go func() {
			if q, err := s.acquire(context.Background()); !q || err != nil {
				t.Errorf("%s: queued=%v err=%v", name, q, err)
			}
			got <- name
		}()
		// Enqueue B before C starts, so arrival order is known.
		schedWait(t, s, changed, func(_, w int) bool { return w == i+1 })
	}
	s.release()
	if first := <-got; first != "B" {
		t.Fatalf("%s admitted first, want B", first)
	}
	if r, w, _ := s.state(); r != 1 || w != 1 {
		t.Fatalf("running=%d waiting=%d after hand-over", r, w)
	}
	s.release()
	if second := <-got; second != "C" {
		t.Fatalf("%s admitted second", second)
	}
	s.release()
	if r, w, m := s.state(); r != 0 || w != 0 || m != 1 {
		t.Fatalf("final running=%d waiting=%d max=%d", r, w, m)
	}
}

// A waiter whose context ends leaves the queue and is never handed a slot.
func TestSchedulerCancelWhileQueued(t *testing.T) {
	t.Parallel()
	s := newScheduler(1)
	if _, err := s.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if q, err := s.acquire(ctx); !q || err == nil {
		t.Fatalf("cancelled acquire: queued=%v err=%v", q, err)
	}
	if r, w, _ := s.state(); r != 1 || w != 0 {
		t.Fatalf("running=%d waiting=%d after cancel", r, w)
	}
	s.release() // must not go to the departed waiter
	if r, w, _ := s.state(); r != 0 || w != 0 {
		t.Fatalf("running=%d waiting=%d after release", r, w)
	}
	if q, err := s.acquire(context.Background()); q || err != nil {
		t.Fatalf("slot not free: queued=%v err=%v", q, err)
	}
}

// A grant racing a cancel never leaks or doubles a slot, whichever wins.
func TestSchedulerGrantCancelRace(t *testing.T) {
	t.Parallel()
	s := newScheduler(1)
	changed := hookSched(s)
	for range 200 {
		if _, err := s.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := s.acquire(ctx); err == nil {
				s.release()
			}
		}()
		schedWait(t, s, changed, func(_, w int) bool { return w == 1 })
		cancel()
		s.release()
		<-done
		if r, w, _ := s.state(); r != 0 || w != 0 {
			t.Fatalf("running=%d waiting=%d after race", r, w)
		}
	}
}

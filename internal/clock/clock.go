// Package clock gives every timestamp of a run from one monotonic clock.
//
// Times are durations since the run's epoch. Go's time.Time carries a monotonic
// reading, so time.Since(epoch) is immune to wall-clock steps and costs one
// vDSO call.
package clock

import "time"

// Clock measures monotonic time since an epoch.
type Clock struct {
	epoch time.Time
}

// New returns a clock whose epoch is now.
func New() *Clock { return &Clock{epoch: time.Now()} }

// Now returns the time elapsed since the epoch.
func (c *Clock) Now() time.Duration { return time.Since(c.epoch) }

// Epoch returns the wall-clock time (with its monotonic reading) of the epoch.
func (c *Clock) Epoch() time.Time { return c.epoch }

// At returns the absolute time of an offset from the epoch, for timers and
// deadlines.
func (c *Clock) At(d time.Duration) time.Time { return c.epoch.Add(d) }

// Wall returns the wall-clock time of an offset, for reports that show epochs.
func (c *Clock) Wall(d time.Duration) time.Time { return c.epoch.Add(d).Round(0) }

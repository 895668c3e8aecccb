//go:build race

package sim

// raceEnabled tells tests that count allocations to stand down: under the
// race detector sync.Pool drops items at random.
const raceEnabled = true

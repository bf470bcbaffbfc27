//go:build !unix

package linearize

import "time"

// machineClock, where there is no CLOCK_MONOTONIC: the wall clock when the
// recorder was made plus Go's monotonic time since (never backwards in
// one process; across processes only as good as the wall clock).
func machineClock(base time.Time) int64 {
	return base.UnixNano() + int64(time.Since(base))
}

//go:build unix

package linearize

import (
	"time"

	"golang.org/x/sys/unix"
)

// machineClock is CLOCK_MONOTONIC: one clock for every process on the
// machine, never stepped, so the histories of a run's processes merge
// in the order their calls really had.
func machineClock(time.Time) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic("CLOCK_MONOTONIC: " + err.Error())
	}
	return ts.Nano()
}

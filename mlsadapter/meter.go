package mlsadapter

import "time"

// Meter adds up the wall time spent inside go-mls calls, so a harness can
// report its own overhead next to the library's floor. It is measurement
// only: nothing reads it to decide anything.
type Meter struct {
	Calls int
	Total time.Duration
}

// Millis is the total in milliseconds.
func (m *Meter) Millis() float64 { return float64(m.Total) / float64(time.Millisecond) }

// WithMeter makes the adapter add every go-mls call's duration to m.
func (a *Adapter) WithMeter(m *Meter) *Adapter {
	a.meter = m
	return a
}

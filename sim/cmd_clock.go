package sim

import "fmt"

// clock tie|jump: server timestamps tie from now on, or jump an hour per
// publish.
func (w *World) cmdClock(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	switch c.Arg(0) {
	case "tie":
		w.net.SetTick(0)
	case "jump":
		w.net.SetTick(jumpTickNs)
	default:
		return result{}, fmt.Errorf("clock: %q is not tie or jump", c.Arg(0))
	}
	w.count("clock_" + c.Arg(0))
	return result{out: "ok"}, nil
}

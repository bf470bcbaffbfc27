package sim

// clock tie|jump: server timestamps tie from now on, or jump an hour per
// publish.
func (w *World) cmdClock(c Cmd) (result, error) {
	switch c.Arg(0) {
	case "tie":
		w.net.SetTick(0)
	case "jump":
		w.net.SetTick(jumpTickNs)
	default:
		return result{}, errorf("clock: want tie or jump")
	}
	w.count("clock_" + c.Arg(0))
	return result{out: "ok"}, nil
}

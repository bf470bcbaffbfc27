package sim

// upkeep ID: one round of the client's production upkeep
// (engine.Client.Upkeep: key packages, welcomes, streams, sync, the
// installations check, publish all, send welcomes, sync), as a real
// client runs it periodically — here under whatever faults are armed.
// The output lists the steps that failed, as a liveness round's does.
func (w *World) cmdUpkeep(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	cl, why := w.client(c.Arg(0))
	if cl == nil {
		return result{out: why}, nil
	}
	return result{out: w.round(cl)}, nil
}

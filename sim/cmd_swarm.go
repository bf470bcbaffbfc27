package sim

// swarm off=A,B: records which actions swarm testing switched off for the
// seed. It changes nothing when replayed; it is there to be read.
func (w *World) cmdSwarm(c Cmd) (result, error) {
	return result{out: "ok"}, nil
}

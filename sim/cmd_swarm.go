package sim

// swarm off=A,B: records which actions swarm testing switched off for the
// seed. It changes nothing when replayed; it is there to be read.
func init() {
	register("swarm", func(w *World, c Cmd) (result, error) {
		return result{out: "ok"}, nil
	})
}

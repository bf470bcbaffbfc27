package sim

// partition ID / unpartition ID: cut an installation off the server, or
// reconnect it.
func (w *World) cmdPartition(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	w.net.Partition(c.Arg(0))
	w.count("partition")
	return result{out: "ok"}, nil
}

func (w *World) cmdUnpartition(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	w.net.Unpartition(c.Arg(0))
	return result{out: "ok"}, nil
}

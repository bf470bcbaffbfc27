package sim

// restart ID: a new engine over the installation's store (after a crash,
// or dropping everything in memory of a running one).
func (w *World) cmdRestart(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	cl, ok := w.clients[c.Arg(0)]
	if !ok {
		return result{out: "skipped: no installation " + c.Arg(0)}, nil
	}
	return result{out: w.reopen(cl)}, nil
}

func (w *World) reopen(c *client) string {
	was := "running"
	if c.eng == nil {
		was = "crashed"
	}
	err := w.guard(c, func() error { return w.open(c) })
	if err != nil {
		return "was=" + was + " " + outcome(err)
	}
	w.count("restart")
	return "was=" + was + " ok"
}

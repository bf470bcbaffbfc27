package sim

// sync ID GROUP: read the group topic to its head.
func (w *World) cmdSync(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		return "", cl.eng.Sync(c.Arg(1))
	}), nil
}

package sim

// subscribe ID GROUP: the installation subscribes to the group topic from
// its cursor (engine.Client.Subscribe); stream-step takes the deliveries.
func (w *World) cmdSubscribe(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		return "", cl.eng.Subscribe(c.Arg(1))
	}), nil
}

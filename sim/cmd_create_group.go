package sim

// create-group ID GROUP: the installation creates a group, alone at epoch 0.
func (w *World) cmdCreateGroup(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	group := c.Arg(1)
	if !contains(w.groups, group) {
		w.groups = append(w.groups, group)
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		return "", cl.eng.CreateGroup(group)
	}), nil
}

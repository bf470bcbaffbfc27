package sim

// revoke ID: the directory revokes the installation (a lost device): its
// account no longer lists it and it cannot upload key packages again;
// members' next commits remove it from their groups. Its client keeps
// running until it learns it was removed.
func (w *World) cmdRevoke(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	id := c.Arg(0)
	if _, ok := w.clients[id]; !ok {
		return result{out: "skipped: no installation " + id}, nil
	}
	if w.net.Revoked(id) {
		return result{out: "skipped: already revoked"}, nil
	}
	w.net.Revoke(id)
	w.count("installation_revoked")
	return result{out: "ok"}, nil
}

// chooseRevoke picks a device of an account that keeps another one, so
// the account stays in its groups; with none, a sync.
func (w *World) chooseRevoke() Cmd {
	live := map[string]int{}
	for _, id := range w.names {
		if !w.net.Revoked(id) {
			live[w.clients[id].account]++
		}
	}
	var can []string
	for _, id := range w.names {
		if !w.net.Revoked(id) && live[w.clients[id].account] > 1 {
			can = append(can, id)
		}
	}
	if len(can) == 0 {
		return w.choose(ActSync)
	}
	return NewCmd("revoke", can[w.pick(len(can))])
}

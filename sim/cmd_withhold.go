package sim

// withhold ID: the installation becomes a Byzantine member that drops
// every welcome it sends (it believes they were sent).
func (w *World) cmdWithhold(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	cl, ok := w.clients[c.Arg(0)]
	if !ok {
		return result{out: "skipped: no installation " + c.Arg(0)}, nil
	}
	if cl.remote != nil {
		if r := w.remoteHook(cl, "ok", cl.remote.Withhold); r.out != "ok" {
			return r, nil
		}
	} else {
		cl.fuse.Withhold = true
	}
	if !contains(w.withholders, cl.id) {
		w.withholders = append(w.withholders, cl.id)
	}
	return result{out: "ok"}, nil
}

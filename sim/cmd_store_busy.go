package sim

// store-busy ID: the installation's next store transaction does its work
// and then fails to commit (SQLite busy): a transient error.
func (w *World) cmdStoreBusy(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	cl, ok := w.clients[c.Arg(0)]
	if !ok {
		return result{out: "skipped: no installation " + c.Arg(0)}, nil
	}
	if cl.remote != nil {
		return w.remoteHook(cl, "armed", cl.remote.StoreBusy), nil
	}
	cl.fuse.Busy++
	return result{out: "armed"}, nil
}

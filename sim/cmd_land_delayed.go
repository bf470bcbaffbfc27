package sim

// land-delayed: the oldest delayed publish lands now.
func (w *World) cmdLandDelayed(c Cmd) (result, error) {
	if w.net.LandDelayed() {
		w.count("delayed_landed")
		return result{out: "landed"}, nil
	}
	return result{out: "none pending"}, nil
}

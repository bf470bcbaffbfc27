package sim

// land-delayed: the oldest delayed publish lands now.
func init() {
	register("land-delayed", func(w *World, c Cmd) (result, error) {
		if w.net.LandDelayed() {
			w.count("delayed_landed")
			return result{out: "landed"}, nil
		}
		return result{out: "none pending"}, nil
	})
}

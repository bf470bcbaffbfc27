package sim

// partition ID / unpartition ID: cut an installation off the server, or
// reconnect it.
func init() {
	register("partition", func(w *World, c Cmd) (result, error) {
		if err := c.need(1, "INSTALLATION"); err != nil {
			return result{}, err
		}
		w.net.Partition(c.Arg(0))
		w.count("partition")
		return result{out: "ok"}, nil
	})
	register("unpartition", func(w *World, c Cmd) (result, error) {
		if err := c.need(1, "INSTALLATION"); err != nil {
			return result{}, err
		}
		w.net.Unpartition(c.Arg(0))
		return result{out: "ok"}, nil
	})
}

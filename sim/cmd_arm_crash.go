package sim

import "fmt"

// arm-crash ID kind=tx|send at=N: the installation crashes at its N-th
// (from 0) next boundary of that kind — before or after a store
// transaction (tx), before or after a network call (send) — in whatever
// step reaches it. A restart disarms it.
func (w *World) cmdArmCrash(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	kind, _ := c.Opt("kind")
	if kind != "tx" && kind != "send" {
		return result{}, fmt.Errorf("arm-crash: kind must be tx or send")
	}
	at, err := c.IntOpt("at", 0)
	if err != nil || at < 0 {
		return result{}, fmt.Errorf("arm-crash: at must be a number >= 0")
	}
	cl, why := w.client(c.Arg(0))
	if cl == nil {
		return result{out: why}, nil
	}
	if cl.remote != nil {
		return w.remoteHook(cl, "ok", func() error { return cl.remote.ArmCrash(kind, at) }), nil
	}
	cl.fuse.Arm(kind, at)
	return result{out: "ok"}, nil
}

package sim

import (
	"fmt"
	"strings"
)

// race GROUP ID=key-update ID=add:ACCOUNT ...: SPEC §7's users racing.
// Each named member records its change and publishes it before any of them
// reads the topic, so their commits are built for the same epoch and all
// but the first lose.
func (w *World) cmdRace(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	group := c.Arg(0)
	for _, o := range c.Opts {
		if o.Val != "key-update" && !strings.HasPrefix(o.Val, "add:") {
			return result{}, fmt.Errorf("race: %s=%s: want key-update or add:ACCOUNT", o.Key, o.Val)
		}
	}
	var parts []string
	for _, o := range c.Opts {
		r := w.engineCall(o.Key, func(cl *client) (string, error) {
			var err error
			if acct, ok := strings.CutPrefix(o.Val, "add:"); ok {
				_, err = cl.eng.AddMembers(group, acct)
			} else {
				_, err = cl.eng.KeyUpdate(group)
			}
			if err != nil {
				return "", err
			}
			res, err := cl.eng.PublishNext(group)
			return fmt.Sprintf("publish=%s", res.Action), err
		})
		parts = append(parts, o.Key+": "+r.out)
	}
	return result{out: strings.Join(parts, ", ")}, nil
}

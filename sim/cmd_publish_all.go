package sim

import (
	"strings"

	"github.com/mlsim/mlsim/engine"
)

// publish-all ID GROUP: publish the client's pending intents of the group
// in order, as a real client does when its user is waiting, until the
// engine's rules stop it (engine.Client.PublishAll): nothing left, the
// next intent waits behind a commit in flight, or a publish failed. It
// prints what each publish did, in order.
func (w *World) cmdPublishAll(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		all, err := cl.eng.PublishAll(c.Arg(1))
		parts := make([]string, len(all))
		sent := 0
		for i, res := range all {
			parts[i] = publishText(res)
			if res.Action == engine.PublishedSent || res.Action == engine.PublishedResent {
				sent++
			}
		}
		// Counted, not traced: that the action did what only it does —
		// several intents in one step, or publishing and then stopping
		// behind a commit in flight.
		if sent > 1 {
			w.count("publish_all_several")
		}
		if n := len(all); n > 1 && all[n-1].Action == engine.PublishedWaiting {
			w.count("publish_all_waiting")
		}
		return strings.Join(parts, ", "), err
	}), nil
}

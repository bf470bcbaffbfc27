package sim

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/engine"
)

// publish ID GROUP: publish the client's next intent of the group.
func (w *World) cmdPublish(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		res, err := cl.eng.PublishNext(c.Arg(1))
		return publishText(res), err
	}), nil
}

// publishText is what one publish did, as publish and publish-all print
// it: the action, the intent, and the installations an add skipped.
func publishText(res engine.PublishResult) string {
	d := string(res.Action)
	if res.Intent != 0 {
		d += fmt.Sprintf(" intent=%d", res.Intent)
	}
	if len(res.Skipped) > 0 {
		d += " skipped=" + strings.Join(res.Skipped, ",")
	}
	return d
}

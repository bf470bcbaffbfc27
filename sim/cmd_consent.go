package sim

import (
	"fmt"

	"github.com/mlsim/mlsim/engine"
)

// consent ID GROUP allowed|rejected: the user answers a group.
func (w *World) cmdConsent(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	answer := engine.ConsentAllowed
	switch c.Arg(2) {
	case "allowed":
	case "rejected":
		answer = engine.ConsentRejected
	default:
		return result{}, fmt.Errorf("consent: %q is not allowed or rejected", c.Arg(2))
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		return "", cl.eng.SetConsent(c.Arg(1), answer)
	}), nil
}

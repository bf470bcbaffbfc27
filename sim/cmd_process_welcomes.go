package sim

import (
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// process-welcomes ID: apply the welcomes on the installation's topic.
func (w *World) cmdProcessWelcomes(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		cl.welcomesSeen = w.net.Head(wire.WelcomeTopic(cl.id))
		joined, err := cl.eng.ProcessWelcomes()
		return "joined=" + strings.Join(joined, ","), err
	}), nil
}

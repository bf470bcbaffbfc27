package sim

import (
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// process-welcomes ID: apply the welcomes on the installation's topic.
func init() {
	register("process-welcomes", func(w *World, c Cmd) (result, error) {
		if err := c.need(1, "INSTALLATION"); err != nil {
			return result{}, err
		}
		return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
			cl.welcomesSeen = w.net.Head(wire.WelcomeTopic(cl.id))
			joined, err := cl.eng.ProcessWelcomes()
			return "joined=" + strings.Join(joined, ","), err
		}), nil
	})
}

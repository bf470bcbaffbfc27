package sim

import "fmt"

// update-installations ID GROUP: record an UPDATE_INSTALLATIONS intent by
// hand (clients record one themselves when their upkeep sees the group
// differ from the directory).
func (w *World) cmdUpdateInstallations(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.UpdateInstallations(c.Arg(1))
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

package sim

import "fmt"

// remove ID GROUP ACCOUNT...: record a REMOVE_MEMBERS intent.
func (w *World) cmdRemove(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.RemoveMembers(c.Arg(1), c.Args[2:]...)
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

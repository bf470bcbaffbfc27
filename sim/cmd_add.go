package sim

import "fmt"

// add ID GROUP ACCOUNT...: record an ADD_MEMBERS intent.
func (w *World) cmdAdd(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.AddMembers(c.Arg(1), c.Args[2:]...)
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

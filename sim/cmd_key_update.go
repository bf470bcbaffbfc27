package sim

import "fmt"

// key-update ID GROUP: record a KEY_UPDATE intent.
func (w *World) cmdKeyUpdate(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.KeyUpdate(c.Arg(1))
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

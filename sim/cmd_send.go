package sim

import "fmt"

// send ID GROUP BODY: record a SEND_MESSAGE intent.
func (w *World) cmdSend(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.Send(c.Arg(1), []byte(c.Arg(2)))
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

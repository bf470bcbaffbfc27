package sim

import "fmt"

// send-welcomes ID: send every READY_TO_SEND welcome.
func (w *World) cmdSendWelcomes(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		n, err := cl.eng.SendWelcomes()
		if err == nil {
			cl.mayHaveWelcomes = false
		}
		return fmt.Sprintf("sent=%d", n), err
	}), nil
}

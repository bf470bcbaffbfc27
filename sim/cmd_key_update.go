package sim

import "fmt"

// key-update ID GROUP: record a KEY_UPDATE intent.
func init() {
	register("key-update", func(w *World, c Cmd) (result, error) {
		if err := c.need(2, "INSTALLATION GROUP"); err != nil {
			return result{}, err
		}
		return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
			id, err := cl.eng.KeyUpdate(c.Arg(1))
			return fmt.Sprintf("intent=%d", id), err
		}), nil
	})
}

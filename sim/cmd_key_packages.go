package sim

import "fmt"

// key-packages ID: replenish the installation's key packages if low.
func (w *World) cmdKeyPackages(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		n, err := cl.eng.EnsureKeyPackages()
		return fmt.Sprintf("uploaded=%d", n), err
	}), nil
}

package sim

import "fmt"

// sync-step ID batch=N: process the next envelope of an open batch.
func (w *World) cmdSyncStep(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	i, err := c.IntOpt("batch", 0)
	if err != nil || i < 0 {
		return result{}, fmt.Errorf("sync-step: batch must be a number >= 0")
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		if i >= len(cl.batches) {
			return "no such batch", nil
		}
		ob := cl.batches[i]
		done, err := ob.b.Step()
		if done || err != nil {
			cl.batches = append(cl.batches[:i], cl.batches[i+1:]...)
		}
		return fmt.Sprintf("%s done=%t", ob.group, done), err
	}), nil
}

package sim

import "fmt"

// sync-begin ID GROUP limit=N: fetch one page and keep it open as a batch;
// sync-step processes it one envelope at a time. Several batches of one
// client can be open and interleaved.
func (w *World) cmdSyncBegin(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	limit, err := c.IntOpt("limit", 1)
	if err != nil || limit < 1 {
		return result{}, fmt.Errorf("sync-begin: limit must be a positive number")
	}
	group := c.Arg(1)
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		b, err := cl.eng.BeginSync(group, limit)
		if err != nil {
			return "", err
		}
		cl.batches = append(cl.batches, openBatch{group: group, b: b})
		return fmt.Sprintf("len=%d open=%d", b.Len(), len(cl.batches)), nil
	}), nil
}

package engine

import "fmt"

// current returns the decoded state of the group's current epoch, from the
// cache or (after a restart or a failed transaction) from the store.
func (c *Client) current(tx Tx, g groupRow) (GroupState, error) {
	if st, ok := c.states[g.ID]; ok && st.Epoch() == g.Epoch {
		return st, nil
	}
	st, err := c.stateAt(tx, g.ID, g.Epoch)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("group %s: no state for current epoch %d", g.ID, g.Epoch)
	}
	c.states[g.ID] = st
	return st, nil
}

// past returns the decoded state of a past epoch, or nil if it is not kept.
func (c *Client) pastState(tx Tx, group string, epoch uint64) (GroupState, error) {
	k := pastKey{group, epoch}
	if st, ok := c.past[k]; ok {
		return st, nil
	}
	st, err := c.stateAt(tx, group, epoch)
	if err != nil || st == nil {
		return nil, err
	}
	c.past[k] = st
	return st, nil
}

func (c *Client) stateAt(tx Tx, group string, epoch uint64) (GroupState, error) {
	data, keys, err := loadGroupStateBytes(tx, group, epoch)
	if err != nil || data == nil {
		return nil, err
	}
	st, err := c.cfg.MLS.LoadGroup(c.ident, data, keys)
	if err != nil {
		return nil, fmt.Errorf("group %s epoch %d: %w", group, epoch, err)
	}
	return st, nil
}

// enterEpoch makes next the group's current state: the old current state
// becomes a past one, and states older than the window are deleted.
func (c *Client) enterEpoch(tx Tx, g groupRow, next GroupState) error {
	if old, ok := c.states[g.ID]; ok {
		c.past[pastKey{g.ID, old.Epoch()}] = old
	}
	epoch := next.Epoch()
	if err := saveGroupState(tx, g.ID, epoch, next); err != nil {
		return err
	}
	if err := c.writeGroup(tx, g.ID, `UPDATE groups SET epoch = ? WHERE id = ?`, epoch, g.ID); err != nil {
		return err
	}
	keep := uint64(c.cfg.MaxPastEpochs)
	if epoch > keep {
		floor := epoch - keep
		if _, err := tx.Exec(`DELETE FROM group_states WHERE group_id = ? AND epoch < ?`, g.ID, floor); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM group_counters WHERE group_id = ? AND epoch < ?`, g.ID, floor); err != nil {
			return err
		}
		for k := range c.past {
			if k.group == g.ID && k.epoch < floor {
				delete(c.past, k)
			}
		}
	}
	c.states[g.ID] = next
	return nil
}

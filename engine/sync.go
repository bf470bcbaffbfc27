package engine

import (
	"fmt"

	"github.com/mlsim/mlsim/wire"
)

// SyncBatch is one page of a group topic being processed, one envelope per
// Step, each in its own transaction. Several batches of one client may be
// interleaved: each envelope's transaction checks the cursor first, so
// every envelope is processed exactly once.
type SyncBatch struct {
	c     *Client
	group string
	envs  []TopicEnvelope
	head  uint64
	next  int
	began uint64 // the client's delivery tick when the batch began (rule 6)
}

// BeginSync fetches the page after the group's cursor (limit <= 0 means the
// configured page size). A removed or stopped group yields an empty batch.
func (c *Client) BeginSync(groupID string, limit int) (*SyncBatch, error) {
	if limit <= 0 {
		limit = c.cfg.PageSize
	}
	b := &SyncBatch{c: c, group: groupID, began: c.deliveries.batchBegins()}
	var g groupRow
	var cur uint64
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, groupID); err != nil {
			return err
		}
		cur, err = c.cursor(tx, wire.GroupTopic(groupID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", groupID, err)
	}
	if g.RemovedAtSeq != 0 {
		return b, nil
	}
	if g.Broken != "" {
		return b, fmt.Errorf("sync %s: %w: %s", groupID, ErrGroupBroken, g.Broken)
	}
	page, err := c.cfg.Transport.Query(wire.GroupTopic(groupID), cur, limit)
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", groupID, err)
	}
	b.envs, b.head = page.Envelopes, page.Head
	return b, nil
}

// Len is how many envelopes the page holds.
func (b *SyncBatch) Len() int { return len(b.envs) }

// Step processes the next envelope. It returns done when the page is
// finished. On a transient error the batch stops there: it never skips
// ahead, and a later sync retries from the cursor.
func (b *SyncBatch) Step() (done bool, err error) {
	if b.next >= len(b.envs) {
		return true, b.finish()
	}
	env := b.envs[b.next]
	if err := b.c.processEnvelope(b.group, env); err != nil {
		b.envs = b.envs[:b.next] // stop at the first transient error
		return true, err
	}
	b.next++
	if b.next == len(b.envs) {
		return true, b.finish()
	}
	return false, nil
}

// finish: once the cursor has reached the head this batch read, PUBLISHED
// attempts whose delivery became unknown before the batch began and that
// were not found can be re-sent (rule 6); later ones wait for a later batch.
func (b *SyncBatch) finish() error {
	c := b.c
	var cur uint64
	var ids []int64
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if cur, err = c.cursor(tx, wire.GroupTopic(b.group)); err != nil {
			return err
		}
		ids, err = publishedIntentIDs(tx, b.group)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync %s: %w", b.group, err)
	}
	if cur < b.head {
		return nil
	}
	c.deliveries.reachedHead(b.began, ids)
	return nil
}

// Sync processes the group topic up to its head.
func (c *Client) Sync(groupID string) error {
	for {
		b, err := c.BeginSync(groupID, 0)
		if err != nil {
			return err
		}
		for done := false; !done; {
			if done, err = b.Step(); err != nil {
				return err
			}
		}
		if len(b.envs) == 0 || b.envs[len(b.envs)-1].Seq >= b.head {
			return nil
		}
	}
}

// SyncAll syncs every group the client holds, in id order, and returns the
// first error after trying them all.
func (c *Client) SyncAll() error {
	var ids []string
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		ids, err = groupIDs(tx)
		return err
	}); err != nil {
		return err
	}
	var first error
	for _, id := range ids {
		if err := c.Sync(id); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Groups lists the groups the client holds, in id order.
func (c *Client) Groups() ([]string, error) {
	var ids []string
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		ids, err = groupIDs(tx)
		return err
	})
	return ids, err
}

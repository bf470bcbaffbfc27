package engine

import (
	"errors"
	"fmt"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// PublishAction says what PublishNext did.
type PublishAction string

const (
	PublishedNone    PublishAction = "none"    // nothing to publish
	PublishedWaiting PublishAction = "waiting" // the next intent waits for a commit in flight (rule 4)
	PublishedSent    PublishAction = "sent"    // a new attempt was built and sent
	PublishedResent  PublishAction = "resent"  // a PUBLISHED attempt's same bytes were sent again
	PublishedNoop    PublishAction = "noop"    // the intent had nothing to do: COMMITTED (NOOP)
	PublishedFailed  PublishAction = "failed"  // the intent ended FAILED
)

// PublishResult is what one PublishNext call did.
type PublishResult struct {
	Action PublishAction
	Intent int64
	// Skipped names the installations an add left out for want of a key
	// package (SPEC §6): recorded with the attempt or the NOOP.
	Skipped []string
}

// PublishNext publishes the group's next intent: first a PUBLISHED attempt
// whose delivery is unknown and that a sync to the head did not find (the
// same bytes again, rule 6), else the earliest TO_SEND intent (rule 1),
// unless it is a commit and another commit is in flight (rule 4).
//
// The attempt is written ahead (rule 2) before it is sent; a send error
// leaves it PUBLISHED and is returned (it is transient).
func (c *Client) PublishNext(groupID string) (PublishResult, error) {
	var g groupRow
	var pending []intent.Intent
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, groupID); err != nil {
			return err
		}
		pending, err = queryIntents(tx, `group_id = ? AND state IN (?, ?)`, groupID, intent.ToSend, intent.Published)
		return err
	})
	if err != nil {
		return PublishResult{Action: PublishedNone}, fmt.Errorf("publish %s: %w", groupID, err)
	}
	if g.RemovedAtSeq != 0 || g.Broken != "" {
		return PublishResult{Action: PublishedNone}, nil
	}
	commitInFlight := false
	for _, in := range pending {
		if in.State == intent.Published && in.Kind.IsCommit() {
			commitInFlight = true
		}
	}
	for _, in := range pending {
		if in.State == intent.Published && c.deliveries.mayResend(in.ID) {
			return c.resendSame(in)
		}
	}
	for _, in := range pending {
		if in.State != intent.ToSend {
			continue
		}
		if in.Kind.IsCommit() && commitInFlight {
			return PublishResult{Action: PublishedWaiting, Intent: in.ID}, nil
		}
		if in.Invalid >= c.cfg.InvalidBudget {
			return c.finish(in, intent.Failed, intent.ReasonInvalid, g.Epoch, nil)
		}
		if in.Kind == intent.SendMessage {
			return c.publishMessage(g, in)
		}
		return c.publishCommit(g, in)
	}
	return PublishResult{Action: PublishedNone}, nil
}

// PublishAll publishes the group's pending intents in order, as a client
// does when the user is waiting on them: PublishNext again and again until
// it has nothing left, the next intent waits behind a commit in flight
// (rule 4, which also holds back everything created after it: rule 1), or
// a publish fails; at most MaxUpkeepPublishes calls, so a user who queued
// a great many messages does not hold one call for long. It returns what
// each call did, in order — the last one says why it stopped (none,
// waiting, or the call that failed) — and the error that stopped it.
func (c *Client) PublishAll(groupID string) ([]PublishResult, error) {
	var out []PublishResult
	for i := 0; i < MaxUpkeepPublishes; i++ {
		res, err := c.PublishNext(groupID)
		out = append(out, res)
		if err != nil || res.Action == PublishedNone || res.Action == PublishedWaiting {
			return out, err
		}
	}
	return out, nil
}

func (c *Client) resendSame(in intent.Intent) (PublishResult, error) {
	res := PublishResult{Action: PublishedResent, Intent: in.ID}
	if err := c.cfg.Transport.Publish(wire.GroupTopic(in.GroupID), in.Payload); err != nil {
		c.deliveries.failed(in.ID)
		return res, fmt.Errorf("re-send intent %d: %w", in.ID, err)
	}
	c.deliveries.sent(in.ID)
	if c.cfg.Observer != nil {
		c.cfg.Observer(Event{Installation: c.self, Kind: EvResentSameBytes, Group: in.GroupID, Intent: in.ID, Detail: fmt.Sprintf("attempt=%d", in.Attempts)})
	}
	return res, nil
}

// finish ends a TO_SEND intent without publishing; skipped are the
// installations an add judged at epoch left out for want of a key package.
func (c *Client) finish(in intent.Intent, to intent.State, reason intent.Reason, epoch uint64, skipped []string) (PublishResult, error) {
	err := c.update(func(tx Tx, ev *events) error {
		cur, err := loadIntent(tx, in.ID)
		if err != nil {
			return err
		}
		if err := recordSkipped(tx, ev, cur, epoch, skipped); err != nil {
			return err
		}
		if err := moveIntent(tx, cur, to, reason); err != nil {
			return err
		}
		if reason == intent.ReasonNoop {
			ev.add(EvNoopIntent, in.GroupID, 0, in.ID, "%s", in.Kind)
		} else {
			ev.add(EvIntentFailed, in.GroupID, 0, in.ID, "%s reason=%s", in.Kind, reason)
			if reason == intent.ReasonGroupCap {
				ev.add(EvWidthCapped, in.GroupID, 0, in.ID, "")
			}
			if reason == intent.ReasonPermission {
				ev.add(EvPermissionRefused, in.GroupID, 0, in.ID, "%s", in.Kind)
			}
		}
		return nil
	})
	if err != nil {
		return PublishResult{Action: PublishedNone, Intent: in.ID}, fmt.Errorf("finish intent %d: %w", in.ID, err)
	}
	if reason == intent.ReasonNoop {
		return PublishResult{Action: PublishedNoop, Intent: in.ID, Skipped: skipped}, nil
	}
	return PublishResult{Action: PublishedFailed, Intent: in.ID, Skipped: skipped}, nil
}

// buildFailed counts a permanent build failure against the budget (rule 8).
func (c *Client) buildFailed(in intent.Intent, cause error) (PublishResult, error) {
	err := c.update(func(tx Tx, _ *events) error {
		_, err := tx.Exec(`UPDATE group_intents SET invalid = invalid + 1 WHERE id = ? AND state = ?`, in.ID, intent.ToSend)
		return err
	})
	return PublishResult{Action: PublishedNone, Intent: in.ID}, errors.Join(fmt.Errorf("build intent %d: %w", in.ID, cause), err)
}

// send publishes a freshly written-ahead attempt.
func (c *Client) send(in intent.Intent, payload []byte, ev *events) (PublishResult, error) {
	res := PublishResult{Action: PublishedSent, Intent: in.ID}
	if c.cfg.Observer != nil {
		for _, e := range ev.list {
			e.Installation = c.self
			c.cfg.Observer(e)
		}
	}
	if err := c.cfg.Transport.Publish(wire.GroupTopic(in.GroupID), payload); err != nil {
		c.deliveries.failed(in.ID)
		return res, fmt.Errorf("send intent %d: %w", in.ID, err)
	}
	c.deliveries.sent(in.ID)
	return res, nil
}

package engine

import (
	"errors"
	"fmt"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// processEnvelope is one transaction: check the cursor, judge and apply the
// envelope, advance the cursor, and re-evaluate our PUBLISHED intents.
//
// The cursor check is the one place that decides, for a pull and a stream
// alike: an envelope at or below the cursor was processed already and is
// skipped; one at cursor+1 is processed; one beyond it is refused with
// ErrCursorGap and changes nothing, since the cursor is exact and moving
// it there would skip what lies between. A page of a pull starts at
// cursor+1, so only a stream (a dropped or delayed delivery) meets a gap.
func (c *Client) processEnvelope(group string, env TopicEnvelope) error {
	ahead := false
	broken := false
	err := c.update(func(tx Tx, ev *events) error {
		topic := wire.GroupTopic(group)
		cur, err := c.cursor(tx, topic)
		if err != nil {
			return err
		}
		if env.Seq <= cur {
			return nil // another sync processed it
		}
		g, err := c.loadGroup(tx, group)
		if err != nil {
			return err
		}
		if g.RemovedAtSeq != 0 || g.Broken != "" {
			return nil
		}
		if env.Seq > cur+1 {
			ahead = true // never skip: what lies between was not processed
			return nil
		}
		if err := c.judge(tx, ev, g, env); err != nil {
			if errors.Is(err, errBroken) {
				broken = true // keep the mark, leave the cursor
				return nil
			}
			return err
		}
		if err := c.setCursor(tx, topic, env.Seq); err != nil {
			return err
		}
		return c.reviewPublished(tx, ev, group)
	})
	if err != nil {
		return fmt.Errorf("process %s seq %d: %w", group, env.Seq, err)
	}
	if broken {
		return fmt.Errorf("process %s seq %d: %w", group, env.Seq, ErrGroupBroken)
	}
	if ahead {
		return fmt.Errorf("process %s seq %d: %w", group, env.Seq, ErrCursorGap)
	}
	return nil
}

func (c *Client) judge(tx Tx, ev *events, g groupRow, env TopicEnvelope) error {
	hash := wire.Hash(env.Payload)
	e, err := wire.Decode(env.Payload)
	if err != nil {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "malformed")
		return nil
	}
	if e.GroupID != g.ID {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "other group")
		return nil
	}
	// Only a payload naming us as sender can be one of our attempts (the
	// sender is inside the hashed bytes): skip the lookup for the others.
	var ownID int64
	var attempt int
	own := false
	if e.Sender == c.self {
		if ownID, attempt, own, err = attemptOf(tx, hash[:]); err != nil {
			return err
		}
	}
	var o *ownAttempt
	if own {
		in, err := loadIntent(tx, ownID)
		if err != nil {
			return err
		}
		o = &ownAttempt{in: in, current: in.State == intent.Published && attempt == in.Attempts}
	}
	switch e.Kind {
	case wire.KindCommit:
		return c.judgeCommit(tx, ev, g, env, e, hash, o)
	case wire.KindApplication:
		return c.judgeMessage(tx, ev, g, env, e, o)
	default:
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "standalone proposal discarded")
		return nil
	}
}

type ownAttempt struct {
	in      intent.Intent
	current bool // the intent's current attempt, and it is PUBLISHED
}

// rejectOwn moves our intent back to TO_SEND when its current attempt is
// read back rejected (the diagram's PUBLISHED -> TO_SEND).
func rejectOwn(tx Tx, ev *events, o *ownAttempt, seq uint64, why string) error {
	if o == nil || !o.current {
		return nil
	}
	if o.in.Kind.IsCommit() {
		ev.add(EvCommitLost, o.in.GroupID, seq, o.in.ID, "%s", why)
	}
	return moveIntent(tx, o.in, intent.ToSend, intent.ReasonNone)
}

// reviewPublished applies rule 6 at the local head: a PUBLISHED attempt
// that can no longer be accepted goes back to TO_SEND.
func (c *Client) reviewPublished(tx Tx, ev *events, group string) error {
	// Usually nothing is in flight: ask that first, in one narrow row (the
	// driver's cost per query grows with the columns it returns).
	var inFlight bool
	if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM group_intents WHERE group_id = ? AND state = ?)`, group, intent.Published).
		Scan(&inFlight); err != nil || !inFlight {
		return err
	}
	ins, err := queryIntents(tx, `group_id = ? AND state = ?`, group, intent.Published)
	if err != nil {
		return err
	}
	g, err := c.loadGroup(tx, group)
	if err != nil {
		return err
	}
	for _, in := range ins {
		stale := false
		if in.Kind.IsCommit() {
			stale = in.Epoch < g.Epoch
			if stale {
				ev.add(EvCommitLost, group, 0, in.ID, "epoch %d passed", in.Epoch)
			}
		} else {
			max, err := maxCounter(tx, group, c.self, in.Epoch)
			if err != nil {
				return err
			}
			stale = in.Epoch+uint64(c.cfg.MaxPastEpochs) < g.Epoch || max >= in.Counter
		}
		if stale {
			if err := moveIntent(tx, in, intent.ToSend, intent.ReasonNone); err != nil {
				return err
			}
		}
	}
	return nil
}

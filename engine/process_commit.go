package engine

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// judgeCommit applies SPEC §5 to a commit at position env.Seq: accepted iff
// built for the current epoch by a current member and well-formed; the
// first such commit of an epoch wins.
func (c *Client) judgeCommit(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope, hash [32]byte, o *ownAttempt) error {
	if e.Epoch != g.Epoch {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "commit for epoch %d at epoch %d", e.Epoch, g.Epoch)
		return rejectOwn(tx, ev, o, env.Seq, "lost the race")
	}
	_, ok, err := memberSince(tx, g.ID, e.Sender)
	if err != nil {
		return err
	}
	if !ok {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "commit from non-member %s", e.Sender)
		return rejectOwn(tx, ev, o, env.Seq, "not a member")
	}
	if g.Epoch == 0 && e.Creator != e.Sender {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "epoch 0 commit names another creator")
		return rejectOwn(tx, ev, o, env.Seq, "bad creator")
	}
	// The policy of the commit's epoch (the one the client is at: a
	// commit for another epoch was rejected above) decides what the
	// sender may do; a violation is rejected by everyone, permanently.
	if why, err := c.permitted(tx, g, e); err != nil || why != "" {
		if err != nil {
			return err
		}
		ev.add(EvPermissionRejected, g.ID, env.Seq, 0, "%s", why)
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "not permitted: %s", why)
		return rejectOwn(tx, ev, o, env.Seq, "not permitted")
	}
	if o != nil {
		return c.acceptOwnCommit(tx, ev, g, env, e, hash, o)
	}
	st, err := c.current(tx, g)
	if err != nil {
		return err
	}
	info, err := st.Inspect(e.Proposals, e.MLS)
	if err != nil {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "malformed commit")
		return nil
	}
	if info.Epoch != e.Epoch || info.Sender != e.Sender || !slices.Equal(info.Added, e.Added) || !slices.Equal(info.Removed, e.Removed) {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "commit header disagrees with its content")
		return nil
	}
	if slices.Contains(e.Removed, c.self) {
		return c.recordRemoval(tx, ev, g, env, e, hash)
	}
	next, err := st.Process(e.Proposals, e.MLS)
	if err != nil {
		// An accepted commit that cannot be processed is a bug somewhere:
		// stop the group and say so, never skip it silently.
		return c.breakGroup(tx, ev, g, env.Seq, fmt.Sprintf("cannot process accepted commit at seq %d: %v", env.Seq, err))
	}
	return c.applyCommit(tx, ev, g, env, e, hash, next)
}

func (c *Client) acceptOwnCommit(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope, hash [32]byte, o *ownAttempt) error {
	if !o.current {
		// Only the current attempt has a staged commit; go-mls cannot
		// process one's own commit. A correct engine never gets here.
		return c.breakGroup(tx, ev, g, env.Seq, fmt.Sprintf("own commit of intent %d accepted but it is not the current attempt", o.in.ID))
	}
	next, ok := c.staged[o.in.ID]
	if !ok {
		data, err := stagedCommit(tx, o.in.ID)
		if err != nil {
			return err
		}
		if next, err = c.cfg.MLS.LoadGroup(c.ident, data, nil); err != nil {
			return c.breakGroup(tx, ev, g, env.Seq, fmt.Sprintf("staged commit of intent %d: %v", o.in.ID, err))
		}
	}
	delete(c.staged, o.in.ID)
	if err := c.applyCommit(tx, ev, g, env, e, hash, next); err != nil {
		return err
	}
	if err := moveIntent(tx, o.in, intent.Committed, intent.ReasonNone); err != nil {
		return err
	}
	ev.add(EvCommitWon, g.ID, env.Seq, o.in.ID, "epoch=%d", e.Epoch+1)
	_, err := tx.Exec(`UPDATE outbound_welcomes SET state = ?, commit_seq = ? WHERE intent_id = ? AND attempt = ? AND state = ?`,
		WelcomeReadyToSend, env.Seq, o.in.ID, o.in.Attempts, WelcomePending)
	return err
}

// permitted judges a commit against the group's policy in the client's
// current epoch (the commit's): what it does that the policy does not let
// its sender do, "" if nothing.
func (c *Client) permitted(tx Tx, g groupRow, e *wire.Envelope) (string, error) {
	pol, err := loadPolicy(tx, g.ID)
	if err != nil {
		return "", err
	}
	// The member list matters only to a sender whose account may not
	// add or remove accounts (big groups: 128 rows per commit otherwise).
	var list []string
	if a := AccountOf(e.Sender); !mayAct(pol, a, pol.AddAccount) || !mayAct(pol, a, pol.RemoveAccount) {
		mem, err := members(tx, g.ID)
		if err != nil {
			return "", err
		}
		list = sortedMembers(mem)
	}
	return policyViolation(pol, e.Sender, list, e.Added, e.Removed, e.Policy), nil
}

// applyCommit moves the group into the commit's epoch: members per the
// manifest, the new state, and a membership message.
func (c *Client) applyCommit(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope, hash [32]byte, next GroupState) error {
	if next.Epoch() != g.Epoch+1 {
		return c.breakGroup(tx, ev, g, env.Seq, fmt.Sprintf("commit at seq %d leads to epoch %d, want %d", env.Seq, next.Epoch(), g.Epoch+1))
	}
	for _, id := range e.Removed {
		if _, err := tx.Exec(`DELETE FROM group_members WHERE group_id = ? AND installation_id = ?`, g.ID, id); err != nil {
			return err
		}
	}
	for _, id := range e.Added {
		if _, err := tx.Exec(`INSERT INTO group_members(group_id, installation_id, since_epoch) VALUES (?, ?, ?)
			ON CONFLICT(group_id, installation_id) DO NOTHING`, g.ID, id, g.Epoch+1); err != nil {
			return err
		}
	}
	if err := c.enterEpoch(tx, g, next); err != nil {
		return err
	}
	if err := savePolicy(tx, g.ID, g.Epoch+1, e.Policy); err != nil {
		return err
	}
	if err := logEpoch(tx, g.ID, next, env.Seq, hash[:], "commit"); err != nil {
		return err
	}
	ev.entered(EvCommitAccepted, g.ID, env.Seq, g.Epoch+1, "sender=%s", e.Sender)
	if len(e.Removed) > 0 {
		ev.add(EvMemberRemoved, g.ID, env.Seq, 0, "%s", strings.Join(e.Removed, ","))
	}
	return storeMembership(tx, g.ID, env, e, hash, e.Epoch)
}

// storeMembership stores a commit that adds or removes members as one
// message (docs/SCHEMA.md): every member that processes it, the
// installation it removes (at the commit's epoch, the last it held) and
// the ones it adds (at the epoch they enter, the first they hold) store
// the same row, so each knows how its membership began and ended. A
// commit that changes no membership stores none.
func storeMembership(tx Tx, group string, env TopicEnvelope, e *wire.Envelope, hash [32]byte, epoch uint64) error {
	if len(e.Added) == 0 && len(e.Removed) == 0 {
		return nil
	}
	kind, body := MessageMemberAdded, "added "+strings.Join(e.Added, ",")
	if len(e.Added) == 0 {
		kind, body = MessageMemberRemoved, "removed "+strings.Join(e.Removed, ",")
	} else if len(e.Removed) > 0 {
		body += "; removed " + strings.Join(e.Removed, ",")
	}
	return storeMessage(tx, messageRow{ID: "commit:" + hex.EncodeToString(hash[:8]), Group: group, Body: []byte(body),
		SentNs: env.TimestampNs, Kind: kind, Sender: e.Sender, Seq: env.Seq, Epoch: epoch})
}

// recordRemoval: go-mls cannot process the commit that removes us. What can
// be checked was (position, header, the manifest naming us); we record the
// removal without entering the next epoch, store the commit's membership
// row (at the epoch it was built for, our last: the user sees why the
// group went quiet), and stop syncing the group.
func (c *Client) recordRemoval(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope, hash [32]byte) error {
	if err := c.writeGroup(tx, g.ID, `UPDATE groups SET removed_at_seq = ? WHERE id = ?`, env.Seq, g.ID); err != nil {
		return err
	}
	if err := storeMembership(tx, g.ID, env, e, hash, e.Epoch); err != nil {
		return err
	}
	ev.add(EvMemberRemoved, g.ID, env.Seq, 0, "%s (self)", strings.Join(e.Removed, ","))
	ins, err := queryIntents(tx, `group_id = ? AND state IN (?, ?)`, g.ID, intent.ToSend, intent.Published)
	if err != nil {
		return err
	}
	for _, in := range ins {
		if err := moveIntent(tx, in, intent.Failed, intent.ReasonRemoved); err != nil {
			return err
		}
		ev.add(EvIntentFailed, g.ID, env.Seq, in.ID, "%s reason=removed", in.Kind)
	}
	delete(c.states, g.ID)
	return nil
}

func (c *Client) breakGroup(tx Tx, ev *events, g groupRow, seq uint64, why string) error {
	if err := c.writeGroup(tx, g.ID, `UPDATE groups SET broken = ? WHERE id = ?`, why, g.ID); err != nil {
		return err
	}
	ev.add(EvGroupBroken, g.ID, seq, 0, "%s", why)
	return errBroken
}

// errBroken aborts the cursor move but keeps the transaction: the group
// stays where it is, marked broken.
var errBroken = fmt.Errorf("%w", ErrGroupBroken)

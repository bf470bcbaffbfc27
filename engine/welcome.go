package engine

import (
	"fmt"
	"slices"

	"github.com/mlsim/mlsim/wire"
)

type outboundWelcome struct {
	id        int64
	group     string
	to        string
	epoch     uint64
	commitSeq uint64
	mls       []byte
}

// SendWelcomes sends every READY_TO_SEND welcome, oldest first, and marks
// each SENT after it is sent: a crash in between sends it again (at least
// once; the joiner applies it at most once). It returns how many it sent.
func (c *Client) SendWelcomes() (int, error) {
	var ready []outboundWelcome
	err := c.cfg.Store.View(func(tx Tx) error {
		rows, err := tx.Query(`SELECT id, group_id, installation_id, epoch, commit_seq, welcome FROM outbound_welcomes
			WHERE state = ? ORDER BY id`, WelcomeReadyToSend)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w outboundWelcome
			if err := rows.Scan(&w.id, &w.group, &w.to, &w.epoch, &w.commitSeq, &w.mls); err != nil {
				return err
			}
			ready = append(ready, w)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("send welcomes: %w", err)
	}
	sent := 0
	for _, w := range ready {
		payload := (&wire.Welcome{GroupID: w.group, Epoch: w.epoch, CommitSeq: w.commitSeq, Adder: c.self, MLS: w.mls}).Encode()
		if err := c.cfg.Transport.Publish(wire.WelcomeTopic(w.to), payload); err != nil {
			return sent, fmt.Errorf("send welcome to %s: %w", w.to, err)
		}
		err := c.update(func(tx Tx, ev *events) error {
			ev.add(EvWelcomeSent, w.group, w.commitSeq, 0, "to=%s epoch=%d", w.to, w.epoch)
			_, err := tx.Exec(`UPDATE outbound_welcomes SET state = ? WHERE id = ?`, WelcomeSent, w.id)
			return err
		})
		if err != nil {
			return sent, fmt.Errorf("send welcome to %s: %w", w.to, err)
		}
		sent++
	}
	return sent, nil
}

// ProcessWelcomes reads the installation's welcome topic in order, one
// transaction per welcome, and stops at the first transient error so the
// cursor never passes a welcome that failed (SPEC §6). It returns the
// groups it joined.
func (c *Client) ProcessWelcomes() ([]string, error) {
	topic := wire.WelcomeTopic(c.self)
	var cur uint64
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		cur, err = c.cursor(tx, topic)
		return err
	}); err != nil {
		return nil, fmt.Errorf("process welcomes: %w", err)
	}
	page, err := c.cfg.Transport.Query(topic, cur, c.cfg.PageSize)
	if err != nil {
		return nil, fmt.Errorf("process welcomes: %w", err)
	}
	var joined []string
	for _, env := range page.Envelopes {
		// The commit the welcome names, read from the group topic before
		// the welcome's transaction (no network call runs inside one):
		// the joiner stores it as its first message (docs/SCHEMA.md's
		// membership row, the one the members store) and checks that it
		// added us (joinedBy). An error is transient: the welcome waits.
		var commit *TopicEnvelope
		if w, err := wire.DecodeWelcome(env.Payload); err == nil && w.CommitSeq > 0 {
			p, err := c.cfg.Transport.Query(wire.GroupTopic(w.GroupID), w.CommitSeq-1, 1)
			if err != nil {
				return joined, fmt.Errorf("process welcome seq %d: read the commit at seq %d: %w", env.Seq, w.CommitSeq, err)
			}
			if len(p.Envelopes) > 0 && p.Envelopes[0].Seq == w.CommitSeq {
				commit = &p.Envelopes[0]
			}
		}
		group, deferred, err := c.processWelcome(topic, env, commit)
		if err != nil {
			return joined, fmt.Errorf("process welcome seq %d: %w", env.Seq, err)
		}
		if deferred {
			// Welcomes are applied in order: the rest wait with this one.
			return joined, nil
		}
		if group != "" {
			joined = append(joined, group)
		}
	}
	return joined, nil
}

// joinedBy decodes the commit a welcome names (nil: no record at its
// position) and checks that it is what the welcome says: a commit of the
// group, built for the epoch before the one the welcome enters, adding us.
func (c *Client) joinedBy(w *wire.Welcome, commit *TopicEnvelope) (*wire.Envelope, bool) {
	if commit == nil {
		return nil, false
	}
	e, err := wire.Decode(commit.Payload)
	if err != nil || e.Kind != wire.KindCommit || e.GroupID != w.GroupID || e.Epoch+1 != w.Epoch || !slices.Contains(e.Added, c.self) {
		return nil, false
	}
	return e, true
}

func (c *Client) processWelcome(topic string, env TopicEnvelope, commit *TopicEnvelope) (string, bool, error) {
	joinedGroup, deferred := "", false
	err := c.update(func(tx Tx, ev *events) error {
		joinedGroup, deferred = "", false
		cur, err := c.cursor(tx, topic)
		if err != nil || env.Seq <= cur {
			return err
		}
		w, werr := wire.DecodeWelcome(env.Payload)
		var g groupRow
		held := false
		if werr == nil {
			g, err = c.loadGroup(tx, w.GroupID)
			held = err == nil
		}
		if held && g.RemovedAtSeq == 0 && g.Broken == "" && g.Epoch < w.Epoch {
			// We are still a member at an older epoch: the welcome is for a
			// re-add after a removal we have not read yet. Read up to the
			// commit first, or the messages owed to the old membership are
			// skipped (L3); the welcome waits, the cursor stays.
			gcur, err := c.cursor(tx, wire.GroupTopic(w.GroupID))
			if err != nil {
				return err
			}
			if gcur < w.CommitSeq {
				deferred = true
				ev.add(EvWelcomeDeferred, w.GroupID, w.CommitSeq, 0, "synced to seq %d", gcur)
				return nil
			}
		}
		if err := c.setCursor(tx, topic, env.Seq); err != nil {
			return err
		}
		if werr != nil {
			ev.add(EvWelcomeSkipped, "", env.Seq, 0, "malformed")
			return nil
		}
		if held && (g.RemovedAtSeq == 0 && g.Epoch >= w.Epoch || g.RemovedAtSeq != 0 && g.RemovedAtSeq >= w.CommitSeq) {
			// Applied at most once; never for a group held at an equal or
			// later epoch, nor one that predates our last removal.
			ev.add(EvWelcomeSkipped, w.GroupID, env.Seq, 0, "stale epoch=%d", w.Epoch)
			return nil
		}
		added, ok := c.joinedBy(w, commit)
		if !ok {
			ev.add(EvWelcomeSkipped, w.GroupID, env.Seq, 0, "cannot join: seq %d is not a commit adding us", w.CommitSeq)
			return nil
		}
		kps, err := c.keyPackages(tx)
		if err != nil {
			return err
		}
		st, used, err := c.cfg.MLS.Join(c.ident, kps, w.MLS)
		if err != nil || string(st.GroupID()) != w.GroupID || st.Epoch() != w.Epoch {
			ev.add(EvWelcomeSkipped, w.GroupID, env.Seq, 0, "cannot join: %v", err)
			return nil
		}
		if err := c.startMembership(tx, w, st, held, env.TimestampNs, used); err != nil {
			return err
		}
		// The policy of the epoch we enter is the one the commit that
		// added us carries: every member of its epoch checked it.
		if err := savePolicy(tx, w.GroupID, w.Epoch, added.Policy); err != nil {
			return err
		}
		// The commit that added us, stored at the epoch we enter (the
		// first we hold keys for): the joiner's cursor is then at its
		// last stored message, like every member's.
		if err := storeMembership(tx, w.GroupID, *commit, added, wire.Hash(commit.Payload), w.Epoch); err != nil {
			return err
		}
		ev.entered(EvWelcomeApplied, w.GroupID, w.CommitSeq, w.Epoch, "adder=%s", w.Adder)
		joinedGroup = w.GroupID
		return nil
	})
	return joinedGroup, deferred, err
}

func (c *Client) keyPackages(tx Tx) ([]KeyPackageSecret, error) {
	rows, err := tx.Query(`SELECT ref, public, private FROM key_packages ORDER BY ref`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []KeyPackageSecret
	for rows.Next() {
		var kp KeyPackageSecret
		if err := rows.Scan(&kp.Ref, &kp.Public, &kp.Private); err != nil {
			return nil, err
		}
		out = append(out, kp)
	}
	return out, rows.Err()
}

// startMembership records a joined group: a fresh membership (new state,
// members from the tree, cursor right after the commit that added us). A
// re-add after a removal starts over the same way; stored messages stay.
func (c *Client) startMembership(tx Tx, w *wire.Welcome, st GroupState, held bool, nowNs int64, usedKP []byte) error {
	for _, q := range []string{
		`DELETE FROM group_states WHERE group_id = ?`,
		`DELETE FROM group_members WHERE group_id = ?`,
		`DELETE FROM group_counters WHERE group_id = ?`,
		`DELETE FROM send_counters WHERE group_id = ?`,
	} {
		if _, err := tx.Exec(q, w.GroupID); err != nil {
			return err
		}
	}
	if held {
		if err := c.writeGroup(tx, w.GroupID, `UPDATE groups SET epoch = ?, joined_epoch = ?, removed_at_seq = 0, broken = '' WHERE id = ?`,
			w.Epoch, w.Epoch, w.GroupID); err != nil {
			return err
		}
	} else if err := c.writeGroup(tx, w.GroupID, `INSERT INTO groups(id, created_at_ns, membership_state, epoch, joined_epoch) VALUES (?, ?, ?, ?, ?)`,
		w.GroupID, nowNs, ConsentPending, w.Epoch, w.Epoch); err != nil {
		return err
	}
	for _, m := range st.Members() {
		if _, err := tx.Exec(`INSERT INTO group_members(group_id, installation_id, since_epoch) VALUES (?, ?, ?)`,
			w.GroupID, m.InstallationID, w.Epoch); err != nil {
			return err
		}
	}
	if err := saveGroupState(tx, w.GroupID, w.Epoch, st); err != nil {
		return err
	}
	if err := logEpoch(tx, w.GroupID, st, w.CommitSeq, nil, "welcome"); err != nil {
		return err
	}
	if err := c.setCursor(tx, wire.GroupTopic(w.GroupID), w.CommitSeq); err != nil {
		return err
	}
	// A used key package's private key is deleted.
	if _, err := tx.Exec(`DELETE FROM key_packages WHERE ref = ?`, usedKP); err != nil {
		return err
	}
	c.states[w.GroupID] = st
	for k := range c.past {
		if k.group == w.GroupID {
			delete(c.past, k)
		}
	}
	return nil
}

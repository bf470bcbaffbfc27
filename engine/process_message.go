package engine

import (
	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// judgeMessage applies SPEC §5 to an application message: the epoch is in
// the window, the sender has been a member throughout, the counter is
// higher than any accepted from that sender in that epoch, and the message
// id is new. Our own messages are judged by the same rules from the header
// alone (go-mls cannot decrypt one's own messages), so the sender's verdict
// and the receivers' agree by construction.
func (c *Client) judgeMessage(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope, o *ownAttempt) error {
	reject := func(kind EventKind, format string, args ...any) error {
		ev.add(kind, g.ID, env.Seq, 0, format, args...)
		return rejectOwn(tx, ev, o, env.Seq, "rejected")
	}
	window := uint64(c.cfg.MaxPastEpochs)
	if e.Epoch > g.Epoch || e.Epoch+window < g.Epoch {
		return reject(EvPastEpochRejected, "message of epoch %d at epoch %d", e.Epoch, g.Epoch)
	}
	f, err := readMessageFacts(tx, g.ID, e)
	if err != nil {
		return err
	}
	if !f.member || f.since > e.Epoch {
		return reject(EvRemovedSenderRejected, "%s not a member since epoch %d", e.Sender, e.Epoch)
	}
	if e.Counter <= f.maxCounter {
		return reject(EvCounterRejected, "counter %d <= %d from %s in epoch %d", e.Counter, f.maxCounter, e.Sender, e.Epoch)
	}
	if f.stored {
		ev.add(EvDuplicateSkipped, g.ID, env.Seq, 0, "%s", e.MessageID)
		return nil
	}
	if e.Epoch < g.JoinedEpoch {
		// Accepted by the rules, but from before we joined: we hold no keys
		// for it and are not owed it (L3).
		return nil
	}
	var body []byte
	if o != nil {
		body = o.in.Data
	} else {
		var ok bool
		if body, ok, err = c.decryptMessage(tx, ev, g, env, e); err != nil || !ok {
			return err
		}
	}
	if err := recordCounter(tx, g.ID, e.Sender, e.Epoch, e.Counter); err != nil {
		return err
	}
	if err := storeMessage(tx, messageRow{ID: e.MessageID, Group: g.ID, Body: body, SentNs: env.TimestampNs,
		Kind: MessageApplication, Sender: e.Sender, Seq: env.Seq, Epoch: e.Epoch}); err != nil {
		return err
	}
	ev.add(EvMessageStored, g.ID, env.Seq, 0, "%s epoch=%d", e.MessageID, e.Epoch)
	if e.Epoch < g.Epoch {
		ev.add(EvPastEpochAccepted, g.ID, env.Seq, 0, "epoch %d at epoch %d", e.Epoch, g.Epoch)
	}
	if o != nil && o.current {
		return moveIntent(tx, o.in, intent.Committed, intent.ReasonNone)
	}
	return nil
}

// decryptMessage decrypts with the state of the message's epoch and checks
// that the content repeats the header. ok is false when the payload was
// rejected (it is then permanent: every member decides the same).
func (c *Client) decryptMessage(tx Tx, ev *events, g groupRow, env TopicEnvelope, e *wire.Envelope) ([]byte, bool, error) {
	var st GroupState
	var err error
	if e.Epoch == g.Epoch {
		st, err = c.current(tx, g)
	} else {
		st, err = c.pastState(tx, g.ID, e.Epoch)
	}
	if err != nil {
		return nil, false, err
	}
	if st == nil {
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "no keys for epoch %d", e.Epoch)
		return nil, false, nil
	}
	sender, pt, err := st.Unprotect(e.MLS)
	if err != nil {
		// go-mls may have consumed a key before failing; forget the cached
		// state so the next use reloads the saved one.
		c.forgetState(g.ID, e.Epoch)
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "undecryptable")
		return nil, false, nil
	}
	counter, msgID, body, perr := parseAppPlaintext(pt)
	if perr != nil || sender != e.Sender || counter != e.Counter || msgID != e.MessageID {
		c.forgetState(g.ID, e.Epoch)
		ev.add(EvPayloadRejected, g.ID, env.Seq, 0, "message header disagrees with its content")
		return nil, false, nil
	}
	// Unprotect advanced the ratchet in place: save it in this transaction.
	if err := saveGroupKeys(tx, g.ID, e.Epoch, st); err != nil {
		return nil, false, err
	}
	return body, true, nil
}

func (c *Client) forgetState(group string, epoch uint64) {
	if st, ok := c.states[group]; ok && st.Epoch() == epoch {
		delete(c.states, group)
	}
	delete(c.past, pastKey{group, epoch})
}

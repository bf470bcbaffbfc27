package engine

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// The audit is the narrow, read-only view of a client's store that a
// checker reads after every step: the groups' positions, and what was
// appended since the last read (epochs entered, messages stored, intent
// state changes), in the order it was written. It needs no MLS state, so
// it can be read from the store of a crashed client.

// AuditMark is how far a reader has read each append-only log.
type AuditMark struct {
	Epoch, Message, Transition int64
}

// Audit is what changed since a mark, plus every group's current position.
type Audit struct {
	Groups      []GroupPosition
	Epochs      []EpochEntry
	Messages    []AuditMessage
	Transitions []Transition
}

// GroupPosition is where a client stands in a group.
type GroupPosition struct {
	ID           string
	Epoch        uint64
	JoinedEpoch  uint64
	RemovedAtSeq uint64
	Broken       string
	Cursor       uint64
}

// EpochEntry records how a membership entered an epoch.
type EpochEntry struct {
	Group         string
	Epoch         uint64
	CommitSeq     uint64 // the commit that led here (0 for the creator's epoch 0)
	CommitHash    string // hex; empty when entered by welcome or creation
	Authenticator string // hex
	Via           string // create, commit, welcome
}

// AuditMessage is one stored message, with the order it was stored in.
type AuditMessage struct {
	MessageSnapshot
	Serial int64
}

// Transition is one intent state change.
type Transition struct {
	Intent int64
	Group  string
	From   intent.State
	To     intent.State
	Reason intent.Reason
}

// logEpoch appends to the epoch history in the transaction that enters
// the epoch.
func logEpoch(tx Tx, group string, st GroupState, seq uint64, hash []byte, via string) error {
	if hash == nil {
		hash = []byte{}
	}
	_, err := tx.Exec(`INSERT INTO epoch_history(group_id, epoch, commit_seq, commit_hash, authenticator, via) VALUES (?, ?, ?, ?, ?, ?)`,
		group, st.Epoch(), seq, hash, st.Authenticator(), via)
	return err
}

// ReadAudit reads what was appended after mark and every group's position,
// in one read transaction.
func ReadAudit(s Store, mark AuditMark) (Audit, AuditMark, error) {
	var a Audit
	err := s.View(func(tx Tx) error {
		var err error
		if a.Groups, err = groupPositions(tx); err != nil {
			return err
		}
		if a.Epochs, mark.Epoch, err = epochsAfter(tx, mark.Epoch); err != nil {
			return err
		}
		if a.Messages, mark.Message, err = messagesAfter(tx, mark.Message); err != nil {
			return err
		}
		a.Transitions, mark.Transition, err = transitionsAfter(tx, mark.Transition)
		return err
	})
	if err != nil {
		return Audit{}, mark, fmt.Errorf("audit: %w", err)
	}
	return a, mark, nil
}

func groupPositions(tx Tx) ([]GroupPosition, error) {
	rows, err := tx.Query(`SELECT g.id, g.epoch, g.joined_epoch, g.removed_at_seq, g.broken, COALESCE(t.cursor, 0)
		FROM groups g LEFT JOIN topic_refresh_state t ON t.topic = ? || g.id ORDER BY g.id`, wire.GroupTopic(""))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupPosition
	for rows.Next() {
		var p GroupPosition
		if err := rows.Scan(&p.ID, &p.Epoch, &p.JoinedEpoch, &p.RemovedAtSeq, &p.Broken, &p.Cursor); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func epochsAfter(tx Tx, after int64) ([]EpochEntry, int64, error) {
	rows, err := tx.Query(`SELECT serial, group_id, epoch, commit_seq, commit_hash, authenticator, via
		FROM epoch_history WHERE serial > ? ORDER BY serial`, after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []EpochEntry
	for rows.Next() {
		var e EpochEntry
		var hash, auth []byte
		if err := rows.Scan(&after, &e.Group, &e.Epoch, &e.CommitSeq, &hash, &auth, &e.Via); err != nil {
			return nil, after, err
		}
		e.CommitHash, e.Authenticator = hex.EncodeToString(hash), hex.EncodeToString(auth)
		out = append(out, e)
	}
	return out, after, rows.Err()
}

func messagesAfter(tx Tx, after int64) ([]AuditMessage, int64, error) {
	rows, err := tx.Query(`SELECT serial, group_id, id, kind, sender_installation_id, seq, epoch, decrypted_message_bytes
		FROM group_messages WHERE serial > ? ORDER BY serial`, after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []AuditMessage
	for rows.Next() {
		var m AuditMessage
		var body []byte
		if err := rows.Scan(&m.Serial, &m.Group, &m.ID, &m.Kind, &m.Sender, &m.Seq, &m.Epoch, &body); err != nil {
			return nil, after, err
		}
		m.Body = string(body)
		after = m.Serial
		out = append(out, m)
	}
	return out, after, rows.Err()
}

func transitionsAfter(tx Tx, after int64) ([]Transition, int64, error) {
	rows, err := tx.Query(`SELECT serial, intent_id, group_id, from_state, to_state, reason
		FROM intent_transitions WHERE serial > ? ORDER BY serial`, after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		var reason string
		if err := rows.Scan(&after, &t.Intent, &t.Group, &t.From, &t.To, &reason); err != nil {
			return nil, after, err
		}
		t.Reason = intent.Reason(reason)
		out = append(out, t)
	}
	return out, after, rows.Err()
}

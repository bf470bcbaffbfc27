package engine

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/mlsim/mlsim/intent"
)

const intentColumns = `id, kind, group_id, state, reason, attempts, invalid, epoch, counter, message_hash, publish_data, payload`

func scanIntent(row interface{ Scan(...any) error }) (intent.Intent, error) {
	var in intent.Intent
	var reason string
	err := row.Scan(&in.ID, &in.Kind, &in.GroupID, &in.State, &reason, &in.Attempts, &in.Invalid,
		&in.Epoch, &in.Counter, &in.Hash, &in.Data, &in.Payload)
	in.Reason = intent.Reason(reason)
	return in, err
}

func loadIntent(tx Tx, id int64) (intent.Intent, error) {
	in, err := scanIntent(tx.QueryRow(`SELECT `+intentColumns+` FROM group_intents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("intent %d not found", id)
	}
	return in, err
}

func queryIntents(tx Tx, where string, args ...any) ([]intent.Intent, error) {
	rows, err := tx.Query(`SELECT `+intentColumns+` FROM group_intents WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []intent.Intent
	for rows.Next() {
		in, err := scanIntent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func publishedIntentIDs(tx Tx, group string) ([]int64, error) {
	ins, err := queryIntents(tx, `state = ? AND (? = '' OR group_id = ?)`, intent.Published, group, group)
	ids := make([]int64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	return ids, err
}

func insertIntent(tx Tx, kind intent.Kind, group string, data []byte) (int64, error) {
	res, err := tx.Exec(`INSERT INTO group_intents(kind, group_id, publish_data, state) VALUES (?, ?, ?, ?)`,
		kind, group, data, intent.ToSend)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// ErrIllegalTransition is returned (and aborts the transaction) when the
// engine would move an intent along an edge SPEC §4 does not have.
var ErrIllegalTransition = errors.New("illegal intent transition")

// moveIntent changes an intent's state, refusing illegal edges. Leaving
// PUBLISHED clears the attempt's working data but keeps its hash in
// intent_attempts (rule 5).
func moveIntent(tx Tx, in intent.Intent, to intent.State, reason intent.Reason) error {
	if to == intent.Published {
		return fmt.Errorf("intent %d: publishing goes through markPublished", in.ID)
	}
	if !intent.Legal(in.State, to, reason) {
		return fmt.Errorf("intent %d %s -> %s(%s): %w", in.ID, in.State, to, reason, ErrIllegalTransition)
	}
	_, err := tx.Exec(`UPDATE group_intents SET state = ?, reason = ?, message_hash = NULL, staged_commit = NULL, payload = NULL
		WHERE id = ?`, to, string(reason), in.ID)
	if err != nil {
		return err
	}
	if err := logTransition(tx, in, to, reason, nil); err != nil {
		return err
	}
	if to != intent.Committed || reason == intent.ReasonNoop {
		// Welcomes of an attempt that did not win will never be sent.
		_, err = tx.Exec(`DELETE FROM outbound_welcomes WHERE intent_id = ? AND state = ?`, in.ID, WelcomePending)
	}
	return err
}

// markPublished is the write-ahead (rule 2): the envelope, its hash, the
// staged commit and PUBLISHED, before the payload is sent.
func markPublished(tx Tx, in intent.Intent, epoch, counter uint64, payload, hash, staged []byte) error {
	if in.State != intent.ToSend {
		return fmt.Errorf("intent %d %s -> PUBLISHED: %w", in.ID, in.State, ErrIllegalTransition)
	}
	attempt := in.Attempts + 1
	if _, err := tx.Exec(`INSERT INTO intent_attempts(hash, intent_id, attempt) VALUES (?, ?, ?)`, hash, in.ID, attempt); err != nil {
		return err
	}
	_, err := tx.Exec(`UPDATE group_intents SET state = ?, message_hash = ?, staged_commit = ?, payload = ?, epoch = ?, counter = ?, attempts = ?
		WHERE id = ?`, intent.Published, hash, staged, payload, epoch, counter, attempt, in.ID)
	if err != nil {
		return err
	}
	return logTransition(tx, in, intent.Published, intent.ReasonNone, hash)
}

// logTransition appends to the audit log of intent state changes, with the
// group's epoch as this transaction holds it (an add or remove that ends
// NOOP was judged at that epoch) and, on a move to PUBLISHED, the new
// attempt's hash: what a checker reading the store needs (S9, S10).
func logTransition(tx Tx, in intent.Intent, to intent.State, reason intent.Reason, hash []byte) error {
	_, err := tx.Exec(`INSERT INTO intent_transitions(intent_id, group_id, from_state, to_state, reason, epoch, hash)
		VALUES (?, ?, ?, ?, ?, (SELECT epoch FROM groups WHERE id = ?), ?)`,
		in.ID, in.GroupID, in.State, to, string(reason), in.GroupID, hash)
	return err
}

// recordSkipped stores the installations an add skipped for want of a
// usable key package (SPEC §6), for the attempt being judged.
func recordSkipped(tx Tx, ev *events, in intent.Intent, epoch uint64, skipped []string) error {
	for _, id := range skipped {
		if _, err := tx.Exec(`INSERT INTO intent_skipped(intent_id, attempt, installation_id, epoch) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, in.ID, in.Attempts+1, id, epoch); err != nil {
			return err
		}
		ev.add(EvInstallationSkipped, in.GroupID, 0, in.ID, "%s epoch=%d", id, epoch)
	}
	return nil
}

// attemptOf finds which intent attempt a payload hash belongs to.
func attemptOf(tx Tx, hash []byte) (id int64, attempt int, ok bool, err error) {
	err = tx.QueryRow(`SELECT intent_id, attempt FROM intent_attempts WHERE hash = ?`, hash).Scan(&id, &attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return id, attempt, err == nil, err
}

func stagedCommit(tx Tx, id int64) ([]byte, error) {
	var data []byte
	err := tx.QueryRow(`SELECT staged_commit FROM group_intents WHERE id = ?`, id).Scan(&data)
	return data, err
}

// WelcomeState is the design note's OUTBOUND_WELCOME_STATE.
type WelcomeState int

const (
	WelcomePending     WelcomeState = 1
	WelcomeReadyToSend WelcomeState = 2
	WelcomeSent        WelcomeState = 3
)

package checker

import (
	"encoding/hex"

	"github.com/mlsim/mlsim/wire"
)

// Store is one client's store as the checker reads it: with its own
// queries against the schema, never through the engine.
type Store interface {
	// Read runs fn over one consistent read of the store.
	Read(fn func(Querier) error) error
}

// Versioned is a store that counts its commits: the checker reads it again
// only when the count moved (positions are compared with their last
// values, and what it appends is read by serial, so nothing is missed).
type Versioned interface {
	Version() uint64
}

// Watched is a Versioned store that also says when it commits: the
// checker then asks it for its version only after it did, instead of
// asking every store after every step (in a world of thousands of
// installations, asking was most of a step's time: docs/PERFORMANCE.md).
type Watched interface {
	Versioned
	// Watch has changed called after every commit from now on; changed
	// must not use the store.
	Watch(changed func())
}

// Querier runs a read-only SQL query.
type Querier interface {
	Query(query string, args ...any) (Rows, error)
}

// Rows is a query's result, read like *sql.Rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// mark is how far the checker has read a source's append-only records:
// the serial of the last one read of each kind (an intent's serial is
// its id).
type mark struct {
	epoch, message, transition, intent int64
}

// appended is what one read of an append-only table found: its rows in
// serial order, each with its serial (a StoreObserver sends them; the
// checker needs only the last).
type appended[T any] struct {
	rows    []T
	serials []int64
}

func (a *appended[T]) add(serial int64, row T) {
	a.rows = append(a.rows, row)
	a.serials = append(a.serials, serial)
}

// last is the serial of the last row read, or from when none was.
func (a appended[T]) last(from int64) int64 {
	if n := len(a.serials); n > 0 {
		return a.serials[n-1]
	}
	return from
}

// readDelta reads what was appended after m, and every group's position.
func readDelta(s Store, m mark) (Delta, mark, error) {
	var d Delta
	err := s.Read(func(q Querier) error {
		var err error
		if d.Positions, err = readPositions(q); err != nil {
			return err
		}
		a, err := readAppended(q, m, true)
		if err != nil {
			return err
		}
		d.Epochs, d.Messages, d.Intents, d.Transitions = a.epochs.rows, a.messages.rows, a.intents.rows, a.transitions.rows
		m = a.mark(m)
		return nil
	})
	return d, m, err
}

// appendedRows is every append-only table's rows after a mark.
type appendedRows struct {
	epochs      appended[EpochEntered]
	messages    appended[StoredMessage]
	intents     appended[IntentCreated]
	transitions appended[Transition]
}

func readAppended(q Querier, m mark, bodies bool) (appendedRows, error) {
	var a appendedRows
	var err error
	if a.epochs, err = readEpochs(q, m.epoch); err != nil {
		return a, err
	}
	if a.messages, err = readMessages(q, m.message, bodies); err != nil {
		return a, err
	}
	if a.intents, err = readIntents(q, m.intent); err != nil {
		return a, err
	}
	a.transitions, err = readTransitions(q, m.transition)
	return a, err
}

// mark is how far these rows read, from m.
func (a appendedRows) mark(m mark) mark {
	return mark{epoch: a.epochs.last(m.epoch), message: a.messages.last(m.message),
		transition: a.transitions.last(m.transition), intent: a.intents.last(m.intent)}
}

// each runs a query and calls scan for each row.
func each(q Querier, scan func(Rows) error, query string, args ...any) error {
	rows, err := q.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nilIfEmpty makes an empty blob nil whatever the driver returned for
// it, so that every source of observations gives the same value.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func readPositions(q Querier) ([]Position, error) {
	var out []Position
	err := each(q, func(r Rows) error {
		var p Position
		if err := r.Scan(&p.Group, &p.Epoch, &p.JoinedEpoch, &p.RemovedAtSeq, &p.Broken, &p.Cursor, &p.Consent); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}, `SELECT g.id, g.epoch, g.joined_epoch, g.removed_at_seq, g.broken, COALESCE(t.cursor, 0), g.membership_state
		FROM groups g LEFT JOIN topic_refresh_state t ON t.topic = ? || g.id ORDER BY g.id`, wire.GroupTopic(""))
	return out, err
}

func readEpochs(q Querier, after int64) (appended[EpochEntered], error) {
	var out appended[EpochEntered]
	err := each(q, func(r Rows) error {
		var e EpochEntered
		var serial int64
		var hash, auth []byte
		if err := r.Scan(&serial, &e.Group, &e.Epoch, &e.CommitSeq, &hash, &auth, &e.Via); err != nil {
			return err
		}
		e.CommitHash, e.Authenticator = hex.EncodeToString(hash), hex.EncodeToString(auth)
		out.add(serial, e)
		return nil
	}, `SELECT serial, group_id, epoch, commit_seq, commit_hash, authenticator, via
		FROM epoch_history WHERE serial > ? ORDER BY serial`, after)
	return out, err
}

// readMessages reads stored messages after a serial, in the order they
// were stored (with their bodies, or without for the final checks).
func readMessages(q Querier, after int64, bodies bool) (appended[StoredMessage], error) {
	var out appended[StoredMessage]
	body := `x''`
	if bodies {
		body = `decrypted_message_bytes`
	}
	err := each(q, func(r Rows) error {
		var m StoredMessage
		var serial int64
		if err := r.Scan(&serial, &m.Group, &m.ID, &m.Kind, &m.Sender, &m.Seq, &m.Epoch, &m.Body); err != nil {
			return err
		}
		m.Body = nilIfEmpty(m.Body)
		out.add(serial, m)
		return nil
	}, `SELECT serial, group_id, id, kind, sender_installation_id, seq, epoch, `+body+`
		FROM group_messages WHERE serial > ? ORDER BY serial`, after)
	return out, err
}

// readIntents reads the intents created after an id (an intent's serial).
func readIntents(q Querier, after int64) (appended[IntentCreated], error) {
	var out appended[IntentCreated]
	err := each(q, func(r Rows) error {
		var in IntentCreated
		if err := r.Scan(&in.ID, &in.Group, &in.Kind, &in.Data); err != nil {
			return err
		}
		in.Data = nilIfEmpty(in.Data)
		out.add(in.ID, in)
		return nil
	}, `SELECT id, group_id, kind, publish_data FROM group_intents WHERE id > ? ORDER BY id`, after)
	return out, err
}

func readTransitions(q Querier, after int64) (appended[Transition], error) {
	var out appended[Transition]
	err := each(q, func(r Rows) error {
		var t Transition
		var serial int64
		var hash []byte
		if err := r.Scan(&serial, &t.Intent, &t.Group, &t.From, &t.To, &t.Reason, &t.Epoch, &hash); err != nil {
			return err
		}
		t.Hash = hex.EncodeToString(hash)
		out.add(serial, t)
		return nil
	}, `SELECT serial, intent_id, group_id, from_state, to_state, reason, epoch, COALESCE(hash, x'')
		FROM intent_transitions WHERE serial > ? ORDER BY serial`, after)
	if err != nil {
		return out, err
	}
	// A NOOP names the installations it skipped, recorded for the attempt
	// it was judged as (the one after the last built).
	for i := range out.rows {
		t := &out.rows[i]
		if t.To != StateCommitted || t.Reason != ReasonNoop {
			continue
		}
		err := each(q, func(r Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			t.Skipped = append(t.Skipped, id)
			return nil
		}, `SELECT s.installation_id FROM intent_skipped s JOIN group_intents i ON i.id = s.intent_id
			WHERE s.intent_id = ? AND s.attempt = i.attempts + 1 ORDER BY s.installation_id`, t.Intent)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

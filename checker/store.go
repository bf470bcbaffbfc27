package checker

import (
	"encoding/hex"
	"fmt"

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

// mark is how far the checker has read a store's append-only tables.
type mark struct {
	epoch, message, transition, intent int64
}

// readDelta reads what was appended after m, and every group's position.
func readDelta(s Store, m mark) (Delta, mark, error) {
	var d Delta
	err := s.Read(func(q Querier) error {
		var err error
		if d.Positions, err = readPositions(q); err != nil {
			return err
		}
		if d.Epochs, m.epoch, err = readEpochs(q, m.epoch); err != nil {
			return err
		}
		if d.Messages, m.message, err = readMessages(q, m.message, true); err != nil {
			return err
		}
		if d.Intents, m.intent, err = readIntents(q, m.intent); err != nil {
			return err
		}
		d.Transitions, m.transition, err = readTransitions(q, m.transition)
		return err
	})
	return d, m, err
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

func readPositions(q Querier) ([]Position, error) {
	var out []Position
	err := each(q, func(r Rows) error {
		var p Position
		if err := r.Scan(&p.Group, &p.Epoch, &p.JoinedEpoch, &p.RemovedAtSeq, &p.Broken, &p.Cursor); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}, `SELECT g.id, g.epoch, g.joined_epoch, g.removed_at_seq, g.broken, COALESCE(t.cursor, 0)
		FROM groups g LEFT JOIN topic_refresh_state t ON t.topic = ? || g.id ORDER BY g.id`, wire.GroupTopic(""))
	return out, err
}

func readEpochs(q Querier, after int64) ([]EpochEntered, int64, error) {
	var out []EpochEntered
	err := each(q, func(r Rows) error {
		var e EpochEntered
		var hash, auth []byte
		if err := r.Scan(&after, &e.Group, &e.Epoch, &e.CommitSeq, &hash, &auth, &e.Via); err != nil {
			return err
		}
		e.CommitHash, e.Authenticator = hex.EncodeToString(hash), hex.EncodeToString(auth)
		out = append(out, e)
		return nil
	}, `SELECT serial, group_id, epoch, commit_seq, commit_hash, authenticator, via
		FROM epoch_history WHERE serial > ? ORDER BY serial`, after)
	return out, after, err
}

// readMessages reads stored messages after a serial, in the order they
// were stored (with their bodies, or without for the final checks).
func readMessages(q Querier, after int64, bodies bool) ([]StoredMessage, int64, error) {
	var out []StoredMessage
	body := `x''`
	if bodies {
		body = `decrypted_message_bytes`
	}
	err := each(q, func(r Rows) error {
		var m StoredMessage
		if err := r.Scan(&after, &m.Group, &m.ID, &m.Kind, &m.Sender, &m.Seq, &m.Epoch, &m.Body); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}, `SELECT serial, group_id, id, kind, sender_installation_id, seq, epoch, `+body+`
		FROM group_messages WHERE serial > ? ORDER BY serial`, after)
	return out, after, err
}

func readIntents(q Querier, after int64) ([]IntentCreated, int64, error) {
	var out []IntentCreated
	err := each(q, func(r Rows) error {
		var in IntentCreated
		if err := r.Scan(&in.ID, &in.Group, &in.Kind, &in.Data); err != nil {
			return err
		}
		after = in.ID
		out = append(out, in)
		return nil
	}, `SELECT id, group_id, kind, publish_data FROM group_intents WHERE id > ? ORDER BY id`, after)
	return out, after, err
}

func readTransitions(q Querier, after int64) ([]Transition, int64, error) {
	var out []Transition
	err := each(q, func(r Rows) error {
		var t Transition
		var hash []byte
		if err := r.Scan(&after, &t.Intent, &t.Group, &t.From, &t.To, &t.Reason, &t.Epoch, &hash); err != nil {
			return err
		}
		t.Hash = hex.EncodeToString(hash)
		out = append(out, t)
		return nil
	}, `SELECT serial, intent_id, group_id, from_state, to_state, reason, epoch, COALESCE(hash, x'')
		FROM intent_transitions WHERE serial > ? ORDER BY serial`, after)
	if err != nil {
		return nil, after, err
	}
	// A NOOP names the installations it skipped, recorded for the attempt
	// it was judged as (the one after the last built).
	for i := range out {
		t := &out[i]
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
			return nil, after, err
		}
	}
	return out, after, nil
}

// readState reads everything the final checks need.
func readState(s Store, installation string) (ClientState, error) {
	st := ClientState{Installation: installation}
	err := s.Read(func(q Querier) error {
		positions, err := readPositions(q)
		if err != nil {
			return err
		}
		byGroup := map[string]*GroupState{}
		st.Groups = make([]GroupState, len(positions))
		for i, p := range positions {
			st.Groups[i] = GroupState{Position: p}
			byGroup[p.Group] = &st.Groups[i]
		}
		if err := each(q, func(r Rows) error {
			var group, id string
			if err := r.Scan(&group, &id); err != nil {
				return err
			}
			if g := byGroup[group]; g != nil {
				g.Members = append(g.Members, id)
			}
			return nil
		}, `SELECT group_id, installation_id FROM group_members ORDER BY group_id, installation_id`); err != nil {
			return err
		}
		if err := each(q, func(r Rows) error {
			var group string
			var auth []byte
			if err := r.Scan(&group, &auth); err != nil {
				return err
			}
			if g := byGroup[group]; g != nil {
				g.Authenticator = hex.EncodeToString(auth)
			}
			return nil
		}, `SELECT group_id, authenticator FROM epoch_history e
			WHERE serial = (SELECT MAX(serial) FROM epoch_history WHERE group_id = e.group_id)`); err != nil {
			return err
		}
		if err := each(q, func(r Rows) error {
			var group string
			var data []byte
			if err := r.Scan(&group, &data); err != nil {
				return err
			}
			if g := byGroup[group]; g != nil {
				p, err := wire.DecodePolicy(data)
				if err != nil {
					g.Policy = "undecodable: " + err.Error()
				} else {
					g.Policy = p.String()
				}
			}
			return nil
		}, `SELECT group_id, policy FROM group_policy ORDER BY group_id`); err != nil {
			return err
		}
		byIntent := map[int64]int{}
		if err := each(q, func(r Rows) error {
			var in IntentEnd
			if err := r.Scan(&in.ID, &in.Group, &in.Kind, &in.State, &in.Reason); err != nil {
				return err
			}
			byIntent[in.ID] = len(st.Intents)
			st.Intents = append(st.Intents, in)
			return nil
		}, `SELECT id, group_id, kind, state, reason FROM group_intents ORDER BY id`); err != nil {
			return err
		}
		if err := each(q, func(r Rows) error {
			var id int64
			var hash []byte
			if err := r.Scan(&id, &hash); err != nil {
				return err
			}
			i, ok := byIntent[id]
			if !ok {
				return fmt.Errorf("an attempt of intent %d, which the store does not hold", id)
			}
			st.Intents[i].Hashes = append(st.Intents[i].Hashes, hex.EncodeToString(hash))
			return nil
		}, `SELECT intent_id, hash FROM intent_attempts ORDER BY intent_id, attempt`); err != nil {
			return err
		}
		st.Messages, _, err = readMessages(q, 0, false)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("checker: read %s: %w", installation, err)
	}
	return st, nil
}

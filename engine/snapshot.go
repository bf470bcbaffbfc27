package engine

import (
	"encoding/hex"
	"fmt"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// Snapshot is a client's durable state in a comparable, deterministic form:
// what tests diff and what the checker reads.
type Snapshot struct {
	Installation string
	Groups       []GroupSnapshot
	Intents      []IntentSnapshot
	Messages     []MessageSnapshot
}

// GroupSnapshot is one group as the client holds it.
type GroupSnapshot struct {
	ID            string
	Consent       Consent
	Epoch         uint64
	JoinedEpoch   uint64
	RemovedAtSeq  uint64 // 0 while a member
	Broken        string
	Members       []string // sorted
	Authenticator string   // hex; equal across members of one epoch
	Cursor        uint64
}

// IntentSnapshot is one intent.
type IntentSnapshot struct {
	ID       int64
	Group    string
	Kind     intent.Kind
	State    intent.State
	Reason   intent.Reason
	Attempts int
	Hashes   []string // every attempt's hash (hex), in attempt order
}

// MessageSnapshot is one stored message.
type MessageSnapshot struct {
	Group  string
	ID     string
	Kind   MessageKind
	Sender string
	Seq    uint64
	Epoch  uint64
	Body   string
}

// String is the message within its group (a script's messages query).
func (m MessageSnapshot) String() string {
	return fmt.Sprintf("seq=%d epoch=%d %s %s %q", m.Seq, m.Epoch, m.Kind, m.ID, m.Body)
}

// String is the intent as a script's intents query lists it.
func (in IntentSnapshot) String() string {
	s := fmt.Sprintf("#%d %s %s %s", in.ID, in.Group, in.Kind, in.State)
	if in.Reason != intent.ReasonNone {
		s += "(" + string(in.Reason) + ")"
	}
	return s + fmt.Sprintf(" attempts=%d", in.Attempts)
}

// OpenIntents counts the intents not yet settled (TO_SEND or PUBLISHED)
// from the store, without reading them (a snapshot reads every message).
func (c *Client) OpenIntents() (int, error) {
	var n int
	err := c.cfg.Store.View(func(tx Tx) error {
		return tx.QueryRow(`SELECT COUNT(*) FROM group_intents WHERE state IN (?, ?)`, intent.ToSend, intent.Published).Scan(&n)
	})
	return n, err
}

// Snapshot reads the client's state from its store.
func (c *Client) Snapshot() (Snapshot, error) {
	s := Snapshot{Installation: c.self}
	err := c.cfg.Store.View(func(tx Tx) error {
		ids, err := groupIDs(tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			g, err := readGroup(tx, id) // the store, not the engine's cache: a snapshot observes
			if err != nil {
				return err
			}
			gs := GroupSnapshot{ID: id, Consent: g.Consent, Epoch: g.Epoch, JoinedEpoch: g.JoinedEpoch,
				RemovedAtSeq: g.RemovedAtSeq, Broken: g.Broken}
			if gs.Members, err = memberList(tx, id); err != nil {
				return err
			}
			if gs.Cursor, err = readCursor(tx, wire.GroupTopic(id)); err != nil {
				return err
			}
			if g.RemovedAtSeq == 0 {
				st, err := c.current(tx, g)
				if err != nil {
					return err
				}
				gs.Authenticator = hex.EncodeToString(st.Authenticator())
			}
			s.Groups = append(s.Groups, gs)
		}
		ins, err := queryIntents(tx, `1 = 1`)
		if err != nil {
			return err
		}
		for _, in := range ins {
			is := IntentSnapshot{ID: in.ID, Group: in.GroupID, Kind: in.Kind, State: in.State, Reason: in.Reason, Attempts: in.Attempts}
			if is.Hashes, err = attemptHashes(tx, in.ID); err != nil {
				return err
			}
			s.Intents = append(s.Intents, is)
		}
		s.Messages, err = messages(tx)
		return err
	})
	if err != nil {
		c.dropCaches()
		return s, fmt.Errorf("snapshot %s: %w", c.self, err)
	}
	return s, nil
}

func attemptHashes(tx Tx, id int64) ([]string, error) {
	rows, err := tx.Query(`SELECT hash FROM intent_attempts WHERE intent_id = ? ORDER BY attempt`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, hex.EncodeToString(h))
	}
	return out, rows.Err()
}

func messages(tx Tx) ([]MessageSnapshot, error) {
	rows, err := tx.Query(`SELECT group_id, id, kind, sender_installation_id, seq, epoch, decrypted_message_bytes
		FROM group_messages ORDER BY group_id, seq, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MessageSnapshot
	for rows.Next() {
		var m MessageSnapshot
		var body []byte
		if err := rows.Scan(&m.Group, &m.ID, &m.Kind, &m.Sender, &m.Seq, &m.Epoch, &body); err != nil {
			return nil, err
		}
		m.Body = string(body)
		out = append(out, m)
	}
	return out, rows.Err()
}

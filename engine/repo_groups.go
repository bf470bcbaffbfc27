package engine

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/mlsim/mlsim/wire"
)

// Consent is the user's answer to a group (the design note's
// GROUP_MEMBERSHIP_STATE). It changes what the user is shown, not what the
// client syncs.
type Consent int

const (
	ConsentAllowed  Consent = 1
	ConsentRejected Consent = 2
	ConsentPending  Consent = 3
)

func (c Consent) String() string {
	switch c {
	case ConsentAllowed:
		return "ALLOWED"
	case ConsentRejected:
		return "REJECTED"
	case ConsentPending:
		return "PENDING"
	}
	return fmt.Sprintf("CONSENT(%d)", int(c))
}

type groupRow struct {
	ID           string
	CreatedAtNs  int64
	Consent      Consent
	Epoch        uint64
	JoinedEpoch  uint64
	RemovedAtSeq uint64
	Broken       string
}

func readGroup(tx Tx, id string) (groupRow, error) {
	g := groupRow{ID: id}
	err := tx.QueryRow(`SELECT created_at_ns, membership_state, epoch, joined_epoch, removed_at_seq, broken FROM groups WHERE id = ?`, id).
		Scan(&g.CreatedAtNs, &g.Consent, &g.Epoch, &g.JoinedEpoch, &g.RemovedAtSeq, &g.Broken)
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("group %s: %w", id, ErrUnknownGroup)
	}
	return g, err
}

func groupIDs(tx Tx) ([]string, error) {
	rows, err := tx.Query(`SELECT id FROM groups ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func saveGroupState(tx Tx, group string, epoch uint64, st GroupState) error {
	data, err := st.Marshal()
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO group_states(group_id, epoch, state, keys) VALUES (?, ?, ?, NULL)
		ON CONFLICT(group_id, epoch) DO UPDATE SET state = excluded.state, keys = NULL`, group, epoch, data)
	return err
}

// saveGroupKeys saves what Protect or Unprotect changed: the key schedule,
// next to the state saved when the epoch was entered.
func saveGroupKeys(tx Tx, group string, epoch uint64, st GroupState) error {
	data, err := st.MarshalKeys()
	if err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE group_states SET keys = ? WHERE group_id = ? AND epoch = ?`, data, group, epoch)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("group %s epoch %d: no saved state to update the keys of", group, epoch)
	}
	return nil
}

// loadGroupStateBytes returns the saved state and, if saved since, its key
// schedule; state is nil when the epoch is not kept.
func loadGroupStateBytes(tx Tx, group string, epoch uint64) (state, keys []byte, err error) {
	err = tx.QueryRow(`SELECT state, keys FROM group_states WHERE group_id = ? AND epoch = ?`, group, epoch).Scan(&state, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	return state, keys, err
}

// members maps each current member to the epoch since which it has been a
// member without a break.
func members(tx Tx, group string) (map[string]uint64, error) {
	rows, err := tx.Query(`SELECT installation_id, since_epoch FROM group_members WHERE group_id = ?`, group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var id string
		var since uint64
		if err := rows.Scan(&id, &since); err != nil {
			return nil, err
		}
		out[id] = since
	}
	return out, rows.Err()
}

// memberSince reports whether an installation is a current member and
// since when. Judging one payload needs one sender, not the member map: a
// lookup by key instead of reading every member (128 rows in big-group).
func memberSince(tx Tx, group, installation string) (since uint64, ok bool, err error) {
	err = tx.QueryRow(`SELECT since_epoch FROM group_members WHERE group_id = ? AND installation_id = ?`, group, installation).Scan(&since)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return since, err == nil, err
}

func memberList(tx Tx, group string) ([]string, error) {
	rows, err := tx.Query(`SELECT installation_id FROM group_members WHERE group_id = ? ORDER BY installation_id`, group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func readCursor(tx Tx, topic string) (uint64, error) {
	var cur uint64
	err := tx.QueryRow(`SELECT cursor FROM topic_refresh_state WHERE topic = ?`, topic).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return cur, err
}

// writeCursor moves a stored cursor forward; it never moves one back.
func writeCursor(tx Tx, topic string, seq uint64) error {
	_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES (?, ?)
		ON CONFLICT(topic) DO UPDATE SET cursor = MAX(cursor, excluded.cursor)`, topic, seq)
	return err
}

func maxCounter(tx Tx, group, sender string, epoch uint64) (uint64, error) {
	var c uint64
	err := tx.QueryRow(`SELECT max_counter FROM group_counters WHERE group_id = ? AND sender = ? AND epoch = ?`, group, sender, epoch).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return c, err
}

func recordCounter(tx Tx, group, sender string, epoch, counter uint64) error {
	_, err := tx.Exec(`INSERT INTO group_counters(group_id, sender, epoch, max_counter) VALUES (?, ?, ?, ?)
		ON CONFLICT(group_id, sender, epoch) DO UPDATE SET max_counter = MAX(max_counter, excluded.max_counter)`,
		group, sender, epoch, counter)
	return err
}

// MessageKind is the design note's GROUP_MESSAGE_KIND.
type MessageKind int

const (
	MessageApplication   MessageKind = 1
	MessageMemberAdded   MessageKind = 2
	MessageMemberRemoved MessageKind = 3
)

func (k MessageKind) String() string {
	switch k {
	case MessageApplication:
		return "APPLICATION"
	case MessageMemberAdded:
		return "MEMBER_ADDED"
	case MessageMemberRemoved:
		return "MEMBER_REMOVED"
	}
	return fmt.Sprintf("KIND(%d)", int(k))
}

type messageRow struct {
	ID     string
	Group  string
	Body   []byte
	SentNs int64
	Kind   MessageKind
	Sender string
	Seq    uint64
	Epoch  uint64
}

// storeMessage stores the message at its topic position. Sync has already
// skipped second copies by message id (readMessageFacts); a position is
// processed once, so a conflict here is an error, never ignored.
func storeMessage(tx Tx, m messageRow) error {
	_, err := tx.Exec(`INSERT INTO group_messages(id, group_id, decrypted_message_bytes, sent_at_ns, kind, sender_installation_id, sender_account, seq, epoch)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Group, m.Body, m.SentNs, m.Kind, m.Sender, AccountOf(m.Sender), m.Seq, m.Epoch)
	return err
}

// messageFacts is what judging an application message reads from the
// store: the sender's membership, the highest counter accepted from it in
// the message's epoch, and whether the message id is stored already.
type messageFacts struct {
	member     bool
	since      uint64
	maxCounter uint64
	stored     bool
}

// readMessageFacts reads them in one statement (three lookups by key):
// judging a message was three statements of its dozen.
func readMessageFacts(tx Tx, group string, e *wire.Envelope) (messageFacts, error) {
	var f messageFacts
	var since sql.NullInt64
	err := tx.QueryRow(`SELECT
		(SELECT since_epoch FROM group_members WHERE group_id = ? AND installation_id = ?),
		COALESCE((SELECT max_counter FROM group_counters WHERE group_id = ? AND sender = ? AND epoch = ?), 0),
		EXISTS (SELECT 1 FROM group_messages WHERE id = ?)`,
		group, e.Sender, group, e.Sender, e.Epoch, e.MessageID).Scan(&since, &f.maxCounter, &f.stored)
	if err != nil {
		return f, err
	}
	f.member, f.since = since.Valid, uint64(since.Int64)
	return f, nil
}

// Members lists the group's current members as this client holds them,
// sorted.
func (c *Client) Members(groupID string) ([]string, error) {
	var out []string
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		out, err = memberList(tx, groupID)
		return err
	})
	return out, err
}

package engine

import (
	"encoding/binary"
	"fmt"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// appPlaintext is what is encrypted: the counter and message id repeat the
// clear header, so a receiver can tell a header that lies.
func appPlaintext(counter uint64, messageID string, body []byte) []byte {
	out := binary.AppendUvarint(nil, counter)
	out = binary.AppendUvarint(out, uint64(len(messageID)))
	out = append(out, messageID...)
	return append(out, body...)
}

func parseAppPlaintext(pt []byte) (counter uint64, messageID string, body []byte, err error) {
	counter, n := binary.Uvarint(pt)
	if n <= 0 {
		return 0, "", nil, fmt.Errorf("bad counter")
	}
	pt = pt[n:]
	l, n := binary.Uvarint(pt)
	if n <= 0 || l > uint64(len(pt)-n) {
		return 0, "", nil, fmt.Errorf("bad message id")
	}
	pt = pt[n:]
	return counter, string(pt[:l]), pt[l:], nil
}

func (c *Client) publishMessage(g groupRow, in intent.Intent) (PublishResult, error) {
	var payload []byte
	var ev events
	err := c.cfg.Store.Update(func(tx Tx) error {
		cur, err := loadIntent(tx, in.ID)
		if err != nil {
			return err
		}
		if cur.State != intent.ToSend {
			return fmt.Errorf("intent %d is %s", in.ID, cur.State)
		}
		g, err := c.loadGroup(tx, g.ID)
		if err != nil {
			return err
		}
		st, err := c.current(tx, g)
		if err != nil {
			return err
		}
		var last uint64
		if err := tx.QueryRow(`SELECT COALESCE(MAX(last_counter), 0) FROM send_counters WHERE group_id = ? AND epoch = ?`, g.ID, g.Epoch).Scan(&last); err != nil {
			return err
		}
		counter := last + 1
		msgID := wire.MessageID(c.self, in.ID)
		ct, err := st.Protect(appPlaintext(counter, msgID, cur.Data))
		if err != nil {
			return err
		}
		env := wire.Envelope{Kind: wire.KindApplication, GroupID: g.ID, Epoch: g.Epoch, Sender: c.self,
			Counter: counter, MessageID: msgID, MLS: ct}
		if g.Epoch == 0 {
			env.Creator = c.self // only the creator is ever at epoch 0
		}
		payload = env.Encode()
		hash := wire.Hash(payload)
		if _, err := tx.Exec(`INSERT INTO send_counters(group_id, epoch, last_counter) VALUES (?, ?, ?)
			ON CONFLICT(group_id, epoch) DO UPDATE SET last_counter = excluded.last_counter`, g.ID, g.Epoch, counter); err != nil {
			return err
		}
		// Protect advanced the ratchet in place: save it with the attempt.
		if err := saveGroupKeys(tx, g.ID, g.Epoch, st); err != nil {
			return err
		}
		if cur.Attempts > 0 {
			ev.add(EvRebuilt, g.ID, 0, in.ID, "attempt=%d epoch=%d", cur.Attempts+1, g.Epoch)
		}
		return markPublished(tx, cur, g.Epoch, counter, payload, hash[:], nil)
	})
	if err != nil {
		c.dropCaches()
		return PublishResult{Action: PublishedNone, Intent: in.ID}, fmt.Errorf("publish intent %d: %w", in.ID, err)
	}
	return c.send(in, payload, &ev)
}

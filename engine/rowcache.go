package engine

// rowCache keeps the rows the engine reads for every envelope it judges:
// the group's row and the topic's cursor (two of the dozen statements per
// received message). It follows SPEC §3's rule for cached state: entries
// are filled on read, a write in a transaction updates or drops its entry,
// and a failed transaction drops them all (dropCaches), so the cache never
// holds what the store does not.
//
// Every write to the groups table goes through writeGroup and every
// cursor write through setCursor; Snapshot and the audit read the store
// itself, so what the checker observes never comes from this cache.
type rowCache struct {
	groups  map[string]groupRow // group id -> row
	cursors map[string]uint64   // topic -> cursor
}

func (c *Client) loadGroup(tx Tx, id string) (groupRow, error) {
	if g, ok := c.rows.groups[id]; ok {
		return g, nil
	}
	g, err := readGroup(tx, id)
	if err == nil {
		c.rows.groups[id] = g
	}
	return g, err
}

// writeGroup runs a statement that writes the group's row and drops the
// cached row: the next read takes it from the store.
func (c *Client) writeGroup(tx Tx, id, query string, args ...any) error {
	delete(c.rows.groups, id)
	_, err := tx.Exec(query, args...)
	return err
}

func (c *Client) cursor(tx Tx, topic string) (uint64, error) {
	if cur, ok := c.rows.cursors[topic]; ok {
		return cur, nil
	}
	cur, err := readCursor(tx, topic)
	if err == nil {
		c.rows.cursors[topic] = cur
	}
	return cur, err
}

// setCursor moves a cursor forward; it never moves one back.
func (c *Client) setCursor(tx Tx, topic string, seq uint64) error {
	old, known := c.rows.cursors[topic]
	delete(c.rows.cursors, topic)
	if err := writeCursor(tx, topic, seq); err != nil {
		return err
	}
	if known {
		c.rows.cursors[topic] = max(old, seq) // what the statement wrote
	}
	return nil
}

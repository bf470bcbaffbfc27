package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// dump is every row of every table (with rowids) and the AUTOINCREMENT
// counters, as text.
func dump(t *testing.T, d *DB) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, d.View(func(etx engine.Tx) error {
		tx := etx.(*connTx)
		names, err := tableNames(tx)
		if err != nil {
			return err
		}
		for _, name := range append(names, "sqlite_sequence") {
			fmt.Fprintf(&b, "%s:\n", name)
			q, err := tx.Query(fmt.Sprintf(`SELECT rowid, * FROM %q ORDER BY rowid`, name))
			if err != nil {
				return err
			}
			r := q.(*rows)
			for r.Next() {
				fmt.Fprintf(&b, "  %#v\n", r.vals)
			}
			if err := r.Err(); err != nil {
				return err
			}
		}
		return nil
	}))
	return b.String()
}

// An image opens as the same rows, rowids, counters and version; the
// copy and the original then change independently, and new AUTOINCREMENT
// ids continue alike in both.
func TestImageCopiesContentExactly(t *testing.T) {
	d, err := OpenMemory()
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Update(func(tx engine.Tx) error {
		for i := 0; i < 5; i++ {
			if _, err := tx.Exec(`INSERT INTO group_intents(kind, group_id, publish_data, state, staged_commit) VALUES (1, 'g', ?, 0, ?)`,
				[]byte{byte(i)}, []byte{}); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES (?, ?)`, fmt.Sprintf("t%d", i), i); err != nil {
				return err
			}
		}
		// Gaps: deleted rows, so rowids and counters are not 1..n.
		if _, err := tx.Exec(`DELETE FROM group_intents WHERE id IN (2, 5)`); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM topic_refresh_state WHERE topic = 't1'`)
		return err
	}))
	img, err := d.Image()
	require.NoError(t, err)
	c, err := OpenImage(img)
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, dump(t, d), dump(t, c))
	require.Equal(t, d.Version(), c.Version())

	insert := func(db *DB) int64 {
		var id int64
		require.NoError(t, db.Update(func(tx engine.Tx) error {
			r, err := tx.Exec(`INSERT INTO group_intents(kind, group_id, publish_data, state) VALUES (2, 'g', x'01', 0)`)
			if err != nil {
				return err
			}
			id, err = r.LastInsertId()
			return err
		}))
		return id
	}
	require.Equal(t, insert(d), insert(c), "AUTOINCREMENT continues alike")
	require.NoError(t, c.Update(func(tx engine.Tx) error {
		_, err := tx.Exec(`DELETE FROM topic_refresh_state`)
		return err
	}))
	require.Contains(t, dump(t, d), `"t4"`, "the original is untouched by the copy's writes")

	// A second copy of the same image is the first copy's starting point,
	// not its present: the image is not consumed or changed.
	c2, err := OpenImage(img)
	require.NoError(t, err)
	defer c2.Close()
	require.Contains(t, dump(t, c2), `"t4"`)
}

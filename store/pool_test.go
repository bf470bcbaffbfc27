package store

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// tableCounts lists every table with its row count (schema_version's
// versions too), the whole visible content of a store's shape.
func tableCounts(t *testing.T, db *DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	require.NoError(t, db.View(func(tx engine.Tx) error {
		rows, err := tx.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		for _, n := range names {
			var c int
			if err := tx.QueryRow(`SELECT COUNT(*) FROM "` + n + `"`).Scan(&c); err != nil {
				return err
			}
			out[n] = c
		}
		return rows.Err()
	}))
	return out
}

func insertIntent(t *testing.T, db *DB) int64 {
	t.Helper()
	var id int64
	require.NoError(t, db.Update(func(tx engine.Tx) error {
		res, err := tx.Exec(`INSERT INTO group_intents(kind, group_id, publish_data, state) VALUES (1, 'g', x'', 1)`)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	}))
	return id
}

// A memory store opened on a reused connection holds exactly what a new
// one holds: the same tables, no rows but the schema versions, and
// AUTOINCREMENT ids starting again from 1.
func TestReusedStoreIsLikeNew(t *testing.T) {
	fresh, err := openMemoryFromImage() // never pooled: the reference
	require.NoError(t, err)
	defer fresh.st.close()
	want := tableCounts(t, fresh)

	used, err := OpenMemory()
	require.NoError(t, err)
	require.Equal(t, int64(1), insertIntent(t, used))
	require.Equal(t, int64(2), insertIntent(t, used))
	require.NoError(t, used.Update(func(tx engine.Tx) error {
		_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', 9)`)
		return err
	}))
	conn := used.st.conn
	idleBefore := len(idle.conns)
	require.NoError(t, used.Close())
	require.Len(t, idle.conns, idleBefore+1, "the connection went back to the pool")
	require.NoError(t, used.Close(), "a second Close is harmless")
	require.ErrorIs(t, used.View(func(engine.Tx) error { return nil }), errClosed)

	reused, err := OpenMemory()
	require.NoError(t, err)
	defer reused.Close()
	require.Same(t, conn, reused.st.conn, "the pooled connection is taken")
	require.Equal(t, want, tableCounts(t, reused))
	wantSeq, err := readSequences(fresh)
	require.NoError(t, err)
	gotSeq, err := readSequences(reused)
	require.NoError(t, err)
	require.Equal(t, wantSeq, gotSeq)
	require.Equal(t, int64(1), insertIntent(t, reused))
}

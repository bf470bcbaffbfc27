package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

func TestMigrationsAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := OpenFile(path)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx engine.Tx) error {
		_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', 7)`)
		return err
	}))
	require.NoError(t, db.Close())
	db, err = OpenFile(path) // migrations already applied: nothing re-run
	require.NoError(t, err)
	defer db.Close()
	var cur, version int
	require.NoError(t, db.View(func(tx engine.Tx) error {
		if err := tx.QueryRow(`SELECT cursor FROM topic_refresh_state WHERE topic = 't'`).Scan(&cur); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&version)
	}))
	require.Equal(t, 7, cur)
	require.Equal(t, SchemaVersion(), version)
	require.Equal(t, 5, version)
}

// A failed or panicking transaction leaves nothing behind, and the one
// connection is free again.
func TestRollback(t *testing.T) {
	db, err := OpenMemory()
	require.NoError(t, err)
	defer db.Close()
	opened := db.Version()
	insert := func(tx engine.Tx) error {
		_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', 1)`)
		return err
	}
	boom := errors.New("boom")
	require.ErrorIs(t, db.Update(func(tx engine.Tx) error { _ = insert(tx); return boom }), boom)
	require.Panics(t, func() {
		_ = db.Update(func(tx engine.Tx) error { _ = insert(tx); panic("crash") })
	})
	var n int
	require.NoError(t, db.View(func(tx engine.Tx) error {
		return tx.QueryRow(`SELECT COUNT(*) FROM topic_refresh_state`).Scan(&n)
	}))
	require.Zero(t, n)
	require.Equal(t, opened, db.Version(), "rolled back and read-only transactions commit nothing")
	require.NoError(t, db.Update(insert))
	require.Equal(t, opened+1, db.Version())
}

// Memory stores start from one shared migrated image; each is its own
// database all the same, at the latest schema.
func TestMemoryStoresAreIndependentCopies(t *testing.T) {
	a, err := OpenMemory()
	require.NoError(t, err)
	defer a.Close()
	b, err := OpenMemory()
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.Update(func(tx engine.Tx) error {
		_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', 1)`)
		return err
	}))
	for _, db := range []*DB{a, b} {
		var version int
		require.NoError(t, db.View(func(tx engine.Tx) error {
			return tx.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&version)
		}))
		require.Equal(t, SchemaVersion(), version)
	}
	var n int
	require.NoError(t, b.View(func(tx engine.Tx) error {
		return tx.QueryRow(`SELECT COUNT(*) FROM topic_refresh_state`).Scan(&n)
	}))
	require.Zero(t, n, "a write to one memory store shows in another")
	c, err := OpenMemory() // opened after a's write: still empty
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.View(func(tx engine.Tx) error {
		return tx.QueryRow(`SELECT COUNT(*) FROM topic_refresh_state`).Scan(&n)
	}))
	require.Zero(t, n)
}

// A View may not write, on a memory store (which runs it without a
// transaction) and on a file store alike; the refused write leaves
// nothing behind.
func TestViewRefusesWrites(t *testing.T) {
	mem, err := OpenMemory()
	require.NoError(t, err)
	defer mem.Close()
	file, err := OpenFile(filepath.Join(t.TempDir(), "c.db"))
	require.NoError(t, err)
	defer file.Close()
	for _, db := range []*DB{mem, file} {
		err := db.View(func(tx engine.Tx) error {
			_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', 1)`)
			return err
		})
		require.ErrorIs(t, err, errReadOnly)
		var n int
		require.NoError(t, db.View(func(tx engine.Tx) error {
			return tx.QueryRow(`SELECT COUNT(*) FROM topic_refresh_state`).Scan(&n)
		}))
		require.Zero(t, n)
	}
}

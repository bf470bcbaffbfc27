package store

import (
	"database/sql/driver"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// fill writes rows with gaps in their rowids and counters, an empty blob
// and NULLs, so a store that sleeps and wakes has something to get wrong.
func fill(t *testing.T, d *DB, tag string) {
	t.Helper()
	require.NoError(t, d.Update(func(tx engine.Tx) error {
		for i := 0; i < 5; i++ {
			if _, err := tx.Exec(`INSERT INTO group_intents(kind, group_id, publish_data, state, staged_commit) VALUES (1, ?, ?, 0, ?)`,
				tag, []byte{byte(i)}, []byte{}); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES (?, ?)`, fmt.Sprintf("%s%d", tag, i), i); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`DELETE FROM group_intents WHERE id IN (2, 5)`); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM topic_refresh_state WHERE topic = ?`, tag+"1")
		return err
	}))
}

// twoSleepers opens two stores under a Hibernation with room for one
// awake; both are closed at the end of the test.
func twoSleepers(t *testing.T) (*Hibernation, *DB, *DB) {
	t.Helper()
	h := NewHibernation(1)
	var dbs [2]*DB
	for i := range dbs {
		db, err := OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		require.NoError(t, db.Hibernate(h))
		dbs[i] = db
	}
	return h, dbs[0], dbs[1]
}

// With room for one awake store, using a second puts the first to sleep;
// the first wakes on its next view with the same rows, rowids, counters
// and version, and its next AUTOINCREMENT id is the one a copy that never
// slept gives.
func TestSleepingStoreWakesAsItWas(t *testing.T) {
	h, a, b := twoSleepers(t)
	require.Error(t, b.Hibernate(h), "a store is under one hibernation")
	fill(t, a, "a")
	want, version := dump(t, a), a.Version()
	img, err := a.Image()
	require.NoError(t, err)
	neverSlept, err := OpenImage(img)
	require.NoError(t, err)
	defer neverSlept.Close()

	fill(t, b, "b")
	require.True(t, a.Asleep(), "using b must put a to sleep")
	require.False(t, b.Asleep())
	require.Equal(t, version, a.Version(), "the version is kept while asleep")

	require.Equal(t, want, dump(t, a))
	require.False(t, a.Asleep())
	require.True(t, b.Asleep())
	require.Equal(t, version, a.Version(), "waking is no transaction of the store's")
	require.Equal(t, insertIntent(t, neverSlept), insertIntent(t, a))
	require.Equal(t, dump(t, neverSlept), dump(t, a))

	st := h.Stats()
	require.Equal(t, 1, st.Awake)
	require.GreaterOrEqual(t, st.Slept, uint64(3))
	require.GreaterOrEqual(t, st.Woken, uint64(2))
}

// A store closed while asleep is closed; a closed store stays closed.
func TestClosingASleepingStore(t *testing.T) {
	h, a, b := twoSleepers(t) // closing a twice is allowed
	fill(t, a, "a")
	fill(t, b, "b")
	require.True(t, a.Asleep())
	require.NoError(t, a.Close())
	require.ErrorIs(t, a.View(func(engine.Tx) error { return nil }), errClosed)
	require.Equal(t, 1, h.Stats().Awake)
}

// Damaged packed rows (a bug, never input: they do not leave the process)
// fail the operation and leave the store asleep with its rows.
func TestDamagedPackedRowsKeepTheStoreAsleep(t *testing.T) {
	_, a, b := twoSleepers(t)
	fill(t, a, "a")
	want := dump(t, a)
	fill(t, b, "b")
	require.True(t, a.Asleep())

	a.mu.Lock()
	good := a.asleep
	a.asleep = append(append([]byte{}, good...), 0xff) // trailing garbage
	a.mu.Unlock()
	require.ErrorIs(t, a.View(func(engine.Tx) error { return nil }), errPacked)
	require.True(t, a.Asleep())

	a.mu.Lock()
	a.asleep = good
	a.mu.Unlock()
	require.Equal(t, want, dump(t, a))
}

// Every value kind the driver gives packs and unpacks to itself; a kind it
// never gives is refused rather than packed wrong.
func TestPackedValuesRoundTrip(t *testing.T) {
	vals := []driver.Value{nil, int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.5, math.Inf(-1), "", "text", []byte{}, []byte{0, 1, 2}}
	var b []byte
	for _, v := range vals {
		var err error
		b, err = appendValue(b, v)
		require.NoError(t, err)
	}
	r := &packedReader{b: b}
	for _, want := range vals {
		got, err := r.value()
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	require.Empty(t, r.b)
	_, err := appendValue(nil, true)
	require.Error(t, err)
}

// OnCommit's functions hear of every commit of the store's user, and of
// nothing else: not a view, a failed transaction, or the store's own
// sleeping and waking.
func TestOnCommitHearsEveryCommitOnly(t *testing.T) {
	_, a, b := twoSleepers(t)
	heard := 0
	a.OnCommit(func() { heard++ })
	fill(t, a, "a")
	require.Equal(t, 1, heard)
	require.Error(t, a.Update(func(tx engine.Tx) error {
		_, err := tx.Exec(`INSERT INTO no_such_table VALUES (1)`)
		return err
	}))
	require.NoError(t, a.View(func(engine.Tx) error { return nil }))
	fill(t, b, "b") // a sleeps
	require.True(t, a.Asleep())
	_ = dump(t, a) // a wakes
	require.Equal(t, 1, heard)
	insertIntent(t, a)
	insertIntent(t, a)
	require.Equal(t, 3, heard)
}

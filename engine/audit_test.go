package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

// rows reads one column set of a query from a client's store.
func rows(t *testing.T, s engine.Store, query string, scan func(engine.Rows) error) {
	t.Helper()
	require.NoError(t, s.View(func(tx engine.Tx) error {
		r, err := tx.Query(query)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			if err := scan(r); err != nil {
				return err
			}
		}
		return r.Err()
	}))
}

// The engine writes the audit tables a checker reads (docs/SCHEMA.md): how
// each epoch was entered, and every intent state change with the group's
// epoch and, on PUBLISHED, the attempt's hash.
func TestAuditTables(t *testing.T) {
	w := newGroup(t, 81)
	type entry struct {
		via   string
		epoch uint64
		hash  []byte
		auth  []byte
		seq   uint64
	}
	read := func(id string) []entry {
		var out []entry
		rows(t, w.stores[id], `SELECT via, epoch, commit_hash, authenticator, commit_seq FROM epoch_history ORDER BY serial`, func(r engine.Rows) error {
			var e entry
			out = append(out, e)
			return r.Scan(&out[len(out)-1].via, &out[len(out)-1].epoch, &out[len(out)-1].hash, &out[len(out)-1].auth, &out[len(out)-1].seq)
		})
		return out
	}
	a := read("alice/1")
	require.Len(t, a, 2)
	require.Equal(t, []string{"create", "commit"}, []string{a[0].via, a[1].via})
	require.Equal(t, uint64(1), a[1].epoch)
	require.Len(t, a[1].hash, 32)
	b := read("bob/1")
	require.Len(t, b, 1)
	require.Equal(t, "welcome", b[0].via)
	require.Equal(t, a[1].auth, b[0].auth)
	require.Equal(t, a[1].seq, b[0].seq)

	type move struct {
		to    intent.State
		epoch uint64
		hash  []byte
	}
	var moves []move
	// The add's moves (the creator also records an UPDATE_INSTALLATIONS at
	// epoch 0 for its second installation, which the add then brings in).
	rows(t, w.stores["alice/1"], `SELECT to_state, epoch, hash FROM intent_transitions WHERE intent_id = 1 ORDER BY serial`, func(r engine.Rows) error {
		var m move
		err := r.Scan(&m.to, &m.epoch, &m.hash)
		moves = append(moves, m)
		return err
	})
	require.Len(t, moves, 2)
	require.Equal(t, intent.Published, moves[0].to)
	require.Equal(t, uint64(0), moves[0].epoch, "published at epoch 0")
	require.Len(t, moves[0].hash, 32)
	require.Equal(t, intent.Committed, moves[1].to)
	require.Equal(t, uint64(1), moves[1].epoch, "committed once epoch 1 was entered")
	require.Empty(t, moves[1].hash)
}

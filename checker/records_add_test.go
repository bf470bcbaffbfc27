package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/store"
)

func epochAt(seq uint64, serial int64, group string, epoch uint64) checker.Observation {
	return checker.Observation{Seq: seq, Serial: serial,
		Epoch: &checker.EpochEntered{Group: group, Epoch: epoch, Authenticator: "aa", Via: "create"}}
}

// Add refuses what would make it answer wrongly: a lost or repeated
// record, a record of no kind or of two, serials where they do not
// belong, and an append-only record that skipped ahead of another.
func TestRecordsAddRefuses(t *testing.T) {
	pos := &checker.Position{Group: "g"}
	for name, tc := range map[string]struct {
		obs  []checker.Observation
		says string
	}{
		"gap":          {[]checker.Observation{epochAt(2, 1, "g", 0)}, "seq 2 where 1 was due"},
		"repeat":       {[]checker.Observation{epochAt(1, 1, "g", 0), epochAt(1, 2, "g", 1)}, "seq 1 where 2 was due"},
		"empty":        {[]checker.Observation{{Seq: 1}}, "carries no record"},
		"two kinds":    {[]checker.Observation{{Seq: 1, Serial: 1, Epoch: &checker.EpochEntered{}, Position: pos}}, "carries 2 records"},
		"no serial":    {[]checker.Observation{epochAt(1, 0, "g", 0)}, "need a positive one"},
		"state serial": {[]checker.Observation{{Seq: 1, Serial: 3, Position: pos}}, "state records have none"},
		"out of order": {[]checker.Observation{epochAt(1, 1, "g", 0), epochAt(2, 3, "g", 1), epochAt(3, 2, "g", 2)}, "out of order"},
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorContains(t, checker.NewRecords().Add(tc.obs...), tc.says)
		})
	}
}

// After NewStream the seq starts at 1 again, and the append-only
// records a restarted process re-sends are held once.
func TestRecordsNewStreamIgnoresResent(t *testing.T) {
	r := checker.NewRecords()
	require.NoError(t, r.Add(epochAt(1, 1, "g", 0), epochAt(2, 2, "g", 1)))
	require.Error(t, r.Add(epochAt(1, 1, "g", 0)))
	r.NewStream()
	require.NoError(t, r.Add(epochAt(1, 1, "g", 0), epochAt(2, 2, "g", 1), epochAt(3, 3, "g", 2)))
	require.Equal(t, uint64(5), r.Version())
	d, err := checker.RecordsReader(r).Delta()
	require.NoError(t, err)
	require.Len(t, d.Epochs, 3)
	require.Equal(t, []uint64{0, 1, 2}, []uint64{d.Epochs[0].Epoch, d.Epochs[1].Epoch, d.Epochs[2].Epoch})
}

// A StoreObserver does not read a Versioned store that committed nothing,
// and sends a state record again only when its value changed (a group
// whose members all left gets an empty list).
func TestStoreObserverSendsOnlyWhatChanged(t *testing.T) {
	db, err := store.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	exec := func(stmts ...string) {
		t.Helper()
		require.NoError(t, db.Update(func(tx engine.Tx) error {
			for _, s := range stmts {
				if _, err := tx.Exec(s); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	obs := checker.NewStoreObserver(observe.Store(db))
	kinds := func() []string {
		t.Helper()
		got, err := obs.Poll()
		require.NoError(t, err)
		var out []string
		for _, o := range got {
			k, err := o.Kind()
			require.NoError(t, err)
			out = append(out, k)
		}
		return out
	}
	exec(`INSERT INTO groups(id, created_at_ns, membership_state, epoch, joined_epoch) VALUES ('g', 1, 1, 0, 0)`,
		`INSERT INTO group_members(group_id, installation_id, since_epoch) VALUES ('g', 'a/1', 0)`)
	require.Equal(t, []string{"position", "members"}, kinds())
	require.Empty(t, kinds(), "nothing committed")
	exec(`INSERT INTO groups(id, created_at_ns, membership_state, epoch, joined_epoch) VALUES ('h', 1, 3, 0, 0)`)
	require.Equal(t, []string{"position"}, kinds(), "only h's position is new")
	exec(`DELETE FROM group_members`)
	got, err := obs.Poll()
	require.NoError(t, err)
	require.Equal(t, []checker.Observation{{Seq: 4, Members: &checker.MembersHeld{Group: "g"}}}, got)
}

package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// Edges that gremlins' mutants of this package showed no test pinned down
// (docs/MUTANTS.md, "Mutation score"): each test names what it closes.

func count(t *testing.T, s engine.Store, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.View(func(tx engine.Tx) error { return tx.QueryRow(query, args...).Scan(&n) }))
	return n
}

// A client keeps the current state and exactly MaxPastEpochs past ones,
// and counters only for those epochs (states.go's pruning).
func TestPastEpochRetention(t *testing.T) {
	w := newGroup(t, 91)
	for i := 0; i < 6; i++ {
		need(t).intent(w.c("alice/1").KeyUpdate("g"))
		need(t).intent(w.c("bob/1").Send("g", []byte(fmt.Sprint(i))))
		w.settle(t)
	}
	requireGroup(t, w, "g", 7, groupG...)
	st := w.stores["carol/1"]
	require.Equal(t, 1+engine.DefaultMaxPastEpochs, count(t, st, `SELECT COUNT(*) FROM group_states WHERE group_id = 'g'`))
	require.Equal(t, 7-engine.DefaultMaxPastEpochs, count(t, st, `SELECT MIN(epoch) FROM group_states WHERE group_id = 'g'`))
	require.Zero(t, count(t, st, `SELECT COUNT(*) FROM group_counters WHERE epoch < ?`, 7-engine.DefaultMaxPastEpochs))
}

// A topic longer than a page is read to its head in one Sync (sync.go's
// page loop), and a limit of 0 means the configured page size.
func TestSyncReadsPastOnePage(t *testing.T) {
	w := newGroupWith(t, 92, func(c *engine.Config) { c.PageSize = 2 })
	for i := 0; i < 7; i++ {
		need(t).intent(w.c("alice/1").Send("g", []byte(fmt.Sprint(i))))
		_, err := w.c("alice/1").PublishNext("g")
		require.NoError(t, err)
	}
	b, err := w.c("bob/1").BeginSync("g", 0)
	require.NoError(t, err)
	require.Equal(t, 2, b.Len())
	require.NoError(t, w.c("carol/1").Sync("g"))
	require.Len(t, appMessages(t, w, "carol/1", "g"), 7)
	g, _ := groupOf(snap(t, w, "carol/1"), "g")
	require.Equal(t, w.net.Head("group/g"), g.Cursor)
}

// Key packages are topped up only below the low-water mark, by a batch.
func TestKeyPackageReplenishment(t *testing.T) {
	w := newWorld(94)
	w.add(t, "alice/1")
	require.Len(t, w.net.KeyPackages("alice/1"), engine.DefaultKeyPackageBatch)
	n, err := w.c("alice/1").EnsureKeyPackages()
	require.NoError(t, err)
	require.Zero(t, n, "enough left: nothing uploaded")
	for len(w.net.KeyPackages("alice/1")) >= engine.DefaultKeyPackageLow {
		_, err := w.net.For("x/1").FetchKeyPackage("alice/1")
		require.NoError(t, err)
	}
	n, err = w.c("alice/1").EnsureKeyPackages()
	require.NoError(t, err)
	require.Equal(t, engine.DefaultKeyPackageBatch, n)
	require.Len(t, w.net.KeyPackages("alice/1"), engine.DefaultKeyPackageLow-1+engine.DefaultKeyPackageBatch)
	require.Equal(t, 2*engine.DefaultKeyPackageBatch, count(t, w.stores["alice/1"], `SELECT COUNT(*) FROM key_packages`))
}

// Bad input to the API: a clear error, nothing stored.
func TestBadArguments(t *testing.T) {
	db, err := store.OpenMemory()
	require.NoError(t, err)
	net := memnet.New(1, 1)
	for _, id := range []string{"", "alice", "/x", "alice/", "a/"} {
		_, err := engine.Open(engine.Config{InstallationID: id, Store: db, Transport: net.For(id), MLS: mlsadapter.New(zeroReader{}), Clock: &testClock{}})
		require.ErrorIs(t, err, engine.ErrBadInstallID, id)
	}
	_, err = engine.Open(engine.Config{InstallationID: "a/1"})
	require.Error(t, err)
	require.Equal(t, "alice", engine.AccountOf("alice/phone"))
	require.Equal(t, "alice/x", engine.AccountOf("alice/x/phone"))
	require.Equal(t, "alice", engine.AccountOf("alice"))
	require.Equal(t, "/x", engine.AccountOf("/x"))

	w := newGroup(t, 95)
	require.Error(t, w.c("bob/1").SetConsent("g", engine.ConsentPending))
	require.ErrorIs(t, w.c("bob/1").SetConsent("nope", engine.ConsentAllowed), engine.ErrUnknownGroup)
	require.ErrorIs(t, w.c("alice/1").CreateGroup("g"), engine.ErrGroupExists)
	for _, bad := range []string{"", "a/b", "a b", "a\nb"} {
		require.Error(t, w.c("alice/1").CreateGroup(bad), bad)
	}
	_, err = w.c("alice/1").Send("nope", []byte("x"))
	require.ErrorIs(t, err, engine.ErrUnknownGroup)
	// Asked again, still unknown: a failed read caches nothing.
	for i := 0; i < 2; i++ {
		_, err = w.c("alice/1").BeginSync("nope", 0)
		require.ErrorIs(t, err, engine.ErrUnknownGroup, "attempt %d", i+1)
		_, err = w.c("alice/1").PublishNext("nope")
		require.ErrorIs(t, err, engine.ErrUnknownGroup, "attempt %d", i+1)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// OpenIntents counts TO_SEND and PUBLISHED intents, and nothing settled.
func TestOpenIntentsCount(t *testing.T) {
	w := newGroup(t, 41)
	c := w.c("bob/1")
	open := func() int {
		n, err := c.OpenIntents()
		require.NoError(t, err)
		return n
	}
	require.Zero(t, open())
	need(t).intent(c.Send("g", []byte("one")))
	need(t).intent(c.KeyUpdate("g"))
	require.Equal(t, 2, open(), "two TO_SEND")
	_, err := c.PublishNext("g")
	require.NoError(t, err)
	require.Equal(t, 2, open(), "one PUBLISHED, one TO_SEND")
	w.settle(t)
	require.Zero(t, open(), "both settled")
}

// Consent is the user's answer and nothing else: a joiner holds the group
// PENDING until it answers, and the answer is stored. (That consent does
// not stop the sync is the conformance script consent-does-not-stop-sync.txt.)
func TestConsentRecorded(t *testing.T) {
	w := newGroup(t, 53)
	g, _ := groupOf(snap(t, w, "alice/1"), "g")
	require.Equal(t, engine.ConsentAllowed, g.Consent, "the creator")
	g, _ = groupOf(snap(t, w, "bob/1"), "g")
	require.Equal(t, engine.ConsentPending, g.Consent, "a joiner")
	require.NoError(t, w.c("bob/1").SetConsent("g", engine.ConsentRejected))
	g, _ = groupOf(snap(t, w, "bob/1"), "g")
	require.Equal(t, engine.ConsentRejected, g.Consent)
}

package engine_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// A file store closed and reopened (as a new process would) holds
// everything: the reopened client's snapshot equals the one before.
// (Same seed, same bytes is sim's TestSameSeedSameTrace: a run's
// trace_sha256 covers every byte on the server.)
func TestFileStoreReopens(t *testing.T) {
	w := newWorld(81)
	w.add(t, "bob/1")
	path := filepath.Join(t.TempDir(), "alice.db")
	db, err := store.OpenFile(path)
	require.NoError(t, err)
	cfg := engine.Config{InstallationID: "alice/1", Store: db, Transport: w.net.For("alice/1"),
		MLS: mlsadapter.New(detrand.New(81, "alice/1")), Clock: w.clock}
	alice, err := engine.Open(cfg)
	require.NoError(t, err)
	require.NoError(t, alice.CreateGroup("g"))
	need(t).intent(alice.AddMembers("g", "bob"))
	_, err = alice.PublishNext("g")
	require.NoError(t, err)
	require.NoError(t, alice.Sync("g"))
	need(t).intent(alice.Send("g", []byte("kept")))
	before, err := alice.Snapshot()
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db, err = store.OpenFile(path)
	require.NoError(t, err)
	defer db.Close()
	cfg.Store = db
	again, err := engine.Open(cfg)
	require.NoError(t, err)
	after, err := again.Snapshot()
	require.NoError(t, err)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("reopened store differs (-before +after):\n%s", diff)
	}
	_, err = again.PublishNext("g")
	require.NoError(t, err)
	require.NoError(t, again.Sync("g"))
	snap, err := again.Snapshot()
	require.NoError(t, err)
	require.Len(t, snap.Messages, 2, "membership message and the sent message")
}

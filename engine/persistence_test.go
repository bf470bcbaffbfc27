package engine_test

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/engine/enginetest"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// A file store closed and reopened (as a new process would) holds
// everything: the reopened client's snapshot equals the one before.
func TestFileStoreReopens(t *testing.T) {
	w := enginetest.New(81)
	require.NoError(t, w.Add("bob/1"))
	path := filepath.Join(t.TempDir(), "alice.db")
	db, err := store.OpenFile(path)
	require.NoError(t, err)
	cfg := engine.Config{InstallationID: "alice/1", Store: db, Transport: w.Net.For("alice/1"),
		MLS: mlsadapter.New(detrand.New(81, "alice/1")), Clock: w.Clock}
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

// Same seed, same bytes: two worlds driven identically put identical
// payloads on every topic.
func TestSameSeedSameBytes(t *testing.T) {
	run := func() string {
		w := newGroup(t, 82)
		need(t).intent(w.C("bob/1").KeyUpdate("g"))
		need(t).intent(w.C("carol/1").KeyUpdate("g"))
		need(t).intent(w.C("alice/2").Send("g", []byte("x")))
		for _, id := range []string{"bob/1", "carol/1", "alice/2"} {
			_, err := w.C(id).PublishNext("g")
			require.NoError(t, err)
		}
		require.NoError(t, w.Stabilize(20))
		h := sha256.New()
		for _, topic := range w.Net.Topics() {
			h.Write([]byte(topic))
			for _, r := range w.Net.Log(topic) {
				h.Write(r.Payload)
			}
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	require.Equal(t, run(), run())
}

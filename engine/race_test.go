package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

// 1. Two members commit in the same epoch: the loser re-sends at the new
// epoch; both converge.
func TestConcurrentCommitsLoserRebuilds(t *testing.T) {
	w := newGroup(t, 11)
	need(t).intent(w.C("bob/1").KeyUpdate("g"))
	need(t).intent(w.C("carol/1").KeyUpdate("g"))
	for _, id := range []string{"bob/1", "carol/1"} {
		res, err := w.C(id).PublishNext("g")
		require.NoError(t, err)
		require.Equal(t, engine.PublishedSent, res.Action)
	}
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, "alice/1", "alice/2", "bob/1", "bob/2", "carol/1")
	requireIntents(t, w, "bob/1", committed(intent.KeyUpdate))
	requireIntents(t, w, "carol/1", committed(intent.KeyUpdate))
	require.Equal(t, 2, snap(t, w, "carol/1").Intents[0].Attempts, "the loser rebuilt once")
	require.Equal(t, 1, countEvents(w, engine.EvRebuilt))
}

// 2. An add and a remove race; the same account added by two members from
// one epoch (the second ends NOOP).
func TestAddRemoveRaceAndDoubleAdd(t *testing.T) {
	w := newGroup(t, 12)
	need(t).intent(w.C("bob/1").AddMembers("g", "dave"))
	need(t).intent(w.C("carol/1").RemoveMembers("g", "alice"))
	for _, id := range []string{"bob/1", "carol/1"} {
		_, err := w.C(id).PublishNext("g")
		require.NoError(t, err)
	}
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, "bob/1", "bob/2", "carol/1", "dave/1")
	requireIntents(t, w, "bob/1", committed(intent.AddMembers))
	requireIntents(t, w, "carol/1", committed(intent.RemoveMembers))

	// The same account added by two members from one epoch.
	require.NoError(t, w.Add("erin/1"))
	need(t).intent(w.C("bob/2").AddMembers("g", "erin"))
	need(t).intent(w.C("dave/1").AddMembers("g", "erin"))
	for _, id := range []string{"bob/2", "dave/1"} {
		_, err := w.C(id).PublishNext("g")
		require.NoError(t, err)
	}
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 4, "bob/1", "bob/2", "carol/1", "dave/1", "erin/1")
	requireIntents(t, w, "bob/2", committed(intent.AddMembers))
	requireIntents(t, w, "dave/1", intentView{intent.AddMembers, intent.Committed, intent.ReasonNoop})
}

// The removed installations keep what they had and stop syncing.
func TestRemovedMemberStopsAndIsNotCounted(t *testing.T) {
	w := newGroup(t, 13)
	need(t).intent(w.C("alice/1").Send("g", []byte("before")))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("bob/1").RemoveMembers("g", "carol"))
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, "alice/1", "alice/2", "bob/1", "bob/2")
	g, ok := groupOf(snap(t, w, "carol/1"), "g")
	require.True(t, ok)
	require.NotZero(t, g.RemovedAtSeq)
	require.Equal(t, uint64(1), g.Epoch, "a removed member does not enter the next epoch")
	_, err := w.C("carol/1").Send("g", []byte("x"))
	require.ErrorIs(t, err, engine.ErrRemoved)
	_, err = w.C("bob/1").RemoveMembers("g", "bob")
	require.ErrorIs(t, err, engine.ErrSelfRemoval)
}

package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

// 12a. An add past the width cap ends FAILED with that reason, adding no
// one (all or nothing).
func TestWidthCap(t *testing.T) {
	w := newGroupWith(t, 51, func(wt *worldTweaks) {
		wt.configure = func(c *engine.Config) { c.WidthCap = 6 }
	})
	require.NoError(t, w.Add("erin/1", "erin/2"))
	need(t).intent(w.C("bob/1").AddMembers("g", "dave", "erin")) // 5 + 3 > 6
	require.NoError(t, w.Stabilize(20))
	requireIntents(t, w, "bob/1", intentView{intent.AddMembers, intent.Failed, intent.ReasonGroupCap})
	requireGroup(t, w, "g", 1, groupG...)
	need(t).intent(w.C("bob/1").AddMembers("g", "dave")) // 6: fits
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 2, append([]string{"dave/1"}, groupG...)...)
	require.Equal(t, 1, countEvents(w, engine.EvWidthCapped))
}

// 12b. A removed installation re-added later starts a fresh membership and
// is not owed what it missed.
func TestReAddStartsFresh(t *testing.T) {
	w := newGroup(t, 52)
	need(t).intent(w.C("alice/1").Send("g", []byte("before")))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("bob/1").RemoveMembers("g", "carol"))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("alice/1").Send("g", []byte("missed")))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("bob/2").AddMembers("g", "carol"))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("alice/1").Send("g", []byte("after")))
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, groupG...)
	requireMessages(t, w, "g", []string{"alice/1#2:before", "alice/1#3:missed", "alice/1#4:after"}, "alice/1", "bob/1")
	requireMessages(t, w, "g", []string{"alice/1#2:before", "alice/1#4:after"}, "carol/1")
	g, _ := groupOf(snap(t, w, "carol/1"), "g")
	require.Equal(t, uint64(3), g.JoinedEpoch)
	require.Zero(t, g.RemovedAtSeq)
}

// Consent changes what the user is shown, not what the client syncs.
func TestConsent(t *testing.T) {
	w := newGroup(t, 53)
	g, _ := groupOf(snap(t, w, "bob/1"), "g")
	require.Equal(t, engine.ConsentPending, g.Consent)
	require.NoError(t, w.C("bob/1").SetConsent("g", engine.ConsentRejected))
	need(t).intent(w.C("alice/1").Send("g", []byte("still synced")))
	require.NoError(t, w.Stabilize(20))
	requireMessages(t, w, "g", []string{"alice/1#2:still synced"}, "bob/1")
	g, _ = groupOf(snap(t, w, "bob/1"), "g")
	require.Equal(t, engine.ConsentRejected, g.Consent)
}

// Found by the simulator: an installation offline while it is removed and
// re-added must not let the second welcome jump over the messages still
// owed to its first membership. The welcome waits until the group topic
// has been read up to the commit that re-added it.
func TestReAddWelcomeWaitsForSync(t *testing.T) {
	w := newGroup(t, 54)
	w.Net.Partition("carol/1")
	need(t).intent(w.C("alice/1").Send("g", []byte("owed")))
	need(t).intent(w.C("bob/1").RemoveMembers("g", "carol"))
	require.NoError(t, w.Stabilize(20))
	need(t).intent(w.C("bob/2").AddMembers("g", "carol"))
	require.NoError(t, w.Stabilize(20))
	w.Net.Unpartition("carol/1")

	joined, err := w.C("carol/1").ProcessWelcomes()
	require.NoError(t, err)
	require.Empty(t, joined, "the re-add welcome must wait for the sync")
	require.Equal(t, 1, countEvents(w, engine.EvWelcomeDeferred))
	require.NoError(t, w.C("carol/1").Sync("g"))
	g, _ := groupOf(snap(t, w, "carol/1"), "g")
	require.NotZero(t, g.RemovedAtSeq)
	joined, err = w.C("carol/1").ProcessWelcomes()
	require.NoError(t, err)
	require.Equal(t, []string{"g"}, joined)
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 3, groupG...)
	requireMessages(t, w, "g", []string{"alice/1#2:owed"}, "carol/1", "alice/1")
}

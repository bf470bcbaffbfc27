package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/wire"
)

// ForgeCommit is the simulator's alone: without Config.Byzantine it
// refuses.
func TestForgeCommitNeedsByzantine(t *testing.T) {
	w := newGroup(t, 81)
	_, err := w.c("bob/1").ForgeCommit("g", "remove:carol")
	require.ErrorIs(t, err, engine.ErrNotByzantine)
}

// A policy change reaches every member and the joiners after it; a
// forged commit the policy forbids is rejected by everyone, its forger
// included, and changes nothing.
func TestPolicyReachesJoinersAndForgeriesAreRejected(t *testing.T) {
	w := newGroupWith(t, 82, func(c *engine.Config) { c.Byzantine = true })
	need(t).intent(w.c("alice/1").UpdatePolicy("g", map[string]wire.Level{"remove": wire.Admins}))
	w.settle(t)
	need(t).intent(w.c("alice/1").AddMembers("g", "dave"))
	w.settle(t)
	members := append(append([]string(nil), groupG...), "dave/1")
	requireGroup(t, w, "g", 3, members...)
	want, err := w.c("alice/1").Policy("g")
	require.NoError(t, err)
	require.Equal(t, wire.Admins, want.RemoveAccount)
	for _, id := range members {
		got, err := w.c(id).Policy("g")
		require.NoError(t, err)
		require.True(t, want.Equal(got), "%s holds %s, alice %s", id, got, want)
	}

	out, err := w.c("bob/1").ForgeCommit("g", "remove:carol")
	require.NoError(t, err)
	require.Equal(t, "published epoch=3", out)
	out, err = w.c("bob/1").ForgeCommit("g", "add:carol")
	require.NoError(t, err)
	require.Equal(t, "skipped: nothing to do", out)
	w.settle(t)
	requireGroup(t, w, "g", 3, members...)

	// bob's own removal of carol is refused before publishing.
	id := need(t).intent(w.c("bob/1").RemoveMembers("g", "carol"))
	res, err := w.c("bob/1").PublishNext("g")
	require.NoError(t, err)
	require.Equal(t, engine.PublishedFailed, res.Action)
	require.Equal(t, id, res.Intent)
}

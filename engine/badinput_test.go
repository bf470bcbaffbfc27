package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/wire"
)

// stateWithoutCursors is what bad input must not change.
func stateWithoutCursors(t testing.TB, w *testWorld) []engine.Snapshot {
	t.Helper()
	var snaps []engine.Snapshot
	for _, id := range w.names {
		snaps = append(snaps, snap(t, w, id))
	}
	for i := range snaps {
		for j := range snaps[i].Groups {
			snaps[i].Groups[j].Cursor = 0
		}
	}
	return snaps
}

// 10. Garbage, truncated, foreign, header-mismatched and replayed payloads
// are rejected by all, cursors advance, states are unchanged.
func TestBadPayloadsRejectedByAll(t *testing.T) {
	w := newGroup(t, 41)
	require.NoError(t, w.c("dave/1").CreateGroup("other"))
	need(t).intent(w.c("dave/1").Send("other", []byte("elsewhere")))
	need(t).intent(w.c("alice/1").Send("g", []byte("real")))
	w.settle(t)
	topic := wire.GroupTopic("g")
	log := w.net.Log(topic)
	real := log[len(log)-1].Payload
	foreign := w.net.Log(wire.GroupTopic("other"))[0].Payload

	env, err := wire.Decode(real)
	require.NoError(t, err)
	lying := *env
	lying.Counter = 7 // the encrypted content says 1
	commitEnv, err := wire.Decode(log[0].Payload)
	require.NoError(t, err)
	forged := *commitEnv
	forged.Epoch = 2 // right epoch for now, but the MLS content is for epoch 0
	forged.Creator = ""

	before := stateWithoutCursors(t, w)
	bad := [][]byte{
		[]byte("garbage"),
		real[:len(real)/2],
		foreign,
		lying.Encode(),
		forged.Encode(),
		real, // replay
		{},
	}
	for _, p := range bad {
		w.net.Inject(topic, p)
	}
	w.settle(t)
	if diff := cmp.Diff(before, stateWithoutCursors(t, w)); diff != "" {
		t.Fatalf("bad input changed state (-before +after):\n%s", diff)
	}
	for _, id := range groupG {
		g, _ := groupOf(snap(t, w, id), "g")
		require.Equal(t, w.net.Head(topic), g.Cursor, "%s cursor moved past the bad payloads", id)
	}
	requireGroup(t, w, "g", 1, groupG...)
}

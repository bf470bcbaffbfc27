package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/wire"
)

// FuzzSyncInput feeds arbitrary bytes to every member's sync as a payload
// on the group topic: nothing panics, every member rejects it, and no
// state but the cursors changes. The seed corpus holds a real message, a
// real commit and truncations of them.
//
// Each input syncs three clients (about 100 execs/s), so Go's default
// minimisation of a new input (60 s of execs, reported only at its end)
// looks like a stall; run it as
//
//	go test ./engine -run XXX -fuzz FuzzSyncInput -fuzzminimizetime 3s
func FuzzSyncInput(f *testing.F) {
	w := newWorld(71)
	w.add(f, "alice/1", "bob/1", "bob/2")
	require.NoError(f, w.c("alice/1").CreateGroup("g"))
	need(f).intent(w.c("alice/1").AddMembers("g", "bob"))
	w.settle(f)
	need(f).intent(w.c("bob/1").Send("g", []byte("seed")))
	w.settle(f)
	for _, r := range w.net.Log(wire.GroupTopic("g")) {
		f.Add(r.Payload)
		f.Add(r.Payload[:len(r.Payload)-1])
	}
	f.Add([]byte{1, 2, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		before := stateWithoutCursors(t, w)
		w.net.Inject(wire.GroupTopic("g"), payload)
		for _, id := range w.names {
			require.NoError(t, w.c(id).Sync("g"))
		}
		if diff := cmp.Diff(before, stateWithoutCursors(t, w)); diff != "" {
			t.Fatalf("payload %x changed state:\n%s", payload, diff)
		}
	})
}

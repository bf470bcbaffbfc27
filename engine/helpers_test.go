//go:debug randseednop=0
package engine_test

import (
	"io"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/engine/enginetest"
	"github.com/mlsim/mlsim/intent"
)

// Every scripted test uses at least these: two accounts with two
// installations each, and two with one.
var everyone = []string{"alice/1", "alice/2", "bob/1", "bob/2", "carol/1", "dave/1"}

// newGroup makes a world where alice/1 created "g" and added bob and carol;
// everyone is synced at epoch 1 with alice/1, alice/2, bob/1, bob/2, carol/1.
func newGroup(t *testing.T, seed uint64) *enginetest.World {
	t.Helper()
	w := enginetest.New(seed)
	require.NoError(t, w.Add(everyone...))
	require.NoError(t, w.C("alice/1").CreateGroup("g"))
	_, err := w.C("alice/1").AddMembers("g", "bob", "carol")
	require.NoError(t, err)
	require.NoError(t, w.Stabilize(20))
	requireGroup(t, w, "g", 1, "alice/1", "alice/2", "bob/1", "bob/2", "carol/1")
	return w
}

func snap(t *testing.T, w *enginetest.World, id string) engine.Snapshot {
	t.Helper()
	s, err := w.C(id).Snapshot()
	require.NoError(t, err)
	return s
}

func groupOf(s engine.Snapshot, group string) (engine.GroupSnapshot, bool) {
	for _, g := range s.Groups {
		if g.ID == group {
			return g, true
		}
	}
	return engine.GroupSnapshot{}, false
}

// requireGroup asserts that exactly the named installations hold the group
// as members, all at the epoch with the same authenticator and member set.
func requireGroup(t *testing.T, w *enginetest.World, group string, epoch uint64, members ...string) {
	t.Helper()
	sort.Strings(members)
	var auth string
	for _, id := range w.Names() {
		g, ok := groupOf(snap(t, w, id), group)
		isMember := ok && g.RemovedAtSeq == 0
		want := false
		for _, m := range members {
			want = want || m == id
		}
		require.Equal(t, want, isMember, "%s membership of %s", id, group)
		if !want {
			continue
		}
		require.Empty(t, g.Broken, id)
		got := struct {
			Epoch   uint64
			Members []string
		}{g.Epoch, g.Members}
		if diff := cmp.Diff(struct {
			Epoch   uint64
			Members []string
		}{epoch, members}, got); diff != "" {
			t.Fatalf("%s view of %s (-want +got):\n%s", id, group, diff)
		}
		if auth == "" {
			auth = g.Authenticator
		}
		require.Equal(t, auth, g.Authenticator, "%s authenticator", id)
	}
}

type intentView struct {
	Kind   intent.Kind
	State  intent.State
	Reason intent.Reason
}

func requireIntents(t *testing.T, w *enginetest.World, id string, want ...intentView) {
	t.Helper()
	var got []intentView
	for _, in := range snap(t, w, id).Intents {
		got = append(got, intentView{in.Kind, in.State, in.Reason})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s intents (-want +got):\n%s", id, diff)
	}
}

func committed(k intent.Kind) intentView { return intentView{k, intent.Committed, intent.ReasonNone} }

// appMessages lists a client's application messages of a group as
// "id:body", in topic order.
func appMessages(t *testing.T, w *enginetest.World, id, group string) []string {
	t.Helper()
	var out []string
	for _, m := range snap(t, w, id).Messages {
		if m.Group == group && m.Kind == engine.MessageApplication {
			out = append(out, m.ID+":"+m.Body)
		}
	}
	return out
}

// requireMessages asserts every named installation stores exactly these
// application messages of the group, in this order.
func requireMessages(t *testing.T, w *enginetest.World, group string, want []string, installations ...string) {
	t.Helper()
	for _, id := range installations {
		if diff := cmp.Diff(want, appMessages(t, w, id, group)); diff != "" {
			t.Fatalf("%s messages of %s (-want +got):\n%s", id, group, diff)
		}
	}
}

func countEvents(w *enginetest.World, kind engine.EventKind) int {
	n := 0
	for _, e := range w.Events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

type needer struct{ t *testing.T }

// need(t).intent(client.Send(...)) fails the test if creating the intent
// failed, and returns its id.
func need(t *testing.T) needer { return needer{t} }

func (n needer) intent(id int64, err error) int64 {
	n.t.Helper()
	require.NoError(n.t, err)
	return id
}

type worldTweaks struct {
	wrapStore     func(string, engine.Store) engine.Store
	wrapTransport func(string, engine.Transport) engine.Transport
	configure     func(*engine.Config)
	mlsFor        func(string, io.Reader) engine.MLS
}

// newGroupWith is newGroup with hooks installed before anyone is created.
func newGroupWith(t *testing.T, seed uint64, tweak func(*worldTweaks)) *enginetest.World {
	t.Helper()
	var wt worldTweaks
	tweak(&wt)
	w := enginetest.New(seed)
	w.WrapStore, w.WrapTransport, w.Configure, w.MLSFor = wt.wrapStore, wt.wrapTransport, wt.configure, wt.mlsFor
	require.NoError(t, w.Add(everyone...))
	require.NoError(t, w.C("alice/1").CreateGroup("g"))
	need(t).intent(w.C("alice/1").AddMembers("g", "bob", "carol"))
	require.NoError(t, w.Stabilize(20))
	return w
}

//go:debug randseednop=0
package engine_test

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
)

// The Go tests here are units: the store, payloads, the API's answers,
// fuzz targets and benchmarks. How clients behave together is proved by
// the conformance scripts (scenarios/testdata/conformance), which also
// run the checker.

// testWorld is the few real clients over one memnet server a unit test
// needs: each installation has its own in-memory store and crypto stream
// (derived from the seed and its id), and settle runs Client.Upkeep over
// all of them, as production clients would, until nothing changes.
type testWorld struct {
	seed      uint64
	net       *memnet.Server
	clock     *testClock
	configure func(*engine.Config)       // if set, adjusts every client's config
	mls       func(io.Reader) engine.MLS // if set, replaces the production adapter
	names     []string
	clients   map[string]*engine.Client
	stores    map[string]*store.DB
	events    int // events the clients reported
}

// testClock is a logical clock: it moves only when told to.
type testClock struct{ ns int64 }

func (c *testClock) NowNs() int64 { return c.ns }

func newWorld(seed uint64) *testWorld {
	return &testWorld{seed: seed, net: memnet.New(1_000_000_000, 1000), clock: &testClock{ns: 1},
		clients: map[string]*engine.Client{}, stores: map[string]*store.DB{}}
}

// add opens installations ("account/name") and uploads their key packages.
func (w *testWorld) add(t testing.TB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		db, err := store.OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		rng := detrand.New(w.seed, "crypto/"+id)
		var m engine.MLS = mlsadapter.New(rng)
		if w.mls != nil {
			m = w.mls(rng)
		}
		cfg := engine.Config{InstallationID: id, Store: db, Transport: w.net.For(id), MLS: m, Clock: w.clock,
			Observer: func(engine.Event) { w.events++ }}
		if w.configure != nil {
			w.configure(&cfg)
		}
		c, err := engine.Open(cfg)
		require.NoError(t, err)
		_, err = c.EnsureKeyPackages()
		require.NoError(t, err)
		w.names, w.clients[id], w.stores[id] = append(w.names, id), c, db
	}
}

func (w *testWorld) c(id string) *engine.Client { return w.clients[id] }

// settle runs rounds of Client.Upkeep over every client, in creation
// order, until a round puts nothing on the server and reports no event.
// There are no faults here: every step must succeed.
func (w *testWorld) settle(t testing.TB) {
	t.Helper()
	for round := 0; round < 20; round++ {
		before := fmt.Sprint(w.net.Records(), w.events)
		for _, id := range w.names {
			_, err := w.clients[id].Upkeep()
			require.NoError(t, err, id)
		}
		if fmt.Sprint(w.net.Records(), w.events) == before {
			return
		}
	}
	t.Fatal("not settled after 20 rounds")
}

// Most tests use these: two accounts with two installations each, and
// two with one; groupG are the members of newGroup's "g".
var (
	everyone = []string{"alice/1", "alice/2", "bob/1", "bob/2", "carol/1", "dave/1"}
	groupG   = []string{"alice/1", "alice/2", "bob/1", "bob/2", "carol/1"}
)

// newGroup makes a world where alice/1 created "g" and added bob and
// carol; everyone is synced at epoch 1 with groupG.
func newGroup(t testing.TB, seed uint64) *testWorld {
	t.Helper()
	return newGroupWith(t, seed, nil)
}

// newGroupWith is newGroup with every client's config adjusted.
func newGroupWith(t testing.TB, seed uint64, configure func(*engine.Config)) *testWorld {
	t.Helper()
	w := newWorld(seed)
	w.configure = configure
	w.add(t, everyone...)
	require.NoError(t, w.c("alice/1").CreateGroup("g"))
	need(t).intent(w.c("alice/1").AddMembers("g", "bob", "carol"))
	w.settle(t)
	requireGroup(t, w, "g", 1, groupG...)
	return w
}

func snap(t testing.TB, w *testWorld, id string) engine.Snapshot {
	t.Helper()
	s, err := w.c(id).Snapshot()
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
func requireGroup(t testing.TB, w *testWorld, group string, epoch uint64, members ...string) {
	t.Helper()
	sort.Strings(members)
	var auth string
	for _, id := range w.names {
		g, ok := groupOf(snap(t, w, id), group)
		require.Equal(t, slices.Contains(members, id), ok && g.RemovedAtSeq == 0, "%s membership of %s", id, group)
		if !slices.Contains(members, id) {
			continue
		}
		require.Empty(t, g.Broken, id)
		type view struct {
			Epoch   uint64
			Members []string
		}
		if diff := cmp.Diff(view{epoch, members}, view{g.Epoch, g.Members}); diff != "" {
			t.Fatalf("%s view of %s (-want +got):\n%s", id, group, diff)
		}
		if auth == "" {
			auth = g.Authenticator
		}
		require.Equal(t, auth, g.Authenticator, "%s authenticator", id)
	}
}

// appMessages lists a client's application messages of a group as
// "id:body", in topic order.
func appMessages(t testing.TB, w *testWorld, id, group string) []string {
	t.Helper()
	var out []string
	for _, m := range snap(t, w, id).Messages {
		if m.Group == group && m.Kind == engine.MessageApplication {
			out = append(out, m.ID+":"+m.Body)
		}
	}
	return out
}

type needer struct{ t testing.TB }

// need(t).intent(client.Send(...)) fails the test if creating the intent
// failed, and returns its id.
func need(t testing.TB) needer { return needer{t} }

func (n needer) intent(id int64, err error) int64 {
	n.t.Helper()
	require.NoError(n.t, err)
	return id
}

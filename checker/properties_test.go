//go:debug randseednop=0
package checker_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/store"
)

// The checker is not trusted until it has failed on purpose: each test
// here breaks a world in one way and asserts that the property meant to
// catch it is reported (others may fire too). S1, S3, L1, L2 and L4 are
// broken through engine behaviour (an adapter variant without a defence,
// or a wrapper that skips one engine rule); the rest by editing a store.

var everyone = []string{"alice/1", "alice/2", "bob/1", "bob/2", "carol/1"}

// groupWorld: alice/1 created "g" and added bob and carol; all synced.
func groupWorld(t *testing.T, seed uint64, tweak func(*engineWorld)) *engineWorld {
	t.Helper()
	w := newEngineWorld()
	if tweak != nil {
		tweak(w)
	}
	require.NoError(t, w.add(seed, everyone...))
	require.NoError(t, w.c("alice/1").CreateGroup("g"))
	_, err := w.c("alice/1").AddMembers("g", "bob", "carol")
	require.NoError(t, err)
	require.NoError(t, w.settle(20))
	return w
}

// newChecker is a checker over a world, every store attached.
func newChecker(w *engineWorld) *checker.Checker {
	c := checker.New(checker.Config{MaxPastEpochs: engine.DefaultMaxPastEpochs, Log: observe.Log(w.net), Directory: observe.Directory(w.net)})
	for _, id := range w.names {
		c.Attach(id, observe.Store(w.stores[id]))
	}
	return c
}

// checkWorld runs the checker over a world after the fact: every store's
// audit, then liveness.
func checkWorld(t *testing.T, w *engineWorld, withholders ...string) (*checker.Checker, []checker.Withheld) {
	t.Helper()
	c := newChecker(w)
	require.NoError(t, c.Step(1, nil))
	withheld, err := c.Final(2, withholders)
	require.NoError(t, err)
	return c, withheld
}

func properties(vs []checker.Violation) map[string]bool {
	out := map[string]bool{}
	for _, v := range vs {
		out[v.Property] = true
	}
	return out
}

func requireReported(t *testing.T, vs []checker.Violation, props ...string) {
	t.Helper()
	got := properties(vs)
	for _, p := range props {
		if !got[p] {
			var lines []string
			for _, v := range vs {
				lines = append(lines, v.String())
			}
			t.Fatalf("%s not reported; got:\n%s", p, strings.Join(lines, "\n"))
		}
	}
}

// A healthy world is clean: the baseline every broken world differs from.
func TestHealthyWorldIsClean(t *testing.T) {
	w := groupWorld(t, 1, nil)
	_, err := w.c("bob/1").Send("g", []byte("hi"))
	require.NoError(t, err)
	require.NoError(t, w.settle(20))
	c, _ := checkWorld(t, w)
	require.Empty(t, c.Violations())
}

// S1, L1, L2 through engine behaviour: without the rehash after restore
// (go-mls bug 5), restored clients compute other tree hashes and fork.
func TestForkAndConvergenceThroughVariant(t *testing.T) {
	sc, err := scenarios.Get("crashy")
	require.NoError(t, err)
	p := sc.Params
	p.MLSVariant = "rehash-on-restore"
	// The first seeds that between them show all three (the schedules
	// move whenever the simulator's actions do; 20 seeds bound it).
	var vs []checker.Violation
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 20 && !(seen["S1"] && seen["L1"] && seen["L2"]); seed++ {
		r, err := sim.Run(p, seed)
		require.NoError(t, err)
		for _, v := range r.Violations {
			vs = append(vs, v.Violation)
			seen[v.Property] = true
		}
	}
	requireReported(t, vs, "S1", "L1", "L2")
	// The same seeds with every defence on are clean.
	p.MLSVariant = ""
	for seed := uint64(1); seed <= 5; seed++ {
		r, err := sim.Run(p, seed)
		require.NoError(t, err)
		require.Empty(t, r.Violations)
	}
}

// L1, L2 and L4 through engine behaviour: without the deep copy before
// commit (go-mls bug 4), the loser of a commit race cannot process the
// winner's commit and stops the group.
func TestRaceLoserStuckThroughVariant(t *testing.T) {
	w := groupWorld(t, 2, func(w *engineWorld) {
		w.mlsFor = variant("deep-copy-commit")
	})
	// Both have committed before (the bug needs a used leaf), then race.
	for _, id := range []string{"bob/1", "carol/1"} {
		_, err := w.c(id).KeyUpdate("g")
		require.NoError(t, err)
		require.NoError(t, w.settle(20))
	}
	for _, id := range []string{"bob/1", "carol/1"} {
		_, err := w.c(id).KeyUpdate("g")
		require.NoError(t, err)
		_, err = w.c(id).PublishNext("g")
		require.NoError(t, err)
	}
	_ = w.settle(10) // the stuck group is the point; errors are expected
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "L1", "L2")
}

// S3 and L4 through engine behaviour: a wrapper skips the counter rule for
// the client's own messages (the sender's verdict no longer matches the
// receivers'). bob/1's first message is delayed and lands after its
// second: receivers reject it, bob/1 stores it and calls it COMMITTED.
func TestOwnCounterRuleSkipped(t *testing.T) {
	w := groupWorld(t, 3, func(w *engineWorld) {
		w.wrapStore = func(id string, s engine.Store) engine.Store {
			if id != "bob/1" {
				return s
			}
			return &skipOwnCounter{inner: s, self: id}
		}
	})
	w.net.Arm("bob/1", memnetPublishDelayed)
	_, err := w.c("bob/1").Send("g", []byte("first"))
	require.NoError(t, err)
	_, _ = w.c("bob/1").PublishNext("g") // delayed: an error, the intent stays PUBLISHED
	_, err = w.c("bob/1").Send("g", []byte("second"))
	require.NoError(t, err)
	_, err = w.c("bob/1").PublishNext("g")
	require.NoError(t, err)
	require.True(t, w.net.LandDelayed())
	require.NoError(t, w.settle(20))
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "S3", "L4")
}

// S2 by editing a store: an epoch that goes back.
func TestEpochGoesBack(t *testing.T) {
	w := groupWorld(t, 4, nil)
	c := newChecker(w)
	require.NoError(t, c.Step(1, nil))
	exec(t, w, "bob/1", `UPDATE groups SET epoch = epoch - 1`)
	require.NoError(t, c.Step(2, nil))
	requireReported(t, c.Violations(), "S2")
}

// S4 by editing a store: an edge the diagram does not have.
func TestIllegalTransition(t *testing.T) {
	w := groupWorld(t, 5, nil)
	exec(t, w, "alice/1", `INSERT INTO intent_transitions(intent_id, group_id, from_state, to_state, reason) VALUES (1, 'g', 3, 2, '')`)
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "S4")
}

// S5 by editing a store: bob/1 holds alice/1's message of epoch 0, which
// the topic accepted before bob/1 was added.
func TestMessageFromBeforeJoining(t *testing.T) {
	w := newEngineWorld()
	require.NoError(t, w.add(6, everyone...))
	require.NoError(t, w.c("alice/1").CreateGroup("g"))
	_, err := w.c("alice/1").Send("g", []byte("early"))
	require.NoError(t, err)
	_, err = w.c("alice/1").AddMembers("g", "bob", "carol")
	require.NoError(t, err)
	require.NoError(t, w.settle(20))
	exec(t, w, "bob/1", `INSERT INTO group_messages(id, group_id, decrypted_message_bytes, sent_at_ns, kind, sender_installation_id, sender_account, seq, epoch)
		VALUES ('alice/1#1', 'g', 'early', 0, 1, 'alice/1', 'alice', 1, 0)`)
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "S5")
}

// S6 by editing a store: a message stored after a later one.
func TestMessagesOutOfOrder(t *testing.T) {
	w := groupWorld(t, 7, nil)
	for _, body := range []string{"one", "two"} {
		_, err := w.c("alice/1").Send("g", []byte(body))
		require.NoError(t, err)
		require.NoError(t, w.settle(20))
	}
	exec(t, w, "bob/1", `UPDATE group_messages SET serial = serial + 100 WHERE seq = (SELECT MIN(seq) FROM group_messages WHERE kind = 1)`)
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "S6")
}

// L3 by editing a store: a member lost an accepted message.
func TestMessageLost(t *testing.T) {
	w := groupWorld(t, 8, nil)
	_, err := w.c("alice/1").Send("g", []byte("lost"))
	require.NoError(t, err)
	require.NoError(t, w.settle(20))
	exec(t, w, "carol/1", `DELETE FROM group_messages WHERE kind = 1`)
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "L3")
}

// L5 through a Byzantine member: alice/1 drops every welcome. Undeclared,
// it breaks L5 (and L1); declared as a withholder, its joiners are exempt
// and the checker names it.
func TestWithheldWelcomes(t *testing.T) {
	tweak := func(w *engineWorld) {
		w.wrapTransport = func(id string, tr engine.Transport) engine.Transport {
			if id != "alice/1" {
				return tr
			}
			return &dropWelcomes{Transport: tr}
		}
	}
	w := groupWorld(t, 9, tweak)
	c, _ := checkWorld(t, w)
	requireReported(t, c.Violations(), "L5", "L1")

	c, withheld := checkWorld(t, w, "alice/1")
	require.Empty(t, c.Violations())
	require.NotEmpty(t, withheld)
	for _, wh := range withheld {
		require.Equal(t, "alice/1", wh.Withholder)
	}
}

func exec(t *testing.T, w *engineWorld, id, query string) {
	t.Helper()
	require.NoError(t, w.stores[id].Update(func(tx engine.Tx) error {
		_, err := tx.Exec(query)
		return err
	}))
}

// skipOwnCounter is a store whose transactions never find the client's own
// counters: the counter rule is skipped for its own messages only.
type skipOwnCounter struct {
	inner engine.Store
	self  string
}

func (s *skipOwnCounter) Update(fn func(engine.Tx) error) error {
	return s.inner.Update(func(tx engine.Tx) error { return fn(&ownCounterTx{Tx: tx, self: s.self}) })
}

func (s *skipOwnCounter) View(fn func(engine.Tx) error) error {
	return s.inner.View(func(tx engine.Tx) error { return fn(&ownCounterTx{Tx: tx, self: s.self}) })
}

type ownCounterTx struct {
	engine.Tx
	self string
}

// counterLookup is how the engine reads the highest counter from a sender
// (alone, or inside the statement that judges a message); the sender is
// the second argument either way.
const counterLookup = "FROM group_counters WHERE group_id = ? AND sender = ? AND epoch = ?"

func (t *ownCounterTx) QueryRow(query string, args ...any) engine.Row {
	if strings.Contains(query, counterLookup) && len(args) > 1 && args[1] == t.self {
		query = strings.Replace(query, counterLookup, counterLookup+" AND 0", 1)
	}
	return t.Tx.QueryRow(query, args...)
}

// dropWelcomes claims to send welcomes and drops them.
type dropWelcomes struct{ engine.Transport }

func (d *dropWelcomes) Publish(topic string, payload []byte) error {
	if strings.HasPrefix(topic, "welcome/") {
		return nil
	}
	return d.Transport.Publish(topic, payload)
}

// viewCounter counts the reads the checker makes of a store.
type viewCounter struct {
	checker.Store
	db    *store.DB
	views int
}

func (v *viewCounter) Read(fn func(checker.Querier) error) error {
	v.views++
	return v.Store.Read(fn)
}

func (v *viewCounter) Version() uint64 { return v.db.Version() }

// A store that committed nothing since the last step is not read again,
// and the first commit after that is read and checked.
func TestUnchangedStoreIsNotReread(t *testing.T) {
	w := groupWorld(t, 4, nil)
	db := w.stores["bob/1"]
	s := &viewCounter{Store: observe.Store(db), db: db}
	c := checker.New(checker.Config{MaxPastEpochs: engine.DefaultMaxPastEpochs, Log: observe.Log(w.net), Directory: observe.Directory(w.net)})
	c.Attach("bob/1", s)
	require.NoError(t, c.Step(1, nil))
	require.Equal(t, 1, s.views)
	require.NoError(t, c.Step(2, nil))
	require.Equal(t, 1, s.views, "nothing was committed: no read")
	exec(t, w, "bob/1", `UPDATE groups SET epoch = epoch - 1`)
	require.NoError(t, c.Step(3, nil))
	require.Equal(t, 2, s.views)
	requireReported(t, c.Violations(), "S2")
}

package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/wire"
)

// Config.Concurrent: a live run reads each store at its own instant while
// the clients run on. liveRun replays a fixture world that way: a
// client's rows of step k are written only when its store is read in Step
// k (in the order the clients were attached), and rows after the last
// Step only when Final reads it. The server holds step k's records from
// the first read of step k on; a plain log shows them to Step k, a
// Refresher log only once refreshed.

type liveRun struct {
	t         *testing.T
	w         *world
	c         *checker.Checker
	view      *worldLog
	refresher bool // the log is a Refresher
	now       int  // the Step (or Final) reading the stores
	server    int  // the last step whose records the server holds
	events    []string
}

// lazyStore writes its client's rows up to the step being read just
// before each read: what a running client did since its last read.
type lazyStore struct {
	run     *liveRun
	cl      *client
	db      *store.DB
	written int
}

func (s *lazyStore) Read(fn func(checker.Querier) error) error {
	for ; s.written < s.run.now; s.written++ {
		if err := s.run.w.write(s.db, s.cl, s.written+1); err != nil {
			return err
		}
	}
	s.run.server = max(s.run.server, s.run.now)
	s.run.events = append(s.run.events, "read "+s.cl.id)
	return observe.Store(s.db).Read(fn)
}

// refreshedLog shows what the server held at its last refresh.
type refreshedLog struct {
	*worldLog
	run *liveRun
}

func (l refreshedLog) Refresh() error {
	l.run.events = append(l.run.events, "refresh")
	l.now = l.run.server
	return nil
}

func newLiveRun(t *testing.T, w *world, concurrent, refresher bool) *liveRun {
	t.Helper()
	run := &liveRun{t: t, w: w, view: &worldLog{w: w}, refresher: refresher}
	cfg := checker.Config{MaxPastEpochs: 3, Log: run.view, Directory: worldDir{w}, Concurrent: concurrent}
	if refresher {
		cfg.Log = refreshedLog{run.view, run}
	}
	run.c = checker.New(cfg)
	for _, cl := range w.clients {
		db, err := store.OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		run.c.Attach(cl.id, &lazyStore{run: run, cl: cl, db: db})
	}
	return run
}

// step runs Step k; a plain log shows step k's records to it.
func (r *liveRun) step(k int) []checker.Violation {
	r.t.Helper()
	r.now = k
	if !r.refresher {
		r.view.now = k
	}
	require.NoError(r.t, r.c.Step(k, nil))
	return r.c.Violations()
}

// steps runs Steps 1 to n.
func (r *liveRun) steps(n int) []checker.Violation {
	r.t.Helper()
	for k := 1; k <= n; k++ {
		r.step(k)
	}
	return r.c.Violations()
}

// final runs Final as step k, reading whatever the world holds up to k.
func (r *liveRun) final(k int) []checker.Violation {
	r.t.Helper()
	r.now = k
	if !r.refresher {
		r.view.now = k
	}
	_, err := r.c.Final(k, nil)
	require.NoError(r.t, err)
	return r.c.Violations()
}

// chat is a small clean world for S11: a/1 creates g and adds b/1 (seq
// 1); b/1 sends b/1#1 "hi" (seq 2). Both land at step 1, and a/1 stores
// b/1#1 at step 1; b/1's store shows its intent, the intent's
// transitions and its own copy of the message only at step 2, as when
// b/1 was read before it recorded them and a/1 after it stored b/1#1.
func chat() *world {
	w := newWorld()
	w.dir = map[string][]string{"a": {"a/1"}, "b": {"b/1"}}
	w.kps = map[string]int{"a/1": 1, "b/1": 1}
	w.put(1, commit(0, "a/1", []string{"b/1"}, nil))
	w.put(1, msg(1, "b/1", 1, 1))
	wl := wire.Welcome{GroupID: "g", Epoch: 1, CommitSeq: 1, Adder: "a/1", MLS: []byte{1}}
	w.putRaw(1, wire.WelcomeTopic("b/1"), wl.Encode(), false)

	a := w.c("a/1")
	a.groups = []groupRow{{id: "g", epoch: 1}}
	a.cursors = []cursorRow{{group: "g", cursor: 2}}
	a.members = []memberRow{{"g", []string{"a/1", "b/1"}}}
	a.epochs = []epochRow{
		{group: "g", via: "create", auth: "g0"},
		{group: "g", epoch: 1, seq: 1, hash: "@1", auth: "g1", via: "commit"},
	}
	a.intents = []intentRow{{id: 1, group: "g", kind: addK, data: "b", state: committed, attempts: []string{"@1"}}}
	a.trans = []transRow{
		{intent: 1, group: "g", from: toSend, to: published, hash: "@1"},
		{intent: 1, group: "g", from: published, to: committed, epoch: 1},
	}
	a.msgs = []msgRow{
		{group: "g", id: "commit:@1", kind: added, sender: "a/1", seq: 1, body: "added b/1"},
		{group: "g", id: "b/1#1", kind: app, sender: "b/1", seq: 2, epoch: 1, body: "hi"},
	}

	b := w.c("b/1")
	b.groups = []groupRow{{id: "g", epoch: 1, joined: 1}}
	b.cursors = []cursorRow{{group: "g", cursor: 2}}
	b.members = []memberRow{{"g", []string{"a/1", "b/1"}}}
	b.epochs = []epochRow{{group: "g", epoch: 1, seq: 1, auth: "g1", via: "welcome"}}
	b.intents = []intentRow{{at: 2, id: 1, group: "g", kind: sendK, data: "hi", state: committed, attempts: []string{"@2"}}}
	b.trans = []transRow{
		{at: 2, intent: 1, group: "g", from: toSend, to: published, epoch: 1, hash: "@2"},
		{at: 2, intent: 1, group: "g", from: published, to: committed, epoch: 1},
	}
	b.msgs = []msgRow{
		{group: "g", id: "commit:@1", kind: added, sender: "a/1", seq: 1, epoch: 1, body: "added b/1"},
		{at: 2, group: "g", id: "b/1#1", kind: app, sender: "b/1", seq: 2, epoch: 1, body: "hi"},
	}
	return w
}

// S11 in a Concurrent run waits for the sender's next read: a/1's copy
// of b/1#1, read at step 1 before b/1's store showed the intent, is
// judged at step 2 against the intent b/1 shows then, and the world is
// clean to the end. Without Concurrent the same reads are judged at once:
// b/1 recorded no intent 1.
func TestConcurrentContentWaitsForTheSender(t *testing.T) {
	run := newLiveRun(t, chat(), true, false)
	require.Empty(t, describe(run.step(1)), "nothing judged yet")
	require.Empty(t, describe(run.step(2)))
	require.Empty(t, describe(run.final(3)))

	run = newLiveRun(t, chat(), false, false)
	vs := run.step(1)
	require.Len(t, vs, 1, describe(vs))
	require.Equal(t, checker.Violation{Property: "S11", Step: 1, Group: "g", Installations: []string{"a/1"},
		Message: "stored b/1#1, but b/1 recorded no intent 1"}, vs[0])
}

// A message waits one Step, not for ever: when the sender's later read
// still shows no intent, a/1's copy (read at step 1) is S11 at step 2,
// and b/1's own copy, read at the last Step, is S11 at Final.
func TestConcurrentContentWithoutIntent(t *testing.T) {
	w := chat()
	b := w.c("b/1")
	b.intents, b.trans = nil, nil
	run := newLiveRun(t, w, true, false)
	require.Empty(t, describe(run.step(1)))
	vs := run.step(2)
	require.Len(t, vs, 1, describe(vs))
	require.Equal(t, checker.Violation{Property: "S11", Step: 1, Group: "g", Installations: []string{"a/1"},
		Message: "stored b/1#1, but b/1 recorded no intent 1"}, vs[0], "judged at step 2, named by the step that read it")

	vs = run.final(3)
	var s11 []checker.Violation
	for _, v := range vs {
		if v.Property == "S11" {
			s11 = append(s11, v)
		}
	}
	require.Len(t, s11, 2, describe(vs))
	require.Equal(t, []string{"b/1"}, s11[1].Installations)
	require.Equal(t, "stored b/1#1, but b/1 recorded no intent 1", s11[1].Message)
	require.Equal(t, map[string]bool{"S11": true, "L4": true}, properties(vs), "L4: the accepted payload is no intent's")
}

// A message read at the last Step whose sender was read earlier in that
// Step is judged at Final against the sender's store as Final reads it:
// b/1 (read first) recorded its intent after its read, a/1 stored b/1#1
// before its own; Final, reading b/1 again, finds the intent.
func TestConcurrentContentJudgedAtFinalAgainstFinalRead(t *testing.T) {
	w := chat()
	w.clients[0], w.clients[1] = w.clients[1], w.clients[0] // b/1 is read first
	run := newLiveRun(t, w, true, false)
	require.Empty(t, describe(run.step(1)))
	require.Empty(t, describe(run.final(2)))

	// And an intent that does not say what the message says is still
	// S11 there.
	w = chat()
	w.clients[0], w.clients[1] = w.clients[1], w.clients[0]
	w.c("b/1").intent(1).data = "bye"
	run = newLiveRun(t, w, true, false)
	require.Empty(t, describe(run.step(1)))
	vs := run.final(2)
	require.Len(t, vs, 1, describe(vs))
	require.Equal(t, `stored b/1#1 with body "hi", but b/1's intent 1 says "bye"`, vs[0].Message)
}

// A Refresher log is refreshed once per Step, after every store was read,
// and folded after: a/1 entered epoch 1 by the commit the server took
// while the checker read the stores, which the log shows only once
// refreshed. Folding before the refresh (or never refreshing) would find
// no accepted commit into epoch 1 (S1).
func TestConcurrentRefreshAfterReads(t *testing.T) {
	run := newLiveRun(t, chat(), true, true)
	require.Empty(t, describe(run.step(1)))
	require.Empty(t, describe(run.step(2)))
	require.Equal(t, []string{"read a/1", "read b/1", "refresh", "read a/1", "read b/1", "refresh"}, run.events)

	// The same world without the refresh: the log never shows seq 1.
	run = newLiveRun(t, chat(), true, false)
	run.view.now = 0
	run.now = 1
	require.NoError(t, run.c.Step(1, nil))
	require.Contains(t, describe(run.c.Violations()), "no accepted commit into that epoch")
}

// noopAt3 is the healthy world with one more step: at step 3 a/1 ends an
// add of b NOOP at epoch 2 (b/1 is in). dirAt changes the directory
// before each Step.
func noopAt3(kind checker.IntentKind) *world {
	w := healthy()
	a := w.c("a/1")
	a.intents = append(a.intents, intentRow{at: 3, id: 9, group: "g", kind: kind, data: "b", state: committed, reason: "noop"})
	a.trans = append(a.trans, transRow{at: 3, intent: 9, group: "g", from: toSend, to: committed, reason: "noop", epoch: 2})
	return w
}

// stepsWithDirectory runs Steps 1 to 3, setting account b's listing (and
// the revoked installations) before each from lists[k-1].
func stepsWithDirectory(t *testing.T, w *world, concurrent bool, lists [3][]string, revoked [3][]string) []checker.Violation {
	t.Helper()
	run := newLiveRun(t, w, concurrent, false)
	for k := 1; k <= 3; k++ {
		w.dir["b"] = lists[k-1]
		w.revoked = map[string]bool{}
		for _, id := range revoked[k-1] {
			w.revoked[id] = true
		}
		run.step(k)
	}
	return run.c.Violations()
}

// The healthy world is clean in a Concurrent run read store by store.
func TestConcurrentHealthyWorld(t *testing.T) {
	run := newLiveRun(t, healthy(), true, false)
	require.Empty(t, describe(run.steps(2)))
	require.Empty(t, describe(run.final(3)))
}

// S10 in a Concurrent run judges an add NOOP read at Step 3 against the
// directory at the end of Step 1, keeping what the directory still lists:
// b/2, registered after the decision (listed from Step 2 or 3 on), is not
// held against it; b/2 listed at Step 1 and still listed is. Without
// Concurrent the directory as it stands judges it (S10 either way).
func TestConcurrentNoopAgainstDirectoryBefore(t *testing.T) {
	one, two := []string{"b/1"}, []string{"b/1", "b/2"}
	says := "intent 9 (add b) ended NOOP, but b/2 was not a member at epoch 2 and was not recorded as skipped"
	for _, tc := range []struct {
		name       string
		lists      [3][]string
		concurrent bool
		flagged    bool
	}{
		{"registered-at-3", [3][]string{one, one, two}, true, false},
		{"registered-at-2", [3][]string{one, two, two}, true, false},
		{"listed-at-1", [3][]string{two, two, two}, true, true},
		{"listed-at-1-gone-now", [3][]string{two, two, one}, true, false},
		{"not-concurrent/registered-at-3", [3][]string{one, one, two}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := stepsWithDirectory(t, noopAt3(addK), tc.concurrent, tc.lists, [3][]string{})
			if !tc.flagged {
				require.Empty(t, describe(vs))
				return
			}
			require.Len(t, vs, 1, describe(vs))
			require.Equal(t, checker.Violation{Property: "S10", Step: 3, Group: "g", Installations: []string{"a/1"}, Message: says}, vs[0])
		})
	}
}

// The alignment NOOP's revoked check reads the directory before too: b/1
// revoked after the UPDATE_INSTALLATIONS was decided (at Step 3) does not
// make its NOOP S10 in a Concurrent run; revoked at Step 1 it does, and
// without Concurrent the revocation as it stands does.
func TestConcurrentAlignmentNoopRevokedBefore(t *testing.T) {
	in, out := []string{"b/1"}, []string(nil)
	says := "intent 9 (update installations) ended NOOP, but b/1, revoked, was a member at epoch 2"
	for _, tc := range []struct {
		name       string
		lists      [3][]string
		revoked    [3][]string
		concurrent bool
		flagged    bool
	}{
		{"revoked-at-3", [3][]string{in, in, out}, [3][]string{nil, nil, {"b/1"}}, true, false},
		{"revoked-at-1", [3][]string{out, out, out}, [3][]string{{"b/1"}, {"b/1"}, {"b/1"}}, true, true},
		{"not-concurrent/revoked-at-3", [3][]string{in, in, out}, [3][]string{nil, nil, {"b/1"}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := stepsWithDirectory(t, noopAt3(updateK), tc.concurrent, tc.lists, tc.revoked)
			if !tc.flagged {
				require.Empty(t, describe(vs))
				return
			}
			require.Len(t, vs, 1, describe(vs))
			require.Equal(t, checker.Violation{Property: "S10", Step: 3, Group: "g", Installations: []string{"a/1"}, Message: says}, vs[0])
		})
	}
}

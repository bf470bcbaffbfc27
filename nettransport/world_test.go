package nettransport_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/nettransport"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/topiclog"
)

// liveWorld is real engine clients, each with its own SQLite file, over
// nettransport to an in-process topicd, judged by the checker reading
// topicd's database through topiclog. Clients take turns (go-mls's
// randomness is process-global); each client's Upkeep is one checker
// step, with the network calls it made as the harness around its
// transport saw them.
type liveWorld struct {
	t       *testing.T
	net     *nettransport.Client
	log     *topiclog.Reader
	check   *checker.Checker
	rec     *observe.Recorder
	clock   *logicalClock
	names   []string
	clients map[string]*engine.Client
	events  []engine.Event
	step    int
}

type logicalClock struct{ ns int64 }

func (c *logicalClock) NowNs() int64 { return c.ns }

func newLiveWorld(t *testing.T, timeout time.Duration, opts ...grpc.ServerOption) *liveWorld {
	t.Helper()
	addr, db := server(t, opts...)
	log, err := topiclog.Open(context.Background(), db)
	require.NoError(t, err)
	t.Cleanup(func() { log.Close() })
	return &liveWorld{t: t, net: dial(t, addr, timeout), log: log, rec: &observe.Recorder{}, clock: &logicalClock{ns: 1},
		check:   checker.New(checker.Config{MaxPastEpochs: engine.DefaultMaxPastEpochs, Log: log, Directory: log}),
		clients: map[string]*engine.Client{}}
}

// add opens installations (store files, crypto streams from seed).
func (w *liveWorld) add(seed uint64, ids ...string) {
	for _, id := range ids {
		db, err := store.OpenFile(w.t.TempDir() + "/client.db")
		require.NoError(w.t, err)
		w.t.Cleanup(func() { db.Close() })
		c, err := engine.Open(engine.Config{InstallationID: id, Store: db,
			Transport: w.rec.Transport(w.net.For(id), id), MLS: mlsadapter.New(detrand.New(seed, "crypto/"+id)), Clock: w.clock,
			Observer: func(e engine.Event) { e.Installation = id; w.events = append(w.events, e) }})
		require.NoError(w.t, err)
		w.check.Attach(id, observe.Store(db))
		w.names, w.clients[id] = append(w.names, id), c
	}
}

func (w *liveWorld) c(id string) *engine.Client { return w.clients[id] }

// upkeep runs one client's Upkeep as one checker step and reports
// whether a step failed. Network errors are expected under faults; any
// other error fails the test.
func (w *liveWorld) upkeep(id string) (failed bool) {
	w.t.Helper()
	w.step++
	w.clock.ns += 1000
	w.rec.Step = w.step
	rep, _ := w.c(id).Upkeep()
	for _, s := range rep.Steps {
		if s.Err != nil && !errors.Is(s.Err, nettransport.ErrNetwork) {
			w.t.Fatalf("%s: %s: %v", id, s, s.Err)
		}
		failed = failed || s.Err != nil
	}
	w.checkStep()
	return failed
}

func (w *liveWorld) checkStep() {
	w.t.Helper()
	require.NoError(w.t, w.log.Refresh(context.Background()))
	require.NoError(w.t, w.check.Step(w.step, w.rec.Calls))
	w.rec.Calls = nil
	require.Empty(w.t, w.check.Violations())
}

// settle runs rounds of every client's Upkeep until a round changes
// nothing (no record, no event) and no step of it failed (a failed
// publish changes what the next round does), at most maxRounds.
func (w *liveWorld) settle(maxRounds int) {
	w.t.Helper()
	for range maxRounds {
		records, events, failed := w.log.Count(), len(w.events), false
		for _, id := range w.names {
			failed = w.upkeep(id) || failed
		}
		if w.log.Count() == records && len(w.events) == events && !failed {
			return
		}
	}
	w.t.Fatalf("not settled after %d rounds", maxRounds)
}

// final runs the checker's liveness checks and wants no violation.
func (w *liveWorld) final() {
	w.t.Helper()
	w.step++
	_, err := w.check.Final(w.step, nil)
	require.NoError(w.t, err)
	require.Empty(w.t, w.check.Violations())
}

// count is how many events of a kind the clients reported.
func (w *liveWorld) count(kind engine.EventKind) int {
	n := 0
	for _, e := range w.events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

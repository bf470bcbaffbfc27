package sim_test

import (
	"fmt"
	"testing"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/store"
)

// Benchmarks behind docs/PERFORMANCE.md; none runs in the
// default test run (go test ./sim -run XXX -bench . -benchtime 10x).

// One default seed end to end (setup, 150 steps, liveness, checks),
// reporting the harness overhead as wall/mls.
func BenchmarkDefaultSeed(b *testing.B) { benchmarkScenario(b, "default", 20) }

// One big-group seed (128 installations in one group, 40 steps).
func BenchmarkBigGroupSeed(b *testing.B) { benchmarkScenario(b, "big-group", 5) }

func benchmarkScenario(b *testing.B, name string, seeds int) {
	sc, err := scenarios.Get(name)
	if err != nil {
		b.Fatal(err)
	}
	wall, mls := 0.0, 0.0
	for i := 0; i < b.N; i++ {
		r, err := sim.Run(sc.Params, uint64(i%seeds)+1)
		if err != nil || len(r.Violations) > 0 {
			b.Fatal(err, r.Violations)
		}
		wall, mls = wall+r.WallMillis, mls+r.MLSMillis
	}
	b.ReportMetric(wall/mls, "wall/mls")
}

// A 128-member group (64 accounts x 2 installations) doing 100 commits
// and 1,000 messages, every member synced after each; one op is the whole
// workload (-benchtime 1x).
func BenchmarkGroup128(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var ids, accounts []string
		for a := 0; a < 64; a++ {
			accounts = append(accounts, fmt.Sprintf("m%d", a))
			ids = append(ids, fmt.Sprintf("m%d/1", a), fmt.Sprintf("m%d/2", a))
		}
		w := newBenchClients(b, 7, ids...)
		if err := w.c["m0/1"].CreateGroup("g"); err != nil {
			b.Fatal(err)
		}
		if _, err := w.c["m0/1"].AddMembers("g", accounts...); err != nil {
			b.Fatal(err)
		}
		w.settle(b)
		b.StartTimer()
		for c := 0; c < 100; c++ {
			for m := 0; m < 10; m++ {
				sender := w.c[ids[(c*10+m)%len(ids)]]
				if _, err := sender.Send("g", []byte("hello")); err != nil {
					b.Fatal(err)
				}
				if _, err := sender.PublishNext("g"); err != nil {
					b.Fatal(err)
				}
			}
			committer := w.c[ids[(c*7)%len(ids)]]
			if _, err := committer.KeyUpdate("g"); err != nil {
				b.Fatal(err)
			}
			if _, err := committer.PublishNext("g"); err != nil {
				b.Fatal(err)
			}
			for _, id := range ids {
				if err := w.c[id].Sync("g"); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// One store transaction that writes a row and one that reads it back.
func BenchmarkStoreRoundTrip(b *testing.B) {
	db, err := store.OpenMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < b.N; i++ {
		if err := db.Update(func(tx engine.Tx) error {
			_, err := tx.Exec(`INSERT INTO topic_refresh_state(topic, cursor) VALUES ('t', ?) ON CONFLICT(topic) DO UPDATE SET cursor = excluded.cursor`, i)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		var cur int
		if err := db.View(func(tx engine.Tx) error {
			return tx.QueryRow(`SELECT cursor FROM topic_refresh_state WHERE topic = 't'`).Scan(&cur)
		}); err != nil || cur != i {
			b.Fatal(err)
		}
	}
}

// The checker after one step: fold the server's new records and audit
// what the acting client appended (here: one message per step).
func BenchmarkCheckerStep(b *testing.B) {
	w := newBenchClients(b, 9, "a/1", "b/1", "c/1")
	if err := w.c["a/1"].CreateGroup("g"); err != nil {
		b.Fatal(err)
	}
	if _, err := w.c["a/1"].AddMembers("g", "b", "c"); err != nil {
		b.Fatal(err)
	}
	w.settle(b)
	c := checker.New(checker.Config{MaxPastEpochs: engine.DefaultMaxPastEpochs, Log: observe.Log(w.net), Directory: observe.Directory(w.net)})
	for _, id := range w.names {
		c.Attach(id, observe.Store(w.stores[id]))
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := w.c["a/1"].Send("g", []byte("x")); err != nil {
			b.Fatal(err)
		}
		if _, err := w.c["a/1"].PublishNext("g"); err != nil {
			b.Fatal(err)
		}
		if err := w.c["b/1"].Sync("g"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := c.Step(i, nil); err != nil {
			b.Fatal(err)
		}
	}
	if len(c.Violations()) > 0 {
		b.Fatal(c.Violations())
	}
}

// benchClients is engine clients over one memnet server, each with its
// own in-memory store and crypto stream, driven directly (no world, no
// checker per step): what the engine-level benchmarks measure.
type benchClients struct {
	net    *memnet.Server
	names  []string
	c      map[string]*engine.Client
	stores map[string]*store.DB
	events int // events the clients reported
}

type benchClock struct{}

func (benchClock) NowNs() int64 { return 1 }

func newBenchClients(b *testing.B, seed uint64, ids ...string) *benchClients {
	w := &benchClients{net: memnet.New(1_000_000_000, 1000), c: map[string]*engine.Client{}, stores: map[string]*store.DB{}}
	for _, id := range ids {
		db, err := store.OpenMemory()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		c, err := engine.Open(engine.Config{InstallationID: id, Store: db, Transport: w.net.For(id),
			MLS: mlsadapter.New(detrand.New(seed, "crypto/"+id)), Clock: benchClock{},
			Observer: func(engine.Event) { w.events++ }})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.EnsureKeyPackages(); err != nil {
			b.Fatal(err)
		}
		w.names, w.c[id], w.stores[id] = append(w.names, id), c, db
	}
	return w
}

// settle runs Client.Upkeep over every client until a round puts nothing
// on the server and reports no event.
func (w *benchClients) settle(b *testing.B) {
	for round := 0; round < 10; round++ {
		before := fmt.Sprint(w.net.Records(), w.events)
		for _, id := range w.names {
			if _, err := w.c[id].Upkeep(); err != nil {
				b.Fatal(id, err)
			}
		}
		if fmt.Sprint(w.net.Records(), w.events) == before {
			return
		}
	}
	b.Fatal("not settled after 10 rounds")
}

package nettransport_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	_ "modernc.org/sqlite" // the floor's own SQLite file

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/mlsadapter"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/topiclog"
)

// The live figures (issue 16): the engine over loopback against an
// in-process topicd on SQLite, next to the floors under it measured in
// the same run. Run them together, so that the ratios compare one
// machine's one moment:
//
//	go test -run XXX -bench 'EngineOverNetwork|Floor' -benchtime=10s -count 1 ./nettransport
//
// Every engine benchmark sets its group up once, outside the timer
// (b.Loop calls the function once and ramps b.N inside it), then each
// iteration is one burst of messages and one key update by the same
// member. With 10s, 64 installations make about 150 iterations; the idle
// members' catch-up after the loop (outside the timer) then takes a
// minute or two on a 2-core machine. -benchtime=Nx bounds it exactly.

// benchBurst is how many messages one iteration queues before one
// PublishAll (MaxUpkeepPublishes is the most PublishAll sends at once).
const benchBurst = 8

// BenchmarkEngineOverNetwork is N real engine clients (a store file
// each, go-mls through mlsadapter, nettransport) in one group, accounts
// of two installations each. One member, the last to join, is the active
// one; the others stay idle while it is measured (nothing they do is on
// its path: a commit is COMMITTED when its sender reads it back as the
// first commit of its epoch). Per iteration:
//
//   - publishes/s: the active member records benchBurst Send intents and
//     calls PublishAll once; the time of those calls, over the publishes
//     that PublishAll reported sent (acknowledged by topicd). Each
//     publish is the engine's whole path: the intent written (a store
//     transaction, fsync'd), the message encrypted and its attempt and
//     ratchet written ahead (another), the network publish (one fsync at
//     topicd).
//   - commit latency: from the KeyUpdate call (the intent created) to the
//     commit_won event for that intent, which the engine delivers after
//     the store transaction that moved the intent to COMMITTED committed.
//     In between the active member runs Upkeep rounds (one suffices: it
//     publishes the commit and its closing sync reads it back), so the
//     figure includes everything else a round does (key packages,
//     welcomes, the directory check, two syncs).
//
// Before each commit the member syncs its own messages back, outside
// both figures (but inside ns/op, which is the whole iteration). After
// the loop every member catches up, outside the timer, and all must
// agree on the epoch, authenticator and members: the commits measured
// were real ones.
func BenchmarkEngineOverNetwork(b *testing.B) {
	for _, n := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("installations=%d", n), func(b *testing.B) {
			g := newBenchGroup(b, n)
			active := g.names[len(g.names)-1]
			c := g.clients[active]
			body := make([]byte, 256)
			var (
				publishing time.Duration
				published  int
				latencies  []float64 // milliseconds
			)
			for b.Loop() {
				start := time.Now()
				for range benchBurst {
					if _, err := c.Send("g", body); err != nil {
						b.Fatal(err)
					}
				}
				res, err := c.PublishAll("g")
				publishing += time.Since(start)
				if err != nil {
					b.Fatalf("publish: %v", err)
				}
				for _, r := range res {
					if r.Action == engine.PublishedSent {
						published++
					}
				}
				if err := c.Sync("g"); err != nil {
					b.Fatal(err)
				}

				start = time.Now()
				id, err := c.KeyUpdate("g")
				if err != nil {
					b.Fatal(err)
				}
				for round := 0; !g.won[won{active, id}]; round++ {
					if round == 5 {
						b.Fatalf("%s: key update %d not committed after %d rounds", active, id, round)
					}
					g.upkeep(active)
				}
				latencies = append(latencies, float64(time.Since(start))/float64(time.Millisecond))
			}
			b.StopTimer()
			if published != b.N*benchBurst {
				b.Fatalf("%d publishes sent, want %d", published, b.N*benchBurst)
			}
			b.ReportMetric(float64(published)/publishing.Seconds(), "publishes/s")
			b.ReportMetric(percentile(latencies, 50), "p50-commit-ms")
			b.ReportMetric(percentile(latencies, 99), "p99-commit-ms")
			b.ReportMetric(g.setup.Seconds(), "setup-s") // after the loop: b.Loop's reset clears metrics
			begin := time.Now()
			g.settle(10)
			g.converged(n)
			b.Logf("installations=%d: %d iterations; the idle members caught up in %s", n, b.N, time.Since(begin).Round(time.Millisecond))
		})
	}
}

// percentile is the nearest-rank percentile p of xs (with fewer than
// 100 values, the 99th is the largest).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(rank, 1)-1]
}

// won names one installation's intent.
type won struct {
	installation string
	intent       int64
}

// benchGroup is the engine benchmark's world: like liveWorld without the
// checker (the tests judge correctness; here it would be on the clock's
// way), clients taking turns in one goroutine (go-mls's randomness is
// process-global and clients are not goroutine-safe).
type benchGroup struct {
	b       *testing.B
	log     *topiclog.Reader
	clock   *logicalClock
	names   []string
	clients map[string]*engine.Client
	events  int
	won     map[won]bool
	setup   time.Duration
}

// newBenchGroup opens n installations (accounts u00, u01, … of two
// each), uploads their key packages, and has the first create group "g"
// and add every other account, then runs Upkeep rounds until nothing
// changes and checks that all n are members at one epoch.
func newBenchGroup(b *testing.B, n int) *benchGroup {
	b.Helper()
	begin := time.Now()
	addr, db := server(b)
	log, err := topiclog.Open(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { log.Close() })
	net := dial(b, addr, 10*time.Second)
	g := &benchGroup{b: b, log: log, clock: &logicalClock{ns: 1}, clients: map[string]*engine.Client{}, won: map[won]bool{}}
	var accounts []string
	for i := range n {
		account := fmt.Sprintf("u%02d", i/2)
		id := fmt.Sprintf("%s/%d", account, i%2+1)
		if i%2 == 0 {
			accounts = append(accounts, account)
		}
		st, err := store.OpenFile(b.TempDir() + "/client.db")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		c, err := engine.Open(engine.Config{InstallationID: id, Store: st, Transport: net.For(id),
			MLS: mlsadapter.New(detrand.New(16, "crypto/"+id)), Clock: g.clock,
			Observer: func(e engine.Event) {
				g.events++
				switch e.Kind {
				case engine.EvCommitWon:
					g.won[won{id, e.Intent}] = true
				case engine.EvIntentFailed, engine.EvGroupBroken:
					b.Errorf("%s: %s %s", id, e.Kind, e.Detail)
				}
			}})
		if err != nil {
			b.Fatal(err)
		}
		g.names, g.clients[id] = append(g.names, id), c
	}
	g.settle(5)
	creator := g.clients[g.names[0]]
	if err := creator.CreateGroup("g"); err != nil {
		b.Fatal(err)
	}
	if _, err := creator.AddMembers("g", accounts[1:]...); err != nil {
		b.Fatal(err)
	}
	g.settle(30)
	g.converged(n)
	g.setup = time.Since(begin)
	b.Logf("installations=%d: setup %s, %d records on topicd", n, g.setup.Round(time.Millisecond), g.log.Count())
	return g
}

// upkeep runs one client's Upkeep; no step may fail (nothing is faulty).
func (g *benchGroup) upkeep(id string) {
	g.b.Helper()
	g.clock.ns += 1000
	rep, err := g.clients[id].Upkeep()
	if err != nil {
		g.b.Fatalf("%s: upkeep: %v (%d steps)", id, err, len(rep.Steps))
	}
}

// settle runs rounds of every client's Upkeep until a round appends
// nothing to topicd and raises no event, at most maxRounds.
func (g *benchGroup) settle(maxRounds int) {
	g.b.Helper()
	for range maxRounds {
		records, events := g.count(), g.events
		for _, id := range g.names {
			g.upkeep(id)
		}
		if g.count() == records && g.events == events {
			return
		}
	}
	g.b.Fatalf("not settled after %d rounds", maxRounds)
}

func (g *benchGroup) count() uint64 {
	if err := g.log.Refresh(context.Background()); err != nil {
		g.b.Fatal(err)
	}
	return g.log.Count()
}

// converged checks that every client is in group g with all n members,
// at one epoch with one authenticator, and has no intent open.
func (g *benchGroup) converged(n int) {
	g.b.Helper()
	var first engine.GroupSnapshot
	for i, id := range g.names {
		c := g.clients[id]
		open, err := c.OpenIntents()
		if err != nil || open != 0 {
			g.b.Fatalf("%s: %d intents open (%v)", id, open, err)
		}
		snap, err := c.Snapshot()
		if err != nil {
			g.b.Fatal(err)
		}
		if len(snap.Groups) != 1 || len(snap.Groups[0].Members) != n {
			g.b.Fatalf("%s: groups %+v, want one of %d members", id, snap.Groups, n)
		}
		gs := snap.Groups[0]
		if i == 0 {
			first = gs
			continue
		}
		if gs.Epoch != first.Epoch || gs.Authenticator != first.Authenticator || !slices.Equal(gs.Members, first.Members) {
			g.b.Fatalf("%s at epoch %d, %s at epoch %d: not converged", id, gs.Epoch, g.names[0], first.Epoch)
		}
	}
}

// BenchmarkFloorGRPCRoundTrip is the network floor: a bare unary call
// (Hello, which reads no storage) through the generated client over
// loopback to the same in-process topicd, one call at a time.
func BenchmarkFloorGRPCRoundTrip(b *testing.B) {
	addr, _ := server(b)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	api := topicv1.NewTopicServiceClient(conn)
	ctx := topicv1.WithVersion(context.Background(), topicv1.Current)
	if _, err := api.Hello(ctx, &topicv1.HelloRequest{}, grpc.WaitForReady(true)); err != nil {
		b.Fatal(err) // connected before the clock starts
	}
	for b.Loop() {
		if _, err := api.Hello(ctx, &topicv1.HelloRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// floorPayload is the size of the floors' inserted payloads, as in
// BenchmarkPublish.
const floorPayload = 512

// BenchmarkFloorSQLiteInsert is the storage floor under topicd: one row
// of an envelope's shape inserted per transaction into a SQLite file with
// WAL and synchronous=FULL (topicd's regime: the commit is fsync'd), one
// connection, one insert at a time.
func BenchmarkFloorSQLiteInsert(b *testing.B) {
	db, err := sql.Open("sqlite", "file:"+b.TempDir()+"/floor.db?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE rows (topic TEXT NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (topic, seq))`); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, floorPayload)
	seq := 0
	for b.Loop() {
		seq++
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (topic, seq, payload) VALUES (?, ?, ?)`, "group/g", seq, payload); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkFloorPostgresInsert is the same insert into PostgreSQL over
// loopback (pgx, one transaction per insert). It uses MLSIM_POSTGRES_URL
// or a throwaway cluster (topictest.Postgres, which skips without one).
// That cluster runs with fsync=off: its figure is the round trips and
// the server's work without the disk, not the durable regime of SQLite's
// floor.
func BenchmarkFloorPostgresInsert(b *testing.B) {
	url := topictest.Postgres(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `CREATE TABLE floor_rows (topic TEXT NOT NULL, seq BIGINT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (topic, seq))`); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, floorPayload)
	seq := 0
	for b.Loop() {
		seq++
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO floor_rows (topic, seq, payload) VALUES ($1, $2, $3)`, "group/g", seq, payload); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

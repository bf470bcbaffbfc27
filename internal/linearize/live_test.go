package linearize_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/nettransport"
	"github.com/mlsim/mlsim/topicd"
)

// workload is what concurrent clients do against topicd servers, while a
// subscriber follows every topic (unless noSubscriber): each of clients goroutines makes ops
// calls, publishes (unique payloads) and
// queries (after a seq it has seen or 0, limits 0, 1, 3, 10) on topics
// at random, each client over a connection of its own to one of addrs
// (round robin), recorded. Then one client makes a tail of four
// publish-then-query pairs on a topic of its own: calls strictly one
// after another, so that a stale or wrong answer there cannot hide in
// concurrency. It returns the merged history.
type workload struct {
	clients, ops int
	topics       int
	timeout      time.Duration // each call's deadline (5 s if zero)
	seed         uint64
	// noSubscriber: no subscriber (a subscription's reads of storage
	// would shift the broken storage's rhythm on the tail's topic).
	noSubscriber bool
}

func (w workload) run(t *testing.T, addrs ...string) linearize.History {
	t.Helper()
	if w.timeout == 0 {
		w.timeout = 5 * time.Second
	}
	topics := make([]string, w.topics)
	for i := range topics {
		topics[i] = fmt.Sprintf("group/g%d", i)
	}
	recs := make([]*linearize.Recorder, w.clients, w.clients+1)
	if !w.noSubscriber {
		// A subscriber of every topic, from before the first publish
		// to the end: its deliveries are recorded too.
		sub := linearize.NewRecorder("subscriber")
		recs = append(recs, sub)
		subTr := dial(t, addrs[len(addrs)-1], sub, w.timeout).For("subscriber/1")
		for _, topic := range append(topics, "group/tail") {
			st, err := subTr.Subscribe(topic, 0)
			if err != nil {
				t.Fatalf("subscribe %s: %v", topic, err)
			}
			defer st.Close()
		}
	}
	var wg sync.WaitGroup
	for c := range w.clients {
		recs[c] = linearize.NewRecorder(fmt.Sprintf("c%d", c))
		cl := dial(t, addrs[c%len(addrs)], recs[c], w.timeout)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(w.seed, uint64(c)))
			tr := cl.For(fmt.Sprintf("c%d/1", c))
			seen := map[string]uint64{}
			for n := range w.ops {
				topic := topics[rnd.IntN(len(topics))]
				if rnd.IntN(2) == 0 {
					// Errors are recorded (an unknown outcome); the
					// workload goes on.
					_ = tr.Publish(topic, fmt.Appendf(nil, "c%d-%d", c, n))
					continue
				}
				after := uint64(0)
				if h := seen[topic]; h > 0 && rnd.IntN(2) == 0 {
					after = rnd.Uint64N(h + 1)
				}
				page, err := tr.Query(topic, after, []int{0, 1, 3, 10}[rnd.IntN(4)])
				if err == nil {
					seen[topic] = max(seen[topic], page.Head)
				}
			}
		}()
	}
	wg.Wait()
	// The tail.
	tail := recs[0]
	cl := dial(t, addrs[0], tail, w.timeout)
	tr := cl.For("tail/1")
	for i := range 4 {
		if err := tr.Publish("group/tail", fmt.Appendf(nil, "tail-%d", i)); err != nil {
			t.Logf("tail publish %d: %v", i, err)
		}
		if _, err := tr.Query("group/tail", 0, 0); err != nil {
			t.Logf("tail query %d: %v", i, err)
		}
	}
	hs := make([]linearize.History, len(recs))
	for i, r := range recs {
		hs[i] = r.History()
	}
	return linearize.Merge(hs...)
}

func dial(t *testing.T, addr string, rec *linearize.Recorder, timeout time.Duration) *nettransport.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := nettransport.Dial(ctx, addr, nettransport.Options{Timeout: timeout, DialOptions: rec.DialOptions()})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// serve runs a topicd over s, closing s after the server stops.
func serve(t *testing.T, s topicd.Storage, opts ...grpc.ServerOption) string {
	t.Helper()
	t.Cleanup(func() { _ = s.Close() })
	return topictest.Serve(t, s, opts...)
}

func postgres(t *testing.T) (open func() topicd.Storage) {
	url := topictest.Postgres(t)
	return func() topicd.Storage {
		s, err := topicd.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		return s
	}
}

// mustBeLinearizable checks a history and, when it fails, writes the
// visualization under the test's temporary directory (kept in the log).
func mustBeLinearizable(t *testing.T, h linearize.History) *linearize.Info {
	t.Helper()
	ok, info := linearize.Check(h)
	t.Log(info)
	if !ok {
		path := filepath.Join(t.TempDir(), "history.html")
		if err := info.WriteHTML(path); err == nil {
			if dir := os.Getenv("MLSIM_LINEARIZE_HTML"); dir != "" {
				path = filepath.Join(dir, t.Name()+".html")
				_ = os.MkdirAll(filepath.Dir(path), 0o755)
				_ = info.WriteHTML(path)
			}
			t.Logf("visualization: %s", path)
		}
		t.Fatalf("topicd's answers are not linearizable: %s", info)
	}
	return info
}

var healthy = workload{clients: 6, ops: 60, topics: 4, seed: 1}

// Concurrent clients against topicd over SQLite: what they observed is
// linearizable against the append-only log.
func TestTopicdOverSQLiteIsLinearizable(t *testing.T) {
	addr := serve(t, topictest.SQLite(t))
	info := mustBeLinearizable(t, healthy.run(t, addr))
	if info.Publishes < 100 || info.Queries < 100 || info.Deliveries == 0 || info.Topics != healthy.topics+1 {
		t.Fatalf("a thin history: %s", info)
	}
}

// The same over PostgreSQL, with two topicd servers sharing the database
// and the clients split between them: one order per topic across servers.
func TestTopicdOverPostgresIsLinearizable(t *testing.T) {
	open := postgres(t)
	a, b := serve(t, open()), serve(t, open())
	mustBeLinearizable(t, healthy.run(t, a, b))
}

// Publishes whose answers are lost (the server stores, then the answer
// misses the client's deadline; or the call fails before reaching
// storage) are unknown outcomes, and the history stays linearizable: the
// check neither needs them to land nor forbids it.
func TestUnknownOutcomesStayLinearizable(t *testing.T) {
	const deadline = 400 * time.Millisecond
	var mu sync.Mutex
	n := 0
	late := grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if info.FullMethod != "/mlsim.topic.v1.TopicService/Publish" {
			return handler(ctx, req)
		}
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch {
		case k%7 == 0: // never stored
			return nil, fmt.Errorf("dropped before storage")
		case k%5 == 0: // stored, answered too late
			resp, err := handler(context.WithoutCancel(ctx), req)
			<-ctx.Done()
			return resp, err
		}
		return handler(ctx, req)
	})
	addr := serve(t, topictest.SQLite(t), late)
	w := workload{clients: 4, ops: 40, topics: 3, seed: 2, timeout: deadline}
	info := mustBeLinearizable(t, w.run(t, addr))
	if info.Unknown == 0 {
		t.Fatalf("no unknown outcome was recorded: %s", info)
	}
}

// What the recorder keeps of refused and failed calls: a publish topicd
// refuses (INVALID_ARGUMENT: nothing stored) and a failed query are left
// out; a publish to a server that is gone is an unknown outcome.
func TestRecorderClassifiesFailures(t *testing.T) {
	store := topictest.SQLite(t)
	t.Cleanup(func() { _ = store.Close() })
	srv, err := topicd.New(topicd.Config{Storage: store, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	rec := linearize.NewRecorder("c")
	tr := dial(t, lis.Addr().String(), rec, 2*time.Second).For("c/1")
	if err := tr.Publish("group/g", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Publish("group/g", nil); err == nil {
		t.Fatal("an empty payload was accepted")
	}
	if _, err := tr.Query("", 0, 0); err == nil {
		t.Fatal("a query of no topic was answered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if err := tr.Publish("group/g", []byte("y")); err == nil {
		t.Fatal("a publish to a stopped server succeeded")
	}
	h := rec.History()
	if len(h) != 2 || h[0].Seq != 1 || h[0].Unknown || !h[1].Unknown || h[1].Payload != linearize.DigestOf([]byte("y")) {
		t.Fatalf("history %+v", h)
	}
	if ok, info := linearize.Check(h); !ok {
		t.Fatal(info)
	}
}

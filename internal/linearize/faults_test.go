package linearize_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/mlsim/mlsim/internal/linearize"
	"github.com/mlsim/mlsim/internal/topictest"
	"github.com/mlsim/mlsim/topicd"
)

// broken is a deliberately broken topicd storage: the real SQLite
// storage, with one fault in its answers. Each fault fires on a fixed
// rhythm per topic (so the workload's tail meets it on its own topic, with
// no concurrency to hide in) and counts how often it fired.
type broken struct {
	topicd.Storage
	fault string

	mu      sync.Mutex
	pubs    map[string]int
	queries map[string]int
	heads   map[string]uint64 // the head each topic's last honest answer gave
	fired   atomic.Int64
}

const (
	// dropLast: every second query of a topic loses the last record of
	// its page and still reports the true head (a stale page).
	dropLast = "drop-last"
	// duplicateSeq: every third publish of a topic is answered with the
	// seq before the one it got, which another publish was given.
	duplicateSeq = "duplicate-seq"
	// swapRecords: every second query of a topic with two records or
	// more answers the last two with their contents swapped (seqs in
	// order).
	swapRecords = "swap-records"
	// staleSnapshot: every second query of a topic is answered as of the
	// previous query's head (a consistent page, but old: a cache).
	staleSnapshot = "stale-snapshot"
)

func newBroken(t *testing.T, fault string) *broken {
	return &broken{Storage: topictest.SQLite(t), fault: fault,
		pubs: map[string]int{}, queries: map[string]int{}, heads: map[string]uint64{}}
}

func (b *broken) Publish(ctx context.Context, topic, publisher string, payload []byte, ts int64) (uint64, error) {
	seq, err := b.Storage.Publish(ctx, topic, publisher, payload, ts)
	if err != nil || b.fault != duplicateSeq {
		return seq, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pubs[topic]++
	if b.pubs[topic]%3 == 0 && seq > 1 {
		b.fired.Add(1)
		return seq - 1, nil
	}
	return seq, nil
}

func (b *broken) Query(ctx context.Context, topic string, after uint64, limit int) (topicd.Page, error) {
	p, err := b.Storage.Query(ctx, topic, after, limit)
	if err != nil {
		return p, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queries[topic]++
	due := b.queries[topic]%2 == 0
	envs := append([]topicd.Envelope(nil), p.Envelopes...)
	switch b.fault {
	case dropLast:
		if due && len(envs) > 0 {
			b.fired.Add(1)
			return topicd.Page{Envelopes: envs[:len(envs)-1], Head: p.Head}, nil
		}
	case swapRecords:
		if due && len(envs) >= 2 {
			b.fired.Add(1)
			x, y := &envs[len(envs)-2], &envs[len(envs)-1]
			x.Payload, y.Payload = y.Payload, x.Payload
			x.TimestampNs, y.TimestampNs = y.TimestampNs, x.TimestampNs
			return topicd.Page{Envelopes: envs, Head: p.Head}, nil
		}
	case staleSnapshot:
		old, ok := b.heads[topic]
		if due && ok && old < p.Head {
			b.fired.Add(1)
			var kept []topicd.Envelope
			for _, e := range envs {
				if e.Seq <= old {
					kept = append(kept, e)
				}
			}
			return topicd.Page{Envelopes: kept, Head: old}, nil
		}
		b.heads[topic] = p.Head
	}
	return p, nil
}

// Each fault of a broken server is found: the clients' history is not
// linearizable, the tail's topic among the failing ones, and the
// visualization can be written.
func TestBrokenServerIsNotLinearizable(t *testing.T) {
	for _, fault := range []string{dropLast, duplicateSeq, swapRecords, staleSnapshot} {
		t.Run(fault, func(t *testing.T) {
			store := newBroken(t, fault)
			addr := serve(t, store)
			w := workload{clients: 4, ops: 30, topics: 3, seed: 3, noSubscriber: true}
			h := w.run(t, addr)
			if store.fired.Load() == 0 {
				t.Fatal("the fault never fired")
			}
			ok, info := linearize.Check(h)
			t.Logf("fault fired %d times; %s", store.fired.Load(), info)
			if ok || info.Result != porcupine.Illegal {
				t.Fatalf("a server with fault %s passed the check: %s", fault, info)
			}
			tail := false
			for _, topic := range info.Failing {
				tail = tail || topic == "group/tail"
			}
			if !tail {
				t.Fatalf("the tail's topic is not among the failing ones: %v", info.Failing)
			}
			path := filepath.Join(t.TempDir(), "history.html")
			if dir := os.Getenv("MLSIM_LINEARIZE_HTML"); dir != "" {
				path = filepath.Join(dir, fault+".html")
			}
			if err := info.WriteHTML(path); err != nil {
				t.Fatalf("visualization: %v", err)
			}
		})
	}
}

package main_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// ack is an acknowledged publish: what was sent and the sequence id the
// server answered.
type ack struct {
	topic   string
	payload string
	seq     uint64
}

// An acknowledged publish survives SIGKILL of the server. Publishers run
// concurrently on two topics and the server is killed by its pid while
// they are still publishing (after 150 acknowledgements, at most 400
// publishes in all); started again on the same SQLite file, it holds every
// acknowledged payload under the sequence id it acknowledged, and each
// topic's sequence ids run from 1 to its head with no gap. A publish cut
// off by the kill may or may not be there.
func TestAcknowledgedPublishesSurviveSIGKILL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "topics.db")
	p := start(t, "--db", db)
	api := client(t, p.addr)
	const publishers, perPublisher, killAfter = 4, 100, 150
	var (
		mu     sync.Mutex
		acked  []ack
		killed sync.Once
		wg     sync.WaitGroup
	)
	for w := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := fmt.Sprintf("group/g%d", w%2)
			for i := range perPublisher {
				payload := fmt.Sprintf("w%d-%d", w, i)
				ctx, cancel := call(t)
				r, err := api.Publish(ctx, &topicv1.PublishRequest{Topic: topic, Payload: []byte(payload), Publisher: "a/1"})
				cancel()
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, ack{topic, payload, r.GetSeq()})
				n := len(acked)
				mu.Unlock()
				if n == killAfter {
					killed.Do(func() {
						if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
							t.Errorf("kill: %v", err)
						}
					})
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, -1, p.wait(t), "killed by the signal")
	require.GreaterOrEqual(t, len(acked), killAfter)

	p2 := start(t, "--db", db)
	api = client(t, p2.addr)
	stored := map[string]map[uint64]string{}
	for _, topic := range []string{"group/g0", "group/g1"} {
		stored[topic] = map[uint64]string{}
		ctx, cancel := call(t)
		r, err := api.Query(ctx, &topicv1.QueryRequest{Topic: topic})
		cancel()
		require.NoError(t, err)
		require.Len(t, r.GetEnvelopes(), int(r.GetHead()), "one page holds the whole topic")
		for i, e := range r.GetEnvelopes() {
			require.Equal(t, uint64(i+1), e.GetSeq(), "no gap in %s", topic)
			stored[topic][e.GetSeq()] = string(e.GetPayload())
		}
	}
	for _, a := range acked {
		require.Equal(t, a.payload, stored[a.topic][a.seq], "acknowledged %s seq %d", a.topic, a.seq)
	}
	t.Logf("%d publishes acknowledged before SIGKILL; %d + %d envelopes after restart", len(acked), len(stored["group/g0"]), len(stored["group/g1"]))
	require.Equal(t, 0, p2.signal(t, syscall.SIGTERM))
}

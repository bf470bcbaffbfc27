package main_test

import (
	"fmt"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/internal/topictest"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// Two topicd processes on one PostgreSQL database, eight concurrent
// publishers (four per server) on three shared topics: every publish is
// acknowledged, and each topic then holds exactly its acknowledged
// payloads, each once, under the sequence id acknowledged, at 1..head with
// no gap and no duplicate. Key packages fetched concurrently through both
// servers are each handed out once.
func TestPostgresTwoServersShareOrder(t *testing.T) {
	url := topictest.Postgres(t)
	servers := []*proc{start(t, "--db", url), start(t, "--db", url)}
	apis := []topicv1.TopicServiceClient{client(t, servers[0].addr), client(t, servers[1].addr)}
	topics := []string{"group/a", "group/b", "welcome/x/1"}
	const publishers, perPublisher = 8, 40

	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	for w := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api := apis[w%2]
			for i := range perPublisher {
				topic := topics[(w+i)%len(topics)]
				payload := fmt.Sprintf("w%d-%d", w, i)
				ctx, cancel := call(t)
				r, err := api.Publish(ctx, &topicv1.PublishRequest{Topic: topic, Payload: []byte(payload), Publisher: fmt.Sprintf("w/%d", w)})
				cancel()
				if err != nil {
					t.Errorf("publish %s via server %d: %v", payload, w%2, err)
					return
				}
				mu.Lock()
				acked = append(acked, ack{topic, payload, r.GetSeq()})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, acked, publishers*perPublisher)

	want := map[string]map[uint64]string{}
	for _, a := range acked {
		if want[a.topic] == nil {
			want[a.topic] = map[uint64]string{}
		}
		_, dup := want[a.topic][a.seq]
		require.False(t, dup, "seq %d of %s acknowledged twice", a.seq, a.topic)
		want[a.topic][a.seq] = a.payload
	}
	for _, topic := range topics {
		for _, api := range apis { // both servers read the same order
			ctx, cancel := call(t)
			r, err := api.Query(ctx, &topicv1.QueryRequest{Topic: topic})
			cancel()
			require.NoError(t, err)
			require.Equal(t, uint64(len(want[topic])), r.GetHead(), topic)
			require.Len(t, r.GetEnvelopes(), len(want[topic]))
			for i, e := range r.GetEnvelopes() {
				require.Equal(t, uint64(i+1), e.GetSeq())
				require.Equal(t, want[topic][e.GetSeq()], string(e.GetPayload()))
			}
		}
	}

	const packages, fetchers = 20, 30
	ctx, cancel := call(t)
	kps := make([][]byte, packages)
	for i := range kps {
		kps[i] = []byte(fmt.Sprintf("kp%d", i))
	}
	_, err := apis[0].UploadKeyPackages(ctx, &topicv1.UploadKeyPackagesRequest{Account: "k", Installation: "k/1", KeyPackages: kps})
	cancel()
	require.NoError(t, err)
	var got []string
	var none int
	for f := range fetchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := call(t)
			defer cancel()
			r, err := apis[f%2].FetchKeyPackage(ctx, &topicv1.FetchKeyPackageRequest{Installation: "k/1"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status.Code(err) == codes.NotFound:
				none++
			case err != nil:
				t.Errorf("fetch: %v", err)
			default:
				got = append(got, string(r.GetKeyPackage()))
			}
		}()
	}
	wg.Wait()
	require.ElementsMatch(t, func() []string {
		out := make([]string, len(kps))
		for i, kp := range kps {
			out[i] = string(kp)
		}
		return out
	}(), got, "every key package handed out exactly once")
	require.Equal(t, fetchers-packages, none)

	for _, p := range servers {
		require.Equal(t, 0, p.signal(t, syscall.SIGTERM))
	}
}

package topicd_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/internal/topictest"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/topicd"
)

// receive reads n envelopes from a subscription and returns their
// sequence ids and payloads.
func receive(t *testing.T, sub grpc.ServerStreamingClient[topicv1.Envelope], n int) []string {
	t.Helper()
	var out []string
	for range n {
		e, err := sub.Recv()
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%d:%s", e.GetSeq(), e.GetPayload()))
	}
	return out
}

func publish(t *testing.T, api topicv1.TopicServiceClient, topic, payload string) {
	t.Helper()
	_, err := api.Publish(callCtx(t, "1"), &topicv1.PublishRequest{Topic: topic, Payload: []byte(payload), Publisher: "a/1"})
	require.NoError(t, err)
}

// A subscription streams what is stored after its sequence id, page after
// page, then each publish as it lands, in order; another topic's publishes
// are not on it.
func TestSubscribeStoredThenLanding(t *testing.T) {
	store := topictest.SQLite(t)
	api := topicv1.NewTopicServiceClient(dial(t, topictest.Serve(t, store)))
	var want []string
	for i := 1; i <= topicd.MaxPage+2; i++ {
		_, err := store.Publish(context.Background(), "group/g", "a/1", []byte(fmt.Sprint(i)), 1)
		require.NoError(t, err)
		if i > 1 {
			want = append(want, fmt.Sprintf("%d:%d", i, i))
		}
	}
	sub, err := api.Subscribe(callCtx(t, "1"), &topicv1.SubscribeRequest{Topic: "group/g", AfterSeq: 1})
	require.NoError(t, err)
	require.Equal(t, want, receive(t, sub, len(want)))
	publish(t, api, "group/other", "elsewhere")
	publish(t, api, "group/g", "new")
	publish(t, api, "group/g", "newer")
	require.Equal(t, []string{fmt.Sprintf("%d:new", topicd.MaxPage+3), fmt.Sprintf("%d:newer", topicd.MaxPage+4)}, receive(t, sub, 2))
}

// A subscription needs the protocol version too, and a topic.
func TestSubscribeIsGuarded(t *testing.T) {
	api := topicv1.NewTopicServiceClient(dial(t, topictest.Serve(t, topictest.SQLite(t))))
	for _, tc := range []struct {
		version, topic string
		code           codes.Code
	}{{"", "group/g", codes.FailedPrecondition}, {"2", "group/g", codes.FailedPrecondition}, {"1", "", codes.InvalidArgument}} {
		sub, err := api.Subscribe(callCtx(t, tc.version), &topicv1.SubscribeRequest{Topic: tc.topic})
		require.NoError(t, err)
		_, err = sub.Recv()
		require.Equal(t, tc.code, status.Code(err), "%+v: %v", tc, err)
	}
}

// Shutdown ends open subscriptions (UNAVAILABLE) instead of waiting for
// them: a graceful stop with a subscriber takes no longer than without.
func TestShutdownEndsSubscriptions(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv, err := topicd.New(topicd.Config{Storage: topictest.SQLite(t), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	api := topicv1.NewTopicServiceClient(dial(t, lis.Addr().String()))
	sub, err := api.Subscribe(callCtx(t, "1"), &topicv1.SubscribeRequest{Topic: "group/g"})
	require.NoError(t, err)
	publish(t, api, "group/g", "x")
	require.Equal(t, []string{"1:x"}, receive(t, sub, 1))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	require.NoError(t, srv.Shutdown(ctx))
	require.Less(t, time.Since(began), 5*time.Second)
	require.NoError(t, <-served)
	_, err = sub.Recv()
	require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
}

// Two servers on one PostgreSQL database: a subscriber of one receives
// what is published through the other (the poll interval's read).
func TestSubscribeAcrossServers(t *testing.T) {
	url := topictest.Postgres(t)
	open := func() topicd.Storage {
		s, err := topicd.OpenPostgres(context.Background(), url)
		require.NoError(t, err)
		return s
	}
	a := topicv1.NewTopicServiceClient(dial(t, topictest.Serve(t, open())))
	b := topicv1.NewTopicServiceClient(dial(t, topictest.Serve(t, open())))
	sub, err := b.Subscribe(callCtx(t, "1"), &topicv1.SubscribeRequest{Topic: "group/g"})
	require.NoError(t, err)
	publish(t, a, "group/g", "via a")
	publish(t, b, "group/g", "via b")
	require.Equal(t, []string{"1:via a", "2:via b"}, receive(t, sub, 2))
}

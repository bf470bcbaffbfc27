package topicd

import (
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// pollInterval is how often an idle subscription reads its topic even
// without a publish through this server: another server sharing the
// PostgreSQL database may have appended to it.
const pollInterval = 200 * time.Millisecond

// landings tells subscriptions that a publish through this server landed
// on their topic. A subscriber takes the topic's channel before it reads
// the topic and waits on it after: a publish that lands in between closes
// that very channel, so no wake-up is missed.
type landings struct {
	mu     sync.Mutex
	topics map[string]chan struct{}
}

func (l *landings) next(topic string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		l.topics = map[string]chan struct{}{}
	}
	ch, ok := l.topics[topic]
	if !ok {
		ch = make(chan struct{})
		l.topics[topic] = ch
	}
	return ch
}

// landed wakes the topic's subscribers. The channel is dropped with it:
// a topic nobody waits on holds nothing here.
func (l *landings) landed(topic string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.topics[topic]; ok {
		close(ch)
		delete(l.topics, topic)
	}
}

// Subscribe sends the topic's envelopes after the requested sequence id
// page by page, then waits for a landing (or the poll interval) and
// sends what is new, until the client goes or the server stops.
func (s *service) Subscribe(r *topicv1.SubscribeRequest, stream grpc.ServerStreamingServer[topicv1.Envelope]) error {
	if err := checkName("topic", r.GetTopic()); err != nil {
		return err
	}
	ctx := stream.Context()
	after := r.GetAfterSeq()
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	for {
		wake := s.landings.next(r.GetTopic())
		p, err := s.store.Query(ctx, r.GetTopic(), after, MaxPage)
		if err != nil {
			return s.failed(ctx, "subscribe", err)
		}
		for _, e := range p.Envelopes {
			if err := stream.Send(&topicv1.Envelope{Seq: e.Seq, TimestampNs: e.TimestampNs, Payload: e.Payload}); err != nil {
				return err
			}
			after = e.Seq
		}
		if after < p.Head {
			continue // more than one page behind
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.stopping:
			return status.Error(codes.Unavailable, "the server is stopping")
		case <-wake:
		case <-poll.C:
		}
	}
}

package nettransport

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/mlsim/mlsim/engine"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
)

// maxQueued bounds the deliveries a subscription holds for the engine to
// take: past it the subscription breaks (ErrNetwork) and the engine
// subscribes again from its cursor, rather than the queue growing without
// end while the engine is busy elsewhere.
const maxQueued = 4096

// Subscribe opens a server stream of the topic. Opening is bounded by the
// call deadline; the stream itself has none. A goroutine of the stream's
// own receives into a queue; Next never blocks (the engine runs no
// goroutines and waits for nothing).
func (t *transport) Subscribe(topic string, afterSeq uint64) (engine.Stream, error) {
	what := fmt.Sprintf("subscribe %s after %d for %s", topic, afterSeq, t.who)
	ctx, cancel := context.WithCancel(t.c.base)
	opening := time.AfterFunc(t.c.opts.Timeout, cancel)
	sc, err := t.c.api.Subscribe(topicv1.WithVersion(ctx, t.c.opts.Version), &topicv1.SubscribeRequest{Topic: topic, AfterSeq: afterSeq})
	if !opening.Stop() || err != nil {
		cancel()
		if err == nil {
			err = context.DeadlineExceeded
		}
		return nil, classify(what, err)
	}
	s := &stream{what: what, cancel: cancel}
	go s.receive(sc)
	return s, nil
}

// stream is one subscription: what arrived and is not yet taken, and the
// error that ended it.
type stream struct {
	what   string
	cancel context.CancelFunc
	mu     sync.Mutex
	queue  []engine.TopicEnvelope
	err    error
	closed bool
}

var _ engine.Stream = (*stream)(nil)

func (s *stream) receive(sc grpc.ServerStreamingClient[topicv1.Envelope]) {
	for {
		e, err := sc.Recv()
		s.mu.Lock()
		switch {
		case s.closed:
		case err != nil:
			s.err = classify(s.what, err)
		case len(s.queue) >= maxQueued:
			s.err = fmt.Errorf("%s: %d deliveries not taken: %w", s.what, len(s.queue), ErrNetwork)
		default:
			s.queue = append(s.queue, engine.TopicEnvelope{Seq: e.GetSeq(), TimestampNs: e.GetTimestampNs(), Payload: e.GetPayload()})
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		s.cancel()
		return
	}
}

// Next takes the oldest delivery not yet taken; once none is left, the
// error that ended the subscription, if any.
func (s *stream) Next() (engine.TopicEnvelope, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 {
		e := s.queue[0]
		s.queue = s.queue[1:]
		return e, true, nil
	}
	return engine.TopicEnvelope{}, false, s.err
}

// Close ends the subscription; its goroutine ends with it.
func (s *stream) Close() {
	s.mu.Lock()
	s.closed, s.queue = true, nil
	s.mu.Unlock()
	s.cancel()
}

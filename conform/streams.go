package conform

import (
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mlsim/mlsim/engine"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/topicd"
)

// Streams of a remote installation. In the simulator a stream-step takes
// one delivery from memnet, synchronously; over gRPC the server pushes
// and the client queues in the background, so whether a delivery "has
// arrived" would be a race. The endpoint therefore serves Subscribe
// itself (topicd's Subscribe polls its storage and sends whatever is
// there) and sends nothing of its own accord: a delivery leaves memnet
// only at a stream-step of the world, one per step, and the step waits
// until the client has taken it (stream_client.go).
//
// Only the world's goroutine touches memnet: a handler registers its
// subscription and sends what it is handed. The world's goroutine opens
// the memnet subscription (at the subscribe or stream-step that waits
// for it, or at the next stream-step when the client opened it on its
// own, in Upkeep), pulls deliveries, and closes the memnet subscriptions
// of the handlers that ended.

// subscribeMethod is the call the endpoint serves itself.
const subscribeMethod = "/mlsim.topic.v1.TopicService/Subscribe"

// streamPatience bounds every wait for the client's side of a stream: a
// subscription to register, a delivery to be taken.
const streamPatience = 2 * time.Second

// streamHub is one installation's subscriptions at its endpoint, by
// topic; lock is the world's (the one around every call into it).
type streamHub struct {
	t       sim.RemoteTransport
	lock    *sync.Mutex
	closing chan struct{} // closed when the endpoint closes: handlers end
	topics  map[string]*topicStreams
	retired []*subscription // ended or replaced: their memnet streams are the world's to close
}

// topicStreams is one topic's subscription as the client holds it.
type topicStreams struct {
	cur  *subscription // the client's current stream of the topic, nil when none is open
	regs int           // subscriptions registered so far: a waiter sees a new one
	// untaken are the deliveries (a break included) handed to the
	// client's stream that it has not reported taking.
	untaken int
}

// subscription is one Subscribe call being served.
type subscription struct {
	topic string
	after uint64
	ms    engine.Stream // memnet's subscription; nil until the world opens it
	out   chan delivery // unbuffered: a hand-off is in the handler's hands
	// held is a delivery taken from memnet that the handler did not take
	// in time: the next letOut hands it again before pulling another, so
	// a slow handler loses nothing.
	held *delivery
	gone chan struct{} // closed when the handler returns
}

// delivery is an envelope, or the error that breaks the stream.
type delivery struct {
	env engine.TopicEnvelope
	err error
}

func newStreamHub(t sim.RemoteTransport, lock *sync.Mutex) *streamHub {
	return &streamHub{t: t, lock: lock, closing: make(chan struct{}), topics: map[string]*topicStreams{}}
}

// topic is the topic's state; lock held.
func (h *streamHub) topic(topic string) *topicStreams {
	ts := h.topics[topic]
	if ts == nil {
		ts = &topicStreams{}
		h.topics[topic] = ts
	}
	return ts
}

// intercept serves Subscribe; every other call goes to topicd.
func (h *streamHub) intercept(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod != subscribeMethod {
		return handler(srv, ss)
	}
	return h.serve(ss)
}

// serve is one subscription, from registration until the client goes, a
// break is handed to it, or the endpoint closes.
func (h *streamHub) serve(ss grpc.ServerStream) error {
	// topicd's guard does not run for a call it does not handle: check
	// the version as it does.
	if err := topicd.CheckVersion(ss.Context()); err != nil {
		return err
	}
	var req topicv1.SubscribeRequest
	if err := ss.RecvMsg(&req); err != nil {
		return err
	}
	if req.GetTopic() == "" {
		return status.Error(codes.InvalidArgument, "subscribe: no topic")
	}
	sub := &subscription{topic: req.GetTopic(), after: req.GetAfterSeq(), out: make(chan delivery), gone: make(chan struct{})}
	h.register(sub)
	defer h.unregister(sub)
	ctx := ss.Context()
	for {
		select {
		case d := <-sub.out:
			if d.err != nil {
				// The world broke (or refused) the subscription: the
				// stream ends, with OK rather than UNAVAILABLE. Our
				// reference client passes a transport status it wraps
				// through as its own answer (intentclient's Failure), so
				// UNAVAILABLE would read as "network" there, not
				// "stream_broken". A client takes the end of a
				// subscription as its break either way.
				return nil
			}
			if err := ss.SendMsg(&topicv1.Envelope{Seq: d.env.Seq, TimestampNs: d.env.TimestampNs, Payload: d.env.Payload}); err != nil {
				return err
			}
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-h.closing:
			return status.Error(codes.Unavailable, "the endpoint is closing")
		}
	}
}

// register makes sub the topic's current subscription. One it replaces
// was closed by the client (a subscribe closes the old stream first), and
// what that stream had not taken went with it.
func (h *streamHub) register(sub *subscription) {
	h.lock.Lock()
	defer h.lock.Unlock()
	ts := h.topic(sub.topic)
	if ts.cur != nil {
		h.retired = append(h.retired, ts.cur)
	}
	ts.cur, ts.untaken = sub, 0
	ts.regs++
}

func (h *streamHub) unregister(sub *subscription) {
	close(sub.gone)
	h.lock.Lock()
	defer h.lock.Unlock()
	if ts := h.topics[sub.topic]; ts != nil && ts.cur == sub {
		ts.cur = nil
	}
	h.retired = append(h.retired, sub)
}

// reap closes the memnet subscriptions of handlers that ended (the
// world's goroutine, lock held), as a local engine closes its stream.
func (h *streamHub) reap() {
	for _, sub := range h.retired {
		if sub.ms != nil {
			sub.ms.Close()
		}
	}
	h.retired = nil
}

// forget drops every subscription: the client restarted, and its streams
// went with its memory (the world broke their memnet side).
func (h *streamHub) forget() {
	h.lock.Lock()
	defer h.lock.Unlock()
	for _, ts := range h.topics {
		if ts.cur != nil {
			h.retired = append(h.retired, ts.cur)
		}
		ts.cur, ts.untaken = nil, 0
	}
	h.reap()
}

// open opens the current subscription's memnet side if it is not yet
// (the world's goroutine, lock held). A refusal (a partition) is the
// stream's break: the handler is to answer it, and the client holds no
// subscription then.
func (h *streamHub) open(ts *topicStreams) (refused *subscription, err error) {
	sub := ts.cur
	if sub == nil || sub.ms != nil {
		return nil, nil
	}
	ms, err := h.t.Subscribe(sub.topic, sub.after)
	if err != nil {
		ts.cur = nil
		return sub, err
	}
	sub.ms = ms
	return nil, nil
}

// pull takes the current subscription's next memnet delivery, if it has
// one (the world's goroutine, lock held). A break ends the subscription.
func (h *streamHub) pull(ts *topicStreams) (*subscription, delivery, bool) {
	sub := ts.cur
	if sub == nil || sub.ms == nil {
		return nil, delivery{}, false
	}
	if d := sub.held; d != nil {
		sub.held = nil
		return sub, *d, true
	}
	env, ok, err := sub.ms.Next()
	if err != nil {
		ts.cur = nil
		return sub, delivery{err: err}, true
	}
	return sub, delivery{env: env}, ok
}

// hand gives d to sub's handler and counts it untaken (the world's
// goroutine, lock held, released while handing); false when the handler
// is gone (the delivery goes with the stream, as a closed stream's do) or
// did not take it in time (it is held for the next hand-off).
func (h *streamHub) hand(ts *topicStreams, sub *subscription, d delivery) bool {
	h.lock.Unlock()
	timer := time.NewTimer(streamPatience)
	handed := false
	select {
	case sub.out <- d:
		handed = true
	case <-sub.gone:
	case <-timer.C:
	}
	timer.Stop()
	h.lock.Lock()
	switch {
	case handed:
		ts.untaken++
	case d.err == nil && !isClosed(sub.gone):
		sub.held = &d
	}
	return handed
}

// letOut lets the current subscription's next delivery out of the
// world's network to the client, opening the subscription there first
// if it is not yet (lock held; released while handing). It returns the
// world's refusal to open it, if that is what the client is handed.
func (h *streamHub) letOut(ts *topicStreams) (refusal error) {
	if sub, err := h.open(ts); sub != nil {
		h.hand(ts, sub, delivery{err: err})
		return err
	}
	if sub, d, ok := h.pull(ts); ok {
		h.hand(ts, sub, d)
	}
	return nil
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

package conform

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
	topicv1 "github.com/mlsim/mlsim/proto/topic/v1"
	"github.com/mlsim/mlsim/wire"
)

// A client whose deliveries arrive late, and whose subscriptions reach
// the endpoint late, takes one delivery per stream-step all the same, in
// memnet's order and with memnet's faults; a resubscription is reported
// as such even when a later ask took its delivery, and one the world
// refuses (a partition) is the step's network error, as locally. No
// client process: a fake client (lagClient) drives the endpoint's
// handler over a fake gRPC stream.
func TestStreamStepWaitsForTheClientsSide(t *testing.T) {
	const who, g = "bob/1", "g"
	net := memnet.New(1, 1)
	var lock sync.Mutex
	hub := newStreamHub(netTransport{net.For(who)}, &lock)
	defer close(hub.closing)
	c := &lagClient{hub: hub, lag: 20 * time.Millisecond}
	defer c.close()
	publish := func(n int) {
		for range n {
			require.NoError(t, net.For("alice/1").Publish(wire.GroupTopic(g), []byte("x")))
		}
	}
	step := func() string {
		r, err := hub.step(g, c.step)
		if err != nil {
			return fmt.Sprintf("%v err=%v", r, errors.Is(err, memnet.ErrNetwork))
		}
		return r.String()
	}

	publish(2)
	require.NoError(t, hub.subscribe(g, c.subscribe))
	require.Equal(t, "seq=1 processed", step())
	net.Arm(who, memnet.StreamDuplicate)
	require.Equal(t, "seq=2 processed", step())
	require.Equal(t, "seq=2 skipped cursor=2", step())
	net.Arm(who, memnet.StreamBreak)
	require.Equal(t, "none err=true", step()) // stream_broken, which wraps the network error
	publish(1)
	require.Equal(t, "resubscribed seq=3 processed", step())
	net.Partition(who)
	require.Equal(t, "none err=true", step())
	require.Equal(t, "none err=true", step()) // the resubscription refused: not "resubscribed"
	net.Unpartition(who)
	publish(1)
	require.Equal(t, "resubscribed seq=4 processed", step())
	start := time.Now()
	require.Equal(t, "none", step())
	require.Less(t, time.Since(start), streamPatience/2, "nothing was on its way: no waiting")
}

// netTransport is a memnet connection as a RemoteTransport.
type netTransport struct{ engine.Transport }

func (netTransport) PublishAt(string, []byte) (uint64, int64, error) {
	return 0, 0, errors.New("not used")
}

// lagClient is a client's stream as an engine over a gRPC stream keeps
// it: deliveries queued as they arrive, lag after the endpoint sends
// them; a subscription opened lag before it reaches the endpoint; one
// delivery taken per step, judged against the cursor.
type lagClient struct {
	hub    *streamHub
	lag    time.Duration
	mu     sync.Mutex
	queue  []engine.TopicEnvelope
	ended  bool // the stream ended (the endpoint's handler returned)
	open   bool // a stream is held
	cursor uint64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (c *lagClient) subscribe() error {
	if c.cancel != nil {
		c.cancel()
	}
	ctx, cancel := context.WithCancel(metadata.NewIncomingContext(context.Background(),
		metadata.Pairs(topicv1.VersionKey, strconv.Itoa(int(topicv1.Current)))))
	c.cancel = cancel
	c.mu.Lock()
	c.queue, c.ended, c.open = nil, false, true
	after := c.cursor
	c.mu.Unlock()
	ss := &lagStream{ctx: ctx, c: c, after: after}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		time.Sleep(c.lag)
		_ = c.hub.serve(ss)
		time.Sleep(c.lag)
		c.mu.Lock()
		defer c.mu.Unlock()
		if ss.ctx.Err() == nil {
			c.ended = true
		}
	}()
	return nil
}

func (c *lagClient) step() (engine.StreamResult, error) {
	var r engine.StreamResult
	if !c.open {
		_ = c.subscribe()
		r.Resubscribed = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case len(c.queue) > 0:
		env := c.queue[0]
		c.queue = c.queue[1:]
		r.Seq, r.Cursor = env.Seq, c.cursor
		r.Action = engine.StreamSkipped
		if env.Seq == c.cursor+1 {
			r.Action, c.cursor = engine.StreamProcessed, env.Seq
		}
	case c.ended:
		c.open = false
		return r, fmt.Errorf("%w: %w", engine.ErrStreamBroken, memnet.ErrNetwork)
	}
	return r, nil
}

func (c *lagClient) close() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
}

// lagStream is the endpoint's side of one subscription.
type lagStream struct {
	grpc.ServerStream // not called
	ctx               context.Context
	c                 *lagClient
	after             uint64
}

func (s *lagStream) Context() context.Context { return s.ctx }

func (s *lagStream) RecvMsg(m any) error {
	req := m.(*topicv1.SubscribeRequest)
	req.Topic, req.AfterSeq = wire.GroupTopic("g"), s.after
	return nil
}

func (s *lagStream) SendMsg(m any) error {
	e := m.(*topicv1.Envelope)
	time.Sleep(s.c.lag)
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.ctx.Err() == nil {
		s.c.queue = append(s.c.queue, engine.TopicEnvelope{Seq: e.GetSeq(), Payload: e.GetPayload()})
	}
	return nil
}

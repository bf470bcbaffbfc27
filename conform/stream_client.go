package conform

import (
	"errors"
	"fmt"
	"time"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/wire"
)

// The world's side of a remote installation's streams (streams.go has
// the endpoint's): subscribe and stream-step as the world plays them, so
// that a step takes one delivery, as it does locally, whatever the timing
// of the gRPC stream between the endpoint and the client.

// Subscribe asks the client to subscribe, then waits (bounded) for its
// subscription to reach the endpoint and opens it on the world's network
// at once, as a local engine's subscribe does. A subscription the world
// refuses (a partition) is this call's error, as locally; the client's
// stream breaks, and it learns so at its next stream-step.
func (c *remoteClient) Subscribe(g string) error {
	return c.hub.subscribe(g, func() error { return c.Remote.Subscribe(g) })
}

// subscribe is Subscribe of group g, whose client subscribes with
// clientSubscribe.
func (h *streamHub) subscribe(g string, clientSubscribe func() error) error {
	h.lock.Lock()
	h.reap()
	ts := h.topic(wire.GroupTopic(g))
	regs := ts.regs
	h.lock.Unlock()
	if err := clientSubscribe(); err != nil {
		return err
	}
	var refusal error
	patiently(func() bool {
		h.lock.Lock()
		defer h.lock.Unlock()
		if ts.regs == regs {
			return false // not registered yet
		}
		if sub, err := h.open(ts); sub != nil {
			h.hand(ts, sub, delivery{err: err})
			refusal = fmt.Errorf("subscribe %s: %w", g, err)
		}
		return true
	})
	return refusal
}

// StreamStep lets one delivery out of the world's network to the
// client's stream and asks the client to take it (streamHub.step).
func (c *remoteClient) StreamStep(g string) (engine.StreamResult, error) {
	return c.hub.step(g, func() (engine.StreamResult, error) { return c.Remote.StreamStep(g) })
}

// step is one stream-step of group g, whose client takes a delivery with
// clientStep. Where the client holds no subscription the endpoint knows
// of (it resubscribes inside this step, or opened one on its own in
// Upkeep), the delivery goes out once that subscription registers. A
// client answering none while a delivery is on its way has not received
// it yet; a step with nothing pending changes nothing, so the client is
// asked again until it reports taking the delivery, within
// streamPatience. A result that says the client resubscribed stays so
// marked when a later ask took the delivery.
func (h *streamHub) step(g string, clientStep func() (engine.StreamResult, error)) (engine.StreamResult, error) {
	h.lock.Lock()
	h.reap()
	ts := h.topic(wire.GroupTopic(g))
	regs := ts.regs
	stepped := ts.cur != nil // memnet's one delivery of this step is let out (or refused)
	var refusal error
	if stepped {
		refusal = h.letOut(ts)
	}
	h.lock.Unlock()

	res, err := clientStep()
	resubscribed := res.Resubscribed
	deadline := time.Now().Add(streamPatience)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		h.lock.Lock()
		if (res.Action != engine.StreamNone || errors.Is(err, engine.ErrStreamBroken)) && ts.untaken > 0 {
			ts.untaken--
		}
		none := res.Action == engine.StreamNone && err == nil
		if none && !stepped && ts.regs != regs {
			// The client holds a stream the endpoint has only now seen.
			stepped = true
			refusal = h.letOut(ts)
		}
		// A client that answers none holds a stream: wait for what is on
		// its way to it, or for the stream to register.
		wait := none && (ts.untaken > 0 || !stepped)
		h.lock.Unlock()
		if !wait || time.Now().After(deadline) {
			break
		}
		time.Sleep(pause)
		res, err = clientStep()
		resubscribed = resubscribed || res.Resubscribed
	}
	if refusal != nil && resubscribed && res.Action == engine.StreamNone && errors.Is(err, engine.ErrStreamBroken) {
		// The client resubscribed and the world refused it: locally that
		// is the step's error, and the client holds no stream either way.
		return engine.StreamResult{}, fmt.Errorf("stream %s: subscribe %s: %w", g, g, refusal)
	}
	res.Resubscribed = resubscribed
	return res, err
}

// Restart: the client's streams went with its memory.
func (c *remoteClient) Restart() error {
	c.hub.forget()
	return c.Remote.Restart()
}

// patiently calls done after a pause of 1 ms doubling to 50 ms until it
// says true or streamPatience has passed.
func patiently(done func() bool) {
	deadline := time.Now().Add(streamPatience)
	for pause := time.Millisecond; !done() && time.Now().Before(deadline); pause = min(2*pause, 50*time.Millisecond) {
		time.Sleep(pause)
	}
}

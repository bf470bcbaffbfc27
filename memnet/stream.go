package memnet

import (
	"fmt"
	"slices"

	"github.com/mlsim/mlsim/engine"
)

// Streams: a subscription to a topic queues every record of it as the
// record lands (a publish, a delayed publish landing, an injected one),
// after those already stored past the sequence id it was opened from. The
// client takes them one at a time (engine.Stream.Next, never blocking).
// SPEC §7's network faults reach streams as four faults armed per
// installation — a delivery dropped (a gap), repeated, delayed behind the
// later ones, or the subscription broken — and a partition breaks every
// subscription of the installation it cuts off. A broken subscription
// stays broken: the client subscribes again.

// streamHub is the server's open subscriptions and armed stream faults.
// Its zero value is ready: a server built before streams existed (or a
// deep copy of one) needs no setup.
type streamHub struct {
	open    []*subscription            // every open subscription, in the order opened
	byTopic map[string][]*subscription // topic -> its open subscriptions, in the order opened
	faults  map[string][]Fault         // installation -> armed stream faults, in the order armed
}

// subscription is one client's stream of one topic. Pending deliveries
// are sequence ids into the topic's log (the payload is copied when it is
// taken, as a query copies it), so a subscription costs 8 bytes a record.
type subscription struct {
	s       *Server
	who     string
	topic   string
	pending []uint64
	ended   bool // broken by the server, or closed by the client
	broken  bool // the server broke it: Next fails from now on
}

var _ engine.Stream = (*subscription)(nil)

// Subscribe opens a stream of the topic: every record after afterSeq
// already stored, then each one as it lands. A partitioned installation
// cannot subscribe.
func (c *conn) Subscribe(topic string, afterSeq uint64) (engine.Stream, error) {
	s := c.s
	if s.partitioned[c.who] {
		s.stats.Partitioned++
		return nil, s.netErr(c.who, "subscribe: partitioned")
	}
	sub := &subscription{s: s, who: c.who, topic: topic}
	for seq := afterSeq + 1; seq <= s.Head(topic); seq++ {
		sub.pending = append(sub.pending, seq)
	}
	h := &s.streams
	if h.byTopic == nil {
		h.byTopic = map[string][]*subscription{}
	}
	h.open = append(h.open, sub)
	h.byTopic[topic] = append(h.byTopic[topic], sub)
	return sub, nil
}

// Next takes the next delivery; an armed stream fault of the installation
// fires here, on the first Next that has something for it to act on (a
// break at once; a drop or a duplicate once a delivery is pending; a
// delay once two are, so that one can overtake the other).
func (sub *subscription) Next() (engine.TopicEnvelope, bool, error) {
	s := sub.s
	if sub.broken {
		return engine.TopicEnvelope{}, false, s.netErr(sub.who, "stream: broken")
	}
	if sub.ended {
		return engine.TopicEnvelope{}, false, fmt.Errorf("stream of %s for %s: closed", sub.topic, sub.who)
	}
	switch s.streams.take(sub.who, len(sub.pending)) {
	case StreamBreak:
		s.stats.StreamBroken++
		s.streams.end(sub, true)
		return engine.TopicEnvelope{}, false, s.netErr(sub.who, "stream: broken")
	case StreamDrop:
		s.stats.StreamDropped++
		sub.pending = sub.pending[1:]
	case StreamDuplicate:
		s.stats.StreamDuplicated++
		sub.pending = append([]uint64{sub.pending[0]}, sub.pending...)
	case StreamDelay:
		s.stats.StreamDelayed++
		sub.pending = append(slices.Clone(sub.pending[1:]), sub.pending[0])
	}
	if len(sub.pending) == 0 {
		return engine.TopicEnvelope{}, false, nil
	}
	seq := sub.pending[0]
	sub.pending = sub.pending[1:]
	env := s.topics[sub.topic][seq-1].TopicEnvelope
	env.Payload = append([]byte(nil), env.Payload...)
	return env, true, nil
}

// Close ends the subscription: nothing more is queued for it.
func (sub *subscription) Close() { sub.s.streams.end(sub, false) }

// take returns the first of the installation's armed stream faults that
// can act on a subscription with pending deliveries queued, and disarms
// it; 0 when none can (they stay armed, in order: a delay waiting for a
// second delivery holds back no drop).
func (h *streamHub) take(who string, pending int) Fault {
	q := h.faults[who]
	for i, f := range q {
		switch {
		case f == StreamDelay && pending < 2,
			(f == StreamDrop || f == StreamDuplicate) && pending < 1:
			continue
		}
		if len(q) == 1 {
			delete(h.faults, who)
		} else {
			h.faults[who] = slices.Delete(slices.Clone(q), i, i+1)
		}
		return f
	}
	return 0
}

func (h *streamHub) arm(who string, f Fault) {
	if h.faults == nil {
		h.faults = map[string][]Fault{}
	}
	h.faults[who] = append(h.faults[who], f)
}

// deliver queues a record that just landed for every open subscription of
// its topic.
func (h *streamHub) deliver(topic string, seq uint64) {
	for _, sub := range h.byTopic[topic] {
		sub.pending = append(sub.pending, seq)
	}
}

// end takes a subscription out of the hub; broken says the server broke
// it (its Next fails) rather than the client closing it.
func (h *streamHub) end(sub *subscription, broken bool) {
	if sub.ended {
		return
	}
	sub.ended, sub.broken, sub.pending = true, broken, nil
	h.open = slices.DeleteFunc(h.open, func(x *subscription) bool { return x == sub })
	list := slices.DeleteFunc(h.byTopic[sub.topic], func(x *subscription) bool { return x == sub })
	if len(list) == 0 {
		delete(h.byTopic, sub.topic)
	} else {
		h.byTopic[sub.topic] = list
	}
}

// breakAll breaks every open subscription of an installation, in the
// order they were opened.
func (h *streamHub) breakAll(who string) {
	for _, sub := range slices.Clone(h.open) {
		if sub.who == who {
			h.end(sub, true)
		}
	}
}

// Disconnect breaks every subscription an installation holds, as a
// server does when the client's connection drops: the simulator calls it
// when a client restarts, whose old engine's subscriptions are gone with
// its memory.
func (s *Server) Disconnect(installation string) { s.streams.breakAll(installation) }

// Subscriptions is how many open subscriptions an installation holds.
func (s *Server) Subscriptions(installation string) int {
	n := 0
	for _, sub := range s.streams.open {
		if sub.who == installation {
			n++
		}
	}
	return n
}

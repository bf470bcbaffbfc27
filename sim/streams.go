package sim

// Streams in the schedule: clients subscribe to group topics and take
// deliveries one step at a time, interleaved with their pulls and sync
// batches, while SPEC §7's network faults reach the streams as dropped,
// repeated, delayed and broken deliveries (memnet/stream.go).

// The stream actions (named after the commands and fault kinds they
// become). StreamWeights turns them on in a scenario.
const (
	ActSubscribe       Action = "subscribe"
	ActStreamStep      Action = "stream-step"
	ActStreamDrop      Action = "stream-drop"
	ActStreamDuplicate Action = "stream-duplicate"
	ActStreamDelay     Action = "stream-delay"
	ActStreamBreak     Action = "stream-break"
)

// StreamWeights are the stream actions' weights, to add to a scenario's:
// a stream is stepped about as often as a client pulls, and each of its
// faults about as often as each publish or query fault (the drop and the
// delay, which leave gaps, a little more).
func StreamWeights() map[Action]float64 {
	return map[Action]float64{
		ActSubscribe: 2, ActStreamStep: 8,
		ActStreamDrop: 1, ActStreamDuplicate: 0.6, ActStreamDelay: 0.8, ActStreamBreak: 0.5,
	}
}

// chooseStream resolves a stream action. Stream faults go to a running
// client that holds a subscription when there is one (a fault armed where
// nothing is subscribed waits, harmlessly, for the heal); stream-step goes
// to a subscribed client and one of its subscriptions, or subscribes one
// when none is. Hints only, read from the engines' own memory.
func (w *World) chooseStream(a Action) Cmd {
	var subscribed []*client
	for _, c := range w.live() {
		if len(c.eng.Subscriptions()) > 0 {
			subscribed = append(subscribed, c)
		}
	}
	switch a {
	case ActStreamDrop, ActStreamDuplicate, ActStreamDelay, ActStreamBreak:
		if len(subscribed) > 0 {
			return NewCmd("fault", string(a), subscribed[w.pick(len(subscribed))].id)
		}
		return NewCmd("fault", string(a), w.names[w.pick(len(w.names))])
	case ActStreamStep:
		if len(subscribed) > 0 {
			c := subscribed[w.pick(len(subscribed))]
			groups := c.eng.Subscriptions()
			return NewCmd("stream-step", c.id, groups[w.pick(len(groups))])
		}
	}
	// subscribe, and stream-step with nothing subscribed: a running client
	// subscribes to one of its groups.
	var holders []*client
	for _, c := range w.live() {
		if len(w.held[c.id]) > 0 {
			holders = append(holders, c)
		}
	}
	if len(holders) == 0 {
		return w.choose(ActSync)
	}
	c := holders[w.pick(len(holders))]
	held := w.held[c.id]
	return NewCmd("subscribe", c.id, held[w.pick(len(held))])
}

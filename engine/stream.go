package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mlsim/mlsim/wire"
)

// Streams (push): besides pulling pages (sync.go), a client may subscribe
// to a group topic and take envelopes as the server pushes them. A
// delivered envelope goes through the same per-envelope transaction and
// cursor check as a pulled one (processEnvelope), so pulls, sync batches
// and streams of one client interleave freely and every payload is
// processed exactly once:
//   - at or below the cursor: processed already (a duplicate delivery, or
//     a pull got there first): skipped;
//   - at cursor+1: processed, and the cursor moves to it;
//   - beyond cursor+1: a delivery before it was lost or is late. The
//     cursor is exact (SPEC §3, §5: never skip), so the stream does not
//     move it; it falls back to a pull of the group (Sync), which
//     processes the gap and the delivered envelope in order. If that pull
//     fails, the cursor stays before the gap and the next pull fills it.
//
// A stream proves nothing about what is absent, since a delivery can be
// lost: only a pull that reads to the head clears a PUBLISHED attempt for
// re-sending (rule 6, delivery.go), never a stream.

// Stream is one subscription to a topic, as a Transport gives it. The
// engine takes deliveries with Next and never waits: an implementation
// over a network receives in the background (its own goroutine: the
// engine runs none) and queues what arrives for Next. The engine relies
// on nothing about the order or completeness of deliveries: they may be
// lost, repeated or reordered, and every one is checked against the
// cursor.
type Stream interface {
	// Next returns the next delivery without blocking; ok is false when
	// none is pending. An error means the subscription is broken for
	// good: the client subscribes again (from its cursor).
	Next() (env TopicEnvelope, ok bool, err error)
	// Close ends the subscription; the engine calls Next on it no more.
	Close()
}

// Errors a caller branches on.
var (
	// ErrNotSubscribed: StreamStep on a group the application has not
	// subscribed to.
	ErrNotSubscribed = errors.New("not subscribed")
	// ErrStreamBroken wraps the transport's error when a subscription
	// breaks; the next StreamStep subscribes again.
	ErrStreamBroken = errors.New("stream broken")
	// ErrCursorGap: an envelope beyond cursor+1 was refused (it would
	// skip the ones between).
	ErrCursorGap = errors.New("envelope beyond the cursor: a gap")
)

// StreamAction is what one StreamStep did with its delivery.
type StreamAction int

// What StreamStep can do.
const (
	StreamNone      StreamAction = iota // nothing was pending
	StreamProcessed                     // at cursor+1: processed in its own transaction
	StreamSkipped                       // at or below the cursor: processed already
	StreamGap                           // beyond cursor+1: a pull filled the gap
	StreamEnded                         // the group was left at a removal: the subscription is closed
)

// StreamResult is what one StreamStep did.
type StreamResult struct {
	Action       StreamAction
	Seq          uint64 // the delivered envelope's sequence id (0: none delivered)
	Cursor       uint64 // the cursor the delivery was judged against
	Resubscribed bool   // the subscription had broken and was opened again first
}

// String says it as a script shows it: "seq=7 gap cursor=5", "none".
func (r StreamResult) String() string {
	var s string
	switch r.Action {
	case StreamNone:
		s = "none"
	case StreamProcessed:
		s = fmt.Sprintf("seq=%d processed", r.Seq)
	case StreamSkipped:
		s = fmt.Sprintf("seq=%d skipped cursor=%d", r.Seq, r.Cursor)
	case StreamGap:
		s = fmt.Sprintf("seq=%d gap cursor=%d", r.Seq, r.Cursor)
	case StreamEnded:
		s = fmt.Sprintf("seq=%d ended", r.Seq)
	}
	if r.Resubscribed {
		s = "resubscribed " + s
	}
	return s
}

// Subscribe opens the group's subscription from its cursor, closing one
// already open. A removed or stopped group is not subscribed to: it is
// not synced either. A failed subscribe leaves the group subscribed in
// intent, so the next StreamStep tries again.
func (c *Client) Subscribe(groupID string) error {
	var g groupRow
	var cur uint64
	topic := wire.GroupTopic(groupID)
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, groupID); err != nil {
			return err
		}
		cur, err = c.cursor(tx, topic)
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("subscribe %s: %w", groupID, err)
	case g.RemovedAtSeq != 0:
		return fmt.Errorf("subscribe %s: %w", groupID, ErrRemoved)
	case g.Broken != "":
		return fmt.Errorf("subscribe %s: %w: %s", groupID, ErrGroupBroken, g.Broken)
	}
	if c.streams == nil {
		c.streams = map[string]Stream{}
	}
	if old := c.streams[groupID]; old != nil {
		old.Close()
	}
	c.streams[groupID] = nil
	stream, err := c.cfg.Transport.Subscribe(topic, cur)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", groupID, err)
	}
	c.streams[groupID] = stream
	return nil
}

// Subscriptions lists the groups the application subscribed to (broken
// subscriptions included: StreamStep opens them again), in id order.
func (c *Client) Subscriptions() []string {
	out := make([]string, 0, len(c.streams))
	for g := range c.streams {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// StreamStep takes the group's next delivery and processes it (see the
// top of this file): one envelope, or none when nothing is pending. A
// subscription that broke is opened again first, from the cursor. When
// the subscription breaks the error wraps ErrStreamBroken; a delivery
// whose transaction fails is gone from the stream, and the gap it leaves
// is filled by a pull.
func (c *Client) StreamStep(groupID string) (StreamResult, error) {
	var r StreamResult
	stream, subscribed := c.streams[groupID]
	if !subscribed {
		return r, fmt.Errorf("stream %s: %w", groupID, ErrNotSubscribed)
	}
	if stream == nil {
		if err := c.Subscribe(groupID); err != nil {
			return r, err
		}
		r.Resubscribed = true
		stream = c.streams[groupID]
	}
	env, ok, err := stream.Next()
	if err != nil {
		stream.Close()
		c.streams[groupID] = nil
		return r, fmt.Errorf("stream %s: %w: %w", groupID, ErrStreamBroken, err)
	}
	if !ok {
		return r, nil
	}
	r.Seq = env.Seq
	var g groupRow
	err = c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, groupID); err != nil {
			return err
		}
		r.Cursor, err = c.cursor(tx, wire.GroupTopic(groupID))
		return err
	})
	switch {
	case err != nil:
		return r, fmt.Errorf("stream %s: %w", groupID, err)
	case g.RemovedAtSeq != 0:
		stream.Close()
		delete(c.streams, groupID)
		r.Action = StreamEnded
		return r, nil
	case g.Broken != "":
		return r, fmt.Errorf("stream %s: %w: %s", groupID, ErrGroupBroken, g.Broken)
	case env.Seq <= r.Cursor:
		// Cursors only move forward, so a read outside the transaction
		// is enough to skip: no write transaction for a duplicate.
		r.Action = StreamSkipped
		return r, nil
	}
	err = c.processEnvelope(groupID, env)
	if !errors.Is(err, ErrCursorGap) {
		if err == nil {
			r.Action = StreamProcessed
		}
		return r, err
	}
	r.Action = StreamGap
	if err := c.Sync(groupID); err != nil {
		return r, fmt.Errorf("stream %s: filling the gap before seq %d: %w", groupID, env.Seq, err)
	}
	return r, nil
}

// MaxStreamSteps bounds how many deliveries DrainStreams takes per group
// in one call: a stream only holds what landed since it was last drained,
// so the bound only keeps one Upkeep round short on a busy topic.
const MaxStreamSteps = 256

// DrainStreams takes every pending delivery of every subscription, in
// group id order, opening broken ones again (Upkeep's "streams" step). It
// returns the first error after trying every group.
func (c *Client) DrainStreams() error {
	var first error
	for _, g := range c.Subscriptions() {
		for i := 0; i < MaxStreamSteps; i++ {
			r, err := c.StreamStep(g)
			if err != nil {
				if first == nil {
					first = err
				}
				break
			}
			if r.Action == StreamNone || r.Action == StreamEnded {
				break
			}
		}
	}
	return first
}

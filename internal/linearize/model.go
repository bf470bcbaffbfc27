package linearize

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
)

// node is one record of a topic's log and, through prev, the log up to
// it: states share their prefixes and are never changed.
type node struct {
	prev    *node
	seq     uint64 // its sequence id: the log's length up to here
	payload Digest
	ts      int64
	tsKnown bool // false for a publish of unknown outcome no read has shown
	hash    uint64
}

var seed = maphash.MakeSeed()

func push(prev *node, payload Digest, ts int64, known bool) *node {
	var b [8 + 16 + 8 + 1]byte
	n := &node{prev: prev, seq: 1, payload: payload, ts: ts, tsKnown: known}
	if prev != nil {
		n.seq = prev.seq + 1
		binary.LittleEndian.PutUint64(b[:8], prev.hash)
	}
	copy(b[8:24], payload[:])
	binary.LittleEndian.PutUint64(b[24:32], uint64(ts))
	if known {
		b[32] = 1
	}
	n.hash = maphash.Bytes(seed, b[:])
	return n
}

func length(n *node) uint64 {
	if n == nil {
		return 0
	}
	return n.seq
}

func sameLog(a, b *node) bool {
	for a != b {
		if a == nil || b == nil || a.seq != b.seq || a.hash != b.hash ||
			a.payload != b.payload || a.ts != b.ts || a.tsKnown != b.tsKnown {
			return false
		}
		a, b = a.prev, b.prev
	}
	return true
}

// topicLog is one topic's log in a state.
type topicLog struct {
	topic string
	head  *node
}

// state is the model's state: the logs of the topics written so far,
// sorted by topic. With the history partitioned by topic it holds one.
type state []topicLog

func (s state) log(topic string) *node {
	i := sort.Search(len(s), func(i int) bool { return s[i].topic >= topic })
	if i < len(s) && s[i].topic == topic {
		return s[i].head
	}
	return nil
}

func (s state) with(topic string, head *node) state {
	i := sort.Search(len(s), func(i int) bool { return s[i].topic >= topic })
	out := make(state, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, topicLog{topic, head})
	if i < len(s) && s[i].topic == topic {
		i++
	}
	return append(out, s[i:]...)
}

// step is the sequential specification: whether the log could have given
// op's answer, and the log after it.
func step(maxPage int, s state, op *Op) (bool, state) {
	head := s.log(op.Topic)
	size := length(head)
	switch op.Kind {
	case Publish:
		if op.Unknown {
			// Appended, at whatever seq comes next (or at the seq a
			// read showed it at, when Check pinned it); a read will
			// show its timestamp. (Never stored: porcupine places it
			// after everything else, where it changes nothing seen.)
			if op.Seq != 0 && op.Seq != size+1 {
				return false, s
			}
			return true, s.with(op.Topic, push(head, op.Payload, 0, false))
		}
		if op.Seq != size+1 {
			return false, s
		}
		return true, s.with(op.Topic, push(head, op.Payload, op.TimestampNs, true))
	case Query:
		if op.Head != size {
			return false, s
		}
		want := uint64(0)
		if op.After < size {
			limit := uint64(maxPage)
			if op.Limit > 0 && op.Limit < maxPage {
				limit = uint64(op.Limit)
			}
			want = min(limit, size-op.After)
		}
		if uint64(len(op.Records)) != want {
			return false, s
		}
		if want == 0 {
			return true, s
		}
		// Skip the records past the page, then compare the page's
		// newest first.
		n := head
		for n.seq > op.After+want {
			n = n.prev
		}
		unknownTs := false
		for i := len(op.Records) - 1; i >= 0; i-- {
			r := op.Records[i]
			if r.Seq != n.seq || r.Payload != n.payload || (n.tsKnown && r.TimestampNs != n.ts) {
				return false, s
			}
			unknownTs = unknownTs || !n.tsKnown
			n = n.prev
		}
		if !unknownTs {
			return true, s
		}
		return true, s.with(op.Topic, learn(head, n, op.Records))
	case Delivery:
		if len(op.Records) != 1 {
			return false, s
		}
		r := op.Records[0]
		if r.Seq == 0 || r.Seq > size {
			return false, s
		}
		n := head
		for n.seq > r.Seq {
			n = n.prev
		}
		if r.Payload != n.payload || (n.tsKnown && r.TimestampNs != n.ts) {
			return false, s
		}
		if n.tsKnown {
			return true, s
		}
		return true, s.with(op.Topic, learn(head, n.prev, op.Records))
	}
	return false, s
}

// learn is the log head with the timestamps recs show set on records of
// publishes of unknown outcome no read had shown (fixed from now on for
// every later read): the records above base (where recs start) are
// rebuilt on it.
func learn(head, base *node, recs []Record) *node {
	var above []*node
	for m := head; m != base; m = m.prev {
		above = append(above, m)
	}
	n, first := base, length(base)+1
	for i := len(above) - 1; i >= 0; i-- {
		old := above[i]
		ts, known := old.ts, old.tsKnown
		if j := old.seq - first; j < uint64(len(recs)) && !known {
			ts, known = recs[j].TimestampNs, true
		}
		n = push(n, old.payload, ts, known)
	}
	return n
}

// NewModel is the porcupine model of topicd's topics: a totally ordered
// append-only log per topic, the history partitioned by topic. maxPage is
// the server's page (a query limit of 0 or above it is cut to it).
func NewModel(maxPage int) porcupine.Model {
	return porcupine.Model{
		Partition: partition,
		Init:      func() any { return state(nil) },
		Step: func(s, in, _ any) (bool, any) {
			return step(maxPage, s.(state), in.(*Op))
		},
		Equal: func(a, b any) bool {
			x, y := a.(state), b.(state)
			if len(x) != len(y) {
				return false
			}
			for i := range x {
				if x[i].topic != y[i].topic || !sameLog(x[i].head, y[i].head) {
					return false
				}
			}
			return true
		},
		Hash: func(s any) uint64 {
			var h uint64
			for _, l := range s.(state) {
				if l.head != nil {
					h ^= maphash.String(seed, l.topic) + l.head.hash
				}
			}
			return h
		},
		DescribeOperation: func(in, _ any) string { return describeOp(in.(*Op)) },
		DescribeState:     func(s any) string { return describeState(s.(state)) },
		DescribeOperationMetadata: func(m any) string {
			if m == nil {
				return ""
			}
			return m.(string)
		},
	}
}

// partition splits a history by topic, topics in sorted order.
func partition(h []porcupine.Operation) [][]porcupine.Operation {
	by := map[string][]porcupine.Operation{}
	for _, op := range h {
		t := op.Input.(*Op).Topic
		by[t] = append(by[t], op)
	}
	topics := make([]string, 0, len(by))
	for t := range by {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	out := make([][]porcupine.Operation, len(topics))
	for i, t := range topics {
		out[i] = by[t]
	}
	return out
}

func describeOp(op *Op) string {
	switch op.Kind {
	case Publish:
		if op.Unknown {
			return fmt.Sprintf("publish(%s, %s) → unknown", op.Topic, op.Payload)
		}
		return fmt.Sprintf("publish(%s, %s) → seq %d", op.Topic, op.Payload, op.Seq)
	case Query:
		var b strings.Builder
		fmt.Fprintf(&b, "query(%s, after %d, limit %d) → head %d [", op.Topic, op.After, op.Limit, op.Head)
		for i, r := range op.Records {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%d:%s", r.Seq, r.Payload)
		}
		b.WriteString("]")
		return b.String()
	case Delivery:
		if len(op.Records) == 1 {
			r := op.Records[0]
			return fmt.Sprintf("delivery(%s) %d:%s", op.Topic, r.Seq, r.Payload)
		}
	}
	return fmt.Sprintf("%s(%s)", op.Kind, op.Topic)
}

// describeState shows each topic's head and its last records.
func describeState(s state) string {
	const shown = 8
	var b strings.Builder
	for i, l := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: head %d [", l.topic, length(l.head))
		var recs []string
		for n := l.head; n != nil && len(recs) < shown; n = n.prev {
			recs = append(recs, fmt.Sprintf("%d:%s", n.seq, n.payload))
		}
		if length(l.head) > shown {
			b.WriteString("… ")
		}
		for j := len(recs) - 1; j >= 0; j-- {
			b.WriteString(recs[j])
			if j > 0 {
				b.WriteString(" ")
			}
		}
		b.WriteString("]")
	}
	if len(s) == 0 {
		return "(empty)"
	}
	return b.String()
}

package checker

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// S9, no needless copy: an attempt's bytes are on a group topic more than
// once only if each re-publish of them followed a publish error (or a
// restart) and then a sync that began after it and reached a head fetched
// after it without finding a copy (SPEC §4 rule 6). The checker follows
// every client's publishes and queries (Calls) and the log's copies.

// ExtraCopy attributes one copy after the first: which re-publish made
// it, and what justified that re-publish.
type ExtraCopy struct {
	Group     string `json:"group"`
	Hash      string `json:"hash"`      // hex, shortened
	Seq       uint64 `json:"seq"`       // this copy's position
	FirstSeq  uint64 `json:"first_seq"` // the first copy's
	Publisher string `json:"publisher"`
	Because   string `json:"because"` // the failed publish or restart, and the sync that did not find it
}

type copies struct {
	n          int                    // calls observed so far
	deliveries map[string]*delivery   // installation + topic + hash
	byClient   map[string][]*delivery // installation + topic -> its deliveries, in first-publish order
	own        map[string][]*delivery // installation -> its deliveries
	pending    []*delivery            // queries waiting for the client's cursor to reach their head
	judged     map[string]int         // topic + hash -> copies already judged
	extra      []ExtraCopy
	callers    map[string]bool // installations whose calls were observed
}

// delivery is what a client knows about one payload it published.
type delivery struct {
	client, topic, group, hash string
	publishes                  int
	unknownSince               int    // the call after which delivery is unknown; -1 while known
	unknownWhy                 string // that call, in words
	cleared                    string // the sync that then reached the head without it; "" if none yet
	waiting                    []waitingQuery
	republished                []republish
}

type waitingQuery struct {
	step int
	head uint64
}

// republish is one publish of bytes already published.
type republish struct {
	step      int
	justified string // why it was allowed; "" if it was not
}

func newCopies() copies {
	return copies{deliveries: map[string]*delivery{}, byClient: map[string][]*delivery{}, own: map[string][]*delivery{},
		judged: map[string]int{}, callers: map[string]bool{}}
}

// observe follows one call.
func (k *copies) observe(c *Checker, step int, call Call) {
	k.n++
	k.callers[call.Installation] = true
	switch call.Kind {
	case CallRestart:
		for _, d := range k.own[call.Installation] {
			d.unknown(k.n, fmt.Sprintf("restart at step %d", step))
		}
	case CallPublish:
		group, ok := strings.CutPrefix(call.Topic, wire.GroupTopic(""))
		if !ok {
			return // welcomes are sent at least once by design
		}
		sum := wire.Hash(call.Payload)
		hash := hex.EncodeToString(sum[:])
		key := call.Installation + "\x00" + call.Topic + "\x00" + hash
		d := k.deliveries[key]
		if d == nil {
			d = &delivery{client: call.Installation, topic: call.Topic, group: group, hash: hash, unknownSince: -1}
			k.deliveries[key] = d
			ck := call.Installation + "\x00" + call.Topic
			k.byClient[ck] = append(k.byClient[ck], d)
			k.own[call.Installation] = append(k.own[call.Installation], d)
		}
		if d.publishes > 0 {
			d.republished = append(d.republished, republish{step: step, justified: d.cleared})
		}
		d.publishes++
		if call.Failed {
			d.unknown(k.n, fmt.Sprintf("publish at step %d failed", step))
		} else {
			d.unknownSince, d.unknownWhy, d.cleared, d.waiting = -1, "", "", nil
		}
	case CallQuery:
		if call.Failed {
			return
		}
		g := c.Oracle.Group(strings.TrimPrefix(call.Topic, wire.GroupTopic("")))
		for _, d := range k.byClient[call.Installation+"\x00"+call.Topic] {
			if d.unknownSince < 0 || d.cleared != "" {
				continue
			}
			if g != nil && firstCopy(g, d.hash) != 0 && firstCopy(g, d.hash) <= call.Head {
				continue // the sync finds it
			}
			if call.Last >= call.Head {
				d.cleared = fmt.Sprintf("%s; the sync begun at step %d read to head %d without finding it", d.unknownWhy, step, call.Head)
				continue
			}
			d.waiting = append(d.waiting, waitingQuery{step: step, head: call.Head})
			if !slices.Contains(k.pending, d) {
				k.pending = append(k.pending, d)
			}
		}
	}
}

func (d *delivery) unknown(at int, why string) {
	d.unknownSince, d.unknownWhy, d.cleared, d.waiting = at, why, "", nil
}

func firstCopy(g *Group, hash string) uint64 {
	if seqs := g.Copies[hash]; len(seqs) > 0 {
		return seqs[0]
	}
	return 0
}

// confirm runs after a step: a query whose page stopped short of its head
// counts once the client's cursor (as its store says) reached that head,
// and every copy that landed is judged.
func (k *copies) confirm(c *Checker, step int) {
	keep := k.pending[:0]
	for _, d := range k.pending {
		if d.cleared != "" || d.unknownSince < 0 {
			continue
		}
		v := c.byID[d.client]
		g := c.Oracle.Group(d.group)
		for _, q := range d.waiting {
			if v == nil || v.positions[d.group].Cursor < q.head {
				continue
			}
			if g != nil && firstCopy(g, d.hash) != 0 && firstCopy(g, d.hash) <= q.head {
				continue
			}
			d.cleared = fmt.Sprintf("%s; the sync begun at step %d read to head %d without finding it", d.unknownWhy, q.step, q.head)
			break
		}
		if d.cleared == "" {
			keep = append(keep, d)
		}
	}
	k.pending = keep
	for _, g := range c.Oracle.Groups() {
		for _, hash := range g.newCopies {
			k.judge(c, step, g, hash)
		}
		g.newCopies = g.newCopies[:0]
	}
}

// judge checks the copies of one payload on a group topic.
func (k *copies) judge(c *Checker, step int, g *Group, hash string) {
	seqs := g.Copies[hash]
	topic := wire.GroupTopic(g.ID)
	done := k.judged[topic+"\x00"+hash]
	if len(seqs) < 2 || done >= len(seqs) {
		return
	}
	k.judged[topic+"\x00"+hash] = len(seqs)
	publisher := g.publisher[hash]
	if !k.callers[publisher] {
		return // a client whose calls are not observed cannot be judged
	}
	d := k.deliveries[publisher+"\x00"+topic+"\x00"+hash]
	bad := func(format string, args ...any) {
		c.bad("S9", step, g.ID, []string{publisher}, "the same bytes (%s) are on the topic at seqs %s: "+format,
			append([]any{short(hash), seqList(seqs)}, args...)...)
	}
	if d == nil || len(seqs) > d.publishes {
		n := 0
		if d != nil {
			n = d.publishes
		}
		bad("%d copies of %d publishes", len(seqs), n)
		return
	}
	for _, r := range d.republished {
		if r.justified == "" {
			bad("the publish at step %d sent them again with no failed publish or restart followed by a sync, begun after it, reaching the head without finding them", r.step)
			return
		}
	}
	for i := max(done, 1); i < len(seqs); i++ {
		why := "a copy of an earlier failed publish that landed late"
		if i-1 < len(d.republished) {
			why = fmt.Sprintf("re-sent at step %d after %s", d.republished[i-1].step, d.republished[i-1].justified)
		}
		k.extra = append(k.extra, ExtraCopy{Group: g.ID, Hash: short(hash), Seq: seqs[i], FirstSeq: seqs[0], Publisher: publisher, Because: why})
	}
}

func seqList(seqs []uint64) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ",")
}

// Copies lists every extra copy found so far with what justified it.
func (c *Checker) Copies() []ExtraCopy { return append([]ExtraCopy(nil), c.copies.extra...) }

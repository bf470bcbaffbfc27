package linearize

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/mlsim/mlsim/topicd"
)

// DefaultTimeout bounds a check when Options.Timeout is zero.
const DefaultTimeout = time.Minute

// Options tune a check.
type Options struct {
	// MaxPage is the server's page (topicd.MaxPage if zero).
	MaxPage int
	// Timeout bounds porcupine's search (DefaultTimeout if zero,
	// none if negative); a check that runs out says Unknown.
	Timeout time.Duration
}

// Info is what a check found.
type Info struct {
	// Result is porcupine's verdict: Ok, Illegal (not linearizable: a
	// violation) or Unknown (the timeout ran out first).
	Result porcupine.CheckResult
	// Ops counts the operations porcupine checked; Publishes, Queries,
	// Deliveries, Unknown (publishes of unknown outcome) and Topics the
	// history.
	Ops, Publishes, Queries, Deliveries, Unknown, Topics int
	// Pinned publishes of unknown outcome a read showed, checked at that
	// seq; Unseen ones no read showed with every seq up to the topic's
	// highest observed one taken by another operation, so they were
	// appended after every observation or never: left out.
	Pinned, Unseen int
	// Resent counts the Unseen ones whose bytes other publishes of the
	// topic sent too (re-sends), every copy a read showed being a known
	// publish's.
	Resent int
	// Failing names the topics whose history is not linearizable.
	Failing []string
	// Elapsed is how long porcupine took.
	Elapsed time.Duration

	model porcupine.Model
	info  porcupine.LinearizationInfo
}

// Check checks a history with the default options: true when it is
// linearizable.
func Check(h History) (bool, *Info) { return Options{}.Check(h) }

// Check checks a history: true when porcupine found it linearizable.
// False with Info.Result Illegal is a violation of the server's order;
// with Unknown, the search ran out of time.
func (o Options) Check(h History) (bool, *Info) {
	if o.MaxPage <= 0 {
		o.MaxPage = topicd.MaxPage
	}
	timeout := o.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}
	in := &Info{model: NewModel(o.MaxPage)}
	ops := in.operations(h, true)
	start := time.Now()
	in.Result, in.info = porcupine.CheckOperationsVerbose(in.model, ops, timeout)
	in.Elapsed = time.Since(start)
	if in.Result == porcupine.Illegal {
		in.Failing = failing(in.model, ops, in.info)
	}
	return in.Result == porcupine.Ok, in
}

// operations turns a history into porcupine's: each op's input and output
// is the *Op; a publish of unknown outcome returns after everything else.
// ClientId is a lane per client: a call overlapping an earlier call of
// the same client (or one that never returned) takes another lane, as
// porcupine's drawing wants one call at a time per lane. settle: see
// settleUnknown.
func (in *Info) operations(h History, settle bool) []porcupine.Operation {
	var kept []*Op
	var end int64
	for i := range h {
		op := h[i]
		if op.Failed || (op.Kind != Publish && op.Kind != Query && op.Kind != Delivery) {
			continue
		}
		if op.Pending {
			if op.Kind != Publish {
				continue
			}
			op.Pending, op.Unknown = false, true
		}
		if op.Unknown {
			op.Return, op.Seq, op.TimestampNs = 0, 0, 0
		}
		end = max(end, op.Call, op.Return)
		kept = append(kept, &op)
	}
	if settle {
		kept = in.settleUnknown(kept)
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Call < kept[j].Call })
	type lane struct {
		id   int
		free int64 // the last return on it; -1: taken for good
	}
	lanes := map[string][]*lane{}
	nextLane := 0
	topics := map[string]bool{}
	out := make([]porcupine.Operation, 0, len(kept))
	for _, op := range kept {
		ret := op.Return
		if op.Unknown {
			ret = end + 1
			in.Unknown++
		}
		var l *lane
		for _, c := range lanes[op.Client] {
			if c.free >= 0 && c.free < op.Call {
				l = c
				break
			}
		}
		if l == nil {
			l = &lane{id: nextLane}
			nextLane++
			lanes[op.Client] = append(lanes[op.Client], l)
		}
		l.free = ret
		if op.Unknown {
			l.free = -1
		}
		switch op.Kind {
		case Publish:
			in.Publishes++
		case Query:
			in.Queries++
		case Delivery:
			in.Deliveries++
		}
		topics[op.Topic] = true
		out = append(out, porcupine.Operation{
			ClientId: l.id, Input: op, Output: op, Call: op.Call, Return: ret,
			Metadata: fmt.Sprintf("%s #%d", op.Client, op.ID),
		})
	}
	in.Ops, in.Topics = len(out), len(topics)
	in.Publishes += in.Unseen
	return out
}

// settleUnknown uses what the history shows of publishes of unknown
// outcome, which porcupine would otherwise try at every point after their
// call (the search grows with their number). Per topic, for an unknown
// publish whose payload no other publish of the topic sent:
//   - a read showed the payload at seq s: only this publish can have put
//     it there, so it is checked as the append that got s (Seq pinned; its
//     return stays unknown);
//   - no read showed it, and every seq from 1 to the highest the topic's
//     answers show (heads, publish answers) is taken by a known publish or
//     shown by a read: it cannot sit at any of them, so it was appended
//     after every answer observed or never, which is what porcupine would
//     conclude placing it last; it is left out.
//
// Publishes of a payload other publishes of the topic sent too (a client
// re-sending the same bytes after an unknown outcome, as the engine does)
// are settled together, on a complete topic: the seqs reads showed the
// payload at that no known publish of it got can only hold records of its
// unknown publishes, one each; the earliest-called of those publishes are
// pinned to them in order, and the rest were appended after every answer
// or never, and are left out. Which of two publishes of the same bytes
// made a record cannot be told from what was observed, and one called
// earlier can take effect wherever one called later can (both may take
// effect until the end), so this choice keeps the verdict. When there are
// more such seqs than unknown publishes, the history is left to porcupine
// (which finds it wrong).
//
// None of these changes the verdict; they keep the search small.
func (in *Info) settleUnknown(ops []*Op) []*Op {
	by := map[string]*settleTopic{}
	for _, op := range ops {
		t := by[op.Topic]
		if t == nil {
			t = &settleTopic{sent: map[Digest]int{}, seen: map[Digest]uint64{}, taken: map[uint64]bool{},
				shown: map[Digest][]uint64{}, got: map[Digest]map[uint64]bool{}}
			by[op.Topic] = t
		}
		switch op.Kind {
		case Publish:
			t.sent[op.Payload]++
			if !op.Unknown {
				t.taken[op.Seq] = true
				t.newest = max(t.newest, op.Seq)
				if t.got[op.Payload] == nil {
					t.got[op.Payload] = map[uint64]bool{}
				}
				t.got[op.Payload][op.Seq] = true
			}
		case Query, Delivery:
			t.newest = max(t.newest, op.Head)
			for _, r := range op.Records {
				t.newest = max(t.newest, r.Seq)
				t.taken[r.Seq] = true
				t.shown[r.Payload] = append(t.shown[r.Payload], r.Seq)
				if s, ok := t.seen[r.Payload]; !ok || r.Seq < s {
					t.seen[r.Payload] = r.Seq
				}
			}
		}
	}
	complete := map[string]bool{}
	for name, t := range by {
		complete[name] = true
		for s := uint64(1); s <= t.newest; s++ {
			if !t.taken[s] {
				complete[name] = false
				break
			}
		}
	}
	resent := settleResent(ops, by, complete)
	out := ops[:0]
	for _, op := range ops {
		t := by[op.Topic]
		if seq, settled := resent[op]; settled {
			in.Resent++
			if seq == 0 {
				in.Unseen++
				in.Unknown++
				continue
			}
			op.Seq = seq
			in.Pinned++
		} else if op.Kind == Publish && op.Unknown && t.sent[op.Payload] == 1 {
			if s, ok := t.seen[op.Payload]; ok {
				op.Seq = s
				in.Pinned++
			} else if complete[op.Topic] {
				in.Unseen++
				in.Unknown++
				continue
			}
		}
		out = append(out, op)
	}
	return out
}

// settleTopic is what settleUnknown learns of one topic.
type settleTopic struct {
	sent   map[Digest]int             // publishes of each payload
	seen   map[Digest]uint64          // the lowest seq a read showed it at
	taken  map[uint64]bool            // seqs a known publish got or a read showed
	newest uint64                     // the highest seq any answer shows
	shown  map[Digest][]uint64        // seqs reads showed each payload at
	got    map[Digest]map[uint64]bool // seqs known publishes of each payload got
}

// settleResent settles the unknown publishes of re-sent bytes on
// complete topics (see settleUnknown): the seq each is pinned to, or 0
// for one left out. Publishes it cannot settle are not in the map.
func settleResent(ops []*Op, by map[string]*settleTopic, complete map[string]bool) map[*Op]uint64 {
	type key struct {
		topic   string
		payload Digest
	}
	groups := map[key][]*Op{}
	var keys []key
	for _, op := range ops {
		if op.Kind != Publish || !op.Unknown || !complete[op.Topic] || by[op.Topic].sent[op.Payload] < 2 {
			continue
		}
		k := key{op.Topic, op.Payload}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], op)
	}
	out := map[*Op]uint64{}
	for _, k := range keys {
		unknown := groups[k]
		extra := by[k.topic].unaccounted(k.payload)
		if len(extra) > len(unknown) {
			continue
		}
		sort.SliceStable(unknown, func(i, j int) bool { return unknown[i].Call < unknown[j].Call })
		for i, op := range unknown {
			out[op] = 0
			if i < len(extra) {
				out[op] = extra[i]
			}
		}
	}
	return out
}

// unaccounted lists the seqs a read showed the payload at that no known
// publish of it got, each once, ascending.
func (t *settleTopic) unaccounted(p Digest) []uint64 {
	var out []uint64
	for _, s := range t.shown[p] {
		if !t.got[p][s] && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// failing names the partitions (topics) with no complete linearization.
func failing(model porcupine.Model, ops []porcupine.Operation, info porcupine.LinearizationInfo) []string {
	parts := model.Partition(ops)
	partials := info.PartialLinearizations()
	var out []string
	for i, p := range parts {
		longest := 0
		if i < len(partials) {
			for _, l := range partials[i] {
				longest = max(longest, len(l))
			}
		}
		if longest < len(p) {
			out = append(out, p[0].Input.(*Op).Topic)
		}
	}
	return out
}

// WriteHTML writes porcupine's visualization of the checked history to
// path: each client's calls and the linearization found, or for a topic
// with none the longest partial linearizations and where they stop.
func (in *Info) WriteHTML(path string) error {
	return porcupine.VisualizePath(in.model, in.info, path)
}

func (in *Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d ops checked (%d publishes", in.Result, in.Ops, in.Publishes)
	if in.Unknown > 0 {
		fmt.Fprintf(&b, ", %d of unknown outcome: %d seen by a read, %d unseen and left out", in.Unknown, in.Pinned, in.Unseen)
	}
	fmt.Fprintf(&b, "; %d queries", in.Queries)
	if in.Deliveries > 0 {
		fmt.Fprintf(&b, "; %d deliveries", in.Deliveries)
	}
	fmt.Fprintf(&b, ") on %d topics in %s", in.Topics, in.Elapsed.Round(time.Microsecond))
	if len(in.Failing) > 0 {
		fmt.Fprintf(&b, "; not linearizable: %s", strings.Join(in.Failing, ", "))
	}
	return b.String()
}

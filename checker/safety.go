package checker

import (
	"fmt"
	"sort"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

// Checker holds what safety needs to remember between steps.
type Checker struct {
	Oracle  *Oracle
	clients map[string]*clientView
	auth    map[groupEpoch]authSeen // first authenticator seen per (group, epoch)
	found   []Violation
	log     Log // the server's log, for the final checks
}

type groupEpoch struct {
	group string
	epoch uint64
}

type authSeen struct {
	value string
	by    string
}

// clientView is what the checker has seen of one client's store.
type clientView struct {
	store     engine.Store // the store last read, and its version then
	version   uint64
	mark      engine.AuditMark
	positions map[string]engine.GroupPosition
	lastEntry map[string]uint64 // group -> commit seq of the last epoch entered
	lastMsg   map[string]uint64 // group -> seq of the last message stored
	ids       map[string]uint64 // message id -> seq stored at
	intents   map[int64]intent.State
}

// versionedStore is a store that counts its commits (store.DB does): the
// checker skips reading an audit that cannot have changed. Positions are
// only compared with their previous values, and the oracle's verdicts on
// records already read never change, so a skipped read misses nothing.
type versionedStore interface {
	Version() uint64
}

// New returns a checker whose oracle uses the given past-epoch window.
func New(maxPastEpochs int) *Checker {
	return &Checker{Oracle: NewOracle(maxPastEpochs), clients: map[string]*clientView{}, auth: map[groupEpoch]authSeen{}}
}

// Violations returns everything found so far, in the order found.
func (c *Checker) Violations() []Violation { return append([]Violation(nil), c.found...) }

// Report records a violation found outside the checker (the simulator's
// liveness bound).
func (c *Checker) Report(v Violation) { c.report(v) }

func (c *Checker) report(v Violation) {
	sort.Strings(v.Installations)
	c.found = append(c.found, v)
}

func (c *Checker) view(id string) *clientView {
	v := c.clients[id]
	if v == nil {
		v = &clientView{positions: map[string]engine.GroupPosition{}, lastEntry: map[string]uint64{},
			lastMsg: map[string]uint64{}, ids: map[string]uint64{}, intents: map[int64]intent.State{}}
		c.clients[id] = v
	}
	return v
}

// Step folds the server's new records into the oracle and checks what the
// installation's store gained since the last call: S1–S6.
func (c *Checker) Step(step int, l Log, installation string, s engine.Store) error {
	c.Oracle.Fold(l)
	v := c.view(installation)
	var version uint64
	vs, versioned := s.(versionedStore)
	if versioned {
		version = vs.Version()
		if v.store == s && version == v.version {
			// Nothing committed since the last read: the audit would be
			// empty and every position unchanged.
			return nil
		}
	}
	a, mark, err := engine.ReadAudit(s, v.mark)
	if err != nil {
		return fmt.Errorf("checker: %s: %w", installation, err)
	}
	v.mark = mark
	if versioned {
		v.store, v.version = s, version
	}
	for _, e := range a.Epochs {
		c.checkEpoch(step, installation, v, e)
	}
	for _, m := range a.Messages {
		c.checkMessage(step, installation, v, m)
	}
	for _, t := range a.Transitions {
		c.checkTransition(step, installation, v, t)
	}
	for _, p := range a.Groups {
		c.checkPosition(step, installation, v, p)
	}
	return nil
}

// GroupsOf lists the groups an installation's store held at its last
// checked step, sorted.
func (c *Checker) GroupsOf(installation string) []string {
	v := c.clients[installation]
	if v == nil {
		return nil
	}
	return sortedKeys(v.positions)
}

// S1 (and S3 for commits): every epoch entered was entered by the oracle's
// accepted commit, and everyone in an epoch holds the same authenticator.
func (c *Checker) checkEpoch(step int, who string, v *clientView, e engine.EpochEntry) {
	bad := func(prop, format string, args ...any) {
		c.report(Violation{Property: prop, Step: step, Group: e.Group, Installations: []string{who}, Message: fmt.Sprintf(format, args...)})
	}
	if last, ok := v.lastEntry[e.Group]; ok && e.Via != "create" && e.CommitSeq <= last {
		bad("S3", "entered epoch %d by the commit at seq %d after already entering one at seq %d", e.Epoch, e.CommitSeq, last)
	}
	v.lastEntry[e.Group] = e.CommitSeq
	if e.Via != "create" {
		g := c.Oracle.Group(e.Group)
		var want Commit
		ok := g != nil
		if ok {
			want, ok = g.CommitInto(e.Epoch)
		}
		switch {
		case !ok:
			bad("S1", "entered epoch %d by seq %d (%s), but the topic has no accepted commit into that epoch", e.Epoch, e.CommitSeq, e.Via)
			return
		case want.Seq != e.CommitSeq:
			bad("S1", "entered epoch %d by the commit at seq %d, but the accepted one is at seq %d", e.Epoch, e.CommitSeq, want.Seq)
			return
		case e.CommitHash != "" && want.Hash != e.CommitHash:
			bad("S1", "entered epoch %d by a commit whose hash %s differs from the accepted %s", e.Epoch, short(e.CommitHash), short(want.Hash))
			return
		}
	}
	key := groupEpoch{e.Group, e.Epoch}
	seen, ok := c.auth[key]
	if !ok {
		c.auth[key] = authSeen{value: e.Authenticator, by: who}
		return
	}
	if seen.value != e.Authenticator {
		c.report(Violation{Property: "S1", Step: step, Group: e.Group, Installations: []string{who, seen.by},
			Message: fmt.Sprintf("epoch %d: authenticator %s differs from %s's %s", e.Epoch, short(e.Authenticator), seen.by, short(seen.value))})
	}
}

// short shows both ends of a long hex value: authenticators are an
// exporter value followed by the tree hash, and either half may differ.
func short(hex string) string {
	if len(hex) <= 24 {
		return hex
	}
	return hex[:10] + ".." + hex[len(hex)-10:]
}

// S3, S5, S6 for one stored message.
func (c *Checker) checkMessage(step int, who string, v *clientView, m engine.AuditMessage) {
	bad := func(prop, format string, args ...any) {
		c.report(Violation{Property: prop, Step: step, Group: m.Group, Installations: []string{who}, Message: fmt.Sprintf(format, args...)})
	}
	if last := v.lastMsg[m.Group]; m.Seq <= last {
		bad("S6", "stored %s (seq %d) after a message at seq %d", m.ID, m.Seq, last)
	}
	v.lastMsg[m.Group] = max(v.lastMsg[m.Group], m.Seq)
	if seq, dup := v.ids[m.ID]; dup {
		bad("S3", "stored message id %s twice (seq %d and %d)", m.ID, seq, m.Seq)
	}
	v.ids[m.ID] = m.Seq
	g := c.Oracle.Group(m.Group)
	if m.Kind != engine.MessageApplication {
		if g == nil {
			bad("S3", "stored %s for seq %d, which holds no accepted commit", m.ID, m.Seq)
		} else if _, ok := g.CommitAt(m.Seq); !ok {
			bad("S3", "stored %s for seq %d, which holds no accepted commit", m.ID, m.Seq)
		}
		return
	}
	var want Message
	ok := g != nil
	if ok {
		want, ok = g.MessageByID(m.ID)
	}
	switch {
	case !ok:
		bad("S3", "stored %s at seq %d, which the oracle rejected (%s)", m.ID, m.Seq, c.why(g, m.Seq))
	case want.Seq != m.Seq:
		bad("S3", "stored %s from seq %d, a second copy of the one accepted at seq %d", m.ID, m.Seq, want.Seq)
	}
	if g != nil && !g.MemberAt(who, m.Epoch) {
		bad("S5", "stored %s of epoch %d, in which it was not a member", m.ID, m.Epoch)
	}
}

func (c *Checker) why(g *Group, seq uint64) string {
	if g == nil || seq == 0 || seq > uint64(len(g.Verdicts)) {
		return "not on the topic"
	}
	return g.Verdicts[seq-1].Why
}

// S4: every intent state change is an edge of SPEC §4's diagram, and
// starts where the intent was.
func (c *Checker) checkTransition(step int, who string, v *clientView, t engine.Transition) {
	bad := func(format string, args ...any) {
		c.report(Violation{Property: "S4", Step: step, Group: t.Group, Installations: []string{who}, Message: fmt.Sprintf(format, args...)})
	}
	if was, ok := v.intents[t.Intent]; ok && was != t.From {
		bad("intent %d moved from %s, but it was %s", t.Intent, t.From, was)
	}
	if !legalEdge(t.From, t.To, t.Reason) {
		bad("intent %d moved %s -> %s (reason %q), not an edge of the diagram", t.Intent, t.From, t.To, t.Reason)
	}
	v.intents[t.Intent] = t.To
}

// legalEdge is SPEC §4's diagram, written out here rather than taken from
// the engine, so the checker does not share the engine's mistakes.
func legalEdge(from, to intent.State, reason intent.Reason) bool {
	switch {
	case from == intent.ToSend && to == intent.Published:
		return reason == intent.ReasonNone
	case from == intent.ToSend && to == intent.Committed:
		return reason == intent.ReasonNoop
	case from == intent.ToSend && to == intent.Failed:
		return reason == intent.ReasonGroupCap || reason == intent.ReasonRemoved || reason == intent.ReasonInvalid
	case from == intent.Published && to == intent.ToSend:
		return reason == intent.ReasonNone
	case from == intent.Published && to == intent.Committed:
		return reason == intent.ReasonNone
	case from == intent.Published && to == intent.Failed:
		return reason == intent.ReasonRemoved
	}
	return false
}

// S2: epochs and cursors never go backwards, across crashes too.
func (c *Checker) checkPosition(step int, who string, v *clientView, p engine.GroupPosition) {
	was, ok := v.positions[p.ID]
	v.positions[p.ID] = p
	if !ok {
		return
	}
	if p.Epoch < was.Epoch {
		c.report(Violation{Property: "S2", Step: step, Group: p.ID, Installations: []string{who},
			Message: fmt.Sprintf("epoch went back from %d to %d", was.Epoch, p.Epoch)})
	}
	if p.Cursor < was.Cursor {
		c.report(Violation{Property: "S2", Step: step, Group: p.ID, Installations: []string{who},
			Message: fmt.Sprintf("cursor went back from %d to %d", was.Cursor, p.Cursor)})
	}
}

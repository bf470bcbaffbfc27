package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// Withheld is a membership that a welcome-withholding member made and never
// welcomed: exempt from L1, L3 and L5, with the withholder named as cause.
type Withheld struct {
	Group        string
	Installation string
	CommitSeq    uint64
	Withholder   string
}

// Final checks L1–L5 against every attached client's store, read whole,
// after the liveness phase. withholders names the installations known to
// withhold welcomes (a Byzantine scenario); their unwelcomed joiners are
// exempt and returned.
func (c *Checker) Final(step int, withholders []string) ([]Withheld, error) {
	c.Oracle.Fold(c.cfg.Log)
	// Messages still waiting for their sender's intent (Concurrent) are
	// judged now: the run is over, and every sender's store is read again
	// after them, for the intents it recorded since its last Step.
	if err := c.readLateIntents(); err != nil {
		return nil, err
	}
	c.steps++
	c.judgeWaiting()
	states := make([]ClientState, 0, len(c.clients))
	by := map[string]*ClientState{}
	for _, v := range c.clients {
		st, err := v.src.state(v.id)
		if err != nil {
			return nil, err
		}
		states = append(states, st)
	}
	for i := range states {
		by[states[i].Installation] = &states[i]
	}
	exempt := c.withheld(withholders)
	// A withheld membership is exempt in the epochs it spans.
	isExempt := func(group, inst string, epoch uint64) bool {
		for _, w := range exempt {
			if w.Group != group || w.Installation != inst {
				continue
			}
			g := c.Oracle.Group(group)
			add, _ := g.CommitAt(w.CommitSeq)
			for _, s := range g.spans[inst] {
				if s.from == add.Epoch+1 && epoch >= s.from && (s.to == 0 || epoch < s.to) {
					return true
				}
			}
		}
		return false
	}
	for _, g := range c.Oracle.Groups() {
		c.convergence(step, g, by, isExempt)
		c.completeness(step, g, by, isExempt)
		c.welcomed(step, g, by, isExempt)
		c.installationsFollow(step, g, by, isExempt)
	}
	for i := range states {
		c.intentsSettled(step, &states[i])
	}
	c.payloadsOwned(step, by)
	return exempt, nil
}

// L4, the other direction: every accepted payload is one of its sender's
// intents' attempts. A payload no intent owns was sent without a record of
// it (no write-ahead) or its intent was forgotten; either way the sender
// cannot know what happened to it.
func (c *Checker) payloadsOwned(step int, by map[string]*ClientState) {
	owned := map[string]map[string]bool{} // installation -> attempt hashes
	for inst, s := range by {
		h := map[string]bool{}
		for _, in := range s.Intents {
			for _, x := range in.Hashes {
				h[x] = true
			}
		}
		owned[inst] = h
	}
	check := func(g *Group, sender, hash string, seq uint64, what string) {
		h, ok := owned[sender]
		if !ok || h[hash] {
			return // a sender we have no snapshot of (crashed for good) is not judged
		}
		c.report(Violation{Property: "L4", Step: step, Group: g.ID, Installations: []string{sender},
			Message: fmt.Sprintf("the %s accepted at seq %d is not an attempt of any of its intents", what, seq)})
	}
	for _, g := range c.Oracle.Groups() {
		for _, m := range g.Commit {
			check(g, m.Sender, m.Hash, m.Seq, "commit")
		}
		for _, m := range g.Messages {
			check(g, m.Sender, m.Hash, m.Seq, "message")
		}
	}
}

// withheld finds the additions made by a withholder whose joiner's welcome
// topic never received a welcome for that commit.
func (c *Checker) withheld(withholders []string) []Withheld {
	var out []Withheld
	for _, g := range c.Oracle.Groups() {
		for _, a := range g.Added {
			if !slices.Contains(withholders, a.Adder) || c.welcomeSent(g.ID, a) {
				continue
			}
			out = append(out, Withheld{Group: g.ID, Installation: a.Installation, CommitSeq: a.Seq, Withholder: a.Adder})
		}
	}
	return out
}

func (c *Checker) welcomeSent(group string, a Addition) bool {
	for _, r := range c.cfg.Log.Records(wire.WelcomeTopic(a.Installation), 0) {
		if w, err := wire.DecodeWelcome(r.Payload); err == nil && w.GroupID == group && w.CommitSeq == a.Seq {
			return true
		}
	}
	return false
}

// L1: every current member is at the oracle's epoch with the oracle's
// member set, healthy, and all hold one authenticator.
func (c *Checker) convergence(step int, g *Group, by map[string]*ClientState, isExempt func(string, string, uint64) bool) {
	want := g.MemberList()
	policy := ""
	if p, ok := g.PolicyAt(g.Epoch); ok {
		policy = p.String()
	}
	auth := map[string][]string{}
	for _, id := range want {
		if isExempt(g.ID, id, g.Epoch) {
			continue
		}
		bad := func(format string, args ...any) {
			c.report(Violation{Property: "L1", Step: step, Group: g.ID, Installations: []string{id}, Message: fmt.Sprintf(format, args...)})
		}
		gs, ok := by[id].Group(g.ID)
		switch {
		case !ok:
			bad("a member at epoch %d does not hold the group", g.Epoch)
		case gs.Broken != "":
			bad("stopped: %s", gs.Broken)
		case gs.RemovedAtSeq != 0:
			bad("believes it was removed at seq %d, but it is a member", gs.RemovedAtSeq)
		case gs.Epoch != g.Epoch:
			bad("at epoch %d, the group is at %d", gs.Epoch, g.Epoch)
		case !slices.Equal(gs.Members, want):
			bad("members %s, the group has %s", strings.Join(gs.Members, ","), strings.Join(want, ","))
		case gs.Policy != policy:
			bad("holds policy %q, the group's is %q", gs.Policy, policy)
		default:
			auth[gs.Authenticator] = append(auth[gs.Authenticator], id)
		}
	}
	if len(auth) > 1 {
		var who []string
		for _, ids := range auth {
			who = append(who, ids...)
		}
		c.report(Violation{Property: "L1", Step: step, Group: g.ID, Installations: who,
			Message: fmt.Sprintf("%d different authenticators at epoch %d", len(auth), g.Epoch)})
	}
}

// L3: every accepted message is stored by every installation that was a
// member throughout from its epoch to its position, and every membership
// row by every installation its commit concerns (membershipComplete).
func (c *Checker) completeness(step int, g *Group, by map[string]*ClientState, isExempt func(string, string, uint64) bool) {
	// Keyed by id and position: a client that stored the accepted copy
	// and then a second one (S3's fault) still holds the accepted one;
	// keyed by id alone, the later row hid it and L3 said it was missing.
	type copyAt struct {
		id  string
		seq uint64
	}
	stored := map[string]map[copyAt]bool{} // installation -> what it stored where
	for inst, s := range by {
		m := map[copyAt]bool{}
		for _, msg := range s.Messages {
			if msg.Group == g.ID {
				m[copyAt{msg.ID, msg.Seq}] = true
			}
		}
		stored[inst] = m
	}
	members := sortedKeys(g.spans)
	for _, msg := range g.Messages {
		for _, inst := range members {
			if !g.Continuous(inst, msg.Epoch, msg.At) || isExempt(g.ID, inst, msg.Epoch) || c.overtaken(g, inst, msg.Epoch) {
				continue
			}
			if !stored[inst][copyAt{msg.ID, msg.Seq}] {
				c.report(Violation{Property: "L3", Step: step, Group: g.ID, Installations: []string{inst},
					Message: fmt.Sprintf("does not hold %s (seq %d, epoch %d), accepted while it was a member", msg.ID, msg.Seq, msg.Epoch)})
			}
		}
	}
	c.membershipComplete(step, g, members, by, isExempt)
}

// overtaken reports whether the membership of inst that spans epoch was
// never entered because the welcome of a later membership reached inst
// first: SPEC §6 never applies a welcome for a group held at a later
// epoch, so a slow adder's welcome, overtaken by a re-add's, is skipped,
// and the messages of that span cannot be owed (L3). A welcome that never
// arrives is not "overtaken": L3 still counts it.
func (c *Checker) overtaken(g *Group, inst string, epoch uint64) bool {
	var add *Addition
	for i := range g.Added {
		a := &g.Added[i]
		if a.Installation == inst && a.Epoch <= epoch && (add == nil || a.Epoch > add.Epoch) {
			add = a
		}
	}
	if add == nil {
		return false
	}
	for _, r := range c.cfg.Log.Records(wire.WelcomeTopic(inst), 0) {
		w, err := wire.DecodeWelcome(r.Payload)
		if err != nil || w.GroupID != g.ID {
			continue
		}
		if w.CommitSeq == add.Seq {
			return false // its own welcome came first
		}
		if w.CommitSeq > add.Seq {
			return true // a later membership's welcome came first
		}
	}
	return false
}

// L5: every installation added by an accepted commit holds the group.
func (c *Checker) welcomed(step int, g *Group, by map[string]*ClientState, isExempt func(string, string, uint64) bool) {
	for _, a := range g.Added {
		if isExempt(g.ID, a.Installation, a.Epoch) {
			continue
		}
		if _, ok := by[a.Installation].Group(g.ID); !ok {
			c.report(Violation{Property: "L5", Step: step, Group: g.ID, Installations: []string{a.Installation, a.Adder},
				Message: fmt.Sprintf("added by %s at seq %d but does not hold the group", a.Adder, a.Seq)})
		}
	}
}

// L2 and L4 for one client's intents.
func (c *Checker) intentsSettled(step int, s *ClientState) {
	for _, in := range s.Intents {
		bad := func(prop, format string, args ...any) {
			c.report(Violation{Property: prop, Step: step, Group: in.Group, Installations: []string{s.Installation},
				Message: fmt.Sprintf("intent %d (%s): ", in.ID, in.Kind) + fmt.Sprintf(format, args...)})
		}
		switch {
		case in.State == StateToSend || in.State == StatePublished:
			bad("L2", "still %s after the liveness phase", in.State)
		case in.State == StateFailed && !(in.Reason == ReasonGroupCap || in.Reason == ReasonRemoved || in.Reason == ReasonPermission):
			bad("L2", "FAILED with reason %q", in.Reason)
		}
		g := c.Oracle.Group(in.Group)
		accepted := 0
		for _, h := range in.Hashes {
			if g != nil && g.Accepted[h] {
				accepted++
			}
		}
		if in.Reason == ReasonNoop {
			if accepted > 0 {
				bad("L4", "ended NOOP, but one of its payloads was accepted")
			}
			continue
		}
		switch {
		case in.State == StateCommitted && accepted == 0:
			bad("L4", "COMMITTED, but none of its %d payloads was accepted", len(in.Hashes))
		case in.State != StateCommitted && accepted > 0:
			bad("L4", "%s, but one of its payloads was accepted", in.State)
		case accepted > 1:
			bad("L4", "%d of its payloads were accepted", accepted)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

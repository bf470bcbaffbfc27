package checker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The safety properties, checked on what one read of a client's store
// found new (the Delta), against the oracle. Each comparison is written
// out on its own line and has a fixture that breaks it alone
// (comparisons_test.go).

func (c *Checker) bad(prop string, step int, group string, who []string, format string, args ...any) {
	c.report(Violation{Property: prop, Step: step, Group: group, Installations: who, Message: fmt.Sprintf(format, args...)})
}

// checkEpoch: S1 (the accepted commit, one authenticator per epoch), S3
// (no commit processed twice) and S7 (a membership enters only epochs it
// is owed) for one epoch entered.
func (c *Checker) checkEpoch(step int, v *client, e EpochEntered) {
	bad := func(prop, format string, args ...any) { c.bad(prop, step, e.Group, []string{v.id}, format, args...) }
	if last, ok := v.lastEntry[e.Group]; ok && e.Via != "create" && e.CommitSeq <= last {
		bad("S3", "entered epoch %d by the commit at seq %d after already entering one at seq %d", e.Epoch, e.CommitSeq, last)
	}
	v.lastEntry[e.Group] = e.CommitSeq
	g := c.Oracle.Group(e.Group)
	switch e.Via {
	case "create":
		if e.Epoch != 0 || e.CommitSeq != 0 {
			bad("S1", "created the group at epoch %d (seq %d): a group is created at epoch 0", e.Epoch, e.CommitSeq)
			return
		}
		if g != nil && g.Creator != "" && g.Creator != v.id {
			bad("S1", "created the group the topic says %s created", g.Creator)
			return
		}
	case "commit", "welcome":
		// S13: no client enters an epoch by a commit the policy of its
		// epoch forbids (reported instead of S1: it is why the commit
		// was not accepted).
		if g != nil && e.CommitSeq >= 1 && e.CommitSeq <= uint64(len(g.Verdicts)) && g.Verdicts[e.CommitSeq-1].Forbidden {
			bad("S13", "entered epoch %d by the commit at seq %d, which the policy of its epoch forbids: %s", e.Epoch, e.CommitSeq, g.Verdicts[e.CommitSeq-1].Why)
			return
		}
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
		case e.Via == "commit" && want.Hash != e.CommitHash:
			bad("S1", "entered epoch %d by a commit whose hash %s differs from the accepted %s", e.Epoch, short(e.CommitHash), short(want.Hash))
			return
		}
		// S12: a revoked installation enters nothing after its removal.
		if r, ok := c.revokedAfter(v.id, g, e.Epoch); ok {
			bad("S12", "entered epoch %d by the commit at seq %d, but it was revoked and removed at epoch %d", e.Epoch, e.CommitSeq, r)
			break
		}
		// S7: a commit is processed by a member of the epoch it leaves
		// that stays a member; a welcome is for a joiner of that epoch.
		if e.Via == "commit" && !g.Continuous(v.id, e.Epoch-1, e.Epoch) {
			bad("S7", "entered epoch %d by the commit at seq %d, but it was not a member from epoch %d into %d", e.Epoch, e.CommitSeq, e.Epoch-1, e.Epoch)
		}
		if e.Via == "welcome" && !g.JoinedAt(v.id, e.Epoch) {
			bad("S7", "entered epoch %d by a welcome, but the commit at seq %d did not add it", e.Epoch, e.CommitSeq)
		}
	default:
		bad("S1", "entered epoch %d by %q: not create, commit or welcome", e.Epoch, e.Via)
		return
	}
	key := groupEpoch{e.Group, e.Epoch}
	seen, ok := c.auth[key]
	if !ok {
		c.auth[key] = authSeen{value: e.Authenticator, by: v.id}
		return
	}
	if seen.value != e.Authenticator {
		c.bad("S1", step, e.Group, []string{v.id, seen.by}, "epoch %d: authenticator %s differs from %s's %s",
			e.Epoch, short(e.Authenticator), seen.by, short(seen.value))
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

// checkMessage: S6 (topic order), S3 (stored once, the accepted copy),
// S5 (a member of its epoch), S7 (owed: a member from its epoch to its
// position) and S11 (what the sender's intent held) for one stored
// message.
func (c *Checker) checkMessage(step int, v *client, m StoredMessage) {
	bad := func(prop, format string, args ...any) { c.bad(prop, step, m.Group, []string{v.id}, format, args...) }
	if last := v.lastMsg[m.Group]; m.Seq <= last {
		bad("S6", "stored %s (seq %d) after a message at seq %d", m.ID, m.Seq, last)
	}
	v.lastMsg[m.Group] = max(v.lastMsg[m.Group], m.Seq)
	if seq, dup := v.ids[m.ID]; dup {
		bad("S3", "stored message id %s twice (seq %d and %d)", m.ID, seq, m.Seq)
	}
	v.ids[m.ID] = m.Seq
	g := c.Oracle.Group(m.Group)
	if m.Kind != MessageApplication {
		c.checkMembershipMessage(bad, v, g, m)
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
		return
	case want.Seq != m.Seq:
		bad("S3", "stored %s from seq %d, a second copy of the one accepted at seq %d", m.ID, m.Seq, want.Seq)
		return
	}
	switch r, revoked := c.revokedAfter(v.id, g, want.At); {
	case revoked:
		bad("S12", "stored %s (seq %d, landed at epoch %d), but it was revoked and removed at epoch %d", m.ID, m.Seq, want.At, r)
	case !g.MemberAt(v.id, want.Epoch):
		bad("S5", "stored %s of epoch %d, in which it was not a member", m.ID, want.Epoch)
	case !g.Continuous(v.id, want.Epoch, want.At):
		bad("S7", "stored %s (epoch %d, seq %d at epoch %d), but it was not a member throughout", m.ID, want.Epoch, m.Seq, want.At)
	}
	c.checkContent(bad, m, want)
}

// checkContent is S11 for an application message: the stored row says
// what the oracle's copy and the sender's intent say.
func (c *Checker) checkContent(bad func(string, string, ...any), m StoredMessage, want Message) {
	switch {
	case m.Sender != want.Sender:
		bad("S11", "stored %s with sender %s, the envelope's is %s", m.ID, m.Sender, want.Sender)
		return
	case m.Epoch != want.Epoch:
		bad("S11", "stored %s with epoch %d, the envelope's is %d", m.ID, m.Epoch, want.Epoch)
		return
	}
	sender, id, ok := parseMessageID(m.ID)
	if !ok || sender != want.Sender {
		bad("S11", "message id %s does not name its sender %s and an intent", m.ID, want.Sender)
		return
	}
	s := c.byID[sender]
	if s == nil {
		return // a sender whose store is not read: nothing to compare with
	}
	in := s.intents[id]
	if in == nil && c.cfg.Concurrent {
		c.waiting = append(c.waiting, waitingContent{bad: bad, m: m, sender: sender, id: id, since: c.steps})
		return
	}
	c.compareIntent(bad, m, sender, id, in)
}

// compareIntent is S11's comparison of a stored message with the intent
// its id names (nil: the sender recorded none).
func (c *Checker) compareIntent(bad func(string, string, ...any), m StoredMessage, sender string, id int64, in *intentSeen) {
	switch {
	case in == nil:
		bad("S11", "stored %s, but %s recorded no intent %d", m.ID, sender, id)
	case in.Kind != KindSendMessage:
		bad("S11", "stored %s as a message, but %s's intent %d is %s", m.ID, sender, id, in.Kind)
	case in.Group != m.Group:
		bad("S11", "stored %s in %s, but %s's intent %d is for %s", m.ID, m.Group, sender, id, in.Group)
	case string(in.Data) != string(m.Body):
		bad("S11", "stored %s with body %q, but %s's intent %d says %q", m.ID, clip(m.Body), sender, id, clip(in.Data))
	}
}

// checkMembershipMessage: a MEMBER_ADDED or MEMBER_REMOVED row is the
// accepted commit at its position (S3), owed to its reader (S7) and says
// what the commit's manifest says, at the epoch its reader stores it at
// (S11; membership.go).
func (c *Checker) checkMembershipMessage(bad func(string, string, ...any), v *client, g *Group, m StoredMessage) {
	var cm Commit
	ok := g != nil
	if ok {
		cm, ok = g.CommitAt(m.Seq)
	}
	if !ok {
		bad("S3", "stored %s for seq %d, which holds no accepted commit", m.ID, m.Seq)
		return
	}
	if r, ok := c.revokedAfter(v.id, g, cm.Epoch); ok {
		bad("S12", "stored %s for the commit at seq %d (epoch %d), but it was revoked and removed at epoch %d", m.ID, m.Seq, cm.Epoch, r)
	} else if !g.MemberAt(v.id, cm.Epoch) && !slices.Contains(cm.Added, v.id) {
		bad("S7", "stored %s for the commit at seq %d, which it was neither a member for nor added by", m.ID, m.Seq)
	}
	kind, body := membershipText(cm)
	epoch, joiner, _ := membershipEpoch(g, v.id, cm)
	switch {
	case m.ID != "commit:"+cm.Hash[:16]:
		bad("S11", "stored the commit at seq %d as %s, want commit:%s", m.Seq, m.ID, cm.Hash[:16])
	case m.Kind != kind:
		bad("S11", "stored the commit at seq %d as %s, its manifest makes it %s", m.Seq, m.Kind, kind)
	case m.Sender != cm.Sender:
		bad("S11", "stored the commit at seq %d with sender %s, the committer is %s", m.Seq, m.Sender, cm.Sender)
	case joiner && m.Epoch != epoch:
		bad("S11", "stored the commit at seq %d with epoch %d, but it joined by it: a joiner stores it at the epoch it enters, %d", m.Seq, m.Epoch, epoch)
	case !joiner && m.Epoch != cm.Epoch:
		bad("S11", "stored the commit at seq %d with epoch %d, it was built for %d", m.Seq, m.Epoch, cm.Epoch)
	case string(m.Body) != body:
		bad("S11", "stored the commit at seq %d with body %q, its manifest says %q", m.Seq, clip(m.Body), body)
	}
}

// membershipText is the row a membership change is stored as (the
// engine's documented format: docs/SCHEMA.md). A commit that changes no
// membership stores none: its kind is 0.
func membershipText(cm Commit) (MessageKind, string) {
	switch {
	case len(cm.Added) > 0 && len(cm.Removed) > 0:
		return MessageMemberAdded, "added " + strings.Join(cm.Added, ",") + "; removed " + strings.Join(cm.Removed, ",")
	case len(cm.Added) > 0:
		return MessageMemberAdded, "added " + strings.Join(cm.Added, ",")
	case len(cm.Removed) > 0:
		return MessageMemberRemoved, "removed " + strings.Join(cm.Removed, ",")
	}
	return 0, ""
}

// parseMessageID splits "installation#intent" (SPEC §3: the sender
// installation and its intent id).
func parseMessageID(id string) (string, int64, bool) {
	i := strings.LastIndexByte(id, '#')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	return id[:i], n, err == nil && n > 0
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func (c *Checker) why(g *Group, seq uint64) string {
	if g == nil || seq == 0 || seq > uint64(len(g.Verdicts)) {
		return "not on the topic"
	}
	return g.Verdicts[seq-1].Why
}

// checkTransition: S4 (an edge of the diagram, from where the intent
// was), S8 (first publishes in creation order) and S10 (a justified NOOP).
func (c *Checker) checkTransition(step int, v *client, t Transition) {
	bad := func(prop, format string, args ...any) { c.bad(prop, step, t.Group, []string{v.id}, format, args...) }
	in := v.intents[t.Intent]
	if in == nil {
		bad("S4", "intent %d moved %s -> %s, but the store holds no such intent", t.Intent, t.From, t.To)
		return
	}
	if in.state != t.From {
		bad("S4", "intent %d moved from %s, but it was %s", t.Intent, t.From, in.state)
	}
	if !legalEdge(t.From, t.To, t.Reason) {
		bad("S4", "intent %d moved %s -> %s (reason %q), not an edge of the diagram", t.Intent, t.From, t.To, t.Reason)
	}
	in.state = t.To
	if t.From == StateToSend {
		c.publishOrder(bad, v, in)
	}
	if t.To == StateCommitted && t.Reason == ReasonNoop {
		c.justifiedNoop(bad, v, in, t)
	}
	if t.To == StateFailed && t.Reason == ReasonPermission {
		c.justifiedRefusal(bad, v, in, t)
	}
}

// publishOrder is S8: when an intent first leaves TO_SEND, every earlier
// intent of its group has left it already (SPEC §4 rule 1).
func (c *Checker) publishOrder(bad func(string, string, ...any), v *client, in *intentSeen) {
	waiting := v.waiting[in.Group]
	i := slices.Index(waiting, in.ID)
	if i < 0 {
		return // it left TO_SEND before
	}
	if i > 0 {
		bad("S8", "intent %d (%s) left TO_SEND before the earlier intent %d of the group", in.ID, in.Kind, waiting[0])
	}
	v.waiting[in.Group] = slices.Delete(waiting, i, i+1)
}

// legalEdge is SPEC §4's diagram, written out here rather than taken from
// the engine, so the checker does not share the engine's mistakes.
func legalEdge(from, to IntentState, reason string) bool {
	switch {
	case from == StateToSend && to == StatePublished:
		return reason == ReasonNone
	case from == StateToSend && to == StateCommitted:
		return reason == ReasonNoop
	case from == StateToSend && to == StateFailed:
		return reason == ReasonGroupCap || reason == ReasonRemoved || reason == ReasonInvalid || reason == ReasonPermission
	case from == StatePublished && to == StateToSend:
		return reason == ReasonNone
	case from == StatePublished && to == StateCommitted:
		return reason == ReasonNone
	case from == StatePublished && to == StateFailed:
		return reason == ReasonRemoved
	}
	return false
}

// checkPosition is S2: epochs and cursors never go backwards, across
// crashes too.
func (c *Checker) checkPosition(step int, v *client, p Position) {
	was, ok := v.positions[p.Group]
	v.positions[p.Group] = p
	if !ok {
		return
	}
	if p.Epoch < was.Epoch {
		c.bad("S2", step, p.Group, []string{v.id}, "epoch went back from %d to %d", was.Epoch, p.Epoch)
	}
	if p.Cursor < was.Cursor {
		c.bad("S2", step, p.Group, []string{v.id}, "cursor went back from %d to %d", was.Cursor, p.Cursor)
	}
}

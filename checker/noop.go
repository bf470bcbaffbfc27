package checker

import (
	"slices"
	"strings"
)

// justifiedNoop is S10: an add or remove ends NOOP only if, at the epoch
// where it was judged, every target installation was already in (add) or
// already out (remove), or — for an add — was recorded as skipped for want
// of a key package, and the directory indeed had none for it. An
// UPDATE_INSTALLATIONS ends NOOP only if every installation the directory
// lists under a member account was in (or so skipped) and no member but
// the client itself was revoked.
func (c *Checker) justifiedNoop(bad func(string, string, ...any), v *client, in *intentSeen, t Transition) {
	if in.Kind != KindAddMembers && in.Kind != KindRemoveMembers && in.Kind != KindUpdateInstallations &&
		in.Kind != KindUpdateAdmins && in.Kind != KindUpdatePolicy {
		bad("S10", "intent %d (%s) ended NOOP: only an add, a remove or an installation update, or an admin or policy update, can have nothing to do", in.ID, in.Kind)
		return
	}
	at := t.Epoch
	g := c.Oracle.Group(in.Group)
	if was, ok := v.positions[in.Group]; ok && at < was.Epoch {
		bad("S10", "intent %d ended NOOP judged at epoch %d, but the client was already at epoch %d", in.ID, at, was.Epoch)
		return
	}
	if g != nil && at > g.Epoch {
		bad("S10", "intent %d ended NOOP judged at epoch %d, but the group is at epoch %d", in.ID, at, g.Epoch)
		return
	}
	member := func(id string) bool {
		if g == nil || g.Creator == "" {
			return at == 0 && id == v.id // epoch 0 before any payload: the creator alone
		}
		return g.MemberAt(id, at)
	}
	if in.Kind == KindUpdateAdmins || in.Kind == KindUpdatePolicy {
		c.policyNoop(bad, in, g, at)
		return
	}
	targets := strings.Split(string(in.Data), "\n")
	if in.Kind == KindUpdateInstallations {
		c.justifiedAlignmentNoop(bad, v, in, t, g, member)
		return
	}
	if in.Kind == KindRemoveMembers {
		var ids []string
		if g != nil {
			ids = sortedKeys(g.spans)
		}
		for _, id := range ids {
			if slices.Contains(targets, accountOf(id)) && member(id) {
				bad("S10", "intent %d (remove %s) ended NOOP, but %s was a member at epoch %d", in.ID, accountOf(id), id, at)
				return
			}
		}
		return
	}
	if c.cfg.Directory == nil {
		return
	}
	c.allIn(bad, in, t, targets, member, "add")
}

// allIn checks that every installation the directory lists under the
// accounts was a member, or recorded as skipped with no key package left.
func (c *Checker) allIn(bad func(string, string, ...any), in *intentSeen, t Transition, accounts []string, member func(string) bool, what string) bool {
	dir := c.directoryBefore()
	for _, account := range accounts {
		for _, id := range dir.Installations(account) {
			switch {
			case member(id):
			case !slices.Contains(t.Skipped, id):
				bad("S10", "intent %d (%s %s) ended NOOP, but %s was not a member at epoch %d and was not recorded as skipped", in.ID, what, account, id, t.Epoch)
				return false
			case dir.KeyPackages(id) > 0:
				bad("S10", "intent %d (%s %s) ended NOOP skipping %s for want of a key package, but the directory holds some", in.ID, what, account, id)
				return false
			}
		}
	}
	return true
}

// justifiedAlignmentNoop: an UPDATE_INSTALLATIONS had nothing to do at
// the epoch it was judged: every member account's listed installations in
// (or skipped) and no member revoked but the client itself.
func (c *Checker) justifiedAlignmentNoop(bad func(string, string, ...any), v *client, in *intentSeen, t Transition, g *Group, member func(string) bool) {
	if c.cfg.Directory == nil || g == nil {
		return
	}
	var accounts, ids []string
	for _, id := range sortedKeys(g.spans) {
		if !member(id) {
			continue
		}
		ids = append(ids, id)
		if a := accountOf(id); !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	if !c.allIn(bad, in, t, accounts, member, "update installations of") {
		return
	}
	for _, id := range ids {
		if id != v.id && c.directoryBefore().Revoked(id) && !c.keptForPolicy(v, g, id, t.Epoch) {
			bad("S10", "intent %d (update installations) ended NOOP, but %s, revoked, was a member at epoch %d", in.ID, id, t.Epoch)
			return
		}
	}
}

// accountOf is the account of an installation id ("account/name").
func accountOf(installation string) string {
	if i := strings.LastIndexByte(installation, '/'); i > 0 {
		return installation[:i]
	}
	return installation
}

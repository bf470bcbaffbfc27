package checker

import (
	"slices"
	"strings"
)

// justifiedNoop is S10: an add or remove ends NOOP only if, at the epoch
// where it was judged, every target installation was already in (add) or
// already out (remove), or — for an add — was recorded as skipped for want
// of a key package, and the directory indeed had none for it.
func (c *Checker) justifiedNoop(bad func(string, string, ...any), v *client, in *intentSeen, t Transition) {
	if in.Kind != KindAddMembers && in.Kind != KindRemoveMembers {
		bad("S10", "intent %d (%s) ended NOOP: only an add or a remove can have nothing to do", in.ID, in.Kind)
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
	targets := strings.Split(string(in.Data), "\n")
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
	for _, account := range targets {
		for _, id := range c.cfg.Directory.Installations(account) {
			switch {
			case member(id):
			case !slices.Contains(t.Skipped, id):
				bad("S10", "intent %d (add %s) ended NOOP, but %s was not a member at epoch %d and was not recorded as skipped", in.ID, account, id, at)
				return
			case c.cfg.Directory.KeyPackages(id) > 0:
				bad("S10", "intent %d (add %s) ended NOOP skipping %s for want of a key package, but the directory holds some", in.ID, account, id)
				return
			}
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

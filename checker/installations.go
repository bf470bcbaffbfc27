package checker

import (
	"slices"
	"sort"
)

// Installations follow their account (the design note's account-level
// membership): a commit brings a group's installations in line with the
// directory — the member accounts' missing installations added, revoked
// ones removed.

// revokedAfter is S12's test: the installation is revoked and the group
// had removed it by the epoch given (its last membership ended there or
// before). A revoked installation cannot join again (it cannot upload key
// packages), so its last span's end is its removal.
func (c *Checker) revokedAfter(id string, g *Group, epoch uint64) (uint64, bool) {
	if c.cfg.Directory == nil || g == nil || !c.cfg.Directory.Revoked(id) {
		return 0, false
	}
	spans := g.spans[id]
	if len(spans) == 0 {
		return 0, false
	}
	last := spans[len(spans)-1]
	if last.to == 0 || epoch < last.to {
		return 0, false
	}
	return last.to, true
}

// installationsFollow is L6, after the liveness phase: in every group,
// every installation the directory lists under a member account is a
// member, and no member is revoked. Exempt: a missing installation of a
// group whose UPDATE_INSTALLATIONS found it full (FAILED group_cap: the
// width cap stops the add); a revoked member of a group no member of which
// is left unrevoked to remove it; and a group whose designated member (the
// first unrevoked member in id order, the one that records the update)
// never received the welcome a withholder owed it, so never holds the
// group to act.
func (c *Checker) installationsFollow(step int, g *Group, by map[string]*ClientState, withheld func(group, inst string, epoch uint64) bool) {
	if c.cfg.Directory == nil || g.Creator == "" {
		return
	}
	members := g.MemberList()
	var accounts []string
	live := 0
	designated := ""
	for _, id := range members {
		if a := accountOf(id); !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
		if !c.cfg.Directory.Revoked(id) {
			live++
			if designated == "" {
				designated = id // MemberList is sorted
			}
		}
	}
	if designated != "" && withheld(g.ID, designated, g.Epoch) {
		return
	}
	sort.Strings(accounts)
	full := false
	for _, s := range by {
		for _, in := range s.Intents {
			if in.Group == g.ID && in.Kind == KindUpdateInstallations && in.State == StateFailed && in.Reason == ReasonGroupCap {
				full = true
			}
		}
	}
	for _, a := range accounts {
		for _, id := range c.cfg.Directory.Installations(a) {
			if !g.Members[id] && !full {
				c.bad("L6", step, g.ID, []string{id}, "%s is an installation of member account %s but not a member at epoch %d", id, a, g.Epoch)
			}
		}
	}
	for _, id := range members {
		if c.cfg.Directory.Revoked(id) && live > 0 {
			c.bad("L6", step, g.ID, []string{id}, "%s was revoked but is still a member at epoch %d", id, g.Epoch)
		}
	}
}

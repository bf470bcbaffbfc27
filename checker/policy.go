package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// Permissions, judged from the log alone with the checker's own code (wire
// gives only the policy's format). A group's policy in epoch 0 is the
// default with the creator's account as super admin; every accepted
// commit carries the policy of the epoch it leads into. A commit is
// rejected — by every client, and so by the oracle — when it does what
// the policy of its epoch does not let its sender's account do:
//   - add account: add an installation of an account none of whose
//     installations is a member in that epoch;
//   - remove account: leave an account that had member installations
//     with none;
//   - change admins, change policy: carry another admin list, other
//     levels; and the super admin never changes.

// defaultPolicy is epoch 0's policy, written out here from docs/SCHEMA.md
// rather than taken from the engine: every member may add and remove
// accounts, only the super admin may change admins or the policy.
func defaultPolicy(superAdmin string) wire.Policy {
	return wire.Policy{SuperAdmin: superAdmin, AddAccount: wire.Everyone, RemoveAccount: wire.Everyone,
		ChangeAdmins: wire.SuperAdmins, ChangePolicy: wire.SuperAdmins}
}

// may says whether an account may act at a level of a policy.
func may(p wire.Policy, account string, l wire.Level) bool {
	switch l {
	case wire.Everyone:
		return true
	case wire.Admins:
		return account == p.SuperAdmin || slices.Contains(p.Admins, account)
	case wire.SuperAdmins:
		return account == p.SuperAdmin
	}
	return false
}

// PolicyAt is the group's policy in an epoch (ok false before the
// creator is known or past the current epoch).
func (g *Group) PolicyAt(epoch uint64) (wire.Policy, bool) {
	if epoch >= uint64(len(g.policies)) {
		return wire.Policy{}, false
	}
	return g.policies[epoch], true
}

// forbidden says what an envelope's commit does that the current epoch's
// policy does not let its sender do, "" if nothing. g.Members are the
// members of that epoch.
func (g *Group) forbidden(e *wire.Envelope) string {
	p, ok := g.PolicyAt(g.Epoch)
	if !ok {
		return "no policy known"
	}
	return violates(p, accountOf(e.Sender), g.Members, e.Added, e.Removed, e.Policy)
}

// violates is the judgment itself, for a commit by an account changing
// the members (installations) by added and removed and carrying next.
func violates(p wire.Policy, account string, members map[string]bool, added, removed []string, next wire.Policy) string {
	if next.SuperAdmin != p.SuperAdmin {
		return fmt.Sprintf("carries super admin %s, not %s", next.SuperAdmin, p.SuperAdmin)
	}
	if strings.Join(next.Admins, ",") != strings.Join(p.Admins, ",") && !may(p, account, p.ChangeAdmins) {
		return fmt.Sprintf("%s may not change the admins (%s only)", account, p.ChangeAdmins)
	}
	if next.Levels() != p.Levels() && !may(p, account, p.ChangePolicy) {
		return fmt.Sprintf("%s may not change the policy (%s only)", account, p.ChangePolicy)
	}
	before, after := map[string]bool{}, map[string]bool{}
	for id := range members {
		before[accountOf(id)] = true
		if !slices.Contains(removed, id) {
			after[accountOf(id)] = true
		}
	}
	for _, id := range added {
		if a := accountOf(id); !before[a] && !may(p, account, p.AddAccount) {
			return fmt.Sprintf("%s may not add account %s (%s only)", account, a, p.AddAccount)
		}
		after[accountOf(id)] = true
	}
	for _, id := range removed {
		if a := accountOf(id); before[a] && !after[a] && !may(p, account, p.RemoveAccount) {
			return fmt.Sprintf("%s may not remove account %s (%s only)", account, a, p.RemoveAccount)
		}
	}
	return ""
}

// changedPolicy is the policy an UPDATE_ADMINS or UPDATE_POLICY intent's
// publish data asks for, from p (docs/SCHEMA.md: lines "+account" /
// "-account", or "action=level").
func changedPolicy(p wire.Policy, kind IntentKind, data string) wire.Policy {
	next := p
	next.Admins = slices.Clone(p.Admins)
	for _, line := range strings.Split(data, "\n") {
		switch kind {
		case KindUpdateAdmins:
			if len(line) < 2 {
				continue
			}
			a := line[1:]
			i := slices.Index(next.Admins, a)
			if line[0] == '+' && i < 0 && a != p.SuperAdmin {
				next.Admins = append(next.Admins, a)
			}
			if line[0] == '-' && i >= 0 {
				next.Admins = slices.Delete(next.Admins, i, i+1)
			}
		case KindUpdatePolicy:
			name, level, _ := strings.Cut(line, "=")
			if l, ok := wire.ParseLevel(level); ok {
				next.SetLevel(name, l)
			}
		}
	}
	slices.Sort(next.Admins)
	return next
}

// policyNoop is S10 for UPDATE_ADMINS and UPDATE_POLICY: NOOP only if the
// policy of the judged epoch already was what the intent asks for.
func (c *Checker) policyNoop(bad func(string, string, ...any), in *intentSeen, g *Group, at uint64) {
	if g == nil {
		return
	}
	p, ok := g.PolicyAt(at)
	if !ok {
		return
	}
	next := changedPolicy(p, in.Kind, string(in.Data))
	if strings.Join(next.Admins, ",") != strings.Join(p.Admins, ",") || next.Levels() != p.Levels() {
		bad("S10", "intent %d (%s) ended NOOP at epoch %d, but the policy there was %s", in.ID, in.Kind, at, p)
	}
}

// justifiedRefusal is S13's sender side: an intent ends FAILED permission
// only if the policy of the epoch it was judged at does not let the
// client's account do what it asks — add an account none of whose
// installations is a member, remove one that has members, change the
// admins or the levels. Other kinds never need a permission.
func (c *Checker) justifiedRefusal(bad func(string, string, ...any), v *client, in *intentSeen, t Transition) {
	g := c.Oracle.Group(in.Group)
	if g == nil {
		return
	}
	p, ok := g.PolicyAt(t.Epoch)
	if !ok {
		return
	}
	account := accountOf(v.id)
	hasMember := func(acct string) bool {
		for _, id := range sortedKeys(g.spans) {
			if accountOf(id) == acct && g.MemberAt(id, t.Epoch) {
				return true
			}
		}
		return false
	}
	targets := strings.Split(string(in.Data), "\n")
	forbidden := false
	switch in.Kind {
	case KindAddMembers:
		forbidden = !may(p, account, p.AddAccount) && slices.ContainsFunc(targets, func(a string) bool { return !hasMember(a) })
	case KindRemoveMembers:
		forbidden = !may(p, account, p.RemoveAccount) && slices.ContainsFunc(targets, hasMember)
	case KindUpdateAdmins:
		forbidden = !may(p, account, p.ChangeAdmins)
	case KindUpdatePolicy:
		forbidden = !may(p, account, p.ChangePolicy)
	}
	if !forbidden {
		bad("S13", "intent %d (%s) ended FAILED permission at epoch %d, but the policy there (%s) lets %s do it", in.ID, in.Kind, t.Epoch, p, account)
	}
}

// keptForPolicy: a revoked member an alignment may leave in place — the
// client's account may not remove accounts in that epoch and every
// member installation of the revoked one's account is revoked, so
// removing it would take the account out.
func (c *Checker) keptForPolicy(v *client, g *Group, id string, at uint64) bool {
	p, ok := g.PolicyAt(at)
	if !ok || may(p, accountOf(v.id), p.RemoveAccount) {
		return false
	}
	for _, other := range sortedKeys(g.spans) {
		if accountOf(other) == accountOf(id) && g.MemberAt(other, at) && !c.cfg.Directory.Revoked(other) {
			return false
		}
	}
	return true
}

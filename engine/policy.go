package engine

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// Permissions (issue 15 item 2). A group's policy (wire.Policy) names its
// super admin (the creator's account), its admin accounts, and per action
// who may perform it. It is part of every epoch: each commit envelope
// carries the policy of the epoch it leads into, every receiver judges the
// commit against the policy of the commit's own epoch, and the sender
// refuses (FAILED permission) what it may not do before publishing.
//
// What a commit needs is read from its manifest alone, so every receiver
// and the checker's oracle judge it alike:
//   - add account: it adds an installation of an account with no member
//     installation in the commit's epoch;
//   - remove account: an account with member installations in the epoch
//     has none after the commit;
//   - change admins / change policy: the carried policy's admin list /
//     levels differ from the epoch's.
//
// Adding a member account's new installation or removing some (not all)
// of an account's installations — the alignment every commit carries —
// needs nothing. The super admin never changes.

// UpdateAdmins records the intent to change the group's admin list: each
// of add becomes an admin, each of remove stops being one.
func (c *Client) UpdateAdmins(groupID string, add, remove []string) (int64, error) {
	var lines []string
	for _, list := range []struct {
		sign  string
		names []string
	}{{"+", add}, {"-", remove}} {
		for _, a := range list.names {
			if a == "" || strings.ContainsAny(a, "/\n+-") {
				return 0, fmt.Errorf("update admins: bad account name %q", a)
			}
			lines = append(lines, list.sign+a)
		}
	}
	if len(lines) == 0 {
		return 0, fmt.Errorf("update admins: no change named")
	}
	return c.newIntent(intent.UpdateAdmins, groupID, []byte(strings.Join(lines, "\n")))
}

// UpdatePolicy records the intent to set some of the policy's levels:
// keys are wire.LevelNames (add, remove, admins, policy).
func (c *Client) UpdatePolicy(groupID string, levels map[string]wire.Level) (int64, error) {
	var lines []string
	for _, name := range wire.LevelNames { // a fixed order, not the map's
		l, ok := levels[name]
		if !ok {
			continue
		}
		if l < wire.Everyone || l > wire.SuperAdmins {
			return 0, fmt.Errorf("update policy: bad level %d for %s", l, name)
		}
		lines = append(lines, name+"="+l.String())
	}
	if len(lines) != len(levels) || len(lines) == 0 {
		return 0, fmt.Errorf("update policy: want levels of %s", strings.Join(wire.LevelNames[:], ", "))
	}
	return c.newIntent(intent.UpdatePolicy, groupID, []byte(strings.Join(lines, "\n")))
}

// applyPolicyIntent is the policy an UPDATE_ADMINS or UPDATE_POLICY intent
// asks for, from the current one; other kinds keep it.
func applyPolicyIntent(p wire.Policy, in intent.Intent) wire.Policy {
	next := p
	next.Admins = append([]string(nil), p.Admins...)
	for _, line := range strings.Split(string(in.Data), "\n") {
		switch in.Kind {
		case intent.UpdateAdmins:
			if len(line) < 2 {
				continue
			}
			a := line[1:]
			i := slices.Index(next.Admins, a)
			switch {
			case line[0] == '+' && i < 0 && a != next.SuperAdmin:
				next.Admins = append(next.Admins, a)
			case line[0] == '-' && i >= 0:
				next.Admins = slices.Delete(next.Admins, i, i+1)
			}
		case intent.UpdatePolicy:
			name, level, _ := strings.Cut(line, "=")
			if l, ok := wire.ParseLevel(level); ok {
				next.SetLevel(name, l)
			}
		}
	}
	sort.Strings(next.Admins)
	if len(next.Admins) == 0 {
		next.Admins = nil
	}
	return next
}

// mayAct says whether an account may act at a level under a policy.
func mayAct(p wire.Policy, account string, l wire.Level) bool {
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

// policyViolation says what a commit by sender, changing the members
// (the installations of its epoch) by added and removed and carrying
// next, does that the epoch's policy p does not let it do; "" if nothing.
func policyViolation(p wire.Policy, sender string, members []string, added, removed []string, next wire.Policy) string {
	account := AccountOf(sender)
	if next.SuperAdmin != p.SuperAdmin {
		return fmt.Sprintf("changes the super admin %s", p.SuperAdmin)
	}
	if !slices.Equal(next.Admins, p.Admins) && !mayAct(p, account, p.ChangeAdmins) {
		return fmt.Sprintf("%s changes the admins (needs %s)", account, p.ChangeAdmins)
	}
	if next.Levels() != p.Levels() && !mayAct(p, account, p.ChangePolicy) {
		return fmt.Sprintf("%s changes the policy (needs %s)", account, p.ChangePolicy)
	}
	mayAdd, mayRemove := mayAct(p, account, p.AddAccount), mayAct(p, account, p.RemoveAccount)
	if mayAdd && mayRemove {
		return ""
	}
	before := map[string]bool{}
	for _, id := range members {
		before[AccountOf(id)] = true
	}
	if !mayAdd {
		for _, id := range added {
			if !before[AccountOf(id)] {
				return fmt.Sprintf("%s adds account %s (needs %s)", account, AccountOf(id), p.AddAccount)
			}
		}
	}
	if !mayRemove {
		after := map[string]bool{}
		for _, id := range members {
			if !slices.Contains(removed, id) {
				after[AccountOf(id)] = true
			}
		}
		for _, id := range added {
			after[AccountOf(id)] = true
		}
		for _, id := range removed {
			if a := AccountOf(id); before[a] && !after[a] {
				return fmt.Sprintf("%s removes account %s (needs %s)", account, a, p.RemoveAccount)
			}
		}
	}
	return ""
}

// loadPolicy reads the group's policy in the client's current epoch.
func loadPolicy(tx Tx, group string) (wire.Policy, error) {
	var data []byte
	err := tx.QueryRow(`SELECT policy FROM group_policy WHERE group_id = ?`, group).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return wire.Policy{}, fmt.Errorf("group %s: no policy stored", group)
	}
	if err != nil {
		return wire.Policy{}, err
	}
	return wire.DecodePolicy(data)
}

// savePolicy records the policy of the epoch the client enters.
func savePolicy(tx Tx, group string, epoch uint64, p wire.Policy) error {
	_, err := tx.Exec(`INSERT INTO group_policy(group_id, epoch, policy) VALUES (?, ?, ?)
		ON CONFLICT(group_id) DO UPDATE SET epoch = excluded.epoch, policy = excluded.policy`, group, epoch, wire.EncodePolicy(p))
	return err
}

// Policy returns the group's policy as the client holds it (its current
// epoch's).
func (c *Client) Policy(groupID string) (wire.Policy, error) {
	var p wire.Policy
	err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		p, err = loadPolicy(tx, groupID)
		return err
	})
	return p, err
}

// sortedMembers lists a member map's installations in id order.
func sortedMembers(mem map[string]uint64) []string {
	out := make([]string, 0, len(mem))
	for id := range mem {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// keepAccounts drops from the plan the alignment removals (those after
// the intent's own first n) that would take an account out of the group
// when the committer may not remove accounts: a revoked installation
// whose account has no other member then stays until the account's next
// installation joins (or a permitted member removes it).
func keepAccounts(plan *commitPlan, own int, mem map[string]uint64) {
	after := map[string]bool{}
	for id := range mem {
		if !slices.Contains(plan.removes, id) {
			after[AccountOf(id)] = true
		}
	}
	for _, id := range plan.addIDs {
		after[AccountOf(id)] = true
	}
	kept := plan.removes[:own:own]
	for _, id := range plan.removes[own:] {
		if after[AccountOf(id)] {
			kept = append(kept, id)
		}
	}
	plan.removes = kept
}

package sim

import (
	"fmt"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// Permissions (issue 15 item 2): the admin and policy intents, and the
// Byzantine member that forges commits its own client would refuse.

// update-admins ID GROUP +ACCOUNT|-ACCOUNT...: record an UPDATE_ADMINS
// intent.
func (w *World) cmdUpdateAdmins(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	add, remove, err := parseAdminChanges(c.Args[2:])
	if err != nil {
		return result{}, fmt.Errorf("update-admins: %w", err)
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.UpdateAdmins(c.Arg(1), add, remove)
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

func parseAdminChanges(args []string) (add, remove []string, err error) {
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "+") && len(a) > 1:
			add = append(add, a[1:])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			remove = append(remove, a[1:])
		default:
			return nil, nil, fmt.Errorf("want +ACCOUNT or -ACCOUNT, got %q", a)
		}
	}
	return add, remove, nil
}

// update-policy ID GROUP ACTION=LEVEL...: record an UPDATE_POLICY intent
// (actions add, remove, admins, policy; levels everyone, admins, super).
func (w *World) cmdUpdatePolicy(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	levels, err := parseLevels(c.Opts)
	if err != nil {
		return result{}, fmt.Errorf("update-policy: %w", err)
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		id, err := cl.eng.UpdatePolicy(c.Arg(1), levels)
		return fmt.Sprintf("intent=%d", id), err
	}), nil
}

func parseLevels(opts []Opt) (map[string]wire.Level, error) {
	levels := map[string]wire.Level{}
	for _, o := range opts {
		l, ok := wire.ParseLevel(o.Val)
		if !ok || !contains(wire.LevelNames[:], o.Key) {
			return nil, fmt.Errorf("want ACTION=LEVEL with ACTION one of %s and LEVEL everyone, admins or super; got %s=%s",
				strings.Join(wire.LevelNames[:], ", "), o.Key, o.Val)
		}
		levels[o.Key] = l
	}
	if len(levels) == 0 {
		return nil, fmt.Errorf("no level named")
	}
	return levels, nil
}

// forge-commit ID GROUP remove:ACCOUNT|add:ACCOUNT|admin:ACCOUNT|policy:open:
// the installation plays a Byzantine member (engine.Config.Byzantine,
// which the simulator sets): it builds a commit its own permission check
// refuses and publishes it; every receiver must reject it. A commit the
// policy permits is not published ("skipped: permitted").
func (w *World) cmdForgeCommit(c Cmd) (result, error) {
	if err := c.need(); err != nil {
		return result{}, err
	}
	return w.engineCall(c.Arg(0), func(cl *client) (string, error) {
		return cl.eng.ForgeCommit(c.Arg(1), c.Arg(2))
	}), nil
}

// choosePolicy resolves the permission actions. The actor is a running
// client holding a group; half the time (admin and policy changes) one of
// the group's super admin's installations, so that changes happen, and
// otherwise anyone, so that refusals do too.
func (w *World) choosePolicy(a Action) Cmd {
	var holders []*client
	for _, c := range w.live() {
		if len(w.held[c.id]) > 0 {
			holders = append(holders, c)
		}
	}
	if len(holders) == 0 {
		return w.choose(ActSync)
	}
	c := holders[w.pick(len(holders))]
	group := w.held[c.id][w.pick(len(w.held[c.id]))]
	pol, err := c.eng.Policy(group)
	if err != nil {
		return NewCmd("sync", c.id, group)
	}
	if a != ActForgeCommit && w.pick(2) == 0 {
		var supers []*client
		for _, h := range holders {
			if h.account == pol.SuperAdmin && contains(w.held[h.id], group) {
				supers = append(supers, h)
			}
		}
		if len(supers) > 0 {
			c = supers[w.pick(len(supers))]
		}
	}
	other := w.accounts[w.pick(len(w.accounts))]
	switch a {
	case ActUpdateAdmins:
		sign := "+"
		if contains(pol.Admins, other) {
			sign = "-"
		}
		return NewCmd("update-admins", c.id, group, sign+other)
	case ActUpdatePolicy:
		name := wire.LevelNames[w.pick(len(wire.LevelNames))]
		level := wire.Level(1 + w.pick(3))
		return NewCmd("update-policy", c.id, group).With(name, level.String())
	}
	// ActForgeCommit: a member the policy restricts (neither admin nor
	// super admin, when the group has one), forging what it may not do.
	var plain []*client
	for _, h := range holders {
		if contains(w.held[h.id], group) && h.account != pol.SuperAdmin && !contains(pol.Admins, h.account) {
			plain = append(plain, h)
		}
	}
	if len(plain) > 0 {
		c = plain[w.pick(len(plain))]
	}
	var forms []string
	if !mayLevel(pol, c.account, pol.RemoveAccount) {
		if target := w.removeTarget(c, group); target != c.account {
			forms = append(forms, "remove:"+target)
		}
	}
	if !mayLevel(pol, c.account, pol.AddAccount) {
		forms = append(forms, "add:"+w.addTarget(c, group))
	}
	if !mayLevel(pol, c.account, pol.ChangeAdmins) {
		forms = append(forms, "admin:"+c.account)
	}
	if !mayLevel(pol, c.account, pol.ChangePolicy) {
		forms = append(forms, "policy:open")
	}
	if len(forms) == 0 {
		forms = []string{"policy:open"} // permitted: the engine skips it
	}
	return NewCmd("forge-commit", c.id, group, forms[w.pick(len(forms))])
}

// mayLevel is the simulator's hint of whether an account may act at a
// level (the engine decides; a wrong hint only wastes a step).
func mayLevel(p wire.Policy, account string, l wire.Level) bool {
	switch l {
	case wire.Everyone:
		return true
	case wire.Admins:
		return account == p.SuperAdmin || contains(p.Admins, account)
	}
	return account == p.SuperAdmin
}

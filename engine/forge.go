package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/wire"
)

// ErrNotByzantine: ForgeCommit on a client whose Config.Byzantine is off.
var ErrNotByzantine = errors.New("forging commits needs Config.Byzantine (the simulator's Byzantine member)")

// ForgeCommit is the simulator's Byzantine member (Config.Byzantine): it
// builds, at the group's current epoch, a commit its own permission check
// refuses, and publishes it at once — no intent, nothing stored, no
// retry. what is one of
//
//	remove:ACCOUNT   remove every installation of the account
//	add:ACCOUNT      add the account's installations (one key package each)
//	admin:ACCOUNT    carry a policy naming the account an admin
//	policy:open      carry a policy letting everyone do everything
//
// Every receiver, the forger included, must reject it (it is not one of
// the forger's attempts, so it is judged like anyone's payload). It
// returns what it did: "skipped: ..." when the commit would be permitted
// (then it is no forgery) or has nothing to do.
func (c *Client) ForgeCommit(groupID, what string) (string, error) {
	if !c.cfg.Byzantine {
		return "", ErrNotByzantine
	}
	kind, arg, _ := strings.Cut(what, ":")
	var g groupRow
	var st GroupState
	var mem map[string]uint64
	var pol wire.Policy
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, groupID); err != nil {
			return err
		}
		if g.RemovedAtSeq != 0 || g.Broken != "" {
			return fmt.Errorf("forge on %s: %w", groupID, ErrRemoved)
		}
		if st, err = c.current(tx, g); err != nil {
			return err
		}
		if mem, err = members(tx, groupID); err != nil {
			return err
		}
		pol, err = loadPolicy(tx, groupID)
		return err
	}); err != nil {
		c.dropCaches()
		return "", err
	}
	next := pol
	var adds []string
	var kps [][]byte
	var removes []string
	switch kind {
	case "remove":
		if arg == c.account {
			return "skipped: own account", nil
		}
		for _, id := range sortedMembers(mem) {
			if AccountOf(id) == arg {
				removes = append(removes, id)
			}
		}
	case "add":
		ids, err := c.cfg.Transport.Installations(arg)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if _, in := mem[id]; in {
				continue
			}
			kp, err := c.cfg.Transport.FetchKeyPackage(id)
			if errors.Is(err, ErrNoKeyPackage) {
				continue
			}
			if err != nil {
				return "", err
			}
			adds, kps = append(adds, id), append(kps, kp)
		}
	case "admin":
		if arg == "" || arg == pol.SuperAdmin || slices.Contains(pol.Admins, arg) {
			return "skipped: already an admin", nil
		}
		next.Admins = append(slices.Clone(pol.Admins), arg)
		slices.Sort(next.Admins)
	case "policy":
		if arg != "open" {
			return "", fmt.Errorf("forge: want policy:open")
		}
		next.AddAccount, next.RemoveAccount, next.ChangeAdmins, next.ChangePolicy = wire.Everyone, wire.Everyone, wire.Everyone, wire.Everyone
	default:
		return "", fmt.Errorf("forge: want remove:ACCOUNT, add:ACCOUNT, admin:ACCOUNT or policy:open, got %q", what)
	}
	if len(adds) == 0 && len(removes) == 0 && next.Equal(pol) {
		return "skipped: nothing to do", nil
	}
	if why := policyViolation(pol, c.self, sortedMembers(mem), adds, removes, next); why == "" {
		return "skipped: permitted", nil
	}
	if widthAfter(st, len(adds)) > c.cfg.WidthCap {
		return "skipped: group full", nil
	}
	built, err := st.Commit(kps, removes)
	if err != nil {
		return "", fmt.Errorf("forge: %w", err)
	}
	env := wire.Envelope{Kind: wire.KindCommit, GroupID: groupID, Epoch: g.Epoch, Sender: c.self,
		Proposals: built.Proposals, Added: adds, Removed: removes, Policy: next, MLS: built.Commit}
	if g.Epoch == 0 {
		env.Creator = c.self
	}
	if err := c.cfg.Transport.Publish(wire.GroupTopic(groupID), env.Encode()); err != nil {
		return "", err
	}
	if c.cfg.Observer != nil {
		c.cfg.Observer(Event{Installation: c.self, Kind: EvUnauthorizedPublished, Group: groupID,
			Detail: fmt.Sprintf("%s epoch=%d", what, g.Epoch)})
	}
	return fmt.Sprintf("published epoch=%d", g.Epoch), nil
}

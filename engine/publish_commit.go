package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/wire"
)

// commitPlan is what a commit intent turns into at the current epoch.
type commitPlan struct {
	addIDs  []string // installations added, in the order their key packages are
	addKPs  [][]byte
	removes []string
	skipped []string // installations with no key package left
	// policy is the policy the commit carries (the next epoch's);
	// violation what the commit would do that the current policy does not
	// let the committer do ("" if nothing).
	policy    wire.Policy
	violation string
}

// planCommit reads what the commit must do. It asks the directory (network
// calls, before any write): a failure there is transient.
//
// Every commit also brings the group's installations in line with the
// directory (the design note's "installations follow their account"): it
// adds the missing installations of the member accounts and removes the
// member installations the directory no longer lists (revoked). nothing
// is judged on the intent's own work alone — an add whose accounts are
// all in, a remove whose accounts are all out — except for
// UPDATE_INSTALLATIONS, whose work is exactly that alignment.
func (c *Client) planCommit(g groupRow, in intent.Intent, st GroupState) (commitPlan, bool, error) {
	var plan commitPlan
	var mem map[string]uint64
	var pol wire.Policy
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if mem, err = members(tx, g.ID); err != nil {
			return err
		}
		pol, err = loadPolicy(tx, g.ID)
		return err
	}); err != nil {
		return plan, false, err
	}
	var addAccounts []string
	removed := map[string]bool{} // accounts this commit removes
	switch in.Kind {
	case intent.AddMembers:
		addAccounts = decodeAccounts(in.Data)
	case intent.RemoveMembers:
		for _, a := range decodeAccounts(in.Data) {
			if a != c.account {
				removed[a] = true
			}
		}
		for id := range mem {
			if removed[AccountOf(id)] && id != c.self {
				plan.removes = append(plan.removes, id)
			}
		}
		sort.Strings(plan.removes)
	}
	// The creator's other installations join with its first commit.
	if g.Epoch == 0 {
		addAccounts = append(addAccounts, c.account)
	}
	dir := directoryReads{c: c, listed: map[string][]string{}}
	seen := map[string]bool{}
	if err := c.planAdds(&plan, &dir, addAccounts, mem, seen); err != nil {
		return plan, false, err
	}
	ownAdds, ownRemoves := len(plan.addIDs), len(plan.removes)
	if err := c.planAlignment(&plan, &dir, mem, removed, seen); err != nil {
		return plan, false, err
	}
	if !mayAct(pol, c.account, pol.RemoveAccount) {
		keepAccounts(&plan, ownRemoves, mem)
	}
	plan.policy = applyPolicyIntent(pol, in)
	plan.violation = policyViolation(pol, c.self, sortedMembers(mem), plan.addIDs, plan.removes, plan.policy)
	var nothing bool
	switch in.Kind {
	case intent.AddMembers:
		nothing = ownAdds == 0
	case intent.RemoveMembers:
		nothing = ownRemoves == 0
	case intent.UpdateInstallations:
		nothing = len(plan.addIDs) == 0 && len(plan.removes) == 0
	case intent.UpdateAdmins:
		nothing = slices.Equal(plan.policy.Admins, pol.Admins)
	case intent.UpdatePolicy:
		nothing = plan.policy.Levels() == pol.Levels()
	}
	return plan, nothing, nil
}

// directoryReads asks the directory for each account's installations once
// per plan.
type directoryReads struct {
	c      *Client
	listed map[string][]string
}

func (d *directoryReads) installations(account string) ([]string, error) {
	if ids, ok := d.listed[account]; ok {
		return ids, nil
	}
	ids, err := d.c.cfg.Transport.Installations(account)
	if err == nil {
		d.listed[account] = ids
	}
	return ids, err
}

// planAdds adds every installation of the accounts that is not a member,
// fetching a key package for each; one with none left is skipped.
func (c *Client) planAdds(plan *commitPlan, dir *directoryReads, accounts []string, mem map[string]uint64, seen map[string]bool) error {
	for _, account := range accounts {
		installs, err := dir.installations(account)
		if err != nil {
			return err
		}
		for _, id := range installs {
			if _, in := mem[id]; in || seen[id] {
				continue
			}
			seen[id] = true
			kp, err := c.cfg.Transport.FetchKeyPackage(id)
			if errors.Is(err, ErrNoKeyPackage) {
				plan.skipped = append(plan.skipped, id)
				continue
			}
			if err != nil {
				return err
			}
			if owner, err := c.cfg.MLS.KeyPackageOwner(kp); err != nil || owner != id {
				plan.skipped = append(plan.skipped, id)
				continue
			}
			plan.addIDs = append(plan.addIDs, id)
			plan.addKPs = append(plan.addKPs, kp)
		}
	}
	return nil
}

// planAlignment adds the member accounts' installations the group lacks
// and removes the members the directory no longer lists under their
// account (revoked) — never the committer itself, and nothing of an
// account this commit removes.
func (c *Client) planAlignment(plan *commitPlan, dir *directoryReads, mem map[string]uint64, removed, seen map[string]bool) error {
	var accounts []string
	for id := range mem {
		if a := AccountOf(id); !removed[a] && !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	sort.Strings(accounts)
	if err := c.planAdds(plan, dir, accounts, mem, seen); err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, account := range accounts {
		ids, _ := dir.installations(account) // read by planAdds
		for _, id := range ids {
			listed[id] = true
		}
	}
	var revoked []string
	for id := range mem {
		if !listed[id] && !removed[AccountOf(id)] && id != c.self {
			revoked = append(revoked, id)
		}
	}
	sort.Strings(revoked)
	plan.removes = append(plan.removes, revoked...)
	return nil
}

// widthAfter is the tree width once n installations are added: go-mls fills
// blank leaves first and never shrinks the tree.
func widthAfter(st GroupState, n int) int {
	blank := st.Width() - len(st.Members())
	if n <= blank {
		return st.Width()
	}
	return st.Width() + n - blank
}

func (c *Client) publishCommit(g groupRow, in intent.Intent) (PublishResult, error) {
	none := PublishResult{Action: PublishedNone, Intent: in.ID}
	var st GroupState
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		st, err = c.current(tx, g)
		return err
	}); err != nil {
		c.dropCaches()
		return none, fmt.Errorf("publish intent %d: %w", in.ID, err)
	}
	plan, nothing, err := c.planCommit(g, in, st)
	if err != nil {
		return none, fmt.Errorf("publish intent %d: %w", in.ID, err)
	}
	if nothing {
		return c.finish(in, intent.Committed, intent.ReasonNoop, g.Epoch, plan.skipped)
	}
	if plan.violation != "" {
		// Refused before publishing: the group's policy does not let
		// this account do what the intent would.
		return c.finish(in, intent.Failed, intent.ReasonPermission, g.Epoch, plan.skipped)
	}
	if widthAfter(st, len(plan.addIDs)) > c.cfg.WidthCap {
		return c.finish(in, intent.Failed, intent.ReasonGroupCap, g.Epoch, plan.skipped)
	}
	// Building changes nothing (rule 3): the adapter commits on a copy.
	built, err := st.Commit(plan.addKPs, plan.removes)
	if err != nil {
		return c.buildFailed(in, err)
	}
	staged, err := built.Next.Marshal()
	if err != nil {
		return c.buildFailed(in, err)
	}
	env := wire.Envelope{Kind: wire.KindCommit, GroupID: g.ID, Epoch: g.Epoch, Sender: c.self,
		Proposals: built.Proposals, Added: plan.addIDs, Removed: plan.removes, Policy: plan.policy, MLS: built.Commit}
	if g.Epoch == 0 {
		env.Creator = c.self
	}
	payload := env.Encode()
	hash := wire.Hash(payload)
	var ev events
	err = c.cfg.Store.Update(func(tx Tx) error {
		cur, err := loadIntent(tx, in.ID)
		if err != nil {
			return err
		}
		now, err := c.loadGroup(tx, g.ID)
		if err != nil {
			return err
		}
		if now.Epoch != g.Epoch || cur.State != intent.ToSend {
			return fmt.Errorf("group moved while building intent %d", in.ID)
		}
		if err := recordSkipped(tx, &ev, cur, g.Epoch, plan.skipped); err != nil {
			return err
		}
		if err := markPublished(tx, cur, g.Epoch, 0, payload, hash[:], staged); err != nil {
			return err
		}
		for _, id := range plan.addIDs {
			if _, err := tx.Exec(`INSERT INTO outbound_welcomes(intent_id, attempt, group_id, installation_id, epoch, welcome, state)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, in.ID, cur.Attempts+1, g.ID, id, g.Epoch+1, built.Welcome, WelcomePending); err != nil {
				return err
			}
		}
		if cur.Attempts > 0 {
			ev.add(EvRebuilt, g.ID, 0, in.ID, "attempt=%d epoch=%d", cur.Attempts+1, g.Epoch)
		}
		return nil
	})
	if err != nil {
		c.dropCaches()
		return none, fmt.Errorf("publish intent %d: %w", in.ID, err)
	}
	c.staged[in.ID] = built.Next
	res, err := c.send(in, payload, &ev)
	res.Skipped = plan.skipped
	return res, err
}

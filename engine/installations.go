package engine

import (
	"fmt"
	"slices"
	"sort"

	"github.com/mlsim/mlsim/intent"
)

// UpdateInstallations records the intent to bring a group's installations
// in line with the directory: add the member accounts' installations it
// lacks, remove the ones the directory revoked.
func (c *Client) UpdateInstallations(groupID string) (int64, error) {
	return c.newIntent(intent.UpdateInstallations, groupID, []byte{})
}

// CheckInstallations compares every group the client is a member of with
// the directory and records an UPDATE_INSTALLATIONS intent for each group
// whose installations differ, that has no commit intent open (that
// commit will align it), and whose designated member the client is: the first member, in id order, the directory still
// lists. One member raises it, not all (every other commit carries the
// same alignment anyway); members agree on who, as they agree on the
// member list of an epoch. It returns the intents recorded. A member
// account's new installation is missing; a member the directory no longer
// lists under its account was revoked.
//
// A group can come to differ only when the directory changes or the group
// moves to another epoch (a commit, a join), so a group is compared again
// only when the directory's version or its epoch moved since its last
// comparison.
func (c *Client) CheckInstallations() ([]int64, error) {
	version, err := c.cfg.Transport.DirectoryVersion()
	if err != nil {
		return nil, err
	}
	groups, err := c.Groups()
	if err != nil {
		return nil, err
	}
	dir := directoryReads{c: c, listed: map[string][]string{}}
	var recorded []int64
	if c.checked == nil {
		c.checked = map[string]installationsCheck{}
	}
	for _, gid := range groups {
		differs, epoch, err := c.installationsDiffer(gid, version, &dir)
		if err != nil {
			return recorded, err
		}
		mark := installationsCheck{version: version, epoch: epoch}
		if !differs {
			c.checked[gid] = mark
			continue
		}
		id, pending, err := c.recordUpdateInstallations(gid)
		if err != nil {
			return recorded, err
		}
		if id != 0 {
			recorded = append(recorded, id)
		}
		if !pending {
			c.checked[gid] = mark
		}
	}
	return recorded, nil
}

// installationsDiffer reads whether an active group's installations
// differ from the directory's and the client is the member to say so, and
// the epoch it compared at. A group already compared at this directory
// version and epoch is not read again.
func (c *Client) installationsDiffer(gid string, version uint64, dir *directoryReads) (bool, uint64, error) {
	var g groupRow
	var mem map[string]uint64
	if err := c.cfg.Store.View(func(tx Tx) error {
		var err error
		if g, err = c.loadGroup(tx, gid); err != nil {
			return err
		}
		if c.checked[gid] == (installationsCheck{version: version, epoch: g.Epoch}) {
			return nil
		}
		mem, err = members(tx, gid)
		return err
	}); err != nil {
		return false, 0, err
	}
	if mem == nil || g.RemovedAtSeq != 0 || g.Broken != "" {
		return false, g.Epoch, nil
	}
	var accounts []string
	for id := range mem {
		if a := AccountOf(id); !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	sort.Strings(accounts)
	listed := map[string]bool{}
	missing := false
	for _, a := range accounts {
		ids, err := dir.installations(a)
		if err != nil {
			return false, 0, err
		}
		for _, id := range ids {
			listed[id] = true
			if _, in := mem[id]; !in {
				missing = true
			}
		}
	}
	designated := ""
	revoked := false
	for id := range mem {
		switch {
		case !listed[id]:
			revoked = true
		case designated == "" || id < designated:
			designated = id
		}
	}
	return (missing || revoked) && designated == c.self, g.Epoch, nil
}

// recordUpdateInstallations records the intent unless a commit intent of
// the group is open: its commit will carry the alignment (0 and pending
// then; the group is compared again next time, in case that intent ends
// without a commit).
func (c *Client) recordUpdateInstallations(gid string) (id int64, pending bool, err error) {
	openCommits := func(tx Tx) (bool, error) {
		var open int
		err := tx.QueryRow(`SELECT COUNT(*) FROM group_intents WHERE group_id = ? AND kind <> ? AND state IN (?, ?)`,
			gid, intent.SendMessage, intent.ToSend, intent.Published).Scan(&open)
		return open > 0, err
	}
	// Read first: a round that finds one open writes nothing.
	if err := c.cfg.Store.View(func(tx Tx) error {
		pending, err = openCommits(tx)
		return err
	}); err != nil || pending {
		return 0, pending, err
	}
	err = c.update(func(tx Tx, ev *events) error {
		if open, err := openCommits(tx); err != nil || open {
			pending = open
			return err
		}
		g, err := c.loadGroup(tx, gid)
		if err != nil {
			return err
		}
		if g.RemovedAtSeq != 0 {
			return nil
		}
		if id, err = insertIntent(tx, intent.UpdateInstallations, gid, []byte{}); err != nil {
			return err
		}
		ev.add(EvInstallationsDiffer, gid, 0, id, "epoch=%d", g.Epoch)
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("check installations of %s: %w", gid, err)
	}
	return id, pending, nil
}

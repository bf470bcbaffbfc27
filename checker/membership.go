package checker

import (
	"fmt"
	"slices"
)

// Membership rows (docs/SCHEMA.md): a commit that adds or removes members
// is stored as one MEMBER_ADDED or MEMBER_REMOVED message by everyone it
// concerns — each member of the epoch it was built for (those it keeps,
// and those it removes: a removed installation knows why the group went
// quiet) and each installation it adds (which then knows how it came in).
// S3, S7 and S11 judge the rows a client stores (safety.go); L3 that every
// row owed is stored.

// membershipEpoch is the epoch a reader stores a commit's row at: the
// epoch the commit was built for when the reader was a member of it (it
// stays or is removed), and the epoch the commit leads into when the
// commit added the reader (a joiner holds nothing of the epoch before).
// owed is false for anyone else.
func membershipEpoch(g *Group, id string, cm Commit) (epoch uint64, joiner, owed bool) {
	switch {
	case g.MemberAt(id, cm.Epoch):
		return cm.Epoch, false, true
	case slices.Contains(cm.Added, id) && g.JoinedAt(id, cm.Epoch+1):
		return cm.Epoch + 1, true, true
	}
	return 0, false, false
}

// membershipComplete is L3 for membership rows: every installation a
// commit concerns stores a row at the commit's position, once the
// liveness phase has settled — unless the membership the row belongs to
// was withheld or overtaken (never entered), as for application messages.
// Any membership row at that position counts: what it says (its id
// among the rest) is S11's to judge, so one wrong row is one violation.
func (c *Checker) membershipComplete(step int, g *Group, members []string, by map[string]*ClientState, isExempt func(string, string, uint64) bool) {
	rows := map[string]map[uint64]bool{} // installation -> positions of its membership rows
	for inst, s := range by {
		at := map[uint64]bool{}
		for _, m := range s.Messages {
			if m.Group == g.ID && m.Kind != MessageApplication {
				at[m.Seq] = true
			}
		}
		rows[inst] = at
	}
	for _, cm := range g.Commit {
		if kind, _ := membershipText(cm); kind == 0 {
			continue
		}
		id := "commit:" + cm.Hash[:16]
		for _, inst := range members {
			epoch, joiner, owed := membershipEpoch(g, inst, cm)
			if !owed || isExempt(g.ID, inst, epoch) || c.overtaken(g, inst, epoch) || rows[inst][cm.Seq] {
				continue
			}
			as := "a member"
			switch {
			case joiner:
				as = "the installation it added"
			case slices.Contains(cm.Removed, inst):
				as = "the installation it removed"
			}
			c.report(Violation{Property: "L3", Step: step, Group: g.ID, Installations: []string{inst},
				Message: fmt.Sprintf("does not hold %s, the row of the commit at seq %d (epoch %d), owed to it as %s", id, cm.Seq, epoch, as)})
		}
	}
}

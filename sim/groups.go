package sim

import "slices"

// After every step the world reads the groups each client holds (held:
// what the schedule picks groups from) when its store committed since the
// last read. It learns which committed from the store itself (OnCommit)
// rather than asking every client for its version after every step: in a
// world of thousands of installations, asking was most of a step's time
// (docs/PERFORMANCE.md). A remote client's records say nothing when they
// change, so it is asked after every step, as before.

// watchGroups marks a new client due, and has its store mark it again
// after every commit.
func (w *World) watchGroups(c *client) {
	if c.db != nil {
		c.db.OnCommit(func() { w.markGroupsDue(c) })
	}
	w.markGroupsDue(c)
}

func (w *World) markGroupsDue(c *client) {
	if !c.groupsDue {
		c.groupsDue = true
		w.groupsDue = append(w.groupsDue, c)
	}
}

// readGroups reads the groups of every due client, in creation order. A
// crashed client, or one whose read failed, stays due.
func (w *World) readGroups() {
	due := w.groupsDue
	if w.remote != nil {
		due = make([]*client, 0, len(w.names))
		for _, id := range w.names {
			due = append(due, w.clients[id])
		}
	} else {
		slices.SortFunc(due, func(a, b *client) int { return a.index - b.index })
	}
	w.groupsDue = nil
	for _, c := range due {
		c.groupsDue = false
	}
	for _, c := range due {
		if c.eng == nil {
			w.markGroupsDue(c)
			continue
		}
		if c.groupsRead && c.groupsVersion == c.version() {
			continue
		}
		groups, err := c.eng.Groups()
		if err != nil {
			w.markGroupsDue(c)
			continue
		}
		w.held[c.id], c.groupsVersion, c.groupsRead = groups, c.version(), true
	}
}

package checker

import "slices"

// A Step reads a client again only if its source changed since the last
// read. A source that counts its changes (Versioned) is asked for the
// count; one that also says when it changes (Watched) is not even asked
// until it did. Both give the same reads in the same order (attach
// order), so a world's verdicts and trace do not depend on which its
// stores are; TestWatchedStoresReadAsPolled holds the two to that.

// watch puts a (re-)attached client among the polled or the watched, and
// marks it due: it was never read from this source.
func (c *Checker) watch(v *client) {
	w, ok := watchedSource(v.src)
	if ok {
		w.Watch(func() { c.markChanged(v) })
	} else if i, found := slices.BinarySearchFunc(c.polled, v, byIndex); !found {
		c.polled = slices.Insert(c.polled, i, v) // kept in attach order
	}
	v.watched = ok
	c.markChanged(v)
}

func watchedSource(src source) (Watched, bool) {
	s, ok := src.(storeSource)
	if !ok {
		return nil, false
	}
	w, ok := s.s.(Watched)
	return w, ok
}

// markChanged notes clients whose store committed since their last read.
func (c *Checker) markChanged(vs ...*client) {
	for _, v := range vs {
		if !v.pending {
			v.pending = true
			c.changed = append(c.changed, v)
		}
	}
}

// due returns the clients a Step must look at, in attach order: every
// polled client, and every watched one that changed. It clears changed.
func (c *Checker) due() []*client {
	if len(c.changed) == 0 {
		return c.polled
	}
	out := make([]*client, 0, len(c.polled)+len(c.changed))
	for _, v := range c.changed {
		v.pending = false
		if v.watched {
			out = append(out, v)
		}
	}
	c.changed = c.changed[:0]
	out = append(out, c.polled...)
	slices.SortFunc(out, byIndex)
	return slices.Compact(out)
}

func byIndex(a, b *client) int { return a.index - b.index }

// Rewatch registers the checker again with every watched client's store:
// a copy of a checker (a forked world, whose stores are copies too) is
// not yet known to its stores.
func (c *Checker) Rewatch() {
	for _, v := range c.clients {
		if w, ok := watchedSource(v.src); ok && v.watched {
			w.Watch(func() { c.markChanged(v) })
		}
	}
}

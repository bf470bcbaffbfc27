package checker

import "slices"

// waitingContent is a stored message whose sender's intent was not seen
// yet when the message was read (Config.Concurrent).
type waitingContent struct {
	bad    func(string, string, ...any) // bound to the step and reader that stored it
	m      StoredMessage
	sender string
	id     int64
	since  int // the Step that read the message
}

// judgeWaiting judges the waiting messages whose sender's intent is now
// known, and those whose sender's store was read in a later Step than
// the message (it would hold the intent by then: an intent is recorded
// before its message is published) and still shows none.
func (c *Checker) judgeWaiting() {
	keep := c.waiting[:0]
	for _, w := range c.waiting {
		in := c.byID[w.sender].intents[w.id]
		if in == nil && c.steps == w.since {
			keep = append(keep, w)
			continue
		}
		c.compareIntent(w.bad, w.m, w.sender, w.id, in)
	}
	c.waiting = keep
}

// readLateIntents reads, for Final, the intents each waiting message's
// sender recorded since its last read by a Step (a sender read before the
// message's reader in the last Step may have recorded it in between).
func (c *Checker) readLateIntents() error {
	senders := map[string]bool{}
	for _, w := range c.waiting {
		senders[w.sender] = true
	}
	for _, id := range sortedKeys(senders) {
		v := c.byID[id]
		ins, err := v.src.intentsAfter(v.mark.intent)
		if err != nil {
			return sourceError(v.id, err)
		}
		for _, in := range ins {
			if v.intents[in.ID] == nil {
				v.intents[in.ID] = &intentSeen{IntentCreated: in, state: StateToSend}
			}
		}
	}
	return nil
}

// dirSnapshot is the directory as it stood at the end of one Step
// (Concurrent runs keep the last two).
type dirSnapshot struct {
	listed  map[string][]string // account -> installations listed
	revoked map[string]bool
}

func (d *dirSnapshot) Installations(account string) []string { return d.listed[account] }

// KeyPackages is 0: how many a snapshot's installations held is not
// kept, since uploads and fetches between two reads may have moved it
// either way; a Concurrent run does not judge the key-package half of
// S10.
func (d *dirSnapshot) KeyPackages(string) int { return 0 }

func (d *dirSnapshot) Revoked(installation string) bool { return d.revoked[installation] }

// snapshotDirectory records the directory as it stands now, for the
// accounts and installations the checker knows.
func (c *Checker) snapshotDirectory() {
	if c.cfg.Directory == nil {
		return
	}
	d := &dirSnapshot{listed: map[string][]string{}, revoked: map[string]bool{}}
	ids := map[string]bool{}
	for _, v := range c.clients {
		ids[v.id] = true
	}
	for _, g := range c.Oracle.Groups() {
		for id := range g.spans {
			ids[id] = true
		}
	}
	for _, id := range sortedKeys(ids) {
		a := accountOf(id)
		if _, done := d.listed[a]; !done {
			d.listed[a] = c.cfg.Directory.Installations(a)
		}
		if c.cfg.Directory.Revoked(id) {
			d.revoked[id] = true
		}
	}
	c.dirs = append(c.dirs, d)
	if len(c.dirs) > 2 {
		c.dirs = c.dirs[1:]
	}
}

// directoryBefore is the directory a transition read in this Step is
// judged against when the judgement would accuse the client: in the
// simulator the directory itself (nothing moved since the transition);
// in a Concurrent run the snapshot taken two Steps back — the end of the
// Step before the last read that did not yet show the transition — so
// that whatever it marks revoked was so before the transition happened,
// and listing only what it listed and the directory still lists (an
// installation revoked since may have been revoked before the
// transition, and the client rightly left it out). An excuse, like
// keptForPolicy, reads the directory as it stands: revocations only grow.
func (c *Checker) directoryBefore() Directory {
	if !c.cfg.Concurrent {
		return c.cfg.Directory
	}
	if len(c.dirs) < 2 {
		return &dirSnapshot{}
	}
	return stillListed{c.dirs[0], c.cfg.Directory}
}

// stillListed is a snapshot whose listings keep only what the directory
// still lists.
type stillListed struct {
	*dirSnapshot
	now Directory
}

func (d stillListed) Installations(account string) []string {
	now := d.now.Installations(account)
	var out []string
	for _, id := range d.dirSnapshot.Installations(account) {
		if slices.Contains(now, id) {
			out = append(out, id)
		}
	}
	return out
}

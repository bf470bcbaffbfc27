package checker

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

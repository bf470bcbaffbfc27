package checker

import (
	"fmt"
	"sort"
)

// Config is what a checker is built from.
type Config struct {
	// MaxPastEpochs is SPEC §5's window (max_past_epochs) the world's
	// clients were given: the number itself, 0 for none (the checker has
	// no default; the harness passes what its clients run with).
	MaxPastEpochs int
	Log           Log
	Directory     Directory
	// Concurrent says the clients keep running while the checker reads
	// them (a live run): each store is read at its own instant, so a
	// message one client stored may be read before its sender's store
	// shows the intent it came from. The checker then judges that
	// message's intent (S11) at the next step, when the sender's store is
	// read again, later than the message's reader was. In the simulator
	// every store is read at the same instant and nothing waits.
	Concurrent bool
}

// Refresher is a Log that reads its source again on demand (a live
// server's database). Step refreshes it after reading the stores, so the
// log it folds is at least as new as every store read: no client is
// ever ahead of the oracle.
type Refresher interface {
	Refresh() error
}

// Checker holds what the properties need to remember between steps.
type Checker struct {
	Oracle  *Oracle
	cfg     Config
	clients []*client // in the order attached
	byID    map[string]*client
	// polled are the clients a Step asks for their version (in the order
	// attached); a Watched store's client is read only once it is in
	// changed (watch.go).
	polled  []*client
	changed []*client
	auth    map[groupEpoch]authSeen // first authenticator seen per (group, epoch)
	copies  copies
	found   []Violation
	steps   int              // Step calls so far
	waiting []waitingContent // Concurrent: S11 checks waiting for a sender's later read
	dirs    []*dirSnapshot   // Concurrent: the directory at the end of the last two Steps
}

type groupEpoch struct {
	group string
	epoch uint64
}

type authSeen struct {
	value string
	by    string
}

// client is what the checker has seen of one installation.
type client struct {
	id        string
	index     int // its place in Checker.clients
	src       source
	watched   bool   // src says when it commits (Watched)
	pending   bool   // in Checker.changed
	read      bool   // read at least once
	version   uint64 // the source's version at the last read (when it counts them)
	mark      mark
	positions map[string]Position
	lastEntry map[string]uint64 // group -> commit seq of the last epoch entered
	lastMsg   map[string]uint64 // group -> seq of the last message stored
	ids       map[string]uint64 // message id -> seq stored at
	intents   map[int64]*intentSeen
	waiting   map[string][]int64 // group -> intents never yet out of TO_SEND, in creation order
}

// intentSeen is one intent as created, and where it stands.
type intentSeen struct {
	IntentCreated
	state IntentState
}

// New returns a checker over a server's log and directory. Attach each
// client's store before the first Step that may see it.
func New(cfg Config) *Checker {
	return &Checker{Oracle: NewOracle(cfg.MaxPastEpochs), cfg: cfg, byID: map[string]*client{},
		auth: map[groupEpoch]authSeen{}, copies: newCopies()}
}

// Attach adds a client's store to what every Step reads.
func (c *Checker) Attach(installation string, s Store) { c.attach(installation, storeSource{s}) }

// AttachRecords adds a client that is read through the observation
// records it sent (a client that is not ours offers no store to query).
// The caller adds each record to r as it arrives, before the Step that
// should see it.
func (c *Checker) AttachRecords(installation string, r *Records) { c.attach(installation, r) }

func (c *Checker) attach(installation string, src source) {
	if v := c.byID[installation]; v != nil {
		v.src, v.read = src, false
		c.watch(v)
		return
	}
	v := &client{id: installation, index: len(c.clients), src: src, positions: map[string]Position{}, lastEntry: map[string]uint64{},
		lastMsg: map[string]uint64{}, ids: map[string]uint64{}, intents: map[int64]*intentSeen{}, waiting: map[string][]int64{}}
	c.clients = append(c.clients, v)
	c.byID[installation] = v
	c.watch(v)
}

// Violations returns everything found so far, in the order found.
func (c *Checker) Violations() []Violation { return append([]Violation(nil), c.found...) }

// Report records a violation found outside the checker (the simulator's
// liveness bound).
func (c *Checker) Report(v Violation) { c.report(v) }

func (c *Checker) report(v Violation) {
	sort.Strings(v.Installations)
	c.found = append(c.found, v)
}

// Step reads every store that committed something since it was last
// read, folds the server's new records into the oracle (refreshing a
// Refresher log first) and checks what the stores gained (S1–S8, S10, S11), and judges the step's network calls (S9).
// calls are the step's calls in the order they were made.
func (c *Checker) Step(step int, calls []Call) error {
	c.steps++
	type read struct {
		v *client
		d Delta
	}
	var reads []read
	due := c.due()
	for i, v := range due {
		version, versioned := v.src.version()
		if versioned && v.read && version == v.version {
			continue // nothing committed since the last read
		}
		d, m, err := v.src.delta(v.mark)
		if err != nil {
			c.markChanged(due[i:]...) // still unread: the next Step tries again
			return sourceError(v.id, err)
		}
		v.mark, v.read, v.version = m, true, version
		reads = append(reads, read{v, d})
	}
	if r, ok := c.cfg.Log.(Refresher); ok {
		if err := r.Refresh(); err != nil {
			return fmt.Errorf("checker: refreshing the log: %w", err)
		}
	}
	c.Oracle.Fold(c.cfg.Log)
	// Every client's new intents first: a message stored by one client
	// is judged against the intent its sender recorded (S11).
	for _, r := range reads {
		for _, in := range r.d.Intents {
			r.v.intents[in.ID] = &intentSeen{IntentCreated: in, state: StateToSend}
			r.v.waiting[in.Group] = append(r.v.waiting[in.Group], in.ID)
		}
	}
	for _, r := range reads {
		c.checkDelta(step, r.v, r.d)
	}
	c.judgeWaiting()
	for _, call := range calls {
		c.copies.observe(c, step, call)
	}
	c.copies.confirm(c, step)
	if c.cfg.Concurrent {
		c.snapshotDirectory()
	}
	return nil
}

func (c *Checker) checkDelta(step int, v *client, d Delta) {
	for _, e := range d.Epochs {
		c.checkEpoch(step, v, e)
	}
	for _, m := range d.Messages {
		c.checkMessage(step, v, m)
	}
	for _, t := range d.Transitions {
		c.checkTransition(step, v, t)
	}
	for _, p := range d.Positions {
		c.checkPosition(step, v, p)
	}
}

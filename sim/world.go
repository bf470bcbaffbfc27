package sim

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/faultwrap"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
	"github.com/mlsim/mlsim/trace"
)

// Server clock: it starts at 1 s and moves 1 µs per publish unless a
// clock fault makes timestamps tie or jump.
const (
	startNs      = 1_000_000_000
	normalTickNs = 1_000
	jumpTickNs   = 3_600_000_000_000
)

// client is one installation: its store outlives crashes, its engine
// object does not.
type client struct {
	id      string
	account string
	db      *store.DB // nil for a remote client: it keeps its own
	rng     *detrand.Stream
	fuse    *faultwrap.Fuse
	eng     clientAPI    // nil while crashed
	remote  RemoteClient // set in a world of remote clients (Remote)
	gen     int          // how many times it was (re)opened
	crashes int          // how many times it crashed
	batches []openBatch  // interleaved partial syncs in progress
	// What the schedule steers welcome actions by (hints only: a wrong
	// hint wastes a step, it never changes what the engine does).
	welcomesSeen    uint64 // welcome topic head at its last process_welcomes
	mayHaveWelcomes bool   // won an add commit since its last send_welcomes
	// The last snapshot read and the store version it was read at: a
	// snapshot is a function of the store alone, so while nothing was
	// committed it is reused (read-only: callers share it).
	snap        *engine.Snapshot
	snapVersion uint64
	// The groups it holds (World.held) were read at this store version.
	groupsRead    bool
	groupsVersion uint64
	index         int  // its place in World.names
	groupsDue     bool // in World.groupsDue
}

type openBatch struct {
	group string
	b     SyncBatch
}

// World is one simulated world. It is not safe for concurrent use, and
// because go-mls's random sources are process-global, a process runs one
// world at a time.
type World struct {
	p     Params
	seed  uint64
	sched Chooser // the schedule: every choice the chooser makes
	net   *memnet.Server
	clock *logicalClock

	names    []string // installations, in creation order
	accounts []string
	clients  map[string]*client
	groups   []string
	held     map[string][]string // installation -> groups it holds, as of its last step
	// withholders are the Byzantine members that drop their welcomes.
	withholders []string
	weights     []int // per AllActions entry, after swarm selection

	check       *checker.Checker
	records     *recordsRoute // set: the checker reads observation records, not stores (records.go)
	trace       []trace.Step
	traceHash   hash.Hash
	step        int
	script      []ScriptStep  // every command executed, with its output
	settled     *settleResult // set by stabilize
	finalDone   bool          // check ran
	withheld    []checker.Withheld
	extraCopies []checker.ExtraCopy

	events     map[string]int
	stepEvents []trace.Event
	crashed    bool // the step's actor crashed
	lastStats  memnet.Stats
	wonGen     map[string]int // "inst group seq" -> the client's crash count when its commit won
	panics     []checker.Violation
	calls      *observe.Recorder // the step's network calls, for the checker
	meter      *mlsadapter.Meter
	remote     Remote // nil: every installation is our engine, in this process
	// hib keeps at most so many of the installations' stores awake (a
	// connection each); the rest sleep as packed rows (store.Hibernation).
	hib *store.Hibernation
	// groupsDue are the clients whose groups (held) may have changed: a
	// step looks at those only, not at every client (groups.go).
	groupsDue []*client
	// unsupported is set when a remote client could not play the step
	// (ErrUnsupported): Do returns it instead of the step's output.
	unsupported error
	faultSites  faultCounts // faults fired, by engine call site (not in the trace)
}

// logicalClock is the clients' local clock: it moves one millisecond per
// step and never reads the wall clock.
type logicalClock struct{ ns int64 }

func (c *logicalClock) NowNs() int64 { return c.ns }

// NewWorld builds an empty world for a seed: no installations yet. Params
// give what commands cannot: the engine's width cap and past-epoch window
// (the checker judges by the same window), the adapter variant, the cap
// on installations, and the schedule's weights.
func NewWorld(p Params, seed uint64) (*World, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.MLSVariant != "" {
		if _, err := mlsadapter.ParseDefence(p.MLSVariant); err != nil {
			return nil, err
		}
	}
	if _, ok := Fixtures[p.Fixture]; p.Fixture != "" && !ok {
		return nil, fmt.Errorf("unknown fixture %q", p.Fixture)
	}
	w := &World{
		p: p, seed: seed,
		sched:     detrand.New(seed, "schedule"),
		net:       memnet.New(startNs, normalTickNs),
		clock:     &logicalClock{ns: 1},
		clients:   map[string]*client{},
		traceHash: sha256.New(),
		events:    map[string]int{},
		wonGen:    map[string]int{},
		held:      map[string][]string{},
		calls:     &observe.Recorder{},
		meter:     &mlsadapter.Meter{},
		hib:       store.NewHibernation(awakeStores(p)),
	}
	w.check = checker.New(checker.Config{MaxPastEpochs: engine.PastEpochWindow(p.MaxPastEpochs), Log: observe.Log(w.net), Directory: observe.Directory(w.net)})
	for i := 0; i < p.Accounts; i++ {
		w.accounts = append(w.accounts, AccountName(i))
	}
	return w, nil
}

type settleResult struct {
	converged     bool
	rounds, bound int
}

// drawWeights applies swarm testing: each non-essential action is kept
// with probability 3/4 and its weight scaled by a factor in [1/4, 2].
// Weights are integers so the draw is exact everywhere.
func (w *World) drawWeights() []string {
	w.weights = make([]int, len(AllActions))
	var off []string
	for i, a := range AllActions {
		base := int(w.p.Weights[a]*100 + 0.5)
		if base <= 0 {
			continue
		}
		if w.p.Swarm && !essential[a] {
			if w.sched.Intn(4) == 0 {
				off = append(off, string(a))
				continue
			}
			base = base * (1 + w.sched.Intn(8)) / 4
		}
		w.weights[i] = base
	}
	return off
}

// AccountName gives accounts readable, stable names (live runs name
// their client processes the same way).
func AccountName(i int) string {
	names := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "xena"}
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("user%d", i)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// createInstallation creates an installation with its own store and crypto
// stream and uploads its key packages.
func (w *World) createInstallation(id string) error {
	if w.remote != nil {
		return w.createRemote(id)
	}
	db, err := store.OpenMemory()
	if err != nil {
		return err
	}
	if err := db.Hibernate(w.hib); err != nil {
		_ = db.Close()
		return err
	}
	c := &client{id: id, account: engine.AccountOf(id), db: db, rng: detrand.New(w.seed, "crypto/"+id), index: len(w.names)}
	if !contains(w.accounts, c.account) {
		w.accounts = append(w.accounts, c.account)
	}
	w.clients[id] = c
	w.names = append(w.names, id)
	w.watchGroups(c)
	w.check.Attach(id, observe.Store(db))
	if err := w.open(c); err != nil {
		return err
	}
	return w.guard(c, func() error {
		_, err := c.eng.EnsureKeyPackages()
		return err
	})
}

// open builds a client's engine over its store: at creation and at every
// restart. The old engine object, if any, is abandoned with its fuse.
func (w *World) open(c *client) error {
	if c.remote != nil {
		return w.restartRemote(c)
	}
	old := c.fuse
	c.fuse = &faultwrap.Fuse{
		OnFired: func(op, fault string) { w.faultSites.add(callSite(op), fault) },
		OnBusy: func() {
			w.count("store_busy")
			w.stepEvents = append(w.stepEvents, trace.Event{Installation: c.id, Kind: "store_busy", Fault: true})
		},
		OnWithhold: func(topic string) {
			w.count("welcome_withheld")
			w.stepEvents = append(w.stepEvents, trace.Event{Installation: c.id, Kind: "welcome_withheld", Group: topic, Fault: true})
		},
	}
	if old != nil {
		c.fuse.Withhold = old.Withhold
	}
	var m engine.MLS
	if w.p.MLSVariant != "" {
		d, err := mlsadapter.ParseDefence(w.p.MLSVariant)
		if err != nil {
			return err
		}
		m = mlsadapter.NewVariant(c.rng, d).WithMeter(w.meter)
	} else {
		m = mlsadapter.New(c.rng).WithMeter(w.meter)
	}
	id := c.id
	st := faultwrap.Store(c.db, c.fuse)
	if f := Fixtures[w.p.Fixture]; f != nil {
		st = f(c.id, st)
	}
	eng, err := engine.Open(engine.Config{
		InstallationID: c.id,
		Store:          st,
		Transport:      faultwrap.Transport(w.calls.Transport(w.net.For(c.id), c.id), c.fuse),
		MLS:            m,
		Clock:          w.clock,
		Observer:       func(e engine.Event) { w.onEvent(id, e) },
		WidthCap:       w.p.WidthCap,
		MaxPastEpochs:  w.p.MaxPastEpochs,
		// The simulator alone plays Byzantine members: forge-commit.
		Byzantine: true,
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", c.id, err)
	}
	if c.gen > 0 {
		// The old engine's subscriptions went with its memory, as its
		// connection does when a process dies.
		w.net.Disconnect(c.id)
		w.calls.Restarted(c.id)
	}
	c.eng = localEngine{eng}
	c.gen++
	c.batches = nil
	c.mayHaveWelcomes = true // READY welcomes may have survived the crash
	return nil
}

func (w *World) onEvent(id string, e engine.Event) {
	w.count(string(e.Kind))
	if e.Kind == engine.EvCommitWon {
		w.clients[id].mayHaveWelcomes = true
		w.wonGen[fmt.Sprintf("%s %s %d", id, e.Group, e.Seq)] = w.clients[id].crashes
	}
	if e.Kind == engine.EvWelcomeSent {
		if n, ok := w.wonGen[fmt.Sprintf("%s %s %d", id, e.Group, e.Seq)]; ok && w.clients[id].crashes > n {
			w.count("welcome_after_crash")
		}
	}
	w.stepEvents = append(w.stepEvents, trace.Event{Installation: id, Kind: string(e.Kind), Group: e.Group,
		Seq: e.Seq, Intent: e.Intent, Epoch: e.Epoch, Detail: e.Detail})
}

func (w *World) count(name string) { w.events[name]++ }

// emit completes the step's record — its number, what the engine
// reported and the faults that fired during it — appends it to the trace
// and hashes its canonical line.
func (w *World) emit(st trace.Step) trace.Step {
	net := w.net.Stats()
	for _, d := range []struct {
		name string
		n    int
	}{
		{"publish_lost", net.Lost - w.lastStats.Lost},
		{"publish_ambiguous", net.Ambiguous - w.lastStats.Ambiguous},
		{"publish_delayed", net.Delayed - w.lastStats.Delayed},
		{"query_error", net.QueryErrors - w.lastStats.QueryErrors},
		{"directory_error", net.DirectoryErrors - w.lastStats.DirectoryErrors},
		{"query_short_page", net.ShortPages - w.lastStats.ShortPages},
		{"stream_drop", net.StreamDropped - w.lastStats.StreamDropped},
		{"stream_duplicate", net.StreamDuplicated - w.lastStats.StreamDuplicated},
		{"stream_delay", net.StreamDelayed - w.lastStats.StreamDelayed},
		{"stream_break", net.StreamBroken - w.lastStats.StreamBroken},
	} {
		for i := 0; i < d.n; i++ {
			w.count(d.name)
			w.stepEvents = append(w.stepEvents, trace.Event{Kind: d.name, Fault: true})
		}
	}
	w.lastStats = net
	st.N = w.step
	st.Crashed = w.crashed
	st.Events = append([]trace.Event(nil), w.stepEvents...)
	w.stepEvents, w.crashed = w.stepEvents[:0], false
	w.trace = append(w.trace, st)
	_, _ = io.WriteString(w.traceHash, st.String()+"\n")
	return st
}

// checkStep runs the safety checks on what the step changed: the checker
// reads every store that committed since it last read it, and the
// network calls the step made.
func (w *World) checkStep() {
	w.feedRecords()
	if err := w.check.Step(w.step, w.calls.Calls); err != nil {
		w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Message: err.Error()})
	}
	w.calls.Calls = w.calls.Calls[:0]
}

// Trace returns the steps so far.
func (w *World) Trace() []trace.Step { return append([]trace.Step(nil), w.trace...) }

// TraceSHA256 is the hex SHA-256 of the trace so far and of every record
// the server holds. Trace lines name commits by position, not by bytes, and
// a commit's bytes depend on randomness the trace does not show: hashing
// the log too makes two runs agree only when they made the same bytes.
func (w *World) TraceSHA256() string {
	h := sha256.New()
	h.Write(w.traceHash.Sum(nil))
	h.Write(w.net.LogDigest())
	return fmt.Sprintf("%x", h.Sum(nil))
}

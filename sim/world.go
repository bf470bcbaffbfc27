package sim

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/internal/observe"
	"github.com/mlsim/mlsim/memnet"
	"github.com/mlsim/mlsim/mlsadapter"
	"github.com/mlsim/mlsim/store"
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
	db      *store.DB
	rng     *detrand.Stream
	fuse    *fuse
	eng     *engine.Client // nil while crashed
	gen     int            // how many times it was (re)opened
	crashes int            // how many times it crashed
	batches []openBatch    // interleaved partial syncs in progress
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
}

type openBatch struct {
	group string
	b     *engine.SyncBatch
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
	trace       []string
	traceHash   hash.Hash
	step        int
	script      []ScriptStep  // every command executed, with its output
	settled     *settleResult // set by stabilize
	finalDone   bool          // check ran
	withheld    []checker.Withheld
	extraCopies []checker.ExtraCopy

	events     map[string]int
	stepEvents []string
	lastStats  memnet.Stats
	wonGen     map[string]int // "inst group seq" -> the client's crash count when its commit won
	panics     []checker.Violation
	calls      *observe.Recorder // the step's network calls, for the checker
	meter      *mlsadapter.Meter
	faultSites faultCounts // faults fired, by engine call site (not in the trace)
}

// logicalClock is the clients' local clock: it moves one millisecond per
// step and never reads the wall clock.
type logicalClock struct{ ns int64 }

func (c *logicalClock) NowNs() int64 { return c.ns }

// NewWorld builds an empty world for a seed: no installations yet. Params
// give what commands cannot: the engine's width cap, the adapter variant,
// the cap on installations, and the schedule's weights.
func NewWorld(p Params, seed uint64) (*World, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.MLSVariant != "" {
		if _, err := parseDefence(p.MLSVariant); err != nil {
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
	}
	w.check = checker.New(checker.Config{MaxPastEpochs: engine.DefaultMaxPastEpochs, Log: observe.Log(w.net), Directory: observe.Directory(w.net)})
	for i := 0; i < p.Accounts; i++ {
		w.accounts = append(w.accounts, accountName(i))
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

// accountName gives accounts readable, stable names.
func accountName(i int) string {
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
	db, err := store.OpenMemory()
	if err != nil {
		return err
	}
	c := &client{id: id, account: engine.AccountOf(id), db: db, rng: detrand.New(w.seed, "crypto/"+id)}
	if !contains(w.accounts, c.account) {
		w.accounts = append(w.accounts, c.account)
	}
	w.clients[id] = c
	w.names = append(w.names, id)
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
	old := c.fuse
	c.fuse = &fuse{
		sites:  &w.faultSites,
		onBusy: func() { w.count("store_transient"); w.stepEvents = append(w.stepEvents, "store_transient") },
		onWithhold: func(topic string) {
			w.count("welcome_withheld")
			w.stepEvents = append(w.stepEvents, "welcome_withheld "+topic)
		},
	}
	if old != nil {
		c.fuse.withhold = old.withhold
	}
	var m engine.MLS
	if w.p.MLSVariant != "" {
		d, err := parseDefence(w.p.MLSVariant)
		if err != nil {
			return err
		}
		m = mlsadapter.NewVariant(c.rng, d).WithMeter(w.meter)
	} else {
		m = mlsadapter.New(c.rng).WithMeter(w.meter)
	}
	id := c.id
	var st engine.Store = &crashStore{inner: c.db, f: c.fuse}
	if f := Fixtures[w.p.Fixture]; f != nil {
		st = f(c.id, st)
	}
	eng, err := engine.Open(engine.Config{
		InstallationID: c.id,
		Store:          st,
		Transport:      &crashTransport{inner: w.calls.Transport(w.net.For(c.id), c.id), f: c.fuse},
		MLS:            m,
		Clock:          w.clock,
		Observer:       func(e engine.Event) { w.onEvent(id, e) },
		WidthCap:       w.p.WidthCap,
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", c.id, err)
	}
	if c.gen > 0 {
		w.calls.Restarted(c.id)
	}
	c.eng = eng
	c.gen++
	c.batches = nil
	c.mayHaveWelcomes = true // READY welcomes may have survived the crash
	return nil
}

func parseDefence(name string) (mlsadapter.Defence, error) {
	for _, d := range []mlsadapter.Defence{mlsadapter.PathOnAdd, mlsadapter.DeepCopyCommit, mlsadapter.RehashOnRestore, mlsadapter.FixedLifetime} {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown MLS variant %q (want path-on-add, deep-copy-commit, rehash-on-restore or fixed-lifetime)", name)
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
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Kind, e.Group)
	if e.Seq != 0 {
		fmt.Fprintf(&b, " seq=%d", e.Seq)
	}
	if e.Intent != 0 {
		fmt.Fprintf(&b, " intent=%d", e.Intent)
	}
	if e.Detail != "" {
		b.WriteString(" " + e.Detail)
	}
	w.stepEvents = append(w.stepEvents, b.String())
}

func (w *World) count(name string) { w.events[name]++ }

// emit appends one canonical trace line — the step, what happened, and
// what the engine and the server reported during it — and returns the
// part after the command text.
func (w *World) emit(text string) string {
	st := w.net.Stats()
	for _, d := range []struct {
		name string
		n    int
	}{
		{"publish_lost", st.Lost - w.lastStats.Lost},
		{"publish_ambiguous", st.Ambiguous - w.lastStats.Ambiguous},
		{"publish_delayed", st.Delayed - w.lastStats.Delayed},
		{"query_error", st.QueryErrors - w.lastStats.QueryErrors},
		{"directory_error", st.DirectoryErrors - w.lastStats.DirectoryErrors},
		{"query_short_page", st.ShortPages - w.lastStats.ShortPages},
	} {
		for i := 0; i < d.n; i++ {
			w.count(d.name)
			w.stepEvents = append(w.stepEvents, d.name)
		}
	}
	w.lastStats = st
	line := fmt.Sprintf("%d %s", w.step, text)
	if len(w.stepEvents) > 0 {
		line += " | " + strings.Join(w.stepEvents, "; ")
	}
	w.stepEvents = w.stepEvents[:0]
	w.trace = append(w.trace, line)
	_, _ = io.WriteString(w.traceHash, line+"\n")
	if i := strings.Index(line, " -> "); i >= 0 {
		return line[i+4:]
	}
	return line
}

// checkStep runs the safety checks on what the step changed: the checker
// reads every store that committed since it last read it, and the
// network calls the step made.
func (w *World) checkStep() {
	if err := w.check.Step(w.step, w.calls.Calls); err != nil {
		w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Message: err.Error()})
	}
	w.calls.Calls = w.calls.Calls[:0]
}

// Trace returns the trace lines so far.
func (w *World) Trace() []string { return append([]string(nil), w.trace...) }

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

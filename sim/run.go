package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

// Result is what a run reports. Everything but WallMillis and MLSMillis is
// a pure function of (code, params, seed).
type Result struct {
	Seed           uint64
	Steps          int // fault-phase steps (K): set by Run, and by a replay from its script; World.Result leaves it 0
	Clients        int // installations at the end
	Groups         int
	MembersMean    float64 // members per group at the end, as the topics show them
	MembersMax     int     // the largest group's
	TraceSHA256    string
	Converged      bool
	LivenessRounds int
	LivenessBound  int
	Intents        results.IntentCounts
	Violations     []results.Violation // with the seed and the steps that led to each (results.NewViolation)
	Events         map[string]int
	FaultSites     map[string]int // faults fired, by "site fault" (results.FaultSiteKey); not in the trace
	Withheld       []checker.Withheld
	ExtraCopies    []checker.ExtraCopy // every copy after the first of a payload, with what justified it (S9)
	Withholders    []string
	Trace          []trace.Step
	Script         []ScriptStep // every command executed, with its output
	WallMillis     float64
	MLSMillis      float64
	MLSCalls       int
}

// Run runs one seed: setup, K fault-phase steps chosen by the schedule,
// the liveness phase (stabilize) and the final checks (check).
func Run(p Params, seed uint64) (*Result, error) { return run(p, seed, nil) }

// run is Run with the world's options set by configure before anything
// happens in it.
func run(p Params, seed uint64, configure func(*World)) (*Result, error) {
	start := time.Now()
	w, err := NewWorld(p, seed)
	if err != nil {
		return nil, err
	}
	if configure != nil {
		configure(w)
	}
	defer w.Close()
	if off := w.drawWeights(); len(off) > 0 {
		if _, err := w.Do(NewCmd("swarm").With("off", strings.Join(off, ","))); err != nil {
			return nil, err
		}
	}
	if err := w.Setup(); err != nil {
		return nil, err
	}
	for i := 0; i < p.Steps; i++ {
		if _, err := w.Do(w.choose(w.pickAction())); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"stabilize", "check"} {
		if _, err := w.Do(NewCmd(name)); err != nil {
			return nil, err
		}
	}
	res := w.Result()
	res.Steps = p.Steps
	res.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return res, nil
}

// final runs the liveness checks once.
func (w *World) final() {
	if w.finalDone {
		return
	}
	w.finalDone = true
	if w.settled != nil && !w.settled.converged {
		w.check.Report(checker.Violation{Property: "L1", Step: w.step,
			Message: fmt.Sprintf("the liveness phase did not settle within its bound of %d rounds", w.settled.bound)})
	}
	w.feedRecords()
	withheld, err := w.check.Final(w.step, w.withholders)
	if err != nil {
		w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Message: err.Error()})
	}
	w.withheld = withheld
	w.extraCopies = w.check.Copies()
}

func (w *World) violations() []checker.Violation {
	return append(append([]checker.Violation(nil), w.panics...), w.check.Violations()...)
}

// Result reports the run so far (call it after check).
func (w *World) Result() *Result {
	res := &Result{
		Seed: w.seed, Clients: len(w.names), Groups: len(w.groups),
		Withholders: append([]string(nil), w.withholders...), Withheld: w.withheld, ExtraCopies: w.extraCopies,
		MLSMillis: w.meter.Millis(), MLSCalls: w.meter.Calls,
	}
	res.MembersMean, res.MembersMax = w.groupSizes()
	if w.settled != nil {
		res.Converged, res.LivenessRounds, res.LivenessBound = w.settled.converged, w.settled.rounds, w.settled.bound
	}
	for _, s := range w.snapshots() {
		for _, in := range s.Intents {
			res.Intents.Created++
			switch {
			case in.State == intent.Committed && in.Reason == intent.ReasonNoop:
				res.Intents.Noop++
			case in.State == intent.Committed:
				res.Intents.Committed++
			case in.State == intent.Failed:
				res.Intents.Failed++
			default:
				res.Intents.Open++
			}
		}
	}
	for _, v := range w.violations() {
		res.Violations = append(res.Violations, results.NewViolation(v, w.seed, w.leadingTo(v)))
	}
	res.Events = make(map[string]int, len(w.events))
	for k, v := range w.events {
		res.Events[k] = v
	}
	res.FaultSites = w.faultSites.clone()
	res.TraceSHA256 = w.TraceSHA256()
	res.Trace = w.Trace()
	res.Script = append([]ScriptStep(nil), w.script...)
	return res
}

// groupSizes is the mean and largest member count over the groups, as the
// oracle (the topic logs) has them.
func (w *World) groupSizes() (mean float64, largest int) {
	total := 0
	for _, id := range w.groups {
		if g := w.check.Oracle.Group(id); g != nil {
			total += len(g.Members)
			largest = max(largest, len(g.Members))
		}
	}
	if len(w.groups) > 0 {
		mean = float64(total) / float64(len(w.groups))
	}
	return mean, largest
}

// Close releases every installation's store.
func (w *World) Close() {
	for _, id := range w.names {
		c := w.clients[id]
		c.eng = nil
		if c.db != nil {
			_ = c.db.Close()
		}
	}
}

// Settle is the liveness phase: heal every fault, restart every client,
// and run rounds until a round changes nothing.
//
// The bound: in a healed network a round lets every client publish one
// commit per group (rule 4), read it back and send its welcomes, and the
// next round lets joiners apply them; so a fixed point needs at most one
// round per open commit intent, plus one per installation for welcome
// chains and key packages, plus a constant for the last read-backs:
// bound = 8 + installations + 2 × open intents.
func (w *World) Settle() (converged bool, rounds, bound int) {
	w.nextStep()
	w.net.Heal()
	w.net.SetTick(normalTickNs)
	for _, id := range w.names {
		if f := w.clients[id].fuse; f != nil {
			f.Busy = 0
		}
	}
	w.emit(trace.Step{Name: "heal", Text: fmt.Sprintf("heal delayed_pending=%d", w.net.PendingDelayed())})
	w.checkStep()
	for _, id := range w.names {
		w.nextStep()
		w.emit(trace.Step{Name: "restart", Text: "restart " + id, Actor: id, Outcome: w.reopen(w.clients[id])})
		w.checkStep()
	}
	bound = 8 + len(w.names) + 2*w.openIntents()
	for rounds = 1; rounds <= bound; rounds++ {
		before := w.progress()
		for _, id := range w.names {
			w.nextStep()
			w.clock.ns += 1_000_000
			c := w.clients[id]
			text := w.round(c)
			w.emit(trace.Step{Name: "round", Text: fmt.Sprintf("round %d %s", rounds, id), Actor: id, Outcome: text})
			w.checkStep()
		}
		if w.progress() == before {
			return true, rounds, bound
		}
	}
	return false, bound, bound
}

// progress changes whenever anything happens: a record lands or an engine
// reports an event.
func (w *World) progress() string {
	e := 0
	for _, v := range w.events {
		e += v
	}
	if w.remote != nil {
		// A client under test's events are its own diagnostics (it may
		// report none, or some every round): what it recorded is its
		// progress.
		var v uint64
		for _, id := range w.names {
			v += w.clients[id].version()
		}
		return fmt.Sprintf("%d/%d", w.net.Records(), v)
	}
	return fmt.Sprintf("%d/%d", w.net.Records(), e)
}

// round is one client's upkeep (engine.Client.Upkeep): its failed steps
// and the groups it joined, in the order they happened, or ok. The crash
// guard wraps the whole round; a crash keeps the steps that ran before it.
func (w *World) round(c *client) string {
	if c.eng == nil {
		return w.reopen(c)
	}
	var rep engine.UpkeepReport
	err := w.guard(c, func() error {
		c.eng.UpkeepInto(&rep)
		return nil
	})
	var notes []string
	for _, s := range rep.Steps {
		if s.Err != nil {
			notes = append(notes, s.String()+" "+outcome(s.Err))
		}
		if s.Name == engine.UpkeepProcessWelcomes && len(rep.Joined) > 0 {
			notes = append(notes, "joined="+strings.Join(rep.Joined, ","))
		}
	}
	if err != nil {
		notes = append(notes, outcome(err))
	}
	if len(notes) == 0 {
		return "ok"
	}
	return strings.Join(notes, "; ")
}

func (w *World) openIntents() int {
	n := 0
	for _, id := range w.names {
		c := w.clients[id]
		if c.eng == nil {
			continue
		}
		var open int
		err := w.guard(c, func() error {
			var err error
			open, err = c.eng.OpenIntents()
			return err
		})
		if err != nil {
			w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Installations: []string{id}, Message: err.Error()})
			continue
		}
		n += open
	}
	return n
}

// snapshot reads a running client's snapshot under the crash guard, or
// returns the last one if its store has committed nothing since.
func (w *World) snapshot(c *client) (engine.Snapshot, error) {
	version := c.version()
	if c.snap != nil && c.snapVersion == version {
		return *c.snap, nil
	}
	var s engine.Snapshot
	err := w.guard(c, func() error {
		var err error
		s, err = c.eng.Snapshot()
		return err
	})
	if err == nil {
		c.snap, c.snapVersion = &s, version
	}
	return s, err
}

// snapshots reads every client's snapshot, in creation order.
func (w *World) snapshots() []engine.Snapshot {
	var out []engine.Snapshot
	for _, id := range w.names {
		c := w.clients[id]
		if c.eng == nil {
			continue
		}
		s, err := w.snapshot(c)
		if err != nil {
			w.panics = append(w.panics, checker.Violation{Property: "audit", Step: w.step, Installations: []string{id}, Message: err.Error()})
			continue
		}
		out = append(out, s)
	}
	return out
}

// leadingTo picks the steps that led to a violation: the last dozen up
// to its step that name its installations or group.
func (w *World) leadingTo(v checker.Violation) []trace.Step {
	var out []trace.Step
	for i := len(w.trace) - 1; i >= 0 && len(out) < 12; i-- {
		st := w.trace[i]
		if st.N <= v.Step && st.Mentions(v.Group, v.Installations) {
			out = append(out, st)
		}
	}
	slices.Reverse(out)
	return out
}

package results

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/trace"
)

// Determinism outcomes.
const (
	DeterminismChecked  = "checked"
	DeterminismSkipped  = "skipped"
	DeterminismMismatch = "mismatch"
)

// RunSummary is `simrun run --json`.
type RunSummary struct {
	Scenario    string  `json:"scenario"`
	Seed        uint64  `json:"seed"`
	Steps       int     `json:"steps"`
	Clients     int     `json:"clients"`
	Groups      int     `json:"groups"`
	MembersMean float64 `json:"members_mean"` // per group, at the end
	MembersMax  int     `json:"members_max"`
	TraceSHA256 string  `json:"trace_sha256"`
	Determinism string  `json:"determinism"`
	FirstDiff   string  `json:"first_difference,omitempty"`
	// ReplayProblem (replay only) says how the replay disagrees with its
	// script: an output or the recorded trace hash differs, or the script
	// ends before its checks. A replay with a problem fails.
	ReplayProblem string `json:"replay_problem,omitempty"`
	// WorkerDied (sweeps with worker processes only) says how the worker
	// process running this seed died, twice (the seed is re-run once in a
	// fresh worker): its exit status and the tail of its stderr. The run
	// has no other result, and fails: a crash of the engine is a finding.
	WorkerDied     string             `json:"worker_died,omitempty"`
	Converged      bool               `json:"converged"`
	LivenessRounds int                `json:"liveness_rounds"`
	LivenessBound  int                `json:"liveness_bound"`
	Intents        IntentCounts       `json:"intents"`
	Violations     []Violation        `json:"violations"`
	Withholders    []string           `json:"withholders,omitempty"`
	Withheld       []checker.Withheld `json:"withheld,omitempty"`
	// ExtraCopies attributes every copy of a payload after the first: the
	// failed publish or restart and the sync that justified re-sending it.
	ExtraCopies []checker.ExtraCopy `json:"extra_copies,omitempty"`
	Events      map[string]int      `json:"events"`
	// FaultSites counts the faults that fired by engine call site, keyed
	// "site fault" (FaultSiteKey).
	FaultSites map[string]int `json:"fault_sites"`
	WallMillis float64        `json:"wall_ms"`
	MLSMillis  float64        `json:"mls_ms"`
	// Live is set for a live run (`simrun live`).
	Live *LiveRun `json:"live,omitempty"`
	// Trace is the full trace; it is written to files (trace.txt, a
	// report's timeline), never to --json.
	Trace []trace.Step `json:"-"`
}

// IntentCounts summarise every client's intents at the end of a run.
type IntentCounts struct {
	Created   int `json:"created"`
	Committed int `json:"committed"`
	Noop      int `json:"noop"`
	Failed    int `json:"failed"`
	Open      int `json:"open"`
}

// Violation is one broken property as every layer passes it along: what
// the checker (or the simulator's own audit) found, the property's name,
// the seed, and the steps that led to it. sim makes it (NewViolation);
// runner, simrun and reports pass it on as it is.
type Violation struct {
	checker.Violation
	// Name is the checker's name for the property ("" for the
	// simulator's own "audit" and "no_panic").
	Name string `json:"name"`
	Seed uint64 `json:"seed"`
	// Trace are the steps that led to the violation (the last dozen up to
	// its step that name its installations or group) as trace lines, their
	// canonical encoding (trace.Step.String). Lines, not steps: everything
	// that reads a violation back shows them, and a failing sweep's
	// summary holds a dozen per violation (as steps, its summary.json was
	// four times the size); a run's report finds the steps themselves in
	// its trace.
	Trace []string `json:"trace,omitempty"`
}

// NewViolation is v found in a run of seed, after the lead steps.
func NewViolation(v checker.Violation, seed uint64, lead []trace.Step) Violation {
	return Violation{Violation: v, Name: PropertyName(v.Property), Seed: seed, Trace: trace.Lines(lead)}
}

// Failed reports whether the run broke a property or was not deterministic.
func (r *RunSummary) Failed() bool {
	return len(r.Violations) > 0 || r.Determinism == DeterminismMismatch || r.ReplayProblem != "" || r.WorkerDied != ""
}

// SweepSummary is `simrun sweep --json`.
type SweepSummary struct {
	Scenario string `json:"scenario"`
	// Params are the world every seed ran in (nil in summaries written
	// before they were recorded): merge compares them field by field, and
	// the commands printed for failing seeds are built from them.
	Params             *Params        `json:"params,omitempty"`
	Seeds              int            `json:"seeds"`
	Passed             int            `json:"passed"`
	Failed             int            `json:"failed"`
	FailingSeeds       []uint64       `json:"failing_seeds"`
	DeterminismChecked int            `json:"determinism_checked"`
	Events             map[string]int `json:"events"`
	// FaultSites sums the runs' fault-site counts; FaultSitesUnreached
	// lists the applicable (site, fault) pairs of reachable sites that no
	// run reached (UnreachedFaultSites), in site order.
	FaultSites          map[string]int `json:"fault_sites"`
	FaultSitesUnreached []string       `json:"fault_sites_unreached"`
	Steps               int            `json:"steps"`
	WallMillis          float64        `json:"wall_ms"`
	MLSMillis           float64        `json:"mls_ms"`
	// Runs holds every seed's summary (without traces), in seed order.
	Runs []RunSummary `json:"runs,omitempty"`
}

// Fold sums per-seed summaries (in seed order) into a sweep summary. A
// sweep, merging shards and checking a summary all use it, so sharded and
// unsharded sweeps agree and a summary is checked by what made it.
func Fold(scenario string, runs []RunSummary) *SweepSummary {
	s := &SweepSummary{Scenario: scenario, Seeds: len(runs), Events: map[string]int{}, FaultSites: map[string]int{},
		FailingSeeds: []uint64{}, Runs: runs}
	for _, r := range runs {
		if r.Failed() {
			s.Failed++
			s.FailingSeeds = append(s.FailingSeeds, r.Seed)
		} else {
			s.Passed++
		}
		if r.Determinism != DeterminismSkipped {
			s.DeterminismChecked++
		}
		for k, v := range r.Events {
			s.Events[k] += v
		}
		for k, v := range r.FaultSites {
			s.FaultSites[k] += v
		}
		s.Steps += r.Steps
		s.MLSMillis += r.MLSMillis
	}
	s.FaultSitesUnreached = UnreachedFaultSites(s.FaultSites)
	return s
}

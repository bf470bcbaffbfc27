package runner

import (
	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/sim"
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
	Intents        sim.IntentCounts   `json:"intents"`
	Violations     []ViolationSummary `json:"violations"`
	Withholders    []string           `json:"withholders,omitempty"`
	Withheld       []checker.Withheld `json:"withheld,omitempty"`
	// ExtraCopies attributes every copy of a payload after the first: the
	// failed publish or restart and the sync that justified re-sending it.
	ExtraCopies []checker.ExtraCopy `json:"extra_copies,omitempty"`
	Events      map[string]int      `json:"events"`
	// FaultSites counts the faults that fired by engine call site, keyed
	// "site fault" (sim.FaultSiteKey).
	FaultSites map[string]int `json:"fault_sites"`
	WallMillis float64        `json:"wall_ms"`
	MLSMillis  float64        `json:"mls_ms"`
	// Trace is the full trace; it is written to files, never to --json.
	Trace []trace.Step `json:"-"`
	// Script is every command with its output (for --trace-out).
	Script []sim.ScriptStep `json:"-"`
	// Params are the world's parameters (for --trace-out).
	Params sim.Params `json:"-"`
}

// ViolationSummary is one violation as printed.
type ViolationSummary struct {
	Property      string   `json:"property"`
	Name          string   `json:"name"`
	Step          int      `json:"step"`
	Message       string   `json:"message"`
	Group         string   `json:"group,omitempty"`
	Installations []string `json:"installations,omitempty"`
	Seed          uint64   `json:"seed"`
	Trace         []string `json:"trace,omitempty"`
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
	// run reached (sim.UnreachedFaultSites), in site order.
	FaultSites          map[string]int `json:"fault_sites"`
	FaultSitesUnreached []string       `json:"fault_sites_unreached"`
	Steps               int            `json:"steps"`
	WallMillis          float64        `json:"wall_ms"`
	MLSMillis           float64        `json:"mls_ms"`
	// Runs holds every seed's summary (without traces), in seed order.
	Runs []RunSummary `json:"runs,omitempty"`
}

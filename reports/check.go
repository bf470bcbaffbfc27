package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/results"
)

// InconsistentError lists what a summary states that its own runs and
// violations contradict. A summary is data a person may have edited, or
// a tool half-written; re-rendering it as it stands could put PASS over a
// violation, so it is refused instead.
type InconsistentError struct {
	Problems []string
}

func (e *InconsistentError) Error() string {
	return "inconsistent: " + strings.Join(e.Problems, "; ")
}

func inconsistent(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return &InconsistentError{Problems: problems}
}

// CheckRun checks one run's report: see CheckRunSummary.
func CheckRun(r *RunReport) error {
	problems := runProblems(&r.RunSummary, "")
	if r.World != nil && r.World.Name() != r.Scenario {
		problems = append(problems, fmt.Sprintf("params describe scenario %s, but the run is of %s", r.World.Name(), r.Scenario))
	}
	return inconsistent(problems)
}

// CheckRunSummary checks what a run's verdict is computed from: the
// determinism outcome is one simrun writes ("skipped" for a live run,
// which has no trace hash), and every violation names a property, its
// name (the checker's, or for a live run's own findings
// results.LiveProperties'), and the run's own seed. (A run stores no
// verdict of its own: it is always recomputed from these.)
func CheckRunSummary(r *results.RunSummary) error {
	return inconsistent(runProblems(r, ""))
}

func runProblems(r *results.RunSummary, prefix string) []string {
	var p []string
	if prefix == "" {
		prefix = fmt.Sprintf("seed %d: ", r.Seed)
	}
	if r.Scenario == "" {
		p = append(p, prefix+"no scenario")
	}
	switch r.Determinism {
	case results.DeterminismChecked, results.DeterminismSkipped, results.DeterminismMismatch:
	default:
		p = append(p, fmt.Sprintf("%sdeterminism %q is not checked, skipped or mismatch", prefix, r.Determinism))
	}
	if r.Steps < 0 {
		p = append(p, fmt.Sprintf("%ssteps: %d", prefix, r.Steps))
	}
	// A live run is not reproducible (timing is real): it has no trace
	// hash to compare and is never re-run.
	if r.Live != nil && r.Determinism != results.DeterminismSkipped {
		p = append(p, fmt.Sprintf("%sa live run's determinism is %q, but a live run cannot be re-run the same", prefix, r.Determinism))
	}
	for i, v := range r.Violations {
		_, checkers := checker.PropertyNames[v.Property]
		_, live := results.LiveProperties[v.Property]
		switch {
		case v.Property == "":
			p = append(p, fmt.Sprintf("%sviolation %d names no property", prefix, i+1))
		case live && !checkers && r.Live == nil:
			p = append(p, fmt.Sprintf("%sviolation %d: %s is a live run's property, in a run that is not live", prefix, i+1, v.Property))
		case v.Name != results.PropertyName(v.Property):
			p = append(p, fmt.Sprintf("%sviolation %d: property %s is %q, not %q", prefix, i+1, v.Property, results.PropertyName(v.Property), v.Name))
		}
		if v.Seed != r.Seed {
			p = append(p, fmt.Sprintf("%sviolation %d (%s) is of seed %d", prefix, i+1, v.Property, v.Seed))
		}
	}
	return p
}

// CheckSweep recomputes a sweep's counts and verdicts from its runs
// (results.Fold, as the sweep itself did) and lists every field that
// disagrees: seeds, passed, failed, failing_seeds, determinism_checked,
// steps, events and fault_sites; runs must be of the sweep's scenario,
// each seed once, in seed order, and consistent themselves
// (CheckRunSummary); a sweep with no runs is consistent (an empty shard);
// seed_reports may link failing seeds only. fault_sites_unreached is not
// compared, it is recomputed: it depends on simrun's list of fault sites,
// which grows between versions.
func CheckSweep(r *SweepReport) error {
	var p []string
	switch {
	case r.Scenario == "" && len(r.Runs) == 0:
		p = append(p, "no scenario and no runs")
	case r.Scenario == "":
		p = append(p, "no scenario")
	}
	if r.Params != nil && r.Scenario != "" && r.Params.Name() != r.Scenario {
		p = append(p, fmt.Sprintf("params describe scenario %s, but the sweep is of %s", r.Params.Name(), r.Scenario))
	}
	seen := map[uint64]bool{}
	for i, run := range r.Runs {
		prefix := fmt.Sprintf("run %d (seed %d): ", i+1, run.Seed)
		if seen[run.Seed] {
			p = append(p, fmt.Sprintf("seed %d appears twice in runs", run.Seed))
		} else if i > 0 && run.Seed < r.Runs[i-1].Seed {
			p = append(p, fmt.Sprintf("runs are not in seed order (seed %d after %d)", run.Seed, r.Runs[i-1].Seed))
		}
		seen[run.Seed] = true
		if r.Scenario != "" && run.Scenario != r.Scenario {
			p = append(p, fmt.Sprintf("%sa run of %q in a sweep of %q", prefix, run.Scenario, r.Scenario))
		}
		if r.Params != nil && run.Steps != r.Params.Steps && run.WorkerDied == "" {
			p = append(p, fmt.Sprintf("%sran %d steps, params say %d", prefix, run.Steps, r.Params.Steps))
		}
		p = append(p, runProblems(&run, prefix)...)
	}
	want := results.Fold(r.Scenario, r.Runs)
	if r.Seeds != want.Seeds {
		p = append(p, fmt.Sprintf("seeds: %d, but it holds %s", r.Seeds, plural(want.Seeds, "run")))
	}
	if r.Passed != want.Passed {
		p = append(p, fmt.Sprintf("passed: %d, but %d of its runs pass", r.Passed, want.Passed))
	}
	if r.Failed != want.Failed {
		p = append(p, fmt.Sprintf("failed: %d, but %d of its runs fail%s", r.Failed, want.Failed, failingWhy(r.Runs)))
	}
	if !slices.Equal(r.FailingSeeds, want.FailingSeeds) {
		p = append(p, fmt.Sprintf("failing_seeds: %v, but its failing runs are %v", r.FailingSeeds, want.FailingSeeds))
	}
	if r.DeterminismChecked != want.DeterminismChecked {
		p = append(p, fmt.Sprintf("determinism_checked: %d, but %d of its runs were re-run", r.DeterminismChecked, want.DeterminismChecked))
	}
	if r.Steps != want.Steps {
		p = append(p, fmt.Sprintf("steps: %d, but its runs add up to %d", r.Steps, want.Steps))
	}
	if k := firstDifferentCount(r.Events, want.Events); k != "" {
		p = append(p, fmt.Sprintf("events: %s is %d, but its runs add up to %d", k, r.Events[k], want.Events[k]))
	}
	if k := firstDifferentCount(r.FaultSites, want.FaultSites); k != "" {
		p = append(p, fmt.Sprintf("fault_sites: %s is %d, but its runs add up to %d", k, r.FaultSites[k], want.FaultSites[k]))
	}
	for _, seed := range slices.Sorted(maps.Keys(r.SeedReports)) {
		if !slices.ContainsFunc(want.FailingSeeds, func(s uint64) bool { return fmt.Sprint(s) == seed }) {
			p = append(p, fmt.Sprintf("seed_reports links seed %s, which is not a failing seed", seed))
		}
	}
	if len(p) == 0 {
		r.FaultSitesUnreached = want.FaultSitesUnreached
	}
	return inconsistent(p)
}

// failingWhy names the first failing run and why it fails.
func failingWhy(runs []results.RunSummary) string {
	for _, r := range runs {
		switch {
		case len(r.Violations) > 0:
			return fmt.Sprintf(" (seed %d holds a violation of %s)", r.Seed, r.Violations[0].Property)
		case r.Determinism == results.DeterminismMismatch:
			return fmt.Sprintf(" (seed %d was not deterministic)", r.Seed)
		case r.WorkerDied != "":
			return fmt.Sprintf(" (seed %d's worker died)", r.Seed)
		case r.ReplayProblem != "":
			return fmt.Sprintf(" (seed %d: %s)", r.Seed, r.ReplayProblem)
		}
	}
	return ""
}

// firstDifferentCount is the first key, in order, whose counts differ
// (a missing key counts 0).
func firstDifferentCount(a, b map[string]int) string {
	keys := slices.Sorted(maps.Keys(a))
	keys = append(keys, slices.Sorted(maps.Keys(b))...)
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if a[k] != b[k] {
			return k
		}
	}
	return ""
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

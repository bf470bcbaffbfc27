package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlsim/mlsim/results"
)

// Statuses of a conformance script or sweep seed, as package conform
// writes them (reports may not import it: it runs the simulator).
const (
	statusPassed      = "passed"
	statusFailed      = "failed"
	statusUnsupported = "unsupported" // scripts only
	statusError       = "error"       // the kit could not run it
)

// conformTally is a conformance's counts and verdict as its scripts and
// sweep runs make them. A sweep seed that errored counts as failed: the
// sweep has no other column for it, and a seed the kit could not judge
// has not passed.
type conformTally struct {
	passed, failed, unsupported, broken int
	sweepPassed, sweepFailed            int
	properties                          map[string]int
	verdict                             string
	firstBad                            string // the first script or seed that fails the verdict, for messages
	unknown                             []string
}

func tallyConform(c *results.Conformance) conformTally {
	t := conformTally{properties: map[string]int{}}
	bad := func(what string) {
		if t.firstBad == "" {
			t.firstBad = what
		}
	}
	for i, s := range c.Scripts {
		switch s.Status {
		case statusPassed:
			t.passed++
		case statusFailed:
			t.failed++
			bad(fmt.Sprintf("script %s failed", s.Name))
		case statusUnsupported:
			t.unsupported++
		case statusError:
			t.broken++
			bad(fmt.Sprintf("script %s errored", s.Name))
		default:
			t.unknown = append(t.unknown, fmt.Sprintf("script %d (%s): status %q is not passed, failed, unsupported or error", i+1, s.Name, s.Status))
		}
	}
	if c.Sweep != nil {
		for _, run := range c.Sweep.Runs {
			switch run.Status {
			case statusPassed:
				t.sweepPassed++
			case statusFailed, statusError:
				t.sweepFailed++
				bad(fmt.Sprintf("sweep seed %d %s", run.Seed, run.Status))
			default:
				t.unknown = append(t.unknown, fmt.Sprintf("sweep seed %d: status %q is not passed, failed or error", run.Seed, run.Status))
			}
			// Each failing seed counts once per property, however often
			// it repeats the property.
			for _, p := range slices.Compact(slices.Sorted(slices.Values(run.Properties))) {
				t.properties[p]++
			}
		}
	}
	t.verdict = "PASS"
	if t.failed > 0 || t.broken > 0 || t.sweepFailed > 0 {
		t.verdict = "FAIL"
	}
	return t
}

// CheckConform recomputes a conformance report's counts (scripts by
// status; the sweep's seeds, passed, failed — an errored seed is a
// failed one — and properties, from its runs) and its verdict (PASS iff
// no script failed or errored and no sweep seed failed or errored;
// unsupported scripts do not fail it), and refuses a report that states
// otherwise, or holds a status it does not know, a sweep seed that
// passed over a violated property, or seeds out of order.
func CheckConform(r *ConformReport) error {
	t := tallyConform(&r.Conformance)
	p := slices.Clone(t.unknown)
	if r.Verdict != t.verdict {
		why := ""
		if t.firstBad != "" {
			why = " (" + t.firstBad + ")"
		}
		p = append(p, fmt.Sprintf("verdict: %q, but its scripts and seeds make it %s%s", r.Verdict, t.verdict, why))
	}
	for _, c := range []struct {
		field, status string
		stated, got   int
	}{
		{"passed", statusPassed, r.Passed, t.passed}, {"failed", statusFailed, r.Failed, t.failed},
		{"unsupported", statusUnsupported, r.Unsupported, t.unsupported}, {"broken", statusError, r.Broken, t.broken},
	} {
		if c.stated != c.got {
			p = append(p, fmt.Sprintf("%s: %d, but %d of its scripts are %s", c.field, c.stated, c.got, c.status))
		}
	}
	if s := r.Sweep; s != nil {
		p = append(p, sweepRunProblems(s)...)
		for _, c := range []struct {
			field       string
			stated, got int
		}{
			{"sweep seeds", s.Seeds, len(s.Runs)}, {"sweep passed", s.Passed, t.sweepPassed}, {"sweep failed", s.Failed, t.sweepFailed},
		} {
			if c.stated != c.got {
				p = append(p, fmt.Sprintf("%s: %d, but its runs make it %d", c.field, c.stated, c.got))
			}
		}
		if k := firstDifferentCount(s.Properties, t.properties); k != "" {
			p = append(p, fmt.Sprintf("sweep properties: %s is %d, but it fails %s", k, s.Properties[k], plural(t.properties[k], "seed")))
		}
	}
	return inconsistent(p)
}

// sweepRunProblems: runs each seed once, in seed order, and none that
// passed while holding a violated property (a page would list it under
// PASS).
func sweepRunProblems(s *results.ConformanceSweep) []string {
	var p []string
	for i, run := range s.Runs {
		if i > 0 && run.Seed <= s.Runs[i-1].Seed {
			p = append(p, fmt.Sprintf("sweep runs are not in seed order, each seed once (seed %d after %d)", run.Seed, s.Runs[i-1].Seed))
		}
		if run.Status == statusPassed && len(run.Properties) > 0 {
			p = append(p, fmt.Sprintf("sweep seed %d passed, but violates %s", run.Seed, strings.Join(run.Properties, ", ")))
		}
	}
	return p
}

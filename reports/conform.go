package reports

import (
	"github.com/mlsim/mlsim/results"
)

// ConformReport is a conformance kit's summary.json (`simrun conform`):
// a client under test, script by script, then over a seeded sweep.
type ConformReport struct {
	Kind string `json:"kind"` // "conform"
	results.Conformance
}

// NewConformReport builds a conformance report whose counts and verdict
// are computed from its scripts and sweep runs, the way CheckConform
// recomputes them, so that the kit need not count them itself.
func NewConformReport(c *results.Conformance) *ConformReport {
	r := &ConformReport{Kind: "conform", Conformance: *c}
	t := tallyConform(&r.Conformance)
	r.Verdict = t.verdict
	r.Passed, r.Failed, r.Unsupported, r.Broken = t.passed, t.failed, t.unsupported, t.broken
	if r.Sweep != nil {
		// A copy: the caller's sweep is not rewritten behind its back.
		s := *r.Sweep
		s.Seeds, s.Passed, s.Failed, s.Properties = len(s.Runs), t.sweepPassed, t.sweepFailed, t.properties
		r.Sweep = &s
	}
	return r
}

// ConformFiles is a conformance report's summary.json, summary.md and
// index.html. Unlike a run's, a conformance summary states its verdict
// and counts, so they are checked first (CheckConform): a report that
// would print PASS over a failed script is refused, not written.
func ConformFiles(r *ConformReport) (Files, error) {
	r.Kind = "conform"
	if err := CheckConform(r); err != nil {
		return nil, err
	}
	data, err := encodeJSON(r)
	if err != nil {
		return nil, err
	}
	f, err := renderConform(r)
	if err != nil {
		return nil, err
	}
	f["summary.json"] = data
	return f, nil
}

// WriteConform writes summary.json, summary.md and index.html for a
// conformance report.
func WriteConform(dir string, r *ConformReport) error {
	f, err := ConformFiles(r)
	if err != nil {
		return err
	}
	return f.Write(dir)
}

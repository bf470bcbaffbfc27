package runner

import (
	"encoding/binary"
	"fmt"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/trace"
)

// Options adjust a run.
type Options struct {
	Steps            int  // fault-phase steps; 0: the scenario's
	CheckDeterminism bool // run the seed a second time and compare traces
}

// RunSeed runs one seed of a scenario; with CheckDeterminism it runs it
// again and compares the traces (wall_ms and events come from the first
// run).
func RunSeed(sc scenarios.Scenario, seed uint64, opt Options) (*RunSummary, error) {
	p := sc.Params
	if opt.Steps > 0 {
		p.Steps = opt.Steps
	}
	first, err := sim.Run(p, seed)
	if err != nil {
		return nil, err
	}
	s := Summarize(sc.Name, first)
	s.Params = p
	s.Determinism = DeterminismSkipped
	if opt.CheckDeterminism {
		again, err := sim.Run(p, seed)
		if err != nil {
			return nil, err
		}
		s.Determinism = DeterminismChecked
		if again.TraceSHA256 != first.TraceSHA256 {
			s.Determinism = DeterminismMismatch
			s.FirstDiff = firstDifference(trace.Lines(first.Trace), trace.Lines(again.Trace))
		}
	}
	return s, nil
}

// Summarize turns a simulator result into the summary `run` prints.
func Summarize(name string, r *sim.Result) *RunSummary {
	s := &RunSummary{
		Scenario: name, Seed: r.Seed, Steps: r.Steps, Clients: r.Clients, Groups: r.Groups,
		MembersMean: r.MembersMean, MembersMax: r.MembersMax,
		TraceSHA256: r.TraceSHA256, Converged: r.Converged, LivenessRounds: r.LivenessRounds, LivenessBound: r.LivenessBound,
		Intents: r.Intents, Withholders: r.Withholders, Withheld: r.Withheld, ExtraCopies: r.ExtraCopies, Events: r.Events, FaultSites: r.FaultSites,
		WallMillis: r.WallMillis, MLSMillis: r.MLSMillis, Trace: r.Trace, Script: r.Script, Violations: []ViolationSummary{},
	}
	for _, v := range r.Violations {
		s.Violations = append(s.Violations, ViolationSummary{
			Property: v.Property, Name: checker.PropertyNames[v.Property], Step: v.Step, Message: v.Message,
			Group: v.Group, Installations: v.Installations, Seed: v.Seed, Trace: trace.Lines(v.Trace),
		})
	}
	return s
}

func firstDifference(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("line %d:\n  first:  %s\n  second: %s", i+1, a[i], b[i])
		}
	}
	return fmt.Sprintf("one trace is a prefix of the other (%d vs %d lines)", len(a), len(b))
}

// DeterminismSampled decides from the seed alone whether a sweep re-runs
// it, so the same seeds are re-run whatever the worker count or shard.
func DeterminismSampled(seed uint64, ratio float64) bool {
	if ratio >= 1 {
		return true
	}
	if ratio <= 0 {
		return false
	}
	var b [8]byte
	_, _ = detrand.New(seed, "determinism-sample").Read(b[:])
	return float64(binary.BigEndian.Uint64(b[:])>>11)/float64(1<<53) < ratio
}

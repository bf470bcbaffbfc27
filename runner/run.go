package runner

import (
	"encoding/binary"
	"fmt"

	"github.com/mlsim/mlsim/internal/detrand"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
	"github.com/mlsim/mlsim/trace"
)

// Run is one seed's summary with what only the process that ran it has:
// the script of every command with its output, and the simulator's
// parameters (for --trace-out). Neither is in the summary's JSON.
type Run struct {
	*results.RunSummary
	Script []sim.ScriptStep `json:"-"`
	Params sim.Params       `json:"-"`
}

// Options adjust a run.
type Options struct {
	Steps            int  // fault-phase steps; 0: the scenario's
	CheckDeterminism bool // run the seed a second time and compare traces
}

// RunSeed runs one seed; with CheckDeterminism it runs it again and
// compares the traces (wall_ms and events come from the first run). The
// script and the world's parameters come back too, for --trace-out.
func RunSeed(sc scenarios.Scenario, seed uint64, opt Options) (*Run, error) {
	p := sc.Params
	if opt.Steps > 0 {
		p.Steps = opt.Steps
	}
	first, err := sim.Run(p, seed)
	if err != nil {
		return nil, err
	}
	r := &Run{RunSummary: Summarize(sc.Name, first), Script: first.Script, Params: p}
	r.Determinism = results.DeterminismSkipped
	if opt.CheckDeterminism {
		again, err := sim.Run(p, seed)
		if err != nil {
			return nil, err
		}
		r.Determinism = results.DeterminismChecked
		if again.TraceSHA256 != first.TraceSHA256 {
			r.Determinism = results.DeterminismMismatch
			r.FirstDiff = firstDifference(trace.Lines(first.Trace), trace.Lines(again.Trace))
		}
	}
	return r, nil
}

// Summarize turns a simulator result into the summary `run` prints (its
// violations are sim's, passed on as they are).
func Summarize(name string, r *sim.Result) *results.RunSummary {
	s := &results.RunSummary{
		Scenario: name, Seed: r.Seed, Steps: r.Steps, Clients: r.Clients, Groups: r.Groups,
		MembersMean: r.MembersMean, MembersMax: r.MembersMax,
		TraceSHA256: r.TraceSHA256, Converged: r.Converged, LivenessRounds: r.LivenessRounds, LivenessBound: r.LivenessBound,
		Intents: r.Intents, Withholders: r.Withholders, Withheld: r.Withheld, ExtraCopies: r.ExtraCopies, Events: r.Events, FaultSites: r.FaultSites,
		WallMillis: r.WallMillis, MLSMillis: r.MLSMillis, Trace: r.Trace, Violations: r.Violations,
	}
	if s.Violations == nil {
		s.Violations = []results.Violation{}
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

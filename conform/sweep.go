package conform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/sim"
)

// maxViolationLines is how many violation lines a sweep keeps per seed.
const maxViolationLines = 5

// featureActions are the schedule's actions that need an optional part of
// the protocol, by the feature a client names in Hello.
var featureActions = map[string][]sim.Action{
	"permissions":  {sim.ActUpdateAdmins, sim.ActUpdatePolicy},
	"sync-batches": {sim.ActSyncBegin, sim.ActSyncStep},
	"consent":      {sim.ActConsent},
	"forge-commit": {sim.ActForgeCommit},
	"streams":      {sim.ActSubscribe, sim.ActStreamStep, sim.ActStreamDrop, sim.ActStreamDuplicate, sim.ActStreamDelay, sim.ActStreamBreak},
	"fault-hooks":  {sim.ActCrash, sim.ActStoreBusy}, // and no withholders
}

// SweepParams are p as the sweep plays it against a client with these
// features: what a remote world plays (sim.RemoteParams), less the
// actions of features the client does not serve.
func SweepParams(p sim.Params, features []string) sim.Params {
	p = sim.RemoteParams(p)
	weights := make(map[sim.Action]float64, len(p.Weights))
	for a, v := range p.Weights {
		weights[a] = v
	}
	for _, f := range sortedFeatures() {
		if slices.Contains(features, f) {
			continue
		}
		for _, a := range featureActions[f] {
			delete(weights, a)
		}
	}
	p.Weights = weights
	if !slices.Contains(features, "fault-hooks") {
		p.Withholders = 0
	}
	return p
}

func sortedFeatures() []string {
	out := make([]string, 0, len(featureActions))
	for f := range featureActions {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// RunSeed runs one seed of a scenario's schedule against a fresh client
// process; p are the sweep's parameters (SweepParams).
func RunSeed(c Client, p sim.Params, seed uint64, workDir string) (run results.ConformanceRun) {
	start := time.Now()
	run = results.ConformanceRun{Seed: seed, Steps: p.Steps}
	defer func() { run.Millis = float64(time.Since(start)) / float64(time.Millisecond) }()
	dir := filepath.Join(workDir, fmt.Sprintf("seed-%d", seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		run.Status, run.Why = Broken, err.Error()
		return run
	}
	proc, err := c.start(dir)
	if err != nil {
		run.Status, run.Why = Broken, err.Error()
		return run
	}
	defer proc.stop()
	remote := &remoteWorld{proc: proc, dir: dir, seed: seed}
	defer remote.close()
	res, err := sim.RunRemote(p, seed, remote)
	if why, gone := proc.unjudgeable(); gone {
		run.Status, run.Why = Broken, why
		return run
	}
	if err != nil {
		run.Status, run.Why = Broken, err.Error()
		if errors.Is(err, sim.ErrUnsupported) {
			run.Why = "unsupported: " + err.Error()
		}
		return run
	}
	props, lines := verdict(res)
	run.Status, run.Properties = Passed, props
	if len(props) > 0 {
		run.Status = Failed
	}
	if len(lines) > maxViolationLines {
		lines = lines[:maxViolationLines]
	}
	run.Violations = lines
	return run
}

// Sweep runs seeds one after another (one client process at a time) in
// seed order, each with p as SweepParams plays it for a client with these
// features; reports.NewConformReport counts them.
func Sweep(c Client, scenario string, p sim.Params, features []string, seeds []uint64, workDir string,
	progress func(results.ConformanceRun)) *results.ConformanceSweep {
	p = SweepParams(p, features)
	start := time.Now()
	s := &results.ConformanceSweep{Scenario: scenario, Seeds: len(seeds), Properties: map[string]int{}}
	for _, seed := range seeds {
		r := RunSeed(c, p, seed, workDir)
		if progress != nil {
			progress(r)
		}
		s.Runs = append(s.Runs, r)
	}
	sort.Slice(s.Runs, func(i, j int) bool { return s.Runs[i].Seed < s.Runs[j].Seed })
	s.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return s
}

package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/results"
)

func checkedSweep() *SweepReport {
	runs := []results.RunSummary{
		{Scenario: "crashy", Seed: 1, Steps: 40, Determinism: results.DeterminismChecked, Events: map[string]int{"restart": 2}},
		{Scenario: "crashy", Seed: 2, Steps: 40, Determinism: results.DeterminismSkipped, Events: map[string]int{"restart": 1},
			Violations: []results.Violation{{Violation: checker.Violation{Property: "S1", Step: 9}, Name: "no fork", Seed: 2}}},
		{Scenario: "crashy", Seed: 3, Steps: 40, Determinism: results.DeterminismSkipped, WorkerDied: "exit status 3"},
	}
	s := results.Fold("crashy", runs)
	return &SweepReport{Kind: "sweep", SweepSummary: *s, SeedReports: map[string]string{"2": "seeds/2/index.html"}}
}

// report recomputes every verdict and count from the runs a summary
// holds, and names each field its data contradicts.
func TestCheckSweep(t *testing.T) {
	require.NoError(t, CheckSweep(checkedSweep()))
	require.NoError(t, CheckSweep(&SweepReport{Kind: "sweep", SweepSummary: *results.Fold("crashy", nil)}), "an empty shard")

	for _, c := range []struct {
		edit func(r *SweepReport)
		want string
	}{
		{func(r *SweepReport) { r.Failed, r.Passed = 0, 3 }, "failed: 0, but 2 of its runs fail (seed 2 holds a violation of S1)"},
		{func(r *SweepReport) { r.FailingSeeds = []uint64{2} }, "failing_seeds: [2], but its failing runs are [2 3]"},
		{func(r *SweepReport) { r.Seeds = 4 }, "seeds: 4, but it holds 3 runs"},
		{func(r *SweepReport) { r.DeterminismChecked = 0 }, "determinism_checked: 0, but 1 of its runs were re-run"},
		{func(r *SweepReport) { r.Events["restart"] = 9 }, "events: restart is 9, but its runs add up to 3"},
		{func(r *SweepReport) { r.Steps = 1 }, "steps: 1, but its runs add up to 120"},
		{func(r *SweepReport) { r.Runs[1].Violations[0].Seed = 7 }, "run 2 (seed 2): violation 1 (S1) is of seed 7"},
		{func(r *SweepReport) { r.Runs[1].Violations[0].Name = "fork" }, `violation 1: property S1 is "no fork", not "fork"`},
		{func(r *SweepReport) { r.Runs[0].Determinism = "yes" }, `determinism "yes" is not checked, skipped or mismatch`},
		{func(r *SweepReport) { r.Runs[2].Seed = 1 }, "seed 1 appears twice in runs"},
		{func(r *SweepReport) { r.Runs[0], r.Runs[1] = r.Runs[1], r.Runs[0] }, "runs are not in seed order (seed 1 after 2)"},
		{func(r *SweepReport) { r.Runs[0].Scenario = "churn" }, `run 1 (seed 1): a run of "churn" in a sweep of "crashy"`},
		{func(r *SweepReport) { r.SeedReports["1"] = "seeds/1/index.html" }, "seed_reports links seed 1, which is not a failing seed"},
		{func(r *SweepReport) {
			r.Params = &results.Params{Scenario: "crashy", Steps: 40, Scale: 1, Variant: "path-on-add"}
		}, "params describe scenario crashy+path-on-add, but the sweep is of crashy"},
		{func(r *SweepReport) { r.Params = &results.Params{Scenario: "crashy", Steps: 30, Scale: 1} }, "run 1 (seed 1): ran 40 steps, params say 30"},
		{func(r *SweepReport) { *r = SweepReport{Kind: "sweep"} }, "no scenario and no runs"},
	} {
		r := checkedSweep()
		c.edit(r)
		err := CheckSweep(r)
		require.Error(t, err, c.want)
		require.Contains(t, err.Error(), c.want)
	}
}

// Render refuses an inconsistent summary.json and writes nothing.
func TestRenderRefusesInconsistentData(t *testing.T) {
	dir := t.TempDir()
	r := checkedSweep()
	require.NoError(t, WriteSweep(dir, r))
	require.NoError(t, Render(dir))

	r.Failed = 0
	data, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "summary.json"), data, 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "index.html")))
	err = Render(dir)
	require.ErrorContains(t, err, "summary.json: inconsistent: failed: 0, but 2 of its runs fail")
	require.NoFileExists(t, filepath.Join(dir, "index.html"))
}

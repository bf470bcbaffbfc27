package engine_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// TestScriptsReplay replays every script under scenarios/testdata (the
// conformance and regression scripts): each command's output — outcomes
// and the events the engine reports — must match. It is part of the
// mutation target, so a mutant that changes what the engine reports, not
// only what it stores, is caught.
func TestScriptsReplay(t *testing.T) {
	if os.Getenv("MLSIM_MUTATION") != "1" {
		t.Skip("set MLSIM_MUTATION=1 (mutation testing's target; package scenarios runs these scripts by default)")
	}
	err := filepath.WalkDir("../scenarios/testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		s, err := scenarios.ParseScript(f)
		if err != nil {
			return err
		}
		_, div, err := scenarios.Replay(s)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if div != nil {
			t.Errorf("%s: %s", path, div)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSimulationShort is the fast simulation target for mutation testing
// of this package (docs/MUTANTS.md, "Mutation score"): a few seeds of the
// scenarios that exercise most of the engine, every property checked. It
// runs only with MLSIM_MUTATION=1 — the full sweeps live in package sim —
// so the default test run stays fast:
//
//	MLSIM_MUTATION=1 gremlins unleash ./engine --workers 2 --timeout-coefficient 6
func TestSimulationShort(t *testing.T) {
	if os.Getenv("MLSIM_MUTATION") != "1" {
		t.Skip("set MLSIM_MUTATION=1 (mutation testing's target)")
	}
	for _, run := range []struct {
		scenario string
		seeds    uint64
	}{{"default", 4}, {"crashy", 3}, {"lossy-net", 3}, {"commit-storm", 2}, {"churn", 2}, {"past-epochs", 2}} {
		sc, err := scenarios.Get(run.scenario)
		if err != nil {
			t.Fatal(err)
		}
		p := sc.Params
		p.Steps = 100
		for seed := uint64(1); seed <= run.seeds; seed++ {
			r, err := sim.Run(p, seed)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range r.Violations {
				t.Fatalf("%s seed %d: %s", run.scenario, seed, v.Violation)
			}
		}
	}
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

func scenarioFlag(name string) (scenarios.Scenario, error) {
	sc, err := scenarios.Get(name)
	if err != nil {
		return sc, usageError{err}
	}
	return sc, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// worldFlags are the flags that pick a world: the scenario, an adapter
// variant, a test fixture, a scale and a past-epoch window (run, sweep
// and its workers share them).
type worldFlags struct {
	name, variant, fixture string
	scale                  int
	maxPast                int // --max-past-epochs; -1: not given (the scenario's)
}

func (w *worldFlags) register(f *pflag.FlagSet) {
	f.StringVar(&w.name, "scenario", "default", "scenario name (see simrun list)")
	f.StringVar(&w.variant, "mls-variant", "", "switch one go-mls defence off in every client ("+strings.Join(runner.MLSVariants, ", ")+"): shows the harness finds the bug")
	f.StringVar(&w.fixture, "fixture", "", "put a deliberately broken test fixture into every client (e.g. skip-past-busy)")
	_ = f.MarkHidden("fixture")
	f.IntVar(&w.scale, "scale", 1, "multiply the scenario's accounts, installation cap and groups (how cost grows with the world)")
	f.IntVar(&w.maxPast, "max-past-epochs", -1, fmt.Sprintf("past epochs whose messages are accepted (SPEC §5's max_past_epochs), in 0..%d, for the engine and the checker alike; -1: the scenario's (3)", sim.MaxPastEpochWindow))
}

// scenario resolves the flags into the scenario to run.
func (w *worldFlags) scenario() (scenarios.Scenario, error) {
	sc, _, err := w.resolve(0)
	return sc, err
}

// resolve resolves the flags into the scenario to run and the Params
// that name it (steps: --steps, 0 for the scenario's own). The scenario's
// label is the Params' Name, so that a label always reads back into the
// flags that made it.
func (w *worldFlags) resolve(steps int) (scenarios.Scenario, results.Params, error) {
	sc, err := scenarioFlag(w.name)
	if err != nil {
		return sc, results.Params{}, err
	}
	if sc, err = withVariant(sc, w.variant); err != nil {
		return sc, results.Params{}, err
	}
	if sc, err = withScale(sc, w.scale); err != nil {
		return sc, results.Params{}, err
	}
	if sc, err = withMaxPastEpochs(sc, w.maxPast); err != nil {
		return sc, results.Params{}, err
	}
	if sc, err = withFixture(sc, w.fixture); err != nil {
		return sc, results.Params{}, err
	}
	if steps <= 0 {
		steps = sc.Params.Steps
	}
	// Checked here, before any folder is touched or worker started: a
	// worker refusing its world would look like a worker dying.
	world := sc.Params
	world.Steps = steps
	if err := world.Validate(); err != nil {
		return sc, results.Params{}, usageError{err}
	}
	p := results.Params{Scenario: w.name, Steps: steps, Scale: w.scale, Variant: w.variant, Fixture: w.fixture}
	if w.maxPast >= 0 {
		n := w.maxPast
		p.MaxPastEpochs = &n
	}
	sc.Name = p.Name()
	return sc, p, nil
}

// withScale multiplies a scenario's world: accounts, the installation cap
// and groups (group sizes and the step count stay the scenario's).
func withScale(sc scenarios.Scenario, scale int) (scenarios.Scenario, error) {
	switch {
	case scale == 1:
		return sc, nil
	case scale < 1 || scale > 64:
		return sc, usageError{fmt.Errorf("--scale must be between 1 and 64, got %d", scale)}
	}
	sc.Params.Accounts *= scale
	sc.Params.MaxInstallations *= scale
	sc.Params.Groups *= scale
	sc.Name += fmt.Sprintf("+x%d", scale)
	return sc, nil
}

// withMaxPastEpochs sets the past-epoch window of a scenario's clients and
// of its checker (-1: leave the scenario's).
func withMaxPastEpochs(sc scenarios.Scenario, n int) (scenarios.Scenario, error) {
	switch {
	case n == -1:
		return sc, nil
	case n < 0 || n > sim.MaxPastEpochWindow:
		return sc, usageError{fmt.Errorf("--max-past-epochs must be between 0 and %d (or -1 for the scenario's), got %d", sim.MaxPastEpochWindow, n)}
	}
	sc.Params.MaxPastEpochs = engine.PastEpochsConfig(n)
	sc.Name += fmt.Sprintf("+max-past-epochs=%d", n)
	return sc, nil
}

// withVariant switches one adapter defence off in a scenario's clients.
func withVariant(sc scenarios.Scenario, variant string) (scenarios.Scenario, error) {
	if variant == "" {
		return sc, nil
	}
	if !slices.Contains(runner.MLSVariants, variant) {
		return sc, usageError{fmt.Errorf("unknown --mls-variant %q (want %s)", variant, strings.Join(runner.MLSVariants, ", "))}
	}
	sc.Params.MLSVariant = variant
	sc.Name += "+" + variant
	return sc, nil
}

// withFixture puts a named test fixture (sim.Fixtures) into a scenario.
func withFixture(sc scenarios.Scenario, name string) (scenarios.Scenario, error) {
	if name == "" {
		return sc, nil
	}
	if _, ok := sim.Fixtures[name]; !ok {
		return sc, usageError{fmt.Errorf("unknown --fixture %q", name)}
	}
	sc.Params.Fixture = name
	sc.Name += "+" + name
	return sc, nil
}

func writeScript(path string, s *scenarios.Script, comment string) error {
	s.Comments = append([]string{comment}, s.Comments...)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := s.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readScript(path string) (*scenarios.Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer f.Close()
	s, err := scenarios.ParseScript(f)
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	return s, nil
}

// sameFile reports whether two paths name one file (an output that does
// not exist yet is not its input).
func sameFile(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}

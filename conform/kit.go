package conform

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
)

// Config is one conformance run.
type Config struct {
	Client Client
	// Scripts selects the built-in scripts whose name contains one of
	// these (all when empty; none when it is just "none").
	Scripts []string
	// Scenario and Seeds are the sweep's (no sweep when Seeds is empty).
	Scenario string
	Seeds    []uint64
	// Work is where the client processes keep their stores and logs.
	Work     string
	Progress io.Writer // a line per script and seed; nil for none
}

// Run runs the scripts, then the sweep, against the client under test,
// and returns the report (its verdict and counts made by reports).
func Run(cfg Config) (*reports.ConformReport, error) {
	start := time.Now()
	out := &results.Conformance{Client: strings.Join(cfg.Client.Argv, " "), Features: []string{}}
	progress := func(format string, a ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", a...)
		}
	}
	// Hello once, to name the client in the report (and to fail early
	// when it does not start at all).
	proc, err := cfg.Client.start(cfg.Work)
	if err != nil {
		return nil, err
	}
	hello := proc.driver.Hello()
	out.Implementation, out.Features = hello.GetImplementation(), append(out.Features, hello.GetFeatures()...)
	proc.stop()
	progress("conform: %s (%s; features %v)", out.Client, out.Implementation, out.Features)

	for _, sf := range scenarios.BuiltinScripts() {
		if !selected(sf.Name, cfg.Scripts) {
			continue
		}
		r := RunScript(cfg.Client, sf, filepath.Join(cfg.Work, "scripts"))
		progress("script %-55s %s%s", r.Name, r.Status, scriptNote(r))
		out.Scripts = append(out.Scripts, r)
	}
	if len(cfg.Seeds) > 0 {
		sc, err := scenarios.Get(cfg.Scenario)
		if err != nil {
			return nil, err
		}
		out.Sweep = Sweep(cfg.Client, cfg.Scenario, sc.Params, out.Features, cfg.Seeds, filepath.Join(cfg.Work, "seeds"), func(r results.ConformanceRun) {
			progress("seed %-6d %s %s %s", r.Seed, r.Status, strings.Join(r.Properties, ","), r.Why)
		})
	}
	out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return reports.NewConformReport(out), nil
}

func selected(name string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	if len(filters) == 1 && filters[0] == "none" {
		return false
	}
	for _, f := range filters {
		if strings.Contains(name, f) {
			return true
		}
	}
	return false
}

func scriptNote(r ScriptResult) string {
	switch {
	case r.Status == Failed:
		return fmt.Sprintf(" at line %d (%s) %s", r.Line, r.Command, strings.Join(r.Properties, ","))
	case r.Status != Passed:
		return ": " + r.Why
	}
	return ""
}

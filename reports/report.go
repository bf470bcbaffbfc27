package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsim/mlsim/runner"
)

// RunReport is a run's summary.json: the run summary and its timeline.
type RunReport struct {
	Kind string `json:"kind"` // "run"
	runner.RunSummary
	Timeline Timeline `json:"timeline"`
}

// SweepReport is a sweep's summary.json.
type SweepReport struct {
	Kind string `json:"kind"` // "sweep"
	runner.SweepSummary
	// SeedReports maps a failing seed to its report directory, relative
	// to the sweep's.
	SeedReports map[string]string `json:"seed_reports,omitempty"`
}

// NewRunReport builds a run's report from its summary (with its trace).
func NewRunReport(s *runner.RunSummary) *RunReport {
	var lead []string
	for _, v := range s.Violations {
		lead = append(lead, v.Trace...)
	}
	return &RunReport{Kind: "run", RunSummary: *s, Timeline: BuildTimeline(s.Trace, lead)}
}

// WriteRun writes summary.json, summary.md and index.html for a run.
func WriteRun(dir string, r *RunReport) error {
	if err := writeJSON(dir, r); err != nil {
		return err
	}
	return renderRun(dir, r)
}

// WriteSweep writes summary.json, summary.md and index.html for a sweep.
func WriteSweep(dir string, r *SweepReport) error {
	r.Kind = "sweep"
	if err := writeJSON(dir, r); err != nil {
		return err
	}
	return renderSweep(dir, r)
}

// Render re-renders index.html and summary.md from a directory's
// summary.json (`simrun report DIR`).
func Render(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return err
	}
	var kind struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(data, &kind); err != nil {
		return fmt.Errorf("%s/summary.json: %w", dir, err)
	}
	switch kind.Kind {
	case "run":
		var r RunReport
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s/summary.json: %w", dir, err)
		}
		return renderRun(dir, &r)
	case "sweep":
		var r SweepReport
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s/summary.json: %w", dir, err)
		}
		return renderSweep(dir, &r)
	}
	return errors.New(dir + "/summary.json: not a run or sweep report (no \"kind\")")
}

func writeJSON(dir string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.json"), b.Bytes(), 0o644)
}

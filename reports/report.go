package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/trace"
)

// RunReport is a run's summary.json: the run summary and its timeline.
type RunReport struct {
	Kind string `json:"kind"` // "run"
	results.RunSummary
	// World is the world the run ran in, when known (run --out and a
	// sweep's seed pages): the page prints the command that reproduces it.
	World    *results.Params `json:"params,omitempty"`
	Timeline Timeline        `json:"timeline"`
}

// SweepReport is a sweep's summary.json.
type SweepReport struct {
	Kind string `json:"kind"` // "sweep"
	results.SweepSummary
	// SeedReports maps a failing seed to its report directory, relative
	// to the sweep's.
	SeedReports map[string]string `json:"seed_reports,omitempty"`
}

// Files is a report as the files it consists of, by name relative to the
// report's folder, so that a caller can account for every file it writes
// (simrun's manifest) before writing any.
type Files map[string][]byte

// NewRunReport builds a run's report from its summary (with its trace).
// The steps that led to its violations are those of its trace whose line
// a violation lists.
func NewRunReport(s *results.RunSummary) *RunReport {
	listed := map[string]bool{}
	for _, v := range s.Violations {
		for _, line := range v.Trace {
			listed[line] = true
		}
	}
	var lead []trace.Step
	if len(listed) > 0 {
		for _, st := range s.Trace {
			if listed[st.String()] {
				lead = append(lead, st)
			}
		}
	}
	return &RunReport{Kind: "run", RunSummary: *s, Timeline: BuildTimeline(s.Trace, lead)}
}

// RunFiles is a run's summary.json, summary.md and index.html.
func RunFiles(r *RunReport) (Files, error) {
	r.Kind = "run"
	data, err := encodeJSON(r)
	if err != nil {
		return nil, err
	}
	f, err := renderRun(r)
	if err != nil {
		return nil, err
	}
	f["summary.json"] = data
	return f, nil
}

// SweepFiles is a sweep's summary.json, summary.md and index.html.
func SweepFiles(r *SweepReport) (Files, error) {
	r.Kind = "sweep"
	data, err := encodeJSON(r)
	if err != nil {
		return nil, err
	}
	f, err := renderSweep(r)
	if err != nil {
		return nil, err
	}
	f["summary.json"] = data
	return f, nil
}

// WriteRun writes summary.json, summary.md and index.html for a run.
func WriteRun(dir string, r *RunReport) error {
	f, err := RunFiles(r)
	if err != nil {
		return err
	}
	return f.Write(dir)
}

// WriteSweep writes summary.json, summary.md and index.html for a sweep.
func WriteSweep(dir string, r *SweepReport) error {
	f, err := SweepFiles(r)
	if err != nil {
		return err
	}
	return f.Write(dir)
}

// Write writes the files into dir (no manifest: simrun keeps that).
func (f Files) Write(dir string) error {
	for name, data := range f {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Render re-renders index.html and summary.md from a directory's
// summary.json, after checking it (see Rerender).
func Render(dir string) error {
	f, err := Rerender(dir)
	if err != nil {
		return err
	}
	return f.Write(dir)
}

// Rerender reads a directory's summary.json, recomputes every verdict and
// count from the runs and violations it holds (Check), refuses it if
// they disagree with what it states, and returns index.html and
// summary.md rendered from the checked data (`simrun report DIR`). A page
// must never say PASS over data that holds a violation.
func Rerender(dir string) (Files, error) {
	path := filepath.Join(dir, "summary.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kind struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(data, &kind); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch kind.Kind {
	case "run":
		var r RunReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := CheckRun(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return renderRun(&r)
	case "sweep":
		var r SweepReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := CheckSweep(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return renderSweep(&r)
	case "conform":
		var r ConformReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := CheckConform(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return renderConform(&r)
	}
	return nil, errors.New(path + ": not a run, sweep or conform report (no \"kind\")")
}

func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package mutation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/mlsim/mlsim/results"
)

// HuntOverProtocol applies a mutant, builds simrun with it, and judges
// that binary's engine as any client is judged: `simrun conform --client
// 'BIN client'`, the scripts first, then the mutant's scenario's sweep in
// chunks until the first failing seed. The engine is driven over the
// intent-client protocol from its own process and read only through its
// observation records: a mutant caught here is caught without the
// simulator reaching into the engine.
func (r *Runner) HuntOverProtocol(m Mutant) (out Outcome) {
	start := time.Now()
	out = Outcome{ID: m.ID, Class: m.Class, Expected: m.Catch, Scenario: m.Scenario}
	defer func() { out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond) }()
	bin, _, dir, ok := r.build(m, &out)
	if !ok {
		return out
	}
	r.Log("%s: built; its scripts over the protocol", m.ID)
	c, err := r.conform(bin, filepath.Join(dir, "scripts"), "--seeds", "none")
	if err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	for _, s := range c.Scripts {
		if s.Status == "error" {
			// The kit could not judge it (the client died, would not
			// start, hung): no catch.
			out.Status, out.Detail = "broken", s.Name+": "+s.Why
			return out
		}
		if s.Status == "failed" {
			out.Status, out.ByScripts = "caught", true
			out.Property, out.Detail = firstOf(s.Properties, "scripts"), fmt.Sprintf("%s line %d %s: want %q, got %q",
				s.Name, s.Line, s.Command, s.Expected, s.Got)
			return out
		}
	}
	for lo := 1; lo <= r.Seeds; lo += r.Chunk {
		hi := min(lo+r.Chunk-1, r.Seeds)
		r.Log("%s: sweeping %s %d..%d over the protocol", m.ID, m.Scenario, lo, hi)
		c, err := r.conform(bin, filepath.Join(dir, fmt.Sprintf("seeds-%d", lo)), "--scripts", "none",
			"--scenario", m.Scenario, "--seeds", fmt.Sprintf("%d..%d", lo, hi))
		if err != nil {
			out.Status, out.Detail = "broken", err.Error()
			return out
		}
		for _, run := range c.Sweep.Runs {
			switch run.Status {
			case "passed":
				continue
			case "error":
				out.Status, out.Detail = "broken", fmt.Sprintf("seed %d: %s", run.Seed, run.Why)
				return out
			}
			out.Status, out.FirstSeed, out.SeedsToDetect = "caught", run.Seed, int(run.Seed)
			out.Property, out.Detail = firstOf(run.Properties, "error"), run.Why
			if len(run.Violations) > 0 {
				out.Detail = run.Violations[0]
			}
			return out
		}
	}
	out.Status = "survived"
	return out
}

// conform runs `BIN conform --client 'BIN client'` into out and reads its
// JSON summary (exit status 1 is a verdict, not a failure).
func (r *Runner) conform(bin, out string, args ...string) (*results.Conformance, error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"conform", "--client", bin + " client", "--out", out, "--json"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	var c results.Conformance
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		return nil, fmt.Errorf("conform: %s", lastLines(stderr.String(), 6))
	}
	return &c, nil
}

func firstOf(list []string, otherwise string) string {
	if len(list) > 0 {
		return list[0]
	}
	return otherwise
}

package mutation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/mlsim/mlsim/results"
)

// Outcome is what hunting one mutant found.
type Outcome struct {
	ID            string  `json:"id"`
	Class         string  `json:"class"`
	Status        string  `json:"status"` // caught, survived, equivalent, broken (no longer applies or builds)
	Property      string  `json:"property,omitempty"`
	Expected      string  `json:"expected,omitempty"`
	Scenario      string  `json:"scenario"`
	SeedsToDetect int     `json:"seeds_to_detect,omitempty"`
	FirstSeed     uint64  `json:"first_seed,omitempty"`
	ByScripts     bool    `json:"by_scripts,omitempty"`
	Detail        string  `json:"detail,omitempty"`
	WallMillis    float64 `json:"wall_ms"`
}

// Runner hunts mutants.
type Runner struct {
	Root    string // the module root
	Work    string // scratch directory
	Seeds   int    // at most this many seeds per mutant
	Chunk   int    // seeds per sweep call (stops at the first chunk that fails)
	Workers int
	Log     func(format string, args ...any)
}

// Hunt applies a mutant, builds simrun and the scripts test with it, and
// runs its scenario's sweep (chunk by chunk, until the first failure) and
// the scenario scripts.
func (r *Runner) Hunt(m Mutant) Outcome {
	start := time.Now()
	out := Outcome{ID: m.ID, Class: m.Class, Expected: m.Catch, Scenario: m.Scenario}
	out = r.hunt(m, out)
	out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return out
}

// build applies a mutant in its own folder and builds simrun with it. It
// returns the binary, the overlay and the folder, or, when the mutant is
// equivalent or broken, the outcome that says so (ok false).
func (r *Runner) build(m Mutant, out *Outcome) (bin, overlay, dir string, ok bool) {
	if m.Equivalent != "" {
		out.Status, out.Detail = "equivalent", m.Equivalent
		return "", "", "", false
	}
	dir = filepath.Join(r.Work, m.ID)
	overlay, err := m.Apply(r.Root, dir)
	if err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return "", "", "", false
	}
	bin = filepath.Join(dir, "simrun")
	if msg, err := r.goCmd("build", "-overlay", overlay, "-o", bin, "./cmd/simrun"); err != nil {
		out.Status, out.Detail = "broken", "build: "+msg
		return "", "", "", false
	}
	return bin, overlay, dir, true
}

func (r *Runner) hunt(m Mutant, out Outcome) Outcome {
	bin, overlay, _, ok := r.build(m, &out)
	if !ok {
		return out
	}
	r.Log("%s: built; sweeping %s", m.ID, m.Scenario)
	r.sweep(bin, m.Scenario, "", &out)
	if msg, err := r.goCmd("test", "-overlay", overlay, "-count=1", "-run", "TestScripts", "./scenarios"); err != nil {
		out.ByScripts = true
		if out.Status != "caught" {
			out.Status, out.Property, out.Detail = "caught", "scripts", lastLines(msg, 6)
		}
	}
	if out.Status == "" {
		out.Status = "survived"
	}
	return out
}

// HuntVariant runs the production simrun with one go-mls defence off: the
// harness must find the go-mls bug that defence covers.
func (r *Runner) HuntVariant(bin, id, class, scenario, variant string) Outcome {
	start := time.Now()
	out := Outcome{ID: id, Class: class, Scenario: scenario}
	r.sweep(bin, scenario, variant, &out)
	if out.Status == "" {
		out.Status = "survived"
	}
	out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return out
}

func (r *Runner) sweep(bin, scenario, variant string, out *Outcome) {
	for lo := 1; lo <= r.Seeds; lo += r.Chunk {
		hi := min(lo+r.Chunk-1, r.Seeds)
		args := []string{"sweep", "--scenario", scenario, "--seeds", fmt.Sprintf("%d..%d", lo, hi),
			"--workers", strconv.Itoa(r.Workers), "--determinism-ratio", "0", "--json"}
		if variant != "" {
			args = append(args, "--mls-variant", variant)
		}
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run() // exit 1 is a caught mutant
		var s results.SweepSummary
		if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
			out.Status, out.Detail = "broken", "sweep: "+lastLines(stderr.String(), 6)
			return
		}
		if len(s.FailingSeeds) == 0 {
			continue
		}
		first := s.FailingSeeds[0]
		out.Status, out.FirstSeed, out.SeedsToDetect = "caught", first, int(first)
		for _, run := range s.Runs {
			if run.Seed != first {
				continue
			}
			vs := append([]results.Violation(nil), run.Violations...)
			sort.SliceStable(vs, func(i, j int) bool { return vs[i].Step < vs[j].Step })
			switch {
			case len(vs) > 0:
				out.Property, out.Detail = vs[0].Property, vs[0].Message
			case run.WorkerDied != "":
				// The mutant killed the process running the seed: caught,
				// and said so rather than passed off as a property.
				out.Property, out.Detail = "worker_died", run.WorkerDied
			default:
				out.Property, out.Detail = "determinism", run.FirstDiff
			}
		}
		return
	}
}

func (r *Runner) goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = r.Root
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

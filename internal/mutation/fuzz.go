package mutation

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FuzzOutcome is what fuzzing one mutant found: whether the fuzz target
// failed within the time given, and how long after the fuzzer started.
type FuzzOutcome struct {
	ID       string `json:"id"`
	Class    string `json:"class"`
	Status   string `json:"status"` // caught, survived, equivalent, broken
	Property string `json:"property,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// DetectMillis runs from the fuzzer's first line (its seed corpus
	// run) to the first failing input; BySeed says a seed of the
	// committed corpus failed, before any mutation of the fuzzer's.
	DetectMillis float64 `json:"detect_ms,omitempty"`
	BySeed       bool    `json:"by_seed,omitempty"`
	Execs        int64   `json:"execs,omitempty"` // the fuzzer's count at its last status line before failing
	BuildMillis  float64 `json:"build_ms"`
	Crasher      string  `json:"crasher,omitempty"` // the failing input, under the work directory
	Script       string  `json:"script,omitempty"`  // its script
	WallMillis   float64 `json:"wall_ms"`
}

// FuzzRunner runs a fuzz target of the module against mutants: each is
// applied with -overlay to a test binary built for fuzzing, which then
// fuzzes from a copy of the target's committed seed corpus with a fresh
// fuzz cache (nothing learnt on one mutant helps the next).
type FuzzRunner struct {
	Root     string // the module root
	Work     string // scratch directory (one sub-directory per mutant)
	Pkg      string // the target's package, relative to Root: "sim"
	Target   string // "FuzzConflictOrder"
	FuzzTime time.Duration
	// Minimize is -test.fuzzminimizetime: a count ("100x") keeps the
	// minimising of each new input short (see FuzzSchedule's note).
	Minimize string
	Parallel int
	Log      func(format string, args ...any)
}

// Hunt fuzzes one catalogue mutant.
func (r *FuzzRunner) Hunt(m Mutant) FuzzOutcome {
	start := time.Now()
	out := FuzzOutcome{ID: m.ID, Class: m.Class}
	if m.Equivalent != "" {
		out.Status, out.Detail = "equivalent", m.Equivalent
		return out
	}
	dir := filepath.Join(r.Work, m.ID)
	overlay, err := m.Apply(r.Root, dir)
	if err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	out = r.fuzz(dir, overlay, nil, out)
	out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return out
}

// HuntVariant fuzzes the production code with one go-mls defence off
// (the target reads MLSIM_FUZZ_VARIANT).
func (r *FuzzRunner) HuntVariant(id, class, variant string) FuzzOutcome {
	start := time.Now()
	out := FuzzOutcome{ID: id, Class: class}
	dir := filepath.Join(r.Work, id)
	out = r.fuzz(dir, "", []string{"MLSIM_FUZZ_VARIANT=" + variant}, out)
	out.WallMillis = float64(time.Since(start)) / float64(time.Millisecond)
	return out
}

var (
	statusLine  = regexp.MustCompile(`^fuzz: elapsed: .*execs: (\d+)`)
	crasherLine = regexp.MustCompile(`Failing input written to (\S+)`)
	seedFailure = regexp.MustCompile(`failure while testing seed corpus entry: \S+/(\S+)`)
	property    = regexp.MustCompile(`\b([SL]\d{1,2}|audit|no_panic) step=\d+`)
)

func (r *FuzzRunner) fuzz(dir, overlay string, env []string, out FuzzOutcome) FuzzOutcome {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	bin := filepath.Join(dir, r.Target+".test")
	args := []string{"test", "-c", "-fuzz", "^" + r.Target + "$", "-o", bin}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	built := time.Now()
	if msg, err := r.goCmd(append(args, "./"+r.Pkg)...); err != nil {
		out.Status, out.Detail = "broken", "build: "+lastLines(msg, 6)
		return out
	}
	out.BuildMillis = float64(time.Since(built)) / float64(time.Millisecond)

	// The fuzzer runs in a copy of the package's corpus: the crasher it
	// writes, and its script, stay under the work directory.
	run := filepath.Join(dir, "run")
	corpus := filepath.Join("testdata", "fuzz", r.Target)
	if err := copyDir(filepath.Join(r.Root, r.Pkg, corpus), filepath.Join(run, corpus)); err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	scripts := filepath.Join(dir, "scripts")
	env = append(append(os.Environ(), env...), "MLSIM_FUZZ_SCRIPTS="+scripts)
	ctx, cancel := context.WithTimeout(context.Background(), r.FuzzTime+10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.fuzz=^"+r.Target+"$",
		"-test.fuzztime="+r.FuzzTime.String(), "-test.fuzzminimizetime="+r.Minimize,
		"-test.fuzzcachedir="+filepath.Join(dir, "cache"), "-test.parallel="+strconv.Itoa(r.Parallel))
	cmd.Dir, cmd.Env = run, env
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	cmd.Stderr = cmd.Stdout
	started := time.Now()
	if err := cmd.Start(); err != nil {
		out.Status, out.Detail = "broken", err.Error()
		return out
	}
	var first, detected time.Time
	var log []string
	crasher := ""
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		now := time.Now()
		log = append(log, line)
		if first.IsZero() && strings.HasPrefix(line, "fuzz: elapsed:") {
			first = now
		}
		if m := statusLine.FindStringSubmatch(line); m != nil && detected.IsZero() {
			out.Execs, _ = strconv.ParseInt(m[1], 10, 64)
		}
		if detected.IsZero() && (strings.HasPrefix(line, "fuzz: minimizing") || strings.HasPrefix(line, "--- FAIL") ||
			seedFailure.MatchString(line)) {
			detected = now
		}
		if m := seedFailure.FindStringSubmatch(line); m != nil {
			out.BySeed, crasher = true, filepath.Join(run, corpus, m[1])
		}
		if m := crasherLine.FindStringSubmatch(line); m != nil {
			crasher = filepath.Join(run, m[1])
		}
		if out.Property == "" {
			if m := property.FindStringSubmatch(line); m != nil {
				out.Property = m[1]
				out.Detail = strings.TrimSpace(line)
			}
		}
	}
	_, _ = io.Copy(io.Discard, pipe)
	err = cmd.Wait()
	if first.IsZero() {
		first = started
	}
	deadlineRace := crasher == "" && strings.Contains(strings.Join(log, "\n"), "context deadline exceeded")
	switch {
	case ctx.Err() != nil:
		out.Status, out.Detail = "broken", "the fuzzer ran past its time and ten minutes more"
	case err == nil:
		out.Status = "survived"
	case deadlineRace:
		// Go's coordinator can report its own -fuzztime deadline as a
		// failure, with no failing input (golang/go#75804, fixed in Go
		// 1.27): the time ran out, nothing was found.
		out.Status, out.Detail = "survived", "go test -fuzz ended with its deadline race (golang/go#75804), no failing input"
	case detected.IsZero() || crasher == "":
		out.Status, out.Detail = "broken", lastLines(strings.Join(log, "\n"), 8)
	default:
		out.Status = "caught"
		out.DetectMillis = float64(detected.Sub(first)) / float64(time.Millisecond)
		out.Crasher = crasher
		out.Script = r.script(bin, run, scripts, crasher, env)
		if out.Property == "" {
			out.Detail = lastLines(strings.Join(log, "\n"), 8)
		}
	}
	return out
}

// script re-runs the crasher as a test, which writes its script (the
// fuzzing worker wrote the minimised input's under the temporary
// directory, if at all), and returns the script's path.
func (r *FuzzRunner) script(bin, run, scripts, crasher string, env []string) string {
	name := filepath.Base(crasher)
	cmd := exec.Command(bin, "-test.run=^"+r.Target+"$/^"+regexp.QuoteMeta(name)+"$")
	cmd.Dir, cmd.Env = run, env
	_ = cmd.Run() // it fails: that is the point
	matches, _ := filepath.Glob(filepath.Join(scripts, "*.script.txt"))
	for _, m := range matches {
		if strings.HasSuffix(m, string(filepath.Separator)+name+".script.txt") || strings.HasSuffix(m, "/"+name+".script.txt") {
			return m
		}
	}
	// A seed's file name is not its crasher name: the newest script is its.
	var newest string
	var when time.Time
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.ModTime().After(when) {
			newest, when = m, fi.ModTime()
		}
	}
	return newest
}

func copyDir(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// String is one line for a log.
func (o FuzzOutcome) String() string {
	how := fmt.Sprintf("%.1f s", o.DetectMillis/1000)
	if o.BySeed {
		how += " (a seed)"
	}
	return fmt.Sprintf("%s: %s %s in %s, %d execs (build %.0f s)", o.ID, o.Status, o.Property, how, o.Execs, o.BuildMillis/1000)
}

func (r *FuzzRunner) goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = r.Root
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

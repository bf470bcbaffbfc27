package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/scenarios"
)

// The test binary doubles as simrun: with SIMRUN_AS_MAIN set it runs the
// command line instead of the tests, so the tests (and sweep's worker
// processes, which inherit the variable) run the real program in separate
// processes without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("SIMRUN_AS_MAIN") == "1" {
		os.Exit(execute(os.Args[1:]))
	}
	code := m.Run()
	if sweepCache.root != "" {
		os.RemoveAll(sweepCache.root)
	}
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func simrun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return simrunAt(t, "", env, args...)
}

// simrunAt runs simrun in dir ("": this process's folder).
func simrunAt(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "SIMRUN_AS_MAIN=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{out.String(), errb.String(), code}
}

func TestRunJSON(t *testing.T) {
	r := simrun(t, nil, "run", "--scenario", "default", "--seed", "2", "--steps", "60", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), "stdout must be pure JSON")
	for _, k := range []string{"scenario", "seed", "steps", "clients", "groups", "trace_sha256", "determinism",
		"converged", "intents", "violations", "events", "wall_ms", "mls_ms"} {
		require.Contains(t, got, k)
	}
	require.Equal(t, "checked", got["determinism"])
	for _, k := range []string{"created", "committed", "noop", "failed", "open"} {
		require.Contains(t, got["intents"], k)
	}
}

// --scale doubles the world (accounts, installation cap, groups), in run
// and in a sweep's workers alike; --cpuprofile and --memprofile write
// profiles pprof reads.
func TestScaleAndProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := dir+"/cpu.prof", dir+"/mem.prof"
	r := simrun(t, nil, "run", "--seed", "3", "--steps", "30", "--scale", "2", "--no-determinism", "--json",
		"--cpuprofile", cpu, "--memprofile", mem)
	require.Equal(t, 0, r.code, r.stderr)
	var got results.RunSummary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Equal(t, "default+x2", got.Scenario)
	require.Equal(t, 4, got.Groups)
	require.Greater(t, got.Clients, 10)
	for _, p := range []string{cpu, mem} {
		info, err := os.Stat(p)
		require.NoError(t, err)
		require.Positive(t, info.Size(), p)
	}
	s := simrun(t, nil, "sweep", "--seeds", "3..4", "--steps", "30", "--scale", "2", "--workers", "2", "--json")
	require.Equal(t, 0, s.code, s.stderr)
	var sweep results.SweepSummary
	require.NoError(t, json.Unmarshal([]byte(s.stdout), &sweep))
	require.Equal(t, "default+x2", sweep.Scenario)
	require.Equal(t, 2, sweep.Passed)
}

func TestList(t *testing.T) {
	r := simrun(t, nil, "list")
	require.Equal(t, 0, r.code)
	for _, name := range scenarios.Names() {
		require.Contains(t, r.stdout, name)
	}
	require.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), len(scenarios.Names()))
}

// Bad usage and input: exit 2, a clear message, no panic.
func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--bogus"},
		{"run", "--scenario", "nope"},
		{"run", "--seed", "-3"},
		{"run", "--steps", "-1"},
		{"run", "stray"},
		{"sweep", "--seeds", "9..2"},
		{"sweep", "--seeds", "abc"},
		{"sweep", "--workers", "0"},
		{"sweep", "--determinism-ratio", "1.5"},
		{"sweep", "--determinism-ratio", "NaN"},
		{"run", "--mls-variant", "nonsense"},
		{"run", "--scale", "0"},
		{"sweep", "--scale", "65"},
		{"run", "--cpuprofile", "/nonexistent/dir/cpu.prof"},
		{"frobnicate"},
	} {
		r := simrun(t, nil, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
		require.NotEmpty(t, r.stderr, "%v", args)
		require.NotContains(t, r.stderr, "panic", "%v", args)
		require.NotContains(t, r.stderr, "goroutine", "%v", args)
	}
}

// A violated property: exit 1, the violation named.
func TestViolationExitsOne(t *testing.T) {
	r := simrun(t, nil, "run", "--scenario", "crashy", "--seed", "2", "--mls-variant", "rehash-on-restore", "--no-determinism")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stdout, "VIOLATION ")
}

// Same trace in separate processes, at GOMAXPROCS 1 and 2, with 1 or 2
// sweep workers, and for a seed alone or inside a sweep.
func TestDeterminismAcrossProcesses(t *testing.T) {
	hashOf := func(env ...string) string {
		r := simrun(t, env, "run", "--scenario", "default", "--seed", "7", "--steps", "80", "--json", "--no-determinism")
		require.Equal(t, 0, r.code, r.stderr)
		var s results.RunSummary
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		return s.TraceSHA256
	}
	one, two := hashOf("GOMAXPROCS=1"), hashOf("GOMAXPROCS=2")
	require.Equal(t, one, two)

	sweep := func(workers string) map[uint64]string {
		r := simrun(t, nil, "sweep", "--scenario", "default", "--seeds", "5..8", "--steps", "80", "--workers", workers,
			"--determinism-ratio", "1", "--json")
		require.Equal(t, 0, r.code, r.stderr)
		var s results.SweepSummary
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		require.Equal(t, 4, s.DeterminismChecked)
		out := map[uint64]string{}
		for _, run := range s.Runs {
			out[run.Seed] = run.TraceSHA256
		}
		return out
	}
	w1, w2 := sweep("1"), sweep("2")
	require.Equal(t, w1, w2)
	require.Equal(t, one, w1[7], "seed 7 alone and inside a sweep")
}

// Four shards merged give the summary of one unsharded sweep.
func TestShardsMergeToTheUnshardedSweep(t *testing.T) {
	args := []string{"sweep", "--scenario", "churn", "--seeds", "1..8", "--steps", "60", "--determinism-ratio", "0.5"}
	whole := simrun(t, nil, append(args, "--json")...)
	require.Equal(t, 0, whole.code, whole.stderr)
	var want results.SweepSummary
	require.NoError(t, json.Unmarshal([]byte(whole.stdout), &want))

	var dirs []string
	seen := 0
	for i := 1; i <= 4; i++ {
		dir := t.TempDir()
		r := simrun(t, nil, append(args, "--shard", fmt.Sprintf("%d/4", i), "--out", dir, "--json")...)
		require.Equal(t, 0, r.code, r.stderr)
		var part results.SweepSummary
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &part))
		seen += part.Seeds
		dirs = append(dirs, dir)
	}
	require.Equal(t, 8, seen, "shards are disjoint and cover the range")
	merged := simrun(t, nil, append(append([]string{"merge"}, dirs...), "--out", t.TempDir(), "--json")...)
	require.Equal(t, 0, merged.code, merged.stderr)
	var got results.SweepSummary
	require.NoError(t, json.Unmarshal([]byte(merged.stdout), &got))
	for _, s := range []*results.SweepSummary{&want, &got} {
		s.WallMillis, s.MLSMillis = 0, 0
		for i := range s.Runs {
			s.Runs[i].WallMillis, s.Runs[i].MLSMillis = 0, 0
		}
	}
	require.Equal(t, want, got)
	require.NotEmpty(t, got.FaultSites, "fault-site counts are merged too")
	human := simrun(t, nil, append(append([]string{"merge"}, dirs...), "--out", t.TempDir())...)
	require.Equal(t, 0, human.code, human.stderr)
	require.Contains(t, human.stdout, "(site, fault) pairs reached")
	if len(got.FaultSitesUnreached) > 0 {
		require.Contains(t, human.stdout, "never reached: "+strings.Join(got.FaultSitesUnreached, ", "))
	}

	bad := simrun(t, nil, "merge", dirs[0], dirs[0], "--out", t.TempDir())
	require.Equal(t, 2, bad.code, "overlapping shards are refused")
	require.Equal(t, 2, simrun(t, nil, "sweep", "--shard", "5/4").code)
}

// --max-past-epochs sets the world's past-epoch window for the engine and
// the checker alike: at 0 no message is ever accepted from a past epoch,
// the label and every printed command name the window, the script a run
// writes replays it (its world line records it), and a sweep records it
// in sweep.json and summary.json (resume and merge compare it: TestBadInput).
func TestMaxPastEpochs(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/run.txt"
	r := simrun(t, nil, "run", "--scenario", "past-epochs", "--seed", "1", "--steps", "60", "--max-past-epochs", "0",
		"--no-determinism", "--json", "--trace-out", script)
	require.Equal(t, 0, r.code, r.stderr)
	var run results.RunSummary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &run))
	require.Equal(t, "past-epochs+max-past-epochs=0", run.Scenario)
	require.Zero(t, run.Events["past_epoch_accepted"], "a window of 0 accepts nothing from a past epoch")
	data, err := os.ReadFile(script)
	require.NoError(t, err)
	require.Contains(t, string(data), "\nworld seed=1 scenario=past-epochs max-past-epochs=0 steps=60\n")
	rep := simrun(t, nil, "replay", script)
	require.Equal(t, 0, rep.code, rep.stdout+rep.stderr)

	out := dir + "/sweep"
	s := simrun(t, nil, "sweep", "--scenario", "past-epochs", "--seeds", "1..4", "--steps", "100", "--max-past-epochs", "0",
		"--workers", "2", "--determinism-ratio", "0", "--json", "--out", out)
	require.Equal(t, 0, s.code, s.stderr)
	var sweep results.SweepSummary
	require.NoError(t, json.Unmarshal([]byte(s.stdout), &sweep))
	require.Equal(t, "past-epochs+max-past-epochs=0", sweep.Scenario)
	require.Equal(t, 4, sweep.Passed)
	require.Zero(t, sweep.Events["past_epoch_accepted"])
	require.Positive(t, sweep.Events["past_epoch_rejected"], "late messages are rejected (and rebuilt)")
	require.NotNil(t, sweep.Params.MaxPastEpochs)
	require.Equal(t, 0, *sweep.Params.MaxPastEpochs)
	require.Equal(t, "simrun run --scenario past-epochs --max-past-epochs 0 --steps 100 --seed 2", sweep.World().RunCommand(2))
	rec, err := os.ReadFile(out + "/sweep.json")
	require.NoError(t, err)
	require.Contains(t, string(rec), `"max_past_epochs": 0`)
}

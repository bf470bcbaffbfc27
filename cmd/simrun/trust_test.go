package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/reports"
	"github.com/mlsim/mlsim/results"
)

// readSweepReport reads a sweep folder's summary.json.
func readSweepReport(t *testing.T, dir string) reports.SweepReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	var r reports.SweepReport
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// manifestOf lists what a folder's manifest names.
func manifestOf(t *testing.T, dir string) []string {
	t.Helper()
	listed, err := readManifest(dir)
	require.NoError(t, err)
	var out []string
	for rel := range listed {
		out = append(out, rel)
	}
	slices.Sort(out)
	return out
}

// filesUnder lists every file under dir, relative, with / separators.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	slices.Sort(out)
	return out
}

// A report folder holds only the current report: a passing sweep after a
// failing one leaves no failing-seed page behind, a run after a sweep no
// results; files simrun did not write stay, and are overwritten only with
// --force. The manifest lists exactly the files simrun wrote.
func TestReportFolderHoldsOnlyTheCurrentReport(t *testing.T) {
	dir := t.TempDir()
	r := simrun(t, nil, append(slices.Clone(failing), "--workers", "2", "--out", dir)...)
	require.Equal(t, 1, r.code, r.stderr)
	require.FileExists(t, filepath.Join(dir, "seeds/1/index.html"))
	require.FileExists(t, filepath.Join(dir, "seeds/2/trace.txt"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine\n"), 0o644))

	// report re-renders a consistent folder, and keeps its manifest whole.
	before := manifestOf(t, dir)
	rep := simrun(t, nil, "report", dir)
	require.Equal(t, 0, rep.code, rep.stderr)
	require.Equal(t, before, manifestOf(t, dir))

	pass := simrun(t, nil, "sweep", "--scenario", "crashy", "--seeds", "1..2", "--steps", "40", "--determinism-ratio", "0", "--out", dir)
	require.Equal(t, 0, pass.code, pass.stderr)
	require.NoDirExists(t, filepath.Join(dir, "seeds"), "the failing sweep's pages are gone")
	require.FileExists(t, filepath.Join(dir, "notes.txt"), "a file simrun did not write stays")
	want := []string{"index.html", "results.jsonl", "summary.json", "summary.md", "sweep.json"}
	require.Equal(t, want, manifestOf(t, dir))
	require.Equal(t, sortedCopy(append(slices.Clone(want), manifestName, "notes.txt")), filesUnder(t, dir))

	run := simrun(t, nil, "run", "--seed", "1", "--steps", "30", "--no-determinism", "--out", dir)
	require.Equal(t, 0, run.code, run.stderr)
	require.Equal(t, []string{"index.html", "summary.json", "summary.md", "trace.txt"}, manifestOf(t, dir))
	require.NoFileExists(t, filepath.Join(dir, "results.jsonl"), "a run's folder holds no sweep results")

	// A foreign page is refused, then overwritten with --force.
	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "index.html"), []byte("mine\n"), 0o644))
	args := []string{"run", "--seed", "1", "--steps", "30", "--no-determinism", "--out", other}
	refused := simrun(t, nil, args...)
	require.Equal(t, 2, refused.code)
	require.Contains(t, refused.stderr, "that this report would overwrite: index.html")
	forced := simrun(t, nil, append(args, "--force")...)
	require.Equal(t, 0, forced.code, forced.stderr)
	require.Contains(t, manifestOf(t, other), "index.html")
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// comparable zeroes what differs between two sweeps of the same seeds:
// wall and go-mls times.
func comparable(r reports.SweepReport) reports.SweepReport {
	r.WallMillis, r.MLSMillis = 0, 0
	r.Runs = slices.Clone(r.Runs)
	for i := range r.Runs {
		r.Runs[i].WallMillis, r.Runs[i].MLSMillis = 0, 0
	}
	return r
}

// A sweep cut short — results.jsonl holding 3 of 6 seeds and half of a
// fourth, as a kill leaves it — resumes to the summary an uninterrupted
// sweep gives (runs, verdicts, counts; not wall times).
func TestResumeGivesTheUninterruptedSummary(t *testing.T) {
	whole := t.TempDir()
	args := []string{"sweep", "--scenario", "churn", "--seeds", "1..6", "--steps", "30", "--determinism-ratio", "0.5"}
	r := simrun(t, nil, append(slices.Clone(args), "--workers", "2", "--out", whole)...)
	require.Equal(t, 0, r.code, r.stderr)

	cut := filepath.Join(t.TempDir(), "cut")
	require.NoError(t, os.CopyFS(cut, os.DirFS(whole)))
	for _, name := range []string{"summary.json", "summary.md", "index.html"} {
		require.NoError(t, os.Remove(filepath.Join(cut, name))) // written only at the end
	}
	data, err := os.ReadFile(filepath.Join(cut, "results.jsonl"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	require.Len(t, lines, 7) // six lines and the empty rest
	torn := lines[0] + lines[1] + lines[2] + lines[3][:len(lines[3])/2]
	require.NoError(t, os.WriteFile(filepath.Join(cut, "results.jsonl"), []byte(torn), 0o644))

	// In this process this time (--workers 1): both ways of running seeds.
	res := simrun(t, nil, "sweep", "--resume", cut, "--workers", "1")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "PASS  sweep churn seeds 1..6: 6 passed")
	require.Equal(t, comparable(readSweepReport(t, whole)), comparable(readSweepReport(t, cut)))

	// results.jsonl: the torn line cut off, three seeds appended.
	f, err := os.Open(filepath.Join(cut, "results.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var seeds []uint64
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var run results.RunSummary
		require.NoError(t, json.Unmarshal(sc.Bytes(), &run), sc.Text())
		seeds = append(seeds, run.Seed)
	}
	slices.Sort(seeds)
	require.Equal(t, []uint64{1, 2, 3, 4, 5, 6}, seeds)

	// Resuming a finished sweep runs nothing and gives the same summary.
	again := simrun(t, nil, "sweep", "--resume", cut, "--seeds", "1..6", "--json")
	require.Equal(t, 0, again.code, again.stderr)
	require.Equal(t, comparable(readSweepReport(t, whole)), comparable(readSweepReport(t, cut)))
}

// A worker that dies costs its seed one re-run in a fresh worker; one
// that dies again makes the seed a failing run that says how (exit status,
// the end of its stderr), and the sweep goes on and writes its report.
func TestDeadWorker(t *testing.T) {
	args := []string{"sweep", "--seeds", "1..3", "--steps", "30", "--determinism-ratio", "0", "--workers", "2"}

	once := simrun(t, []string{"MLSIM_TEST_WORKER_DIE_AT=2", "MLSIM_TEST_WORKER_DIE_ONCE=" + filepath.Join(t.TempDir(), "died")},
		append(slices.Clone(args), "--json")...)
	require.Equal(t, 0, once.code, once.stderr)
	require.Contains(t, once.stderr, "worker died running seed 2")
	require.Contains(t, once.stderr, "running it again in a fresh worker")
	var s results.SweepSummary
	require.NoError(t, json.Unmarshal([]byte(once.stdout), &s))
	require.Equal(t, 3, s.Passed)

	dir := t.TempDir()
	always := simrun(t, []string{"MLSIM_TEST_WORKER_DIE_AT=2"}, append(slices.Clone(args), "--out", dir)...)
	require.Equal(t, 1, always.code, always.stderr)
	require.Contains(t, always.stdout, "failing seeds: 2\n")
	r := readSweepReport(t, dir)
	require.Equal(t, []uint64{2}, r.FailingSeeds)
	require.Equal(t, 2, r.Passed)
	died := r.Runs[1]
	require.Equal(t, uint64(2), died.Seed)
	require.Contains(t, died.WorkerDied, "exit status 3")
	require.Contains(t, died.WorkerDied, "MLSIM_TEST_WORKER_DIE_AT=2: exiting with status 3 (test hook)")
	require.NoDirExists(t, filepath.Join(dir, "seeds"), "no page is re-run for a seed whose worker died")
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "- seed 2: worker died: worker process running seed 2: exit status 3")
	rep := simrun(t, nil, "report", dir)
	require.Equal(t, 0, rep.code, "a dead worker's seed is a consistent failing run: %s", rep.stderr)
}

var (
	stdoutCommand = regexp.MustCompile(`(?m)^  reproduce seed (\d+): (simrun .*)$`)
	mdCommand     = regexp.MustCompile("(?m)^- seed (\\d+): .*\\n  reproduce: `(simrun [^`]*)`$")
	htmlCommand   = regexp.MustCompile(`<li class="failing-seed">(?:<a href="[^"]*">)?seed (\d+)(?:</a>)?:.*?<code class="reproduce">([^<]*)</code>`)
	pageCommand   = regexp.MustCompile("(?m)^Reproduce: `(simrun [^`]*)`$")
	pageHTML      = regexp.MustCompile(`reproduce: <code class="reproduce">([^<]*)</code>`)
	shrinkHint    = regexp.MustCompile(`(?m)^shrink it: (simrun .*)$`)
)

// simrunIn runs a printed command line ("simrun a b c", no shell quoting
// needed by the ones tested) in dir.
func simrunIn(t *testing.T, dir, line string) result {
	t.Helper()
	require.NotContains(t, line, "'", "a quoted argument: extend simrunIn")
	fields := strings.Fields(line)
	require.Equal(t, "simrun", fields[0], line)
	return simrunAt(t, dir, nil, fields[1:]...)
}

// violated is the set of properties a run broke.
func violated(run results.RunSummary) []string {
	var out []string
	for _, v := range run.Violations {
		out = append(out, v.Property)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every command simrun prints for a user runs as printed and gives the
// verdict it promises, for a variant, a scale and a fixture: the
// reproduce line of each failing seed (sweep output, summary.md,
// index.html, the seed's own page), the trace script's header, and a
// failing run's "shrink it" line (for the variant only: what it runs
// does not depend on the world, and each case costs seconds).
func TestPrintedCommandsRun(t *testing.T) {
	// Each case runs the first seed (of 20) its world fails at: schedule
	// changes move them, and the test needs a failing seed to mean
	// anything.
	for _, c := range []struct {
		name string
		args []string
	}{
		{"variant", []string{"--scenario", "crashy", "--mls-variant", "rehash-on-restore", "--steps", "40"}},
		{"scale", []string{"--scenario", "crashy", "--mls-variant", "rehash-on-restore", "--scale", "2", "--steps", "30"}},
		{"fixture", []string{"--scenario", "crashy", "--fixture", "skip-past-busy"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var dir string
			var r result
			var seed uint64
			for seed = 1; seed <= 20; seed++ {
				dir = t.TempDir()
				seeds := fmt.Sprintf("%d..%d", seed, seed)
				if r = simrun(t, nil, append([]string{"sweep", "--determinism-ratio", "0", "--out", dir, "--seeds", seeds}, c.args...)...); r.code != 0 {
					break
				}
			}
			require.Equal(t, 1, r.code, "the sweep must fail for this test to mean anything: %s", r.stderr)
			sweep := readSweepReport(t, dir)
			require.Equal(t, []uint64{seed}, sweep.FailingSeeds)
			want := violated(sweep.Runs[0])

			read := func(name string) string {
				data, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				return string(data)
			}
			var printed []string
			for _, m := range stdoutCommand.FindAllStringSubmatch(r.stdout, -1) {
				printed = append(printed, m[2])
			}
			for _, m := range mdCommand.FindAllStringSubmatch(read("summary.md"), -1) {
				printed = append(printed, m[2])
			}
			for _, m := range htmlCommand.FindAllStringSubmatch(read("index.html"), -1) {
				printed = append(printed, html.UnescapeString(m[2]))
			}
			page := fmt.Sprintf("seeds/%d/", seed)
			for _, m := range pageCommand.FindAllStringSubmatch(read(page+"summary.md"), -1) {
				printed = append(printed, m[1])
			}
			for _, m := range pageHTML.FindAllStringSubmatch(read(page+"index.html"), -1) {
				printed = append(printed, html.UnescapeString(m[1]))
			}
			require.Len(t, printed, 5, "one command in each of the five places")
			for _, p := range printed[1:] {
				require.Equal(t, printed[0], p, "every place prints the same command")
			}
			require.NotContains(t, printed[0], "+", "flags, not the scenario's label")

			work := t.TempDir()
			run := simrunIn(t, work, printed[0])
			require.Equal(t, 1, run.code, "%s\n%s", printed[0], run.stderr)
			require.Contains(t, run.stdout, fmt.Sprintf("FAIL  scenario %s seed %d:", sweep.Scenario, seed))
			for _, p := range want {
				require.Contains(t, run.stdout, "VIOLATION "+p+" ")
			}
			if c.name != "variant" {
				return // the rest does not depend on the world: once is enough
			}

			// The failing run's "shrink it": record, then shrink.
			m := shrinkHint.FindStringSubmatch(run.stdout)
			require.NotNil(t, m, run.stdout)
			record, shrink, ok := strings.Cut(m[1], " && ")
			require.True(t, ok, m[1])
			rec := simrunIn(t, work, record)
			require.Equal(t, 1, rec.code, "%s\n%s", record, rec.stderr)
			sh := simrunIn(t, work, shrink)
			require.Equal(t, 0, sh.code, "%s\n%s", shrink, sh.stderr)

			// The script's header is the command that made it.
			script, err := os.ReadFile(filepath.Join(work, "crashy-1.txt"))
			require.NoError(t, err)
			header, _, ok := strings.Cut(strings.TrimPrefix(string(script), "# "), ": trace_sha256 ")
			require.True(t, ok, "no trace_sha256 in the header")
			again := simrunIn(t, work, header)
			require.Equal(t, 1, again.code, "%s\n%s", header, again.stderr)
			require.Contains(t, again.stdout, "FAIL  scenario "+sweep.Scenario+" seed 1:")

			// A failing replay prints its own shrink line.
			replay := simrunIn(t, work, "simrun replay crashy-1.txt")
			require.Equal(t, 1, replay.code, replay.stderr)
			require.Contains(t, replay.stdout, "\nshrink it: simrun shrink crashy-1.txt -o crashy-1.min.txt\n")
		})
	}
}

// README's bad-input table holds every row's message.
func TestBadInputTableInReadme(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(data)
	_, table, ok := strings.Cut(readme, "### Bad input")
	require.True(t, ok, "README.md has no \"### Bad input\" section")
	table, _, _ = strings.Cut(table, "\n### ")
	for _, c := range badInputs {
		require.Contains(t, table, c.msg, "row %q", c.name)
	}
}

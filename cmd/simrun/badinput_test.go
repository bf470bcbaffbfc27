package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// badInput is one row of README's "bad input" table: a command, the input
// a user got wrong, and the exit status and message they get. Nothing is
// overwritten or lost, and no panic reaches them.
type badInput struct {
	name  string
	setup func(t *testing.T, dir string) // writes the input files into dir
	args  []string                       // "DIR" is replaced by dir
	code  int
	msg   string // a part of stderr (exit 2) or stdout (exit 1)
}

// recorded writes a 30-step default run's script as run.txt.
func recorded(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "run.txt")
	r := simrun(t, nil, "run", "--seed", "3", "--steps", "30", "--no-determinism", "--trace-out", path)
	require.Equal(t, 0, r.code, r.stderr)
	return path
}

// rewrite runs edit over the recorded script's text.
func rewrite(edit func(string) string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		path := recorded(t, dir)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte(edit(string(data))), 0o644))
	}
}

func writeText(name, text string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
}

var badInputs = []badInput{
	{name: "replay of a script cut before its checks", args: []string{"replay", "DIR/run.txt"}, code: 1,
		setup: rewrite(func(s string) string { return s[:strings.Index(s, "\nstabilize\n")] }),
		msg:   "incomplete: the script ends before its final check"},
	{name: "replay of a script cut mid-command", args: []string{"replay", "DIR/run.txt"}, code: 2,
		setup: rewrite(func(s string) string { i := strings.LastIndex(s, "----"); return s[:i-1] }),
		msg:   "has no ---- and output"},
	{name: "replay of a script whose output was edited", args: []string{"replay", "DIR/run.txt"}, code: 1,
		setup: rewrite(func(s string) string { return strings.Replace(s, "intent=1 ok", "intent=7 ok", 1) }),
		msg:   "the replay differs from the script at line"},
	{name: "replay of a script whose recorded hash was edited", args: []string{"replay", "DIR/run.txt"}, code: 1,
		setup: rewrite(func(s string) string { return strings.Replace(s, "trace_sha256 ", "trace_sha256 00", 1) }),
		msg:   "the script records trace_sha256 00"},
	{name: "replay with a negative step count", args: []string{"replay", "DIR/run.txt"}, code: 2,
		setup: rewrite(func(s string) string { return strings.Replace(s, "steps=30", "steps=-5", 1) }),
		msg:   `world: steps="-5" must be a number in 0..10000000`},
	{name: "replay with an unknown world option", args: []string{"replay", "DIR/run.txt"}, code: 2,
		setup: rewrite(func(s string) string { return strings.Replace(s, "steps=30", "steps=30 colour=blue", 1) }),
		msg:   `world: unknown option "colour"`},
	{name: "replay of a script with a line over 16 MiB", args: []string{"replay", "DIR/big.txt"}, code: 2,
		setup: writeText("big.txt", "world seed=1\n----\nok\n\ngarbage g0 random="+strings.Repeat("a", 17<<20)+"\n----\nok\n"),
		msg:   "line 5: longer than 16 MiB"},
	{name: "shrink onto its own input", args: []string{"shrink", "DIR/run.txt", "-o", "DIR/run.txt"}, code: 2,
		setup: func(t *testing.T, dir string) { recorded(t, dir) },
		msg:   "shrink would write over its input"},
	{name: "shrink with --max-runs 0", args: []string{"shrink", "DIR/run.txt", "-o", "DIR/min.txt", "--max-runs", "0"}, code: 2,
		setup: func(t *testing.T, dir string) { recorded(t, dir) },
		msg:   "--max-runs must be at least 1, got 0"},
	{name: "live without an output folder", args: []string{"live", "--duration", "1s"}, code: 2,
		msg: "--out is required"},
	{name: "live into a folder that is not empty", args: []string{"live", "--out", "DIR"}, code: 2,
		setup: writeText("keep.txt", "mine"), msg: "is not empty: a live run writes a new folder"},
	{name: "live with two servers on SQLite", args: []string{"live", "--out", "DIR/r", "--servers", "2"}, code: 2,
		msg: "several servers need a shared database: --db postgres://…"},
	{name: "live with one client", args: []string{"live", "--out", "DIR/r", "--clients", "1"}, code: 2,
		msg: "clients must be in 2..64"},
	{name: "client on a store file that is not a database", args: []string{"client", "--addr", "127.0.0.1:1", "--dir", "DIR", "--account", "alice"}, code: 2,
		setup: writeText("1.db", strings.Repeat("not a database ", 500)), msg: "1.db cannot be opened: open store: file is not a database"},
	{name: "conform without a client", args: []string{"conform", "--out", "DIR/r"}, code: 2,
		msg: "--client: want the command that starts the client under test"},
	{name: "conform with a client that does not exist", args: []string{"conform", "--client", "DIR/no-such-client", "--out", "DIR/r", "--seeds", "none"}, code: 2,
		msg: "no-such-client: no such file or directory"},
	{name: "conform with a client that serves nothing", args: []string{"conform", "--client", "true", "--out", "DIR/r", "--seeds", "none"}, code: 2,
		msg: "the client exited before answering"},
	{name: "conform with bad seeds", args: []string{"conform", "--client", "true", "--out", "DIR/r", "--seeds", "ten"}, code: 2,
		msg: "--seeds:"},
	{name: "client --listen on an address it cannot use", args: []string{"client", "--listen", "256.0.0.1:0"}, code: 2,
		msg: "client: --listen 256.0.0.1:0:"},
	{name: "mutants with an unknown id", args: []string{"mutants", "--only", "no-such-id"}, code: 2,
		msg: `--only: no mutant "no-such-id" in the catalogue`},
	{name: "mutants from a catalogue with a parse error", args: []string{"mutants", "--dir", "DIR"}, code: 2,
		setup: writeText("x.mutant", "# a comment\nclass: c\nscenario: default\n--- engine/sync.go\n@@ replace\nb.next++\n"),
		msg:   "x.mutant: line 6: the edit of engine/sync.go is not finished"},
	{name: "run with more steps than the cap", args: []string{"run", "--steps", "9223372036854775807"}, code: 2,
		msg: "steps must be in 0..10000000"},

	// Output folders are checked before any work: each sweep below would
	// take hours if it started.
	{name: "sweep --out onto a regular file", args: []string{"sweep", "--seeds", "1..100000", "--out", "DIR/file"}, code: 2,
		setup: writeText("file", "mine\n"),
		msg:   ": is a file, not a folder"},
	{name: "sweep --out under a regular file", args: []string{"sweep", "--seeds", "1..100000", "--out", "DIR/file/out"}, code: 2,
		setup: writeText("file", "mine\n"),
		msg:   ": cannot create the folder: "},
	{name: "run --out under a regular file", args: []string{"run", "--out", "DIR/file/out"}, code: 2,
		setup: writeText("file", "mine\n"),
		msg:   "/file is a file"},
	{name: "run --trace-out under a regular file", args: []string{"run", "--trace-out", "DIR/file/run.txt"}, code: 2,
		setup: writeText("file", "mine\n"),
		msg:   "is a file, not a folder"},
	{name: "merge --out onto a regular file", args: []string{"merge", "DIR/shard", "--out", "DIR/file"}, code: 2,
		setup: both(writeText("file", "mine\n"), sweptInto("shard", base...)),
		msg:   ": is a file, not a folder"},
	{name: "merge --out onto one of its shards", args: []string{"merge", "DIR/shard", "--out", "DIR/shard"}, code: 2,
		setup: sweptInto("shard", base...),
		msg:   "is one of the shards merged"},

	// A report folder holds only simrun's report; other files are not
	// overwritten unless --force.
	{name: "sweep --out into a folder holding someone else's summary.json", args: []string{"sweep", "--seeds", "1..100000", "--out", "DIR"}, code: 2,
		setup: writeText("summary.json", "{}\n"),
		msg:   "holds files simrun did not write (its mlsim-manifest.txt does not list them) that this report would overwrite: summary.json"},
	{name: "report of a folder whose pages no manifest lists", args: []string{"report", "DIR/sweep"}, code: 2,
		setup: both(sweptInto("sweep", base...), remove("sweep/mlsim-manifest.txt")),
		msg:   "that this report would overwrite: index.html, summary.md; move them away, or give --force"},

	// Resuming a sweep.
	{name: "sweep --resume of a folder with no sweep.json", args: []string{"sweep", "--resume", "DIR"}, code: 2,
		msg: "no sweep to resume"},
	{name: "sweep --resume with another --steps", args: []string{"sweep", "--resume", "DIR/sweep", "--steps", "50"}, code: 2,
		setup: sweptInto("sweep", base...),
		msg:   "--steps 50 differs from the sweep's 30 (sweep.json): leave it out to resume"},
	{name: "sweep --resume with another --max-past-epochs", args: []string{"sweep", "--resume", "DIR/sweep", "--max-past-epochs", "0"}, code: 2,
		setup: sweptInto("sweep", base...),
		msg:   "--max-past-epochs 0 differs from the sweep's window, the scenario's (sweep.json): leave it out to resume"},
	{name: "sweep --max-past-epochs out of range", args: []string{"sweep", "--seeds", "1..2", "--max-past-epochs", "1001"}, code: 2,
		msg: "--max-past-epochs must be between 0 and 1000 (or -1 for the scenario's), got 1001"},
	{name: "sweep --resume with --out another folder", args: []string{"sweep", "--resume", "DIR/sweep", "--out", "DIR/other"}, code: 2,
		setup: sweptInto("sweep", base...),
		msg:   "writes into the folder it resumes"},
	{name: "sweep --resume of a results.jsonl with a broken line", args: []string{"sweep", "--resume", "DIR/sweep"}, code: 2,
		setup: both(sweptInto("sweep", "sweep", "--seeds", "1..3", "--steps", "30", "--determinism-ratio", "0"),
			editFile("sweep/results.jsonl", func(s string) string {
				lines := strings.SplitAfter(s, "\n")
				lines[1] = "{\"seed\": \n"
				return strings.Join(lines, "")
			})),
		msg: "results.jsonl line 2: not a run summary"},

	// report recomputes every verdict from the runs it holds.
	{name: "report of a sweep claiming failed: 0 over a violation", args: []string{"report", "DIR/sweep"}, code: 2,
		setup: both(sweptInto("sweep", failing...), editSummary("sweep", func(s map[string]any) {
			s["failed"], s["passed"], s["failing_seeds"] = 0, 2, []any{}
		})),
		msg: "inconsistent: passed: 2, but 0 of its runs pass; failed: 0, but 2 of its runs fail (seed 1 holds a violation of"},
	{name: "report of a bare {\"kind\":\"sweep\"}", args: []string{"report", "DIR"}, code: 2,
		setup: writeText("summary.json", `{"kind":"sweep"}`),
		msg:   "summary.json: inconsistent: no scenario and no runs"},
	{name: "report of a sweep whose seed count is off", args: []string{"report", "DIR/sweep"}, code: 2,
		setup: both(sweptInto("sweep", base...), editSummary("sweep", func(s map[string]any) { s["seeds"] = 5 })),
		msg:   "inconsistent: seeds: 5, but it holds 1 run"},

	// merge refuses shards of different worlds, naming the field.
	{name: "merge of shards of different scenarios", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", other("--scenario", "churn")...)),
		msg:   "are sweeps of different worlds: they differ in scenario (default vs churn)"},
	{name: "merge of shards of different steps", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", "sweep", "--seeds", "1..2", "--steps", "40", "--shard", "2/2", "--determinism-ratio", "0")),
		msg:   "they differ in steps per seed (30 vs 40)"},
	{name: "merge of shards of different scales", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", other("--scale", "2")...)),
		msg:   "they differ in scale (1 vs 2)"},
	{name: "merge of shards of different MLS variants", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", other("--mls-variant", "deep-copy-commit")...)),
		msg:   `they differ in MLS variant ("" vs "deep-copy-commit")`},
	{name: "merge of shards of different fixtures", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", other("--fixture", "skip-past-busy")...)),
		msg:   `they differ in fixture ("" vs "skip-past-busy")`},
	{name: "merge of shards of different past-epoch windows", args: []string{"merge", "DIR/a", "DIR/b", "--out", "DIR/m"}, code: 2,
		setup: both(sweptInto("a", base...), sweptInto("b", other("--max-past-epochs", "1")...)),
		msg:   "they differ in max past epochs (the scenario's vs 1)"},
}

// base is a one-seed sweep (seed 2, shard 1 of 2); other is shard 2 of 2
// (seed 1) with a flag more; failing is a sweep whose two seeds fail.
var (
	base    = []string{"sweep", "--seeds", "1..2", "--steps", "30", "--shard", "1/2", "--determinism-ratio", "0"}
	failing = []string{"sweep", "--scenario", "crashy", "--mls-variant", "rehash-on-restore", "--seeds", "1..2", "--steps", "40", "--determinism-ratio", "0"}
)

func other(flags ...string) []string {
	return append([]string{"sweep", "--seeds", "1..2", "--steps", "30", "--shard", "2/2", "--determinism-ratio", "0"}, flags...)
}

func both(a, b func(t *testing.T, dir string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { a(t, dir); b(t, dir) }
}

func remove(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, name))) }
}

func editFile(name string, edit func(string) string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte(edit(string(data))), 0o644))
	}
}

// editSummary edits a report folder's summary.json as JSON.
func editSummary(folder string, edit func(map[string]any)) func(t *testing.T, dir string) {
	return editFile(folder+"/summary.json", func(s string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			panic(err)
		}
		edit(m)
		data, err := json.Marshal(m)
		if err != nil {
			panic(err)
		}
		return string(data)
	})
}

// sweptInto copies the output folder of a sweep (--out added) into
// dir/name. Each distinct sweep runs once per test binary (sweepCache):
// several rows start from the same one.
func sweptInto(name string, args ...string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		src := cachedSweep(t, args...)
		require.NoError(t, os.CopyFS(filepath.Join(dir, name), os.DirFS(src)))
	}
}

var sweepCache = struct {
	sync.Mutex
	root string
	dirs map[string]string
}{dirs: map[string]string{}}

func cachedSweep(t *testing.T, args ...string) string {
	t.Helper()
	sweepCache.Lock()
	defer sweepCache.Unlock()
	key := strings.Join(args, " ")
	if dir, ok := sweepCache.dirs[key]; ok {
		return dir
	}
	if sweepCache.root == "" {
		root, err := os.MkdirTemp("", "simrun-test-sweeps-")
		require.NoError(t, err)
		sweepCache.root = root
	}
	dir := filepath.Join(sweepCache.root, fmt.Sprint(len(sweepCache.dirs)))
	r := simrun(t, nil, append(args, "--out", dir)...)
	require.Contains(t, []int{0, 1}, r.code, r.stderr)
	sweepCache.dirs[key] = dir
	return dir
}

// TestBadInput runs every row of the bad-input table.
func TestBadInput(t *testing.T) {
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.setup != nil {
				c.setup(t, dir)
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			r := simrun(t, nil, args...)
			require.Equal(t, c.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			out := r.stderr
			if c.code == 1 {
				out = r.stdout
			}
			require.Contains(t, out, c.msg)
			require.NotContains(t, r.stderr, "panic")
			// The line README's table quotes (go test -v shows it).
			for _, line := range strings.Split(strings.ReplaceAll(out, dir, "DIR"), "\n") {
				if strings.Contains(line, c.msg) {
					t.Logf("exit %d: %s", r.code, line)
				}
			}
		})
	}
}

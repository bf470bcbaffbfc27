package main

import (
	"os"
	"path/filepath"
	"strings"
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
	{name: "mutants with an unknown id", args: []string{"mutants", "--only", "no-such-id"}, code: 2,
		msg: `--only: no mutant "no-such-id" in the catalogue`},
	{name: "mutants from a catalogue with a parse error", args: []string{"mutants", "--dir", "DIR"}, code: 2,
		setup: writeText("x.mutant", "# a comment\nclass: c\nscenario: default\n--- engine/sync.go\n@@ replace\nb.next++\n"),
		msg:   "x.mutant: line 6: the edit of engine/sync.go is not finished"},
	{name: "run with more steps than the cap", args: []string{"run", "--steps", "9223372036854775807"}, code: 2,
		msg: "steps must be in 0..10000000"},
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
		})
	}
}

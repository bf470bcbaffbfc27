package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// simrun conform end to end, with this binary as `simrun client` (our
// engine serving the protocol): two scripts and one seed pass, the
// report's three files are written and listed in the folder's manifest,
// `simrun report` re-renders them, and a summary edited to contradict its
// scripts is refused.
func TestConformCommand(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "conform")
	r := simrun(t, nil, "conform", "--client", exe+" client", "--out", out,
		"--scripts", "01-same-account-added-twice,04-identical-intents-twice", "--seeds", "1")
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "PASS: "+exe+" client (mlsim-engine 1)")
	require.Contains(t, r.stdout, "scripts: 2 passed, 0 failed, 0 unsupported, 0 errors")
	require.Contains(t, r.stdout, "sweep default: 1 seeds, 1 passed, 0 failed")
	manifest, err := os.ReadFile(filepath.Join(out, "mlsim-manifest.txt"))
	require.NoError(t, err)
	for _, f := range []string{"summary.json", "summary.md", "index.html"} {
		require.FileExists(t, filepath.Join(out, f))
		require.Contains(t, string(manifest), f)
	}
	r = simrun(t, nil, "report", out)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)

	summary := filepath.Join(out, "summary.json")
	data, err := os.ReadFile(summary)
	require.NoError(t, err)
	edited := strings.Replace(string(data), `"status": "passed"`, `"status": "failed"`, 1)
	require.NotEqual(t, string(data), edited)
	require.NoError(t, os.WriteFile(summary, []byte(edited), 0o644))
	r = simrun(t, nil, "report", out)
	require.Equal(t, 2, r.code, "a summary whose verdict its scripts contradict is refused: %s", r.stderr)
	require.Contains(t, r.stderr, "inconsistent")
}

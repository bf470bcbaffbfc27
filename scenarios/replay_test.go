package scenarios_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// runScript runs a seed and writes its schedule as a script, as
// `simrun run --trace-out` does, then parses it back.
func runScript(t *testing.T, p sim.Params, name string, seed uint64) (*sim.Result, *scenarios.Script) {
	t.Helper()
	res, err := sim.Run(p, seed)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, scenarios.FromRun(name, seed, p, res.Script).Write(&buf))
	s, err := scenarios.ParseScript(&buf)
	require.NoError(t, err)
	return res, s
}

func propertiesOf(r *sim.Result) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.Property+" "+v.Message)
	}
	return out
}

// Every scenario's run replays from its script to the same trace hash and
// the same violations, and every output matches.
func TestReplayReproducesEveryScenario(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			p := sc.Params
			if sc.Heavy {
				if testing.Short() {
					t.Skip("heavy scenario; run without -short")
				}
				p.Steps = scenarios.TestSteps
			}
			p.Steps = min(p.Steps, 80)
			res, s := runScript(t, p, sc.Name, 21)
			again, div, err := scenarios.Replay(s)
			require.NoError(t, err)
			require.Nil(t, div, "replay diverged: %v", div)
			require.Equal(t, res.TraceSHA256, again.TraceSHA256)
			require.Equal(t, propertiesOf(res), propertiesOf(again))
			require.Equal(t, res.Steps, again.Steps)
		})
	}
}

// A failing run replays to the same violations.
func TestReplayReproducesViolations(t *testing.T) {
	sc, err := scenarios.Get("crashy")
	require.NoError(t, err)
	p := sc.Params
	p.MLSVariant = "rehash-on-restore"
	res, s := runScript(t, p, sc.Name, 2)
	require.NotEmpty(t, res.Violations)
	again, div, err := scenarios.Replay(s)
	require.NoError(t, err)
	require.Nil(t, div)
	require.Equal(t, res.TraceSHA256, again.TraceSHA256)
	require.Equal(t, propertiesOf(res), propertiesOf(again))
}

// Shrinking is worth running: a failing schedule from a deliberately
// broken engine (a store that lets a sync batch continue past a transient
// error) shrinks to at most 20 commands or 10% of its length, whichever is
// larger, and the shrunk script still fails the same way when replayed.
func TestShrinkBrokenBatch(t *testing.T) {
	sc, err := scenarios.Get("crashy")
	require.NoError(t, err)
	p := sc.Params
	p.Fixture = "skip-past-busy"
	// The first seed the fixture breaks (schedules move whenever the
	// simulator's actions do; 10 seeds bound it).
	var seed uint64
	var res *sim.Result
	var s *scenarios.Script
	for seed = 1; seed <= 10; seed++ {
		if res, s = runScript(t, p, sc.Name, seed); len(res.Violations) > 0 {
			break
		}
	}
	require.NotEmpty(t, res.Violations, "no seed of 1..10 fails with the fixture")
	r, err := scenarios.Shrink(s, scenarios.ShrinkOptions{})
	require.NoError(t, err)
	require.LessOrEqual(t, r.After, max(20, r.Before/10), "shrunk %d -> %d", r.Before, r.After)
	again, div, err := scenarios.Replay(r.Script)
	require.NoError(t, err)
	require.Nil(t, div)
	var props []string
	for _, v := range again.Violations {
		props = append(props, v.Property)
	}
	require.Contains(t, props, r.Property)
	// The same script without the fixture passes: the failure is the
	// fixture's.
	r.Script.Blocks[0].Cmd = sim.NewCmd("world").With("seed", seed).With("scenario", "crashy")
	clean, _, err := scenarios.Replay(r.Script)
	require.NoError(t, err)
	require.Empty(t, clean.Violations)
}

// Garbage scripts get a clear error, never a panic.
func TestBadScripts(t *testing.T) {
	for name, text := range map[string]string{
		"empty":            "",
		"no world":         "send a/1 g hi\n----\nok\n",
		"no separator":     "world seed=1\nsend a/1 g hi\n",
		"orphan separator": "----\nok\n",
		"last no output":   "world seed=1\n----\nok\n\nsend a/1 g hi\n",
	} {
		_, err := scenarios.ParseScript(strings.NewReader(text))
		require.Error(t, err, name)
	}
	for name, text := range map[string]string{
		"bad seed":         "world seed=x\n----\nok\n",
		"unknown scen":     "world seed=1 scenario=nope\n----\nok\n",
		"unknown command":  "world seed=1\n----\nok\n\nfly a/1\n----\nok\n",
		"missing args":     "world seed=1\n----\nok\n\nsend a/1\n----\nok\n",
		"bad option":       "world seed=1\n----\nok\n\ninstallation a/1\n----\nok\n\nsync-begin a/1 g limit=x\n----\nok\n",
		"bad fault":        "world seed=1\n----\nok\n\nfault melt a/1\n----\nok\n",
		"bad installation": "world seed=1\n----\nok\n\ninstallation nobody\n----\nok\n",
	} {
		s, err := scenarios.ParseScript(strings.NewReader(text))
		require.NoError(t, err, name)
		_, _, err = scenarios.Replay(s)
		require.Error(t, err, name)
	}
}

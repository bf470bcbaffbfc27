package conform

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/scenarios"
)

// Our engine, driven through the protocol from its own process, gives
// every script's outputs (streams included: the kit hands a stream's
// deliveries out one per stream-step): each passes.
func TestOurEnginePassesEveryScript(t *testing.T) {
	c := ourEngine(t)
	dir := t.TempDir()
	for _, sf := range scenarios.BuiltinScripts() {
		r := RunScript(c, sf, dir)
		require.Equal(t, Passed, r.Status, "%s: line %d %s\nwant %q\ngot  %q\n%s %v", sf.Name, r.Line, r.Command,
			r.Expected, r.Got, r.Why, r.Violations)
		if !strings.Contains(sf.Name, "-off") { // a defence switched off: the script expects violations
			require.Empty(t, r.Properties, sf.Name)
		}
	}
}

// The naive client, which is not our engine, is run end to end and named
// for what it gets wrong, script by script: its commits merged before
// they are read back fork it when two members commit at once (S1), it
// re-sends nothing after an unknown outcome, waits for no commit in
// flight, and keeps no past epochs. What it does right passes.
func TestNaiveClientIsNamedForWhatItGetsWrong(t *testing.T) {
	c := naive(t)
	dir := t.TempDir()
	byName := map[string]ScriptResult{}
	for _, sf := range scenarios.BuiltinScripts() {
		r := RunScript(c, sf, dir)
		require.NotEqual(t, Broken, r.Status, "%s: %s", sf.Name, r.Why)
		byName[sf.Name] = r
	}
	// Two members commit in one epoch: the naive client merged its own
	// commit at once, so the loser forks (S1) and never converges (L1).
	race := byName["conformance/02-concurrent-adds-converge"]
	require.Equal(t, Failed, race.Status)
	require.Subset(t, race.Properties, []string{"S1", "L1"})
	// A publish whose outcome is unknown: our engine answers what it sent
	// with the failure; the naive client builds a new attempt later.
	lost := byName["conformance/lost-publishes-resend-same-bytes"]
	require.Equal(t, Failed, lost.Status)
	require.Equal(t, "publish bob/1 g", lost.Command)
	// SPEC §4 rule 4: the next intent waits for a commit in flight.
	inFlight := byName["conformance/publish-all-stops-at-commit-in-flight"]
	require.Equal(t, Failed, inFlight.Status)
	require.Contains(t, inFlight.Expected, "waiting")
	// No past-epoch window: a late message of the previous epoch is lost.
	past := byName["conformance/max-past-epochs-1"]
	require.Equal(t, Failed, past.Status)
	require.Contains(t, past.Properties, "L3")
	// RPCs it lacks make a script unsupported, not failed.
	require.Equal(t, Unsupported, byName["conformance/forged-commit-rejected-by-all"].Status)
	require.Contains(t, byName["conformance/forged-commit-rejected-by-all"].Why, "UpdatePolicy")
	// Streams it does not serve: its Subscribe answers UNIMPLEMENTED.
	for _, name := range []string{"conformance/stream-and-pulls-interleaved", "conformance/stream-duplicate-break-resubscribe",
		"conformance/stream-ends-at-removal", "conformance/stream-gap-pull-fills"} {
		require.Equal(t, Unsupported, byName[name].Status, name)
		require.Contains(t, byName[name].Why, "Subscribe", name)
	}
	// What it does right passes.
	var passed []string
	for name, r := range byName {
		if r.Status == Passed {
			passed = append(passed, name)
		}
	}
	slices.Sort(passed)
	require.Contains(t, passed, "conformance/04-identical-intents-twice")
	require.Contains(t, passed, "conformance/membership-rows-joiner-and-removed")
	t.Logf("the naive client passes %d of %d scripts: %v", len(passed), len(byName), passed)
}

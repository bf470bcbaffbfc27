//go:debug randseednop=0
package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/results"
	"github.com/mlsim/mlsim/runner"
	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

func scenario(t *testing.T, name string) scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Get(name)
	require.NoError(t, err)
	return sc
}

func requireClean(t *testing.T, r *sim.Result) {
	t.Helper()
	for _, v := range r.Violations {
		t.Errorf("seed %d: %s\n  %v", r.Seed, v.Violation, v.Trace)
	}
	require.True(t, r.Converged, "seed %d did not converge", r.Seed)
	require.Zero(t, r.Intents.Open, "seed %d", r.Seed)
}

// Every scenario holds every property on a few seeds.
func TestScenariosShortSweep(t *testing.T) {
	seeds := uint64(3)
	if testing.Short() {
		seeds = 1
	}
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			p := sc.Params
			n := seeds
			if sc.Heavy {
				if testing.Short() {
					t.Skip("heavy scenario; run without -short")
				}
				p.Steps, n = scenarios.TestSteps, 1
			}
			for seed := uint64(1); seed <= n; seed++ {
				r, err := sim.Run(p, seed)
				require.NoError(t, err)
				requireClean(t, r)
			}
		})
	}
}

// requiredEvents must each happen at least once in a 30-seed default
// sweep: a run with no conflicts or faults proves little.
var requiredEvents = []string{
	"commit_won", "commit_lost", "rebuilt", "resent_same_bytes", "noop_intent",
	"publish_lost", "publish_ambiguous", "publish_delayed", "query_error", "query_short_page", "partition",
	"crash_before_tx", "crash_after_tx", "crash_before_send", "crash_after_send", "restart", "store_busy",
	"duplicate_skipped", "counter_rejected", "past_epoch_accepted", "past_epoch_rejected", "welcome_after_crash",
	"member_removed", "removed_sender_rejected", "installation_created",
	// publish-all publishing several intents at once, and stopping behind
	// a commit in flight; races naming a message and a removal.
	"publish_all_several", "publish_all_waiting", "race_send", "race_remove",
	"stream_processed", "stream_skipped", "stream_gap", "stream_resubscribed",
	"stream_drop", "stream_duplicate", "stream_delay", "stream_break",
	// Devices revoked and the installations check; permissions refused,
	// forged commits published and every receiver rejecting them.
	"installation_revoked", "installations_differ",
	"permission_refused", "unauthorized_commit_published", "permission_rejected",
}

func TestEventCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("30 seeds")
	}
	seeds, err := runner.ParseSeeds("1..30")
	require.NoError(t, err)
	s, err := runner.Sweep(scenario(t, "default"), seeds, runner.SweepOptions{})
	require.NoError(t, err)
	require.Zero(t, s.Failed, "failing seeds %v", s.FailingSeeds)
	for _, name := range requiredEvents {
		require.Positive(t, s.Events[name], "event %s never happened in 30 default seeds", name)
	}
}

// The width cap is reached only in big-group.
func TestBigGroupHitsTheWidthCap(t *testing.T) {
	if testing.Short() {
		t.Skip("132 installations")
	}
	p := scenario(t, "big-group").Params
	p.Steps = 30
	r, err := sim.Run(p, 2) // a seed whose adds reach past the cap within 30 steps
	require.NoError(t, err)
	requireClean(t, r)
	require.Positive(t, r.Events["width_capped"])
	require.Positive(t, r.Intents.Failed)
}

// The Byzantine creator is named, its unwelcomed joiners are exempt, and
// nothing else is reported.
func TestWithheldWelcomeNamesTheWithholder(t *testing.T) {
	sc := scenario(t, "withheld-welcome")
	withheld := 0
	for seed := uint64(1); seed <= 4; seed++ {
		r, err := sim.Run(sc.Params, seed)
		require.NoError(t, err)
		requireClean(t, r)
		require.Len(t, r.Withholders, 1)
		for _, wh := range r.Withheld {
			require.Equal(t, r.Withholders[0], wh.Withholder)
			withheld++
		}
		if len(r.Withheld) > 0 {
			require.Positive(t, r.Events["welcome_withheld"])
		}
	}
	require.Positive(t, withheld, "no seed withheld a welcome")
}

// Same seed, same bytes; another seed, another trace.
func TestSameSeedSameTrace(t *testing.T) {
	sc := scenario(t, "default")
	r, err := runner.RunSeed(sc, 11, runner.Options{Steps: 100, CheckDeterminism: true})
	require.NoError(t, err)
	require.Equal(t, results.DeterminismChecked, r.Determinism, r.FirstDiff)
	other, err := runner.RunSeed(sc, 12, runner.Options{Steps: 100})
	require.NoError(t, err)
	require.NotEqual(t, r.TraceSHA256, other.TraceSHA256)
}

func TestBadParams(t *testing.T) {
	_, err := sim.Run(sim.Params{Accounts: 1, InstallsPer: 0, Groups: 0, Steps: -1}, 1)
	require.ErrorContains(t, err, "accounts must be at least 2")
	require.ErrorContains(t, err, "groups must be at least 1")
	p := scenario(t, "default").Params
	p.MLSVariant = "no-such-defence"
	_, err = sim.Run(p, 1)
	require.ErrorContains(t, err, "unknown MLS variant")
}

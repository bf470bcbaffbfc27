package conform

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/intentclient"
	"github.com/mlsim/mlsim/scenarios"
)

// A few seeds of the default scenario's schedule, as a world of remote
// clients plays it: our engine passes them; the naive client is caught.
func TestSweepJudgesTheClientUnderTest(t *testing.T) {
	sc, err := scenarios.Get("default")
	require.NoError(t, err)
	seeds := []uint64{1, 2, 3}
	ours := Sweep(ourEngine(t), "default", sc.Params, intentclient.Features, seeds, t.TempDir(), nil)
	require.Len(t, ours.Runs, len(seeds))
	for _, r := range ours.Runs {
		require.Equal(t, Passed, r.Status, "seed %d: %v %s", r.Seed, r.Violations, r.Why)
	}
	theirs := Sweep(naive(t), "default", sc.Params, nil, seeds, t.TempDir(), nil)
	failed := 0
	for _, r := range theirs.Runs {
		require.NotEqual(t, Broken, r.Status, "seed %d: %s", r.Seed, r.Why)
		if r.Status == Failed {
			failed++
			require.NotEmpty(t, r.Properties, "seed %d", r.Seed)
			require.NotEmpty(t, r.Violations, "seed %d", r.Seed)
		}
	}
	require.Positive(t, failed, "the naive client passed every seed")
}

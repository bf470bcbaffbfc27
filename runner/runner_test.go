package runner

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/sim"
)

func TestParseSeeds(t *testing.T) {
	s, err := ParseSeeds("3..6")
	require.NoError(t, err)
	require.Equal(t, []uint64{3, 4, 5, 6}, s)
	s, err = ParseSeeds("9")
	require.NoError(t, err)
	require.Equal(t, []uint64{9}, s)
	for _, bad := range []string{"", "a..b", "5..2", "1..", "-1..3", "0..99999999999"} {
		_, err := ParseSeeds(bad)
		require.Error(t, err, bad)
	}
}

// The sample depends on the seed alone, and its size on the ratio.
func TestDeterminismSampled(t *testing.T) {
	n := 0
	for seed := uint64(1); seed <= 2000; seed++ {
		a := DeterminismSampled(seed, 0.1)
		require.Equal(t, a, DeterminismSampled(seed, 0.1))
		if a {
			n++
		}
		require.True(t, DeterminismSampled(seed, 1))
		require.False(t, DeterminismSampled(seed, 0))
	}
	require.InDelta(t, 200, n, 60)
}

func TestFold(t *testing.T) {
	runs := []RunSummary{
		{Seed: 1, Steps: 10, Determinism: DeterminismChecked, Events: map[string]int{"a": 1}},
		{Seed: 2, Steps: 20, Determinism: DeterminismSkipped, Events: map[string]int{"a": 2, "b": 1},
			Violations: []ViolationSummary{{Property: "L1"}}},
		{Seed: 3, Steps: 5, Determinism: DeterminismMismatch},
	}
	s := Fold("x", runs)
	require.Equal(t, 3, s.Seeds)
	require.Equal(t, 1, s.Passed)
	require.Equal(t, 2, s.Failed)
	require.Equal(t, []uint64{2, 3}, s.FailingSeeds)
	require.Equal(t, 2, s.DeterminismChecked)
	require.Equal(t, map[string]int{"a": 3, "b": 1}, s.Events)
	require.Equal(t, 35, s.Steps)
	require.Equal(t, map[string]int{}, s.FaultSites)
	require.Equal(t, sim.FaultSitePairs(), s.FaultSitesUnreached, "nothing fired: every pair is unreached")
}

// Fault-site counts are summed, and the unreached pairs are the reachable
// ones no run counted.
func TestFoldFaultSites(t *testing.T) {
	pairs := sim.FaultSitePairs()
	first := map[string]int{}
	for _, k := range pairs[2:] {
		first[k] = 1
	}
	runs := []RunSummary{
		{Seed: 1, FaultSites: first},
		{Seed: 2, FaultSites: map[string]int{pairs[2]: 4, "loadIdentity/tx busy": 1}},
		{Seed: 3},
	}
	s := Fold("x", runs)
	require.Equal(t, 5, s.FaultSites[pairs[2]])
	require.Equal(t, 1, s.FaultSites[pairs[3]])
	require.Equal(t, 1, s.FaultSites["loadIdentity/tx busy"], "a site marked unreachable is still counted")
	require.Equal(t, []string{pairs[0], pairs[1]}, s.FaultSitesUnreached)
}

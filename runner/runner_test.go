package runner

import (
	"testing"

	"github.com/stretchr/testify/require"
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

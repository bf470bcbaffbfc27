package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// Config.MaxPastEpochs: 0 is the default window, a negative value none,
// and a world's window (0 included) reads back through PastEpochsConfig.
func TestPastEpochWindow(t *testing.T) {
	require.Equal(t, engine.DefaultMaxPastEpochs, engine.PastEpochWindow(0))
	require.Equal(t, 0, engine.PastEpochWindow(engine.NoPastEpochs))
	require.Equal(t, 0, engine.PastEpochWindow(-7))
	for _, n := range []int{0, 1, 3, 5, 1000} {
		require.Equal(t, n, engine.PastEpochWindow(engine.PastEpochsConfig(n)), "window %d", n)
	}
	require.Equal(t, engine.NoPastEpochs, engine.PastEpochsConfig(0))
}

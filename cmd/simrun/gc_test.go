package main

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/scenarios"
)

// Small worlds run with GOGC=400, large ones and a user's GOGC keep theirs.
func TestTuneGCRaisesGOGCForSmallWorldsOnly(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	get := func(name string) scenarios.Scenario {
		sc, err := scenarios.Get(name)
		require.NoError(t, err)
		return sc
	}
	if v, set := os.LookupEnv("GOGC"); set {
		t.Setenv("GOGC", v) // restored after the test
		require.NoError(t, os.Unsetenv("GOGC"))
	}
	require.Equal(t, smallWorldGCPercent, tuneGC(get("default")))
	require.Equal(t, smallWorldGCPercent, debug.SetGCPercent(100))
	require.Equal(t, smallWorldGCPercent, tuneGC(get("big-group")))
	debug.SetGCPercent(100)
	require.Equal(t, -1, tuneGC(get("large-world")))
	require.Equal(t, 100, debug.SetGCPercent(100))

	t.Setenv("GOGC", "150")
	require.Equal(t, -1, tuneGC(get("default")))
	require.Equal(t, 100, debug.SetGCPercent(100))
}

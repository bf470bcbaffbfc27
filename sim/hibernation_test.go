package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/sim"
)

// A world that keeps only two stores awake puts them to sleep and wakes
// them all the time, and runs exactly as one that keeps them all awake:
// the same trace hash (every outcome, event and record), violations and
// intents.
func TestSleepingStoresChangeNoTrace(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, name := range []string{"default", "crashy"} {
		p := scenario(t, name).Params
		for _, seed := range seeds {
			want, err := sim.Run(p, seed)
			require.NoError(t, err)
			got, st, err := sim.RunAwake(p, seed, 2)
			require.NoError(t, err)
			require.Greater(t, st.Slept, uint64(10), "%s seed %d: stores must sleep for the test to mean anything", name, seed)
			require.Greater(t, st.Woken, uint64(10), "%s seed %d", name, seed)
			require.Equal(t, want.TraceSHA256, got.TraceSHA256, "%s seed %d", name, seed)
			require.Equal(t, want.Violations, got.Violations, "%s seed %d", name, seed)
			require.Equal(t, want.Intents, got.Intents, "%s seed %d", name, seed)
		}
	}
}

// Every built-in scenario keeps all its stores awake at its own size; ten
// times large-world keeps 256.
func TestOnlyLargerWorldsSleepStores(t *testing.T) {
	for _, name := range []string{"default", "big-group", "large-world"} {
		require.Equal(t, sim.AllAwakeInstallations, sim.AwakeStores(scenario(t, name).Params), name)
	}
	p := scenario(t, "large-world").Params
	p.Accounts, p.MaxInstallations, p.Groups = p.Accounts*10, p.MaxInstallations*10, p.Groups*10
	require.Equal(t, sim.LargeWorldAwakeStores, sim.AwakeStores(p))
}

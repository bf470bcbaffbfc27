package conform

import (
	"maps"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/scenarios"
	"github.com/mlsim/mlsim/sim"
)

// differentialSeeds is how many seeds TestSameWorldOverTheProtocol runs:
// MLSIM_DIFFERENTIAL_SEEDS overrides it (the closing note's 100).
func differentialSeeds(t *testing.T) int {
	n := 8
	if testing.Short() {
		n = 2
	}
	if v := os.Getenv("MLSIM_DIFFERENTIAL_SEEDS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	return n
}

// The same world twice: once with our engine in process, its stores read
// by the checker's SQL, once with our engine in its own process driven
// over the protocol, read only through its Observe stream. With the
// world's seed as random_seed the client draws what the local engine
// draws, so the two runs must agree on everything: the trace hash (every
// step's outcome and every event), the violations, the intents. Crashes,
// busy stores and withheld welcomes go through the fault hooks, streams
// stay out (see below).
func TestSameWorldOverTheProtocol(t *testing.T) {
	c := ourEngine(t)
	for _, name := range []string{"default", "crashy"} {
		sc, err := scenarios.Get(name)
		require.NoError(t, err)
		// What a remote world plays (no store fixture), less streams: a
		// client's Upkeep drains only the deliveries the kit already let
		// out to it, where our engine in process drains all that memnet
		// holds (docs/PROTOCOL.md, known limits), so a world with streams
		// is judged alike but not stepped alike.
		p := sim.RemoteParams(sc.Params)
		p.Weights = maps.Clone(p.Weights)
		for _, a := range []sim.Action{sim.ActSubscribe, sim.ActStreamStep, sim.ActStreamDrop, sim.ActStreamDuplicate,
			sim.ActStreamDelay, sim.ActStreamBreak} {
			delete(p.Weights, a)
		}
		for seed := uint64(1); seed <= uint64(differentialSeeds(t)); seed++ {
			local, err := sim.Run(p, seed)
			require.NoError(t, err)
			dir := t.TempDir()
			proc, err := c.start(dir)
			require.NoError(t, err)
			remote := &remoteWorld{proc: proc, dir: dir, seed: seed}
			over, err := sim.RunRemote(p, seed, remote)
			remote.close()
			proc.stop()
			require.NoError(t, err, "%s seed %d", name, seed)
			if local.TraceSHA256 != over.TraceSHA256 {
				for i := range min(len(local.Trace), len(over.Trace)) {
					if l, o := local.Trace[i].String(), over.Trace[i].String(); l != o {
						t.Fatalf("%s seed %d: the traces part at step %d:\nin process: %s\nprotocol:   %s", name, seed, i+1, l, o)
					}
				}
				t.Fatalf("%s seed %d: %d steps in process, %d over the protocol", name, seed, len(local.Trace), len(over.Trace))
			}
			require.Empty(t, cmp.Diff(local.Violations, over.Violations), "%s seed %d: violations", name, seed)
			require.Equal(t, local.Intents, over.Intents, "%s seed %d: intents", name, seed)
		}
	}
}

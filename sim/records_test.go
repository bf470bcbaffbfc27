package sim_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/intentclient"
	pb "github.com/mlsim/mlsim/proto/intentclient/v1"
	"github.com/mlsim/mlsim/sim"
)

// overTheWire sends records through the protocol's encoding and back, as
// a driver reading a client's Observe stream receives them; it counts
// them, so a test can tell the route was taken.
type overTheWire struct{ records int }

func (o *overTheWire) pass(obs []checker.Observation) ([]checker.Observation, error) {
	out := make([]checker.Observation, 0, len(obs))
	for _, x := range obs {
		b, err := proto.Marshal(intentclient.ObservationToProto(x))
		if err != nil {
			return nil, err
		}
		var m pb.Observation
		if err := proto.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		back, err := intentclient.ObservationFromProto(&m)
		if err != nil {
			return nil, err
		}
		out = append(out, back)
	}
	o.records += len(out)
	return out, nil
}

// bothWays runs a seed reading the stores, then again reading records
// made of them and sent over the wire, and requires the same verdicts
// and trace. It returns how many violations the seed has.
func bothWays(t *testing.T, p sim.Params, seed uint64) int {
	t.Helper()
	viaStore, err := sim.Run(p, seed)
	require.NoError(t, err)
	wire := &overTheWire{}
	viaRecords, err := sim.RunViaRecords(p, seed, wire.pass)
	require.NoError(t, err)
	require.Positive(t, wire.records, "seed %d: no record went over the wire", seed)
	if diff := cmp.Diff(viaStore.Violations, viaRecords.Violations); diff != "" {
		t.Fatalf("seed %d: verdicts differ (-stores +records):\n%s", seed, diff)
	}
	require.Equal(t, viaStore.Withheld, viaRecords.Withheld, "seed %d", seed)
	require.Equal(t, viaStore.ExtraCopies, viaRecords.ExtraCopies, "seed %d", seed)
	require.Equal(t, viaStore.TraceSHA256, viaRecords.TraceSHA256, "seed %d: the traces differ", seed)
	return len(viaStore.Violations)
}

// A world read through observation records — each store observed as our
// reference client observes it, the records sent over the protocol's
// encoding — is judged exactly as one read through its stores: 100
// default seeds (10 with -short) with the same violations and the same
// trace, and worlds whose verdicts are not empty (an adapter defence
// switched off, a broken store fixture), so that the comparison
// compares something.
func TestRecordsJudgeAsStores(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 10
	}
	t.Run("default", func(t *testing.T) {
		p := scenario(t, "default").Params
		found := 0
		for seed := uint64(1); seed <= seeds; seed++ {
			found += bothWays(t, p, seed)
		}
		t.Logf("%d seeds, %d violations", seeds, found)
	})
	broken := map[string]func(*sim.Params){
		"rehash-on-restore-off": func(p *sim.Params) { p.MLSVariant = "rehash-on-restore" },
		"skip-past-busy":        func(p *sim.Params) { p.Fixture = "skip-past-busy" },
	}
	for _, name := range []string{"rehash-on-restore-off", "skip-past-busy"} {
		t.Run(name, func(t *testing.T) {
			p := scenario(t, "default").Params
			broken[name](&p)
			found := 0
			for seed := uint64(1); seed <= 5; seed++ {
				found += bothWays(t, p, seed)
			}
			t.Logf("5 seeds, %d violations", found)
			require.Positive(t, found, "no violation found: the comparison proves nothing")
		})
	}
}

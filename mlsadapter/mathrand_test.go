package mlsadapter_test

import (
	mathrand "math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// The adapter seeds the global math/rand only around Protect, because only
// go-mls's State.encrypt reads it. This holds go-mls to that: every other
// call gives the same bytes whatever state math/rand is in, and Protect
// does too because it is seeded.
func TestOnlyProtectReadsMathRand(t *testing.T) {
	run := func(mathSeed int64) [][]byte {
		//lint:ignore SA1019 the test scrambles the global source on purpose.
		mathrand.Seed(mathSeed)
		alice, bob, carol := newMember(t, "alice/1", 0), newMember(t, "bob/1", 0), newMember(t, "carol/1", 0)
		var out [][]byte
		keep := func(b []byte, err error) {
			require.NoError(t, err)
			out = append(out, b)
		}
		var err error
		alice.gs, err = alice.a.CreateGroup(alice.id, []byte("g1"))
		require.NoError(t, err)
		keep(alice.gs.Marshal())
		bc := addMember(t, alice, bob) // key package, commit, welcome, join
		out = append(out, bc.Commit, bc.Welcome)
		alice.gs = bc.Next
		keep(bob.gs.Marshal())
		kp, err := carol.a.NewKeyPackage(carol.id)
		require.NoError(t, err)
		out = append(out, kp.Public)
		bc, err = bob.gs.Commit([][]byte{kp.Public}, nil)
		require.NoError(t, err)
		out = append(out, bc.Commit, bc.Welcome)
		_, err = alice.gs.Inspect(bc.Proposals, bc.Commit)
		require.NoError(t, err)
		alice.gs, err = alice.gs.Process(bc.Proposals, bc.Commit)
		require.NoError(t, err)
		carol.gs, _, err = carol.a.Join(carol.id, []engine.KeyPackageSecret{kp}, bc.Welcome)
		require.NoError(t, err)
		keep(alice.gs.Marshal())
		keep(carol.gs.Marshal())
		out = append(out, alice.gs.Authenticator())
		ct, err := alice.gs.Protect([]byte("hi"))
		require.NoError(t, err)
		out = append(out, ct)
		_, pt, err := carol.gs.Unprotect(ct)
		require.NoError(t, err)
		out = append(out, pt)
		keep(carol.gs.MarshalKeys())
		return out
	}
	require.Equal(t, run(1), run(2))
}

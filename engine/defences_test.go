package engine_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/mlsadapter"
)

// That each adapter defence against a go-mls bug matters (GOMLS.md bugs
// 3, 4, 5) is shown by the conformance scripts defence-*.txt: each story
// converges with the production adapter, and its -off twin, run with the
// variant that lacks the defence, breaks and the checker says so.

// 11 (lifetimes). Every key package carries the fixed lifetime, so no
// wall clock reaches the bytes; the variant without it reads the clock.
func TestKeyPackageLifetimesFixed(t *testing.T) {
	fixed := func(without mlsadapter.Defence) bool {
		w := newWorld(62)
		if without != 0 {
			w.mls = func(rng io.Reader) engine.MLS { return mlsadapter.NewVariant(rng, without) }
		}
		w.add(t, "a/1", "b/1", "c/1")
		for _, id := range w.names {
			for _, kp := range w.net.KeyPackages(id) {
				nb, na, err := mlsadapter.KeyPackageLifetime(kp)
				require.NoError(t, err)
				if nb != 0 || na != mlsadapter.FixedNotAfter {
					return false
				}
			}
		}
		return true
	}
	require.True(t, fixed(0))
	require.False(t, fixed(mlsadapter.FixedLifetime))
}

package engine_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/engine/enginetest"
	"github.com/mlsim/mlsim/mlsadapter"
)

// healthy runs a scenario and reports whether it ended with every member of
// "g" converged (same epoch, members and authenticator) and no group
// broken. A scenario that cannot be driven to the end is not healthy.
func healthy(t *testing.T, w *enginetest.World, scenario func(*enginetest.World) error) bool {
	t.Helper()
	if err := scenario(w); err != nil {
		t.Logf("scenario stopped: %v", err)
		return false
	}
	if err := w.Stabilize(30); err != nil {
		t.Logf("stabilize: %v", err)
		return false
	}
	auth := map[string]bool{}
	epochs := map[uint64]bool{}
	for _, id := range w.Names() {
		s, err := w.C(id).Snapshot()
		require.NoError(t, err)
		g, ok := groupOf(s, "g")
		if !ok || g.RemovedAtSeq != 0 {
			continue
		}
		if g.Broken != "" {
			t.Logf("%s: %s", id, g.Broken)
			return false
		}
		auth[g.Authenticator] = true
		epochs[g.Epoch] = true
	}
	return len(auth) == 1 && len(epochs) == 1
}

func worldWith(seed uint64, without mlsadapter.Defence, ids ...string) (*enginetest.World, error) {
	w := enginetest.New(seed)
	if without != 0 {
		w.MLSFor = func(_ string, rng io.Reader) engine.MLS { return mlsadapter.NewVariant(rng, without) }
	}
	return w, w.Add(ids...)
}

var (
	eight = []string{"a/1", "b/1", "c/1", "d/1", "e/1", "f/1", "g/1", "h/1"}
	nine  = append(append([]string(nil), eight...), "i/1")
)

// Each scenario passes with the production adapter and fails with the
// variant that lacks the defence it exercises (GOMLS.md bugs 3, 4, 5).
var defenceScenarios = []struct {
	without  mlsadapter.Defence
	scenario func(*enginetest.World) error
}{
	{mlsadapter.PathOnAdd, func(w *enginetest.World) error {
		// Eight leaves (a=0 ... h=7). a's key update gives it the secrets
		// of nodes 1, 3 and 7. c removes b: node 1 goes blank, c's path
		// renews 3 and 7, and a keeps its old secret for node 1. a then
		// adds i into b's free leaf: without a path, the welcome carries
		// that stale secret for node 1, from which i derives a wrong
		// secret for node 3. e's next commit encrypts to node 3, and i
		// cannot process it.
		if err := w.C("a/1").CreateGroup("g"); err != nil {
			return err
		}
		if _, err := w.C("a/1").AddMembers("g", "b", "c", "d", "e", "f", "g", "h"); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
		if err := keyUpdates(w, []string{"a/1"}); err != nil {
			return err
		}
		if _, err := w.C("c/1").RemoveMembers("g", "b"); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
		if err := addOneByOne(w, "a/1", []string{"i/1"}); err != nil {
			return err
		}
		return keyUpdates(w, []string{"e/1"})
	}},
	{mlsadapter.DeepCopyCommit, func(w *enginetest.World) error {
		// Two members that have committed before commit from one epoch;
		// the loser must process the winner's commit.
		if err := w.C("a/1").CreateGroup("g"); err != nil {
			return err
		}
		if _, err := w.C("a/1").AddMembers("g", "b", "c"); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
		if err := keyUpdates(w, []string{"b/1", "c/1"}); err != nil {
			return err
		}
		for _, id := range []string{"b/1", "c/1"} {
			if _, err := w.C(id).KeyUpdate("g"); err != nil {
				return err
			}
			if _, err := w.C(id).PublishNext("g"); err != nil {
				return err
			}
		}
		return nil
	}},
	{mlsadapter.RehashOnRestore, func(w *enginetest.World) error {
		// Two members restart (states restored from the store) and commit;
		// the two that did not restart must follow.
		if err := w.C("a/1").CreateGroup("g"); err != nil {
			return err
		}
		if _, err := w.C("a/1").AddMembers("g", "b", "c", "d"); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
		for _, id := range eight[:2] {
			if err := w.Restart(id); err != nil {
				return err
			}
		}
		return keyUpdates(w, eight[:4])
	}},
}

// 11. Each adapter defence matters.
func TestAdapterDefencesMatter(t *testing.T) {
	for _, tc := range defenceScenarios {
		t.Run(tc.without.String(), func(t *testing.T) {
			w, err := worldWith(61, 0, nine...)
			require.NoError(t, err)
			require.True(t, healthy(t, w, tc.scenario), "production adapter")
			w, err = worldWith(61, tc.without, nine...)
			require.NoError(t, err)
			require.False(t, healthy(t, w, tc.scenario), "variant without %s", tc.without)
		})
	}
}

// 11 (lifetimes). Every key package carries the fixed lifetime, so no
// wall clock reaches the bytes; the variant without it reads the clock.
func TestKeyPackageLifetimesFixed(t *testing.T) {
	fixed := func(w *enginetest.World) bool {
		for _, id := range w.Names() {
			for _, kp := range w.Net.KeyPackages(id) {
				nb, na, err := mlsadapter.KeyPackageLifetime(kp)
				require.NoError(t, err)
				if nb != 0 || na != mlsadapter.FixedNotAfter {
					return false
				}
			}
		}
		return true
	}
	w, err := worldWith(62, 0, eight[:3]...)
	require.NoError(t, err)
	require.True(t, fixed(w))
	w, err = worldWith(62, mlsadapter.FixedLifetime, eight[:3]...)
	require.NoError(t, err)
	require.False(t, fixed(w))
}

func addOneByOne(w *enginetest.World, adder string, ids []string) error {
	for _, id := range ids {
		if _, err := w.C(adder).AddMembers("g", engine.AccountOf(id)); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
	}
	return nil
}

func keyUpdates(w *enginetest.World, ids []string) error {
	for _, id := range ids {
		if _, err := w.C(id).KeyUpdate("g"); err != nil {
			return err
		}
		if err := w.Stabilize(20); err != nil {
			return err
		}
	}
	return nil
}

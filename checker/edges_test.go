package checker_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

// What the checker does at the edges of what it is given: a store
// attached again (a restart), a client whose network calls were not
// recorded, no key package directory, a store that cannot be read.

// A store attached again is read on from where the checker left it: a
// restarted client's rows are not judged twice (S3 would see every epoch
// entered twice).
func TestReattachedStoreIsReadOn(t *testing.T) {
	w := healthy()
	w.reattach = true
	require.Empty(t, describe(w.run(t).Violations()))
}

// S9 judges only publishers whose calls it saw: without b/1's calls, its
// re-send (justified or not) is not judged.
func TestUnrecordedPublisherIsNotJudged(t *testing.T) {
	for _, unjustified := range []bool{false, true} {
		w := healthy()
		if unjustified {
			w.calls = without(w.calls, func(c callRow) bool { return c.Kind == checker.CallQuery && c.Installation == "b/1" })
		}
		w.calls = without(w.calls, func(c callRow) bool { return c.Installation == "b/1" })
		c := w.run(t)
		require.Empty(t, describe(c.Violations()))
		require.Len(t, c.Copies(), 2, "a/1's two extra copies are still attributed")
	}
}

// Without a directory S10 cannot list an add's targets' installations, so
// it judges removes only.
func TestNoDirectoryJudgesRemovesOnly(t *testing.T) {
	w := healthy()
	w.dirless = true
	w.c("a/1").intent(6).skipped = nil // would be S10 with a directory
	require.Empty(t, describe(w.run(t).Violations()))

	w = healthy()
	w.dirless = true
	w.c("a/1").intent(5).data = "b"
	require.Equal(t, map[string]bool{"S10": true}, properties(w.run(t).Violations()))
}

type brokenStore struct{}

var errUnreadable = errors.New("unreadable")

func (brokenStore) Read(func(checker.Querier) error) error { return errUnreadable }

// A store that cannot be read is an error of the run, not a violation of
// the client: Step and Final say which one.
func TestUnreadableStoreIsAnError(t *testing.T) {
	c := checker.New(checker.Config{MaxPastEpochs: 3, Log: fakeLog{}})
	c.Attach("x/1", brokenStore{})
	err := c.Step(1, nil)
	require.ErrorIs(t, err, errUnreadable)
	require.ErrorContains(t, err, "x/1")
	_, err = c.Final(2, nil)
	require.ErrorIs(t, err, errUnreadable)
	require.ErrorContains(t, err, "x/1")
	require.Empty(t, c.Violations())
}

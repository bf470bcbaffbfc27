package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
)

// A counter must rise: a second message of the sender's epoch with the
// same counter is rejected even under a new message id (SPEC §5; go-mls
// cannot decrypt a sender's messages out of order, bug 2).
func TestOracleCounterMustRise(t *testing.T) {
	l := fakeLog{}
	l.add("g", msg(0, "a/1", 1, 1))
	l.add("g", msg(0, "a/1", 1, 2))
	l.add("g", msg(0, "a/1", 2, 3))
	o := checker.NewOracle(3)
	o.Fold(l)
	v := o.Group("g").Verdicts
	require.True(t, v[0].Accepted)
	require.False(t, v[1].Accepted)
	require.Equal(t, "counter 1 <= 1", v[1].Why)
	require.True(t, v[2].Accepted)
}

package checker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/checker"
	"github.com/mlsim/mlsim/wire"
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

// Every rejection says why, and the reader of a report sees that reason
// (S3 quotes it when a client stored what the oracle rejected).
func TestOracleVerdictReasons(t *testing.T) {
	l := fakeLog{}
	l.garbage("g", []byte("injected"))
	l["group/g"] = append(l["group/g"], checker.Record{Seq: 2, Payload: []byte("not an envelope"), Publisher: "a/1"})
	other := commit(0, "a/1", nil, nil)
	other.GroupID = "h"
	l.add("g", other)
	l.add("g", wire.Envelope{Kind: wire.KindProposal, GroupID: "g", Sender: "a/1", MLS: []byte{1}})
	forged := commit(0, "b/1", nil, nil)
	forged.Creator = "a/1"
	l.add("g", forged)
	l.add("g", commit(0, "a/1", nil, nil))
	l.add("g", commit(1, "b/1", nil, nil))
	o := checker.NewOracle(3)
	o.Fold(l)
	var why []string
	for _, v := range o.Group("g").Verdicts {
		why = append(why, v.Why)
	}
	require.Equal(t, []string{"injected", "malformed", "other group", "standalone proposal",
		"epoch 0 commit not by its creator", "", "commit from non-member b/1"}, why)
}

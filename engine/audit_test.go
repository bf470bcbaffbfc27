package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/intent"
)

// The audit log says how each epoch was entered and every intent state
// change, and a mark reads only what came after it.
func TestAuditLogs(t *testing.T) {
	w := newGroup(t, 81)
	a, mark, err := engine.ReadAudit(w.Store("alice/1"), engine.AuditMark{})
	require.NoError(t, err)
	require.Len(t, a.Epochs, 2)
	require.Equal(t, []string{"create", "commit"}, []string{a.Epochs[0].Via, a.Epochs[1].Via})
	require.Equal(t, uint64(1), a.Epochs[1].Epoch)
	require.NotEmpty(t, a.Epochs[1].CommitHash)
	var moves []intent.State
	for _, tr := range a.Transitions {
		moves = append(moves, tr.To)
	}
	require.Equal(t, []intent.State{intent.Published, intent.Committed}, moves)
	require.Equal(t, []engine.GroupPosition{{ID: "g", Epoch: 1, Cursor: 1}}, a.Groups)

	b, _, err := engine.ReadAudit(w.Store("bob/1"), engine.AuditMark{})
	require.NoError(t, err)
	require.Len(t, b.Epochs, 1)
	require.Equal(t, "welcome", b.Epochs[0].Via)
	require.Equal(t, a.Epochs[1].Authenticator, b.Epochs[0].Authenticator)
	require.Equal(t, a.Epochs[1].CommitSeq, b.Epochs[0].CommitSeq)

	_, err = w.C("bob/1").Send("g", []byte("hi"))
	require.NoError(t, err)
	require.NoError(t, w.Stabilize(10))
	a2, _, err := engine.ReadAudit(w.Store("alice/1"), mark)
	require.NoError(t, err)
	require.Empty(t, a2.Epochs)
	require.Empty(t, a2.Transitions)
	require.Len(t, a2.Messages, 1)
	require.Equal(t, "hi", a2.Messages[0].Body)
}

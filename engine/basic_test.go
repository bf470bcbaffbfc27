package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine/enginetest"
)

func TestBasicFlow(t *testing.T) {
	w := enginetest.New(1)
	require.NoError(t, w.Add("alice/1", "alice/2", "bob/1", "bob/2", "carol/1"))
	require.NoError(t, w.C("alice/1").CreateGroup("g"))
	_, err := w.C("alice/1").AddMembers("g", "bob")
	require.NoError(t, err)
	require.NoError(t, w.Stabilize(20))
	_, err = w.C("bob/2").Send("g", []byte("hi"))
	require.NoError(t, err)
	_, err = w.C("alice/2").AddMembers("g", "carol")
	require.NoError(t, err)
	require.NoError(t, w.Stabilize(20))
	snaps, err := w.Snapshots()
	require.NoError(t, err)
	for _, s := range snaps {
		t.Logf("%s groups=%+v", s.Installation, s.Groups)
		for _, in := range s.Intents {
			t.Logf("  intent %+v", in)
		}
		for _, m := range s.Messages {
			t.Logf("  msg %s", m)
		}
	}
	for _, e := range w.Events {
		t.Log(e)
	}
}

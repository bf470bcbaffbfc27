package nettransport_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/nettransport"
)

// next polls a stream until a delivery or an error, for at most 5 s.
func next(t *testing.T, s engine.Stream) (engine.TopicEnvelope, error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		e, ok, err := s.Next()
		if ok || err != nil {
			return e, err
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("nothing delivered within 5 s")
	return engine.TopicEnvelope{}, nil
}

// A subscription delivers what was stored after its sequence id, then
// what lands, in order, without Next ever blocking; when the connection
// goes, Next says ErrNetwork (the engine subscribes again).
func TestSubscribeDeliversInOrder(t *testing.T) {
	addr, _ := server(t)
	alice := dial(t, addr, time.Second).For("alice/1")
	bobConn := dial(t, addr, time.Second)
	require.NoError(t, alice.Publish("group/g", []byte("1")))
	require.NoError(t, alice.Publish("group/g", []byte("2")))
	s, err := bobConn.For("bob/1").Subscribe("group/g", 1)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, alice.Publish("group/g", []byte("3")))
	for _, want := range []string{"2:2", "3:3"} {
		e, err := next(t, s)
		require.NoError(t, err)
		require.Equal(t, want, fmt.Sprintf("%d:%s", e.Seq, e.Payload))
	}
	_, ok, err := s.Next()
	require.False(t, ok)
	require.NoError(t, err)
	require.NoError(t, bobConn.Close())
	_, err = next(t, s)
	require.ErrorIs(t, err, nettransport.ErrNetwork)
}

// An installation the directory revoked cannot upload again: the engine
// gets engine.ErrRevoked, not a network error.
func TestRevokedUploadIsErrRevoked(t *testing.T) {
	addr, _ := server(t)
	c := dial(t, addr, time.Second)
	tr := c.For("alice/2")
	require.NoError(t, tr.UploadKeyPackages("alice", "alice/2", [][]byte{{1}}))
	v, err := tr.DirectoryVersion()
	require.NoError(t, err)
	require.NoError(t, c.Revoke(context.Background(), "alice/2"))
	err = tr.UploadKeyPackages("alice", "alice/2", [][]byte{{2}})
	require.ErrorIs(t, err, engine.ErrRevoked)
	require.NotErrorIs(t, err, nettransport.ErrNetwork)
	after, err := tr.DirectoryVersion()
	require.NoError(t, err)
	require.Greater(t, after, v)
	ids, err := tr.Installations("alice")
	require.NoError(t, err)
	require.Empty(t, ids)
}

// The engine takes pushed envelopes over the network as over memnet: bob
// subscribes to the group, alice sends, and bob's StreamStep processes the
// message from the stream (no pull), and the checker finds nothing.
func TestEngineStreamsOverNetwork(t *testing.T) {
	w := newLiveWorld(t, 5*time.Second)
	w.add(3, "alice/1", "bob/1")
	w.settle(5)
	require.NoError(t, w.c("alice/1").CreateGroup("g"))
	_, err := w.c("alice/1").AddMembers("g", "bob")
	require.NoError(t, err)
	w.settle(20)
	require.NoError(t, w.c("bob/1").Subscribe("g"))
	_, err = w.c("alice/1").Send("g", []byte("pushed"))
	require.NoError(t, err)
	_, err = w.c("alice/1").PublishNext("g")
	require.NoError(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := w.c("bob/1").StreamStep("g")
		require.NoError(t, err)
		if r.Action == engine.StreamProcessed {
			break
		}
		require.True(t, time.Now().Before(deadline), "not delivered within 5 s (last: %s)", r)
		time.Sleep(5 * time.Millisecond)
	}
	w.checkStep()
	snap, err := w.c("bob/1").Snapshot()
	require.NoError(t, err)
	var bodies []string
	for _, m := range snap.Messages {
		if m.Kind == engine.MessageApplication {
			bodies = append(bodies, m.Body)
		}
	}
	require.Equal(t, []string{"pushed"}, bodies)
	w.settle(20)
	w.final()
}

package memnet

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

func TestOrderedTopicsAndHead(t *testing.T) {
	s := New(100, 0) // tick 0: timestamps tie
	a := s.For("a/1")
	require.NoError(t, a.Publish("t", []byte("x")))
	require.NoError(t, a.Publish("t", []byte("y")))
	p, err := a.Query("t", 0, 1)
	require.NoError(t, err)
	require.Equal(t, uint64(2), p.Head)
	require.Len(t, p.Envelopes, 1)
	require.Equal(t, uint64(1), p.Envelopes[0].Seq)
	p, err = a.Query("t", 1, 10)
	require.NoError(t, err)
	require.Equal(t, []byte("y"), p.Envelopes[0].Payload)
	require.Equal(t, s.Log("t")[0].TimestampNs, s.Log("t")[1].TimestampNs)
	require.Equal(t, "a/1", s.Log("t")[0].Publisher)
}

// Topics come back sorted whatever order they appeared in, as a copy the
// caller may change; Records counts every append, injected ones included.
func TestTopicsSortedAndRecordsCounted(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	require.Empty(t, s.Topics())
	require.Zero(t, s.Records())
	for _, topic := range []string{"m", "c", "x", "c", "a"} {
		require.NoError(t, a.Publish(topic, []byte(topic)))
	}
	s.Inject("b", []byte("junk"))
	require.Equal(t, []string{"a", "b", "c", "m", "x"}, s.Topics())
	require.Equal(t, uint64(6), s.Records())
	got := s.Topics()
	got[0] = "changed"
	require.Equal(t, "a", s.Topics()[0])
}

func TestPublishFaults(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	s.Arm("a/1", PublishLost)
	s.Arm("a/1", PublishAmbiguous)
	s.Arm("a/1", PublishDelayed)
	require.ErrorIs(t, a.Publish("t", []byte("lost")), ErrNetwork)
	require.ErrorIs(t, a.Publish("t", []byte("ambiguous")), ErrNetwork)
	require.ErrorIs(t, a.Publish("t", []byte("delayed")), ErrNetwork)
	require.NoError(t, a.Publish("t", []byte("fine")))
	require.Equal(t, uint64(2), s.Head("t"))
	require.Equal(t, 1, s.PendingDelayed())
	s.Heal()
	require.Equal(t, uint64(3), s.Head("t"))
	require.Equal(t, []byte("delayed"), s.Log("t")[2].Payload)
	st := s.Stats()
	require.Equal(t, Stats{Published: 1, Lost: 1, Ambiguous: 1, Delayed: 1}, st)
}

func TestQueryFaultsAndPartition(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	for i := 0; i < 4; i++ {
		require.NoError(t, a.Publish("t", []byte{byte(i)}))
	}
	s.Arm("a/1", QueryError)
	s.Arm("a/1", QueryShortPage)
	_, err := a.Query("t", 0, 4)
	require.ErrorIs(t, err, ErrNetwork)
	p, err := a.Query("t", 0, 4)
	require.NoError(t, err)
	require.Len(t, p.Envelopes, 2)
	require.Equal(t, uint64(4), p.Head)
	s.Partition("a/1")
	_, err = a.Query("t", 0, 4)
	require.ErrorIs(t, err, ErrNetwork)
	require.ErrorIs(t, a.Publish("t", nil), ErrNetwork)
	s.Unpartition("a/1")
	_, err = a.Query("t", 0, 4)
	require.NoError(t, err)
}

func TestKeyPackageDirectory(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	require.NoError(t, a.UploadKeyPackages("a", "a/1", [][]byte{{1}, {2}}))
	require.NoError(t, a.UploadKeyPackages("a", "a/2", [][]byte{{3}}))
	ids, err := a.Installations("a")
	require.NoError(t, err)
	require.Equal(t, []string{"a/1", "a/2"}, ids)
	kp, err := a.FetchKeyPackage("a/1")
	require.NoError(t, err)
	require.Equal(t, []byte{1}, kp)
	n, err := a.KeyPackageCount("a/1")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, _ = a.FetchKeyPackage("a/2")
	_, err = a.FetchKeyPackage("a/2")
	require.ErrorIs(t, err, engine.ErrNoKeyPackage, "a consumed key package is never handed out twice")
}

func TestInjectIsTagged(t *testing.T) {
	s := New(1, 1)
	seq := s.Inject("t", []byte("junk"))
	require.Equal(t, uint64(1), seq)
	require.True(t, s.Log("t")[0].Garbage)
	require.Empty(t, s.Log("t")[0].Publisher)
}

// The log digest covers every record's bytes: equal logs give equal
// digests, and one payload byte, a publisher or an injected flag changes it.
func TestLogDigestCoversEveryRecord(t *testing.T) {
	build := func(last []byte, publisher string, inject bool) []byte {
		s := New(1, 1)
		require.NoError(t, s.For("a/1").Publish("g/x", []byte("first")))
		if inject {
			s.Inject("g/x", last)
		} else {
			require.NoError(t, s.For(publisher).Publish("g/x", last))
		}
		return s.LogDigest()
	}
	base := build([]byte("second"), "b/1", false)
	require.Equal(t, base, build([]byte("second"), "b/1", false))
	require.NotEqual(t, base, build([]byte("secone"), "b/1", false))
	require.NotEqual(t, base, build([]byte("second"), "c/1", false))
	require.NotEqual(t, base, build([]byte("second"), "", true))
}

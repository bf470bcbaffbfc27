package memnet

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
)

// drain takes every pending delivery's sequence id, stopping at none.
func drain(t *testing.T, st engine.Stream) []uint64 {
	t.Helper()
	var out []uint64
	for {
		env, ok, err := st.Next()
		require.NoError(t, err)
		if !ok {
			return out
		}
		out = append(out, env.Seq)
	}
}

// A subscription delivers what is stored after its starting point, then
// every record as it lands: a publish, a delayed publish landing, an
// injected one; other topics' records are not delivered.
func TestSubscriptionDeliversAsRecordsLand(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	for i := 0; i < 3; i++ {
		require.NoError(t, a.Publish("t", []byte{byte(i)}))
	}
	st, err := s.For("b/1").Subscribe("t", 1)
	require.NoError(t, err)
	require.Equal(t, []uint64{2, 3}, drain(t, st))
	s.Arm("a/1", PublishDelayed)
	require.Error(t, a.Publish("t", []byte("late")))
	require.NoError(t, a.Publish("t", []byte("x")))
	require.NoError(t, a.Publish("other", []byte("y")))
	s.Inject("t", []byte("junk"))
	require.True(t, s.LandDelayed())
	env, ok, err := st.Next()
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, uint64(4), env.Seq)
	require.Equal(t, []byte("x"), env.Payload)
	env.Payload[0] = 'z' // a copy: the log keeps its bytes
	require.Equal(t, []byte("x"), s.Log("t")[3].Payload)
	require.Equal(t, []uint64{5, 6}, drain(t, st))
	require.Equal(t, []byte("late"), s.Log("t")[5].Payload)
}

// Each stream fault fires on the installation's next delivery it can act
// on: a drop leaves a gap, a duplicate comes twice, a delay comes after
// the rest, and a break fails every later Next.
func TestStreamFaults(t *testing.T) {
	s := New(1, 1)
	a := s.For("a/1")
	for i := 0; i < 6; i++ {
		require.NoError(t, a.Publish("t", []byte{byte(i)}))
	}
	st, err := s.For("b/1").Subscribe("t", 0)
	require.NoError(t, err)
	s.Arm("b/1", StreamDrop)
	s.Arm("b/1", StreamDuplicate)
	s.Arm("b/1", StreamDelay)
	// 1 dropped; 3 delivered and queued again; that second copy of 3
	// delayed behind the rest.
	require.Equal(t, []uint64{2, 3, 4, 5, 6, 3}, drain(t, st))
	require.Equal(t, Stats{Published: 6, StreamDropped: 1, StreamDuplicated: 1, StreamDelayed: 1}, s.Stats())

	// A fault waits for a delivery to act on; a break does not.
	s.Arm("b/1", StreamDrop)
	_, ok, err := st.Next()
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, a.Publish("t", []byte("dropped")))
	require.NoError(t, a.Publish("t", []byte("kept")))
	require.Equal(t, []uint64{8}, drain(t, st))
	s.Arm("b/1", StreamBreak)
	_, _, err = st.Next()
	require.ErrorIs(t, err, ErrNetwork)
	require.NoError(t, a.Publish("t", []byte("after")))
	_, _, err = st.Next()
	require.ErrorIs(t, err, ErrNetwork, "a broken subscription stays broken")
	require.Zero(t, s.Subscriptions("b/1"))
}

// A partition breaks every subscription of the installation and refuses
// new ones; Disconnect breaks them too; Close ends one quietly; Heal
// disarms stream faults but revives nothing.
func TestPartitionDisconnectCloseHeal(t *testing.T) {
	s := New(1, 1)
	b := s.For("b/1")
	st1, err := b.Subscribe("t", 0)
	require.NoError(t, err)
	st2, err := b.Subscribe("u", 0)
	require.NoError(t, err)
	other, err := s.For("c/1").Subscribe("t", 0)
	require.NoError(t, err)
	require.Equal(t, 2, s.Subscriptions("b/1"))
	s.Partition("b/1")
	for _, st := range []engine.Stream{st1, st2} {
		_, _, err := st.Next()
		require.ErrorIs(t, err, ErrNetwork)
	}
	_, err = b.Subscribe("t", 0)
	require.ErrorIs(t, err, ErrNetwork)
	s.Unpartition("b/1")

	st3, err := b.Subscribe("t", 0)
	require.NoError(t, err)
	s.Disconnect("b/1")
	_, _, err = st3.Next()
	require.ErrorIs(t, err, ErrNetwork)

	require.NoError(t, s.For("a/1").Publish("t", []byte("x")))
	require.Equal(t, []uint64{1}, drain(t, other), "another installation's subscription is untouched")
	other.Close()
	require.NoError(t, s.For("a/1").Publish("t", []byte("y")))
	require.Zero(t, s.Subscriptions("c/1"))

	st4, err := b.Subscribe("t", 2)
	require.NoError(t, err)
	s.Arm("b/1", StreamBreak)
	s.Heal()
	require.NoError(t, s.For("a/1").Publish("t", []byte("z")))
	require.Equal(t, []uint64{3}, drain(t, st4), "Heal disarmed the break")
}

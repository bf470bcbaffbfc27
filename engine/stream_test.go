package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlsim/mlsim/engine"
	"github.com/mlsim/mlsim/memnet"
)

// StreamStep's answers, one delivery each: not subscribed, processed, a
// gap a pull fills, skipped, none, a break and the resubscription after
// it. (How streams interleave with pulls and faults is in the conformance
// scripts stream-*.txt.)
func TestStreamStepAnswers(t *testing.T) {
	w := newGroup(t, 98)
	bob := w.c("bob/1")
	_, err := bob.StreamStep("g")
	require.ErrorIs(t, err, engine.ErrNotSubscribed)
	require.NoError(t, bob.Subscribe("g"))
	require.Equal(t, []string{"g"}, bob.Subscriptions())
	head := w.net.Head("group/g")
	for _, body := range []string{"a", "b", "c"} {
		need(t).intent(w.c("alice/1").Send("g", []byte(body)))
		_, err := w.c("alice/1").PublishNext("g")
		require.NoError(t, err)
	}
	step := func() string {
		t.Helper()
		r, err := bob.StreamStep("g")
		require.NoError(t, err)
		return r.String()
	}
	w.net.Arm("bob/1", memnet.StreamDrop)
	require.Equal(t, fmt.Sprintf("seq=%d gap cursor=%d", head+2, head), step())
	require.Equal(t, fmt.Sprintf("seq=%d skipped cursor=%d", head+3, head+3), step(), "the pull read it already")
	require.Equal(t, "none", step())
	require.Equal(t, []string{"a", "b", "c"}, bodies(appMessages(t, w, "bob/1", "g")))

	w.net.Arm("bob/1", memnet.StreamBreak)
	_, err = bob.StreamStep("g")
	require.ErrorIs(t, err, engine.ErrStreamBroken)
	require.ErrorIs(t, err, memnet.ErrNetwork)
	need(t).intent(w.c("alice/1").Send("g", []byte("d")))
	_, err = w.c("alice/1").PublishNext("g")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("resubscribed seq=%d processed", head+4), step())
}

// Upkeep drains the subscriptions the application opened, opening a
// broken one again, before it pulls; a client that subscribed nothing
// runs the step as a no-op.
func TestUpkeepDrainsStreams(t *testing.T) {
	w := newGroup(t, 99)
	bob := w.c("bob/1")
	require.NoError(t, bob.Subscribe("g"))
	w.net.Arm("bob/1", memnet.StreamBreak)
	_, err := bob.StreamStep("g")
	require.ErrorIs(t, err, engine.ErrStreamBroken)
	need(t).intent(w.c("alice/1").Send("g", []byte("hi")))
	_, err = w.c("alice/1").PublishNext("g")
	require.NoError(t, err)
	w.net.Partition("bob/1")
	rep, err := bob.Upkeep()
	require.ErrorContains(t, err, "streams: subscribe g: ")
	require.Equal(t, "streams", rep.Steps[2].Name)
	w.net.Unpartition("bob/1")
	_, err = bob.Upkeep()
	require.NoError(t, err)
	require.Equal(t, 1, w.net.Subscriptions("bob/1"))
	require.Equal(t, []string{"hi"}, bodies(appMessages(t, w, "bob/1", "g")))
}

// bodies keeps the bodies of appMessages' "id:body" lines.
func bodies(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m[strings.IndexByte(m, ':')+1:]
	}
	return out
}
